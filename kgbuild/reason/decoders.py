"""Knowledge-graph-embedding decoders: score (head, relation, tail) from node embeddings.

Each decoder owns the relation embeddings (``2 * num_relations`` of them: every relation and
its reciprocal, so head queries are tail queries of the inverse relation, as in Lacroix et al.
2018) and scores a batch of queries against every candidate at once (1-N scoring, Dettmers et
al. 2018), which is what makes training and evaluation on these graphs fast.

* DistMult — Yang et al., "Embedding Entities and Relations for Learning and Inference in
  Knowledge Bases", ICLR 2015: ``<h, r, t>``.
* ComplEx — Trouillon et al., "Complex Embeddings for Simple Link Prediction", ICML 2016:
  ``Re(<h, r, conj(t)>)``.
* RotatE — Sun et al., "RotatE: Knowledge Graph Embedding by Relational Rotation in Complex
  Space", ICLR 2019: ``gamma - ||h o r - t||`` with ``|r_i| = 1``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class KGEDecoder(nn.Module):
    """Base class: ``forward(h, r, t)`` scores aligned triples, ``score_all(h, r, candidates)``
    scores each query against every candidate row."""

    def __init__(self, num_relations: int, channels: int, rel_channels: int | None = None) -> None:
        super().__init__()
        self.num_relations = num_relations
        self.channels = channels
        self.rel_emb = nn.Embedding(2 * num_relations, rel_channels or channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.xavier_uniform_(self.rel_emb.weight)

    def forward(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        raise NotImplementedError

    def score_all(self, h: Tensor, r: Tensor, candidates: Tensor) -> Tensor:
        raise NotImplementedError

    def regularizer(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        """Weighted nuclear 3-norm (Lacroix et al. 2018) of the factors of a batch."""
        rel = self.rel_emb(r)
        return (h.abs().pow(3).sum() + rel.abs().pow(3).sum() + t.abs().pow(3).sum()) / h.size(0)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.num_relations}, channels={self.channels})"


class DistMult(KGEDecoder):
    def forward(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        return (h * self.rel_emb(r) * t).sum(-1)

    def score_all(self, h: Tensor, r: Tensor, candidates: Tensor) -> Tensor:
        return (h * self.rel_emb(r)) @ candidates.t()


class ComplEx(KGEDecoder):
    """Embeddings of size ``channels`` hold ``channels / 2`` complex numbers (real half first)."""

    def __init__(self, num_relations: int, channels: int) -> None:
        if channels % 2:
            raise ValueError("ComplEx needs an even number of channels")
        super().__init__(num_relations, channels)

    def _rotate(self, h: Tensor, r: Tensor) -> Tensor:
        h_re, h_im = h.chunk(2, dim=-1)
        r_re, r_im = self.rel_emb(r).chunk(2, dim=-1)
        return torch.cat([h_re * r_re - h_im * r_im, h_re * r_im + h_im * r_re], dim=-1)

    def forward(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        return (self._rotate(h, r) * t).sum(-1)

    def score_all(self, h: Tensor, r: Tensor, candidates: Tensor) -> Tensor:
        return self._rotate(h, r) @ candidates.t()


class RotatE(KGEDecoder):
    """Relations are phases; the score is a margin minus the L1 norm of complex moduli."""

    def __init__(self, num_relations: int, channels: int, margin: float = 9.0) -> None:
        if channels % 2:
            raise ValueError("RotatE needs an even number of channels")
        self.margin = margin
        super().__init__(num_relations, channels, rel_channels=channels // 2)

    def reset_parameters(self) -> None:
        nn.init.uniform_(self.rel_emb.weight, -math.pi, math.pi)

    def _rotate(self, h: Tensor, r: Tensor) -> tuple[Tensor, Tensor]:
        h_re, h_im = h.chunk(2, dim=-1)
        phase = self.rel_emb(r)
        cos, sin = torch.cos(phase), torch.sin(phase)
        return h_re * cos - h_im * sin, h_re * sin + h_im * cos

    def forward(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        re, im = self._rotate(h, r)
        t_re, t_im = t.chunk(2, dim=-1)
        return self.margin - torch.sqrt((re - t_re) ** 2 + (im - t_im) ** 2 + 1e-9).sum(-1)

    def score_all(self, h: Tensor, r: Tensor, candidates: Tensor) -> Tensor:
        re, im = self._rotate(h, r)
        c_re, c_im = candidates.chunk(2, dim=-1)
        out = []
        for start in range(0, candidates.size(0), 1024):  # [B, chunk, d/2] at a time
            d_re = re.unsqueeze(1) - c_re[start:start + 1024].unsqueeze(0)
            d_im = im.unsqueeze(1) - c_im[start:start + 1024].unsqueeze(0)
            out.append(self.margin - torch.sqrt(d_re ** 2 + d_im ** 2 + 1e-9).sum(-1))
        return torch.cat(out, dim=1)

    def regularizer(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        return (h.abs().pow(3).sum() + t.abs().pow(3).sum()) / h.size(0)


DECODERS = {"distmult": DistMult, "complex": ComplEx, "rotate": RotatE}
