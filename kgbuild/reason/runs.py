"""Model runs kept under the store: ``<store>/reason/<run-id>/``.

A run folder holds ``config.json`` (the training config), ``metrics.json`` (validation
scores, sizes, timings), ``model.pt`` (weights and constructor arguments), ``entities.tsv`` /
``relations.tsv`` / ``triples.tsv`` (the id mapping and the graph it learnt from) and
``features.pt`` (the cached MiniLM label embeddings). Run ids start with the UTC time, so the
latest run sorts last and is the default for ``predict``, ``similar`` and ``infer``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from .. import __version__
from ..errors import ModelNotFoundError, StoreError
from ..ids import mint, sha256_text
from .data import KGGraph, load_graph, short_name
from .layout import RUNS_DIR, inferred_graph, list_runs, runs_dir  # noqa: F401 - re-exported
from .link_predictor import LinkPredictor
from .train import TrainConfig, evaluate_model, train

MIN_TRIPLES = 8
STORE_DEFAULTS: dict[str, Any] = {"channels": 128, "epochs": 300, "max_seconds": 120.0, "batch_size": 256, "eval_every": 10,
                  "patience": 8, "lr": 0.01, "reg": 0.005}


@dataclass
class Run:
    folder: Path
    graph: KGGraph
    model: LinkPredictor
    config: dict
    metrics: dict
    _z: torch.Tensor | None = field(default=None, repr=False)

    @property
    def run_id(self) -> str:
        return self.folder.name

    @property
    def iri(self) -> str:
        return mint("activity", "reason", self.run_id)

    @property
    def graph_iri(self) -> str:
        return inferred_graph(self.run_id)

    def embeddings(self) -> torch.Tensor:
        if self._z is None:
            edge_index, edge_type = LinkPredictor.message_graph(self.graph.triples, self.graph.num_relations)
            with torch.no_grad():
                self.model.eval()
                self._z = self.model.encode(edge_index, edge_type)
        return self._z

    @torch.no_grad()
    def probabilities(self, entity: torch.Tensor, relation: torch.Tensor) -> torch.Tensor:
        """Softmax over every entity for tail queries ``(entity, relation, ?)``; a relation id
        ``>= R`` asks for heads (the reciprocal relation)."""
        return torch.softmax(self.model(self.embeddings(), entity, relation), dim=-1)

    def predict(self, entity: int, relation: int, *, k: int = 10, heads: bool = False, typed: bool = True) -> list[dict]:
        """Ranked answers to ``(entity, relation, ?)`` (or ``(?, relation, entity)``), each with
        its probability, whether the graph already states it, and why the model thinks so.
        With ``typed``, only entities of the types the relation has been stated with on that
        side are answers (no PERSON as an employer); never the inverse of a stated fact of an
        asymmetric relation (the cup is inside the table: the table is not inside the cup)."""
        g, R = self.graph, self.graph.num_relations
        query_rel = relation + R if heads else relation
        probs = self.probabilities(torch.tensor([entity]), torch.tensor([query_rel]))[0].clone()
        probs[entity] = -1.0
        if typed:
            allowed = self.answer_types(relation, heads=heads)
            probs[torch.tensor([t not in allowed for t in g.types], dtype=torch.bool)] = -1.0
        if not g.symmetric(relation):
            for h, t in g.stated_pairs(relation):
                # (other, r, entity) stated for a tail query, (entity, r, other) for a head query:
                # "other" as the answer would be the inverse of a stated fact
                other, me = (t, h) if heads else (h, t)
                if me == entity:
                    probs[other] = -1.0
        known = self._known(relation, heads)
        top = [a for a in probs.argsort(descending=True)[:k].tolist() if probs[a] >= 0]
        return [{"rank": i + 1, "iri": g.entities[a], "label": g.labels[a], "type": g.types[a],
                 "score": float(probs[a]), "known": a in known.get(entity, ()),
                 "because": self.explain(entity, relation, a, heads=heads)} for i, a in enumerate(top)]

    def answer_types(self, relation: int, *, heads: bool = False) -> set[str]:
        """The types of the entities a relation has been stated with on the answer's side."""
        subjects, objects = self.graph.relation_types(relation)
        return subjects if heads else objects

    def type_note(self, entity: int, relation: int, *, heads: bool = False) -> str | None:
        """Why answers may mean little: the entity asked about is of a type the relation has
        never been stated with on its side (a GPE as the subject of worksFor)."""
        g = self.graph
        subjects, objects = g.relation_types(relation)
        side, seen = ("object", objects) if heads else ("subject", subjects)
        if g.types[entity] in seen:
            return None
        return (f"{g.labels[entity] or g.entities[entity]} is {g.types[entity] or 'untyped'}, but "
                f"{short_name(g.relations[relation])} has been stated only with {side}s of type "
                f"{', '.join(sorted(t or 'untyped' for t in seen))}: the answers are guesses")

    def _known(self, relation: int, heads: bool) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {}
        for h, r, t in self.graph.triples.tolist():
            if r == relation:
                a, b = (t, h) if heads else (h, t)
                out.setdefault(a, set()).add(b)
        return out

    def explain(self, entity: int, relation: int, answer: int, *, heads: bool = False, limit: int = 2) -> list[str]:
        """Evidence in the graph: the stated fact itself, other facts between the two, and
        the entities most like the query entity that have this relation to the answer."""
        g = self.graph
        z = torch.nn.functional.normalize(self.embeddings(), dim=-1)
        name = short_name(g.relations[relation])
        reasons, similar = [], []
        for h, r, t in g.triples.tolist():
            a, b = (t, h) if heads else (h, t)
            if {h, t} == {entity, answer}:
                reasons.append(f"stated: {g.labels[h]} {short_name(g.relations[r])} {g.labels[t]}")
            elif r == relation and b == answer and a != entity:
                similar.append((float(z[entity] @ z[a]), a))
        for sim, other in sorted(similar, reverse=True)[:limit]:
            fact = f"{g.labels[answer]} {name} {g.labels[other]}" if heads else f"{g.labels[other]} {name} {g.labels[answer]}"
            reasons.append(f"like {g.labels[other]} (similarity {sim:.2f}): {fact}")
        return reasons

    def similar(self, entity: int, k: int = 10) -> list[dict]:
        z = torch.nn.functional.normalize(self.embeddings(), dim=-1)
        sims = z @ z[entity]
        sims[entity] = -2.0
        g = self.graph
        return [{"rank": i + 1, "iri": g.entities[j], "label": g.labels[j], "type": g.types[j],
                 "similarity": float(sims[j])} for i, j in enumerate(sims.argsort(descending=True)[:k].tolist())]


def load_run(store: Path, run_id: str | None = None) -> Run:
    runs = list_runs(store)
    if not runs:
        raise ModelNotFoundError(f"no reasoning model under {runs_dir(store)}",
                                 hint=f"train one: kgbuild reason train --store {store}")
    run_id = run_id or runs[-1]
    if run_id not in runs:
        raise ModelNotFoundError(f"no run '{run_id}' under {runs_dir(store)}", hint="runs: " + ", ".join(runs))
    folder = runs_dir(store) / run_id
    saved = torch.load(folder / "model.pt", map_location="cpu", weights_only=True)
    kwargs = saved["kwargs"]
    features = saved["state_dict"].get("features")
    model = LinkPredictor(**kwargs, features=features)
    model.load_state_dict(saved["state_dict"])
    model.eval()
    return Run(folder, KGGraph.load_mapping(folder), model, json.loads((folder / "config.json").read_text()),
               json.loads((folder / "metrics.json").read_text()))


def split(triples: torch.Tensor, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Hold out ``fraction`` of the triples for validation, keeping in training at least one
    edge of every entity that has one (a held-out edge must be predictable from the rest)."""
    if len(triples) < 20 or fraction <= 0:
        return triples, triples[:0]
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(triples), generator=gen)
    degree = torch.bincount(triples[:, [0, 2]].flatten())
    held: list[int] = []
    want = int(len(triples) * fraction)
    for i in order.tolist():
        h, _, t = triples[i].tolist()
        if len(held) < want and degree[h] > 1 and degree[t] > 1:
            held.append(i)
            degree[h] -= 1
            degree[t] -= 1
    mask = torch.zeros(len(triples), dtype=torch.bool)
    mask[held] = True
    return triples[~mask], triples[mask]


def train_on_store(store_path: Path, cfg: TrainConfig, *, features: bool = True, valid_fraction: float = 0.1,
                   log=None, progress=None) -> Run:
    from ..store import KGStore

    started = time.time()
    graph = load_graph(KGStore(store_path, read_only=True))
    if len(graph.triples) < MIN_TRIPLES:
        raise StoreError(f"only {len(graph.triples)} relation edge(s) between entities: too few to learn from "
                         f"(at least {MIN_TRIPLES})", hint="build a larger corpus, or one with the relation stages on")
    run_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime(started)) + "-" + sha256_text(
        json.dumps(cfg.to_dict(), sort_keys=True), graph.triples.tolist(), started)[:6]
    folder = runs_dir(store_path) / run_id
    folder.mkdir(parents=True)
    graph.save_mapping(folder)
    feats = None
    if features:
        from .features import label_features

        feats = label_features(graph.labels, graph.types, cache=folder / "features.pt")
    train_part, valid_part = split(graph.triples, valid_fraction, cfg.seed)
    if log:
        log(f"{graph.num_entities} entities, {graph.num_relations} relations, {len(graph.triples)} edges "
            f"({len(train_part)} train, {len(valid_part)} validation)")
    model, info = train(train_part, graph.num_entities, graph.num_relations, cfg, valid=valid_part,
                        filter_triples=graph.triples, features=feats, log=log, progress=progress)
    model = model.cpu().eval()
    metrics = {"entities": graph.num_entities, "relations": graph.num_relations, "triples": len(graph.triples),
               "train_triples": len(train_part), "valid_triples": len(valid_part),
               **{k: v for k, v in info.items() if k != "history"},
               "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
               "ended": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "software": f"kgbuild {__version__}"}
    if len(valid_part):
        edge_index, edge_type = LinkPredictor.message_graph(train_part, graph.num_relations)
        metrics["valid"] = evaluate_model(model, edge_index, edge_type, valid_part, graph.triples)
    kwargs = {"num_nodes": graph.num_entities, "num_relations": graph.num_relations, "channels": cfg.channels,
              "decoder": cfg.decoder, "num_layers": cfg.num_layers, "num_bases": cfg.num_bases,
              "dropout": cfg.dropout, "input_dropout": cfg.input_dropout}
    torch.save({"kwargs": kwargs, "state_dict": model.state_dict()}, folder / "model.pt")
    (folder / "config.json").write_text(json.dumps({**cfg.to_dict(), "features": "minilm" if features else None,
                                                    "valid_fraction": valid_fraction}, indent=2) + "\n")
    (folder / "metrics.json").write_text(json.dumps({**metrics, "history": info["history"]}, indent=2) + "\n")
    return load_run(store_path, run_id)
