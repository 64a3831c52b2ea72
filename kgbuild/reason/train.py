"""Training the link predictor: 1-N cross-entropy, full-batch or ``LinkNeighborLoader`` mini-batches.

Full batch (small graphs, the usual case for a corpus graph and the benchmarks): every step
runs the R-GCN over the whole training graph and scores a batch of queries against every
entity. Mini-batch (``neighbor`` batching, large graphs): PyG's ``LinkNeighborLoader`` samples
the neighbourhood of a batch of training links and the queries are scored against the nodes
of that subgraph. Either way training stops at ``max_seconds`` and keeps the weights that
scored best on the validation triples.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field

import torch

from .evaluate import evaluate
from .link_predictor import LinkPredictor


@dataclass
class TrainConfig:
    decoder: str = "complex"
    channels: int = 200
    num_layers: int = 1
    num_bases: int = 4
    dropout: float = 0.2
    input_dropout: float = 0.1
    edge_dropout: float = 0.2        # drop message edges each step, so a link is not read off its own edge
    node_dropout: float = 0.25       # with features: leave out an entity's own embedding, features must carry it
    lr: float = 0.01
    batch_size: int = 512
    epochs: int = 300
    max_seconds: float | None = None
    label_smoothing: float = 0.1
    reg: float = 0.01                # N3 weight (Lacroix et al. 2018)
    eval_every: int = 5
    patience: int = 10               # evaluations without improvement before stopping
    batching: str = "auto"           # auto | full | neighbor
    neighbor_edges: int = 500_000    # auto: mini-batches above this many message edges
    num_neighbors: list[int] = field(default_factory=lambda: [10])
    seed: int = 0
    threads: int = 0                 # 0: leave torch's setting
    device: str = "auto"             # auto: cuda when available

    def to_dict(self) -> dict:
        return asdict(self)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def train(train_triples: torch.Tensor, num_nodes: int, num_relations: int, cfg: TrainConfig, *,
          valid: torch.Tensor | None = None, filter_triples: torch.Tensor | None = None,
          features: torch.Tensor | None = None, log=None, progress=None) -> tuple[LinkPredictor, dict]:
    """Fit a :class:`LinkPredictor`. ``progress(fraction)`` is called as time or epochs pass."""
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    device = pick_device(cfg.device)
    model = LinkPredictor(num_nodes, num_relations, cfg.channels, cfg.decoder, cfg.num_layers, cfg.num_bases,
                          cfg.dropout, cfg.input_dropout, features, cfg.node_dropout).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    edge_index, edge_type = LinkPredictor.message_graph(train_triples, num_relations)
    edge_index, edge_type = edge_index.to(device), edge_type.to(device)
    filter_triples = train_triples if filter_triples is None else filter_triples
    batching = cfg.batching
    if batching == "auto":
        batching = "neighbor" if edge_index.size(1) > cfg.neighbor_edges else "full"
    step = _full_batch_epoch if batching == "full" else _neighbor_epoch

    start = time.monotonic()
    deadline = start + cfg.max_seconds if cfg.max_seconds else math.inf
    best, best_state, best_epoch, history, stale, epoch = -1.0, None, 0, [], 0, 0
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        loss = step(model, opt, train_triples, edge_index, edge_type, num_relations, cfg, device, deadline)
        out_of_time = time.monotonic() >= deadline
        if progress:
            progress(max(epoch / cfg.epochs, min(1.0, (time.monotonic() - start) / (cfg.max_seconds or math.inf))))
        if valid is not None and len(valid) and (epoch % cfg.eval_every == 0 or out_of_time or epoch == cfg.epochs):
            mrr = evaluate_model(model, edge_index, edge_type, valid, filter_triples)["mrr"]
            history.append({"epoch": epoch, "loss": loss, "valid_mrr": mrr, "seconds": time.monotonic() - start})
            if log:
                log(f"epoch {epoch}: loss {loss:.4f}, valid MRR {mrr:.4f}")
            if mrr > best:
                best, best_epoch, stale = mrr, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                stale += 1
                if stale >= cfg.patience:
                    break
        elif log and epoch % cfg.eval_every == 0:
            log(f"epoch {epoch}: loss {loss:.4f}")
        if out_of_time:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    info = {"epochs": epoch, "best_epoch": best_epoch or epoch, "valid_mrr": best if best >= 0 else None,
            "train_seconds": time.monotonic() - start, "batching": batching, "device": str(device),
            "history": history}
    return model, info


def _queries(triples: torch.Tensor, num_relations: int) -> torch.Tensor:
    """Each triple as a tail query and, through the reciprocal relation, a head query."""
    h, r, t = triples.t()
    return torch.stack([torch.cat([h, t]), torch.cat([r, r + num_relations]), torch.cat([t, h])], dim=1)


def _drop_edges(edge_index, edge_type, p):
    if p <= 0:
        return edge_index, edge_type
    keep = torch.rand(edge_type.numel(), device=edge_type.device) >= p
    return edge_index[:, keep], edge_type[keep]


def _step(model, opt, z, h, r, t, cfg) -> float:
    """One optimiser step on the queries (h, r, ?) with answers t; the batch's mean loss."""
    loss = model.loss(model(z, h, r), t, cfg.label_smoothing)
    if cfg.reg:
        loss = loss + cfg.reg * model.regularizer(z, h, r, t)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def _full_batch_epoch(model, opt, triples, edge_index, edge_type, num_relations, cfg, device, deadline) -> float:
    queries = _queries(triples, num_relations).to(device)
    queries = queries[torch.randperm(len(queries), device=device)]
    total, n = 0.0, 0
    for start in range(0, len(queries), cfg.batch_size):
        h, r, t = queries[start:start + cfg.batch_size].t()
        ei, et = _drop_edges(edge_index, edge_type, cfg.edge_dropout)
        z = model.encode(ei, et)
        total, n = total + _step(model, opt, z, h, r, t, cfg) * len(h), n + len(h)
        if time.monotonic() >= deadline:
            break
    return total / max(n, 1)


def _neighbor_epoch(model, opt, triples, edge_index, edge_type, num_relations, cfg, device, deadline) -> float:
    from torch_geometric.data import Data
    from torch_geometric.loader import LinkNeighborLoader

    from .sampling import TorchNeighborSampler

    data = Data(edge_index=edge_index.cpu(), edge_type=edge_type.cpu(), num_nodes=model.num_nodes)
    h, r, t = triples.t()
    sampler = TorchNeighborSampler(data, num_neighbors=cfg.num_neighbors)
    loader = LinkNeighborLoader(data, num_neighbors=cfg.num_neighbors, edge_label_index=torch.stack([h, t]),
                                edge_label=r, batch_size=cfg.batch_size, shuffle=True, neighbor_sampler=sampler)
    total, n = 0.0, 0
    for batch in loader:
        batch = batch.to(device)
        ei, et = _drop_edges(batch.edge_index, batch.edge_type, cfg.edge_dropout)
        z = model.encode(ei, et, nodes=batch.n_id)
        src, dst = batch.edge_label_index
        rel = batch.edge_label
        heads, rels, tails = torch.cat([src, dst]), torch.cat([rel, rel + num_relations]), torch.cat([dst, src])
        # Candidates: every node of the sampled subgraph (in-batch negatives).
        total, n = total + _step(model, opt, z, heads, rels, tails, cfg) * len(heads), n + len(heads)
        if time.monotonic() >= deadline:
            break
    return total / max(n, 1)


@torch.no_grad()
def embed(model: LinkPredictor, edge_index: torch.Tensor, edge_type: torch.Tensor) -> torch.Tensor:
    model.eval()
    return model.encode(edge_index, edge_type)


def evaluate_model(model: LinkPredictor, edge_index, edge_type, triples: torch.Tensor,
                   filter_triples: torch.Tensor) -> dict:
    """Filtered both-sides metrics of ``model`` on ``triples`` (message passing over ``edge_index``)."""
    z = embed(model, edge_index, edge_type)
    device = z.device
    metrics = evaluate(lambda h, r: model(z, h.to(device), r.to(device)), triples, model.num_nodes,
                       model.num_relations, filter_triples)
    model.train()
    return metrics
