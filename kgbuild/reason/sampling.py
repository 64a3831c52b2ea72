"""Neighbour sampling for PyG's ``LinkNeighborLoader`` without compiled extensions.

PyG samples neighbourhoods with ``pyg-lib`` or ``torch-sparse``, neither of which has wheels on
PyPI for every torch. :class:`TorchNeighborSampler` is PyG's ``NeighborSampler`` with a
vectorised pure-torch fallback for the homogeneous case (uniform, without replacement,
directional subgraphs), so mini-batch training works wherever torch does; with an extension
installed PyG's own kernels run.
"""

from __future__ import annotations

import torch
import torch_geometric.typing as pyg_typing
from torch import Tensor
from torch_geometric.sampler import NeighborSampler, SamplerOutput


def has_native_sampler() -> bool:
    return bool(pyg_typing.WITH_PYG_LIB or pyg_typing.WITH_TORCH_SPARSE)


def sample_neighbors(colptr: Tensor, row: Tensor, seed: Tensor, num_neighbors: list[int],
                     generator: torch.Generator | None = None) -> SamplerOutput:
    """Uniform k-hop sampling over a CSC graph. ``out.node`` starts with ``seed`` (unique) in
    order; ``row``/``col`` are local source/target indices and ``edge`` positions in CSC order."""
    num_nodes = colptr.numel() - 1
    local = torch.full((num_nodes,), -1, dtype=torch.long)
    local[seed] = torch.arange(seed.numel())
    nodes, rows, cols, edges = [seed], [], [], []
    frontier, count = seed, seed.numel()
    sampled_nodes, sampled_edges = [seed.numel()], []
    for k in num_neighbors:
        start, deg = colptr[frontier], colptr[frontier + 1] - colptr[frontier]
        owner = torch.repeat_interleave(torch.arange(frontier.numel()), deg)
        offset = torch.arange(owner.numel()) - torch.repeat_interleave(deg.cumsum(0) - deg, deg)
        eid = start[owner] + offset
        if k >= 0 and eid.numel():
            # A random order within each target's neighbour list; keep the first k.
            key = owner.double() + torch.rand(owner.numel(), generator=generator, dtype=torch.double) * 0.5
            order = key.argsort()
            eid, owner = eid[order], owner[order]
            first = torch.repeat_interleave(deg.cumsum(0) - deg, deg)
            keep = (torch.arange(owner.numel()) - first) < k
            eid, owner = eid[keep], owner[keep]
        src = row[eid]
        new = torch.unique(src[local[src] < 0])
        local[new] = torch.arange(count, count + new.numel())
        count += new.numel()
        nodes.append(new)
        rows.append(local[src])
        cols.append(local[frontier[owner]])
        edges.append(eid)
        sampled_nodes.append(new.numel())
        sampled_edges.append(eid.numel())
        frontier = new
    cat = lambda xs: torch.cat(xs) if xs else torch.empty(0, dtype=torch.long)  # noqa: E731
    return SamplerOutput(node=cat(nodes), row=cat(rows), col=cat(cols), edge=cat(edges), batch=None,
                         num_sampled_nodes=sampled_nodes, num_sampled_edges=sampled_edges)


class TorchNeighborSampler(NeighborSampler):
    """``NeighborSampler`` that falls back to :func:`sample_neighbors` when PyG has no kernel."""

    def _sample(self, seed, seed_time=None, **kwargs):
        if has_native_sampler() or self.is_hetero or self.disjoint or self.is_temporal:
            return super()._sample(seed, seed_time, **kwargs)
        out = sample_neighbors(self.colptr, self.row, seed, self.num_neighbors.get_mapped_values())
        if self.sample_direction == "backward":
            out.row, out.col = out.col, out.row
        return out
