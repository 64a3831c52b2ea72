"""Writing predicted links back to the store, apart from extracted facts, and removing them.

Decision (see docs/graph-model.md, "Inferred relations"): an inferred link is a ``kg:Relation``
node only — ``kg:inferred true``, ``kg:confidence`` (the model's probability),
``kg:extractor "reason/<run>"``, ``prov:wasGeneratedBy`` the run — and **no direct
``?s ?p ?o`` triple**, so a plain query such as ``?p kg:worksFor ?org`` keeps meaning "the
corpus says so". Every link of a run lives in the named graph ``kgid:graph/inferred/<run>``
next to the run's ``prov:Activity`` (its config and metrics), so one ``DROP GRAPH`` (or
``kgbuild reason infer --remove``) takes a run's links back out.
"""

from __future__ import annotations

import json

import torch
from pyoxigraph import Literal, NamedNode, Quad

from ..ids import mint
from ..store.rdf import PROV, XSD, A, kg, lit
from .layout import INFERRED_PREFIX, inferred_graphs, remove_inferred  # noqa: F401 - re-exported
from .runs import Run


def candidate_links(run: Run, *, min_score: float = 0.5, per_query: int = 3, limit: int = 1000) -> list[dict]:
    """New links the model believes: for each relation, heads of a type seen as its subject,
    answers of a type seen as its object, not already stated, with probability >= ``min_score``.
    For a relation the graph never states both ways (asymmetric: inside, worksFor), never the
    inverse of a stated fact, and of two opposite candidates only the likelier."""
    g = run.graph
    types = g.types
    found = []
    for r in range(g.num_relations):
        head_types, tail_types = g.relation_types(r)
        stated = g.stated_pairs(r)
        symmetric = g.symmetric(r)
        heads = [i for i in range(g.num_entities) if types[i] in head_types]
        if not heads:
            continue
        allowed = torch.tensor([types[i] in tail_types for i in range(g.num_entities)])
        probs = run.probabilities(torch.tensor(heads), torch.full((len(heads),), r))
        probs = probs.masked_fill(~allowed, 0.0)
        values, idx = probs.topk(min(per_query, g.num_entities), dim=1)
        for row, h in enumerate(heads):
            for p, t in zip(values[row].tolist(), idx[row].tolist()):
                if p >= min_score and t != h and (h, t) not in stated and (symmetric or (t, h) not in stated):
                    found.append({"head": h, "relation": r, "tail": t, "score": p, "symmetric": symmetric})
    found.sort(key=lambda x: (-x["score"], x["relation"], x["head"], x["tail"]))
    kept: list[dict] = []
    taken: set[tuple[int, int, int]] = set()
    for link in found:
        if not link.pop("symmetric") and (link["tail"], link["relation"], link["head"]) in taken:
            continue  # its inverse is likelier and already kept
        taken.add((link["head"], link["relation"], link["tail"]))
        kept.append(link)
    return kept[:limit]


def inferred_quads(run: Run, links: list[dict]) -> list[Quad]:
    g = run.graph
    graph = NamedNode(run.graph_iri)
    activity = NamedNode(run.iri)
    quads = [Quad(activity, A, NamedNode(PROV + "Activity"), graph),
             Quad(activity, kg("stage"), lit("reason"), graph),
             Quad(activity, kg("model"), lit(f"R-GCN+{run.config.get('decoder', 'complex')}"), graph),
             Quad(activity, kg("runId"), lit(run.run_id), graph),
             Quad(activity, kg("config"), lit(json.dumps(run.config, sort_keys=True)), graph),
             Quad(activity, kg("metrics"), lit(json.dumps({k: v for k, v in run.metrics.items() if k != "history"},
                                                         sort_keys=True)), graph),
             Quad(activity, kg("softwareVersion"), lit(run.metrics.get("software", "")), graph)]
    for key, prop in (("started", "startedAtTime"), ("ended", "endedAtTime")):
        if run.metrics.get(key):
            quads.append(Quad(activity, NamedNode(PROV + prop),
                              Literal(run.metrics[key], datatype=NamedNode(XSD + "dateTime")), graph))
    for link in links:
        s, p, o = g.entities[link["head"]], g.relations[link["relation"]], g.entities[link["tail"]]
        node = NamedNode(mint("relation", "inferred", run.run_id, s, p, o))
        quads += [Quad(node, A, kg("Relation"), graph),
                  Quad(node, kg("subject"), NamedNode(s), graph),
                  Quad(node, kg("predicate"), NamedNode(p), graph),
                  Quad(node, kg("object"), NamedNode(o), graph),
                  Quad(node, kg("confidence"), lit(round(float(link["score"]), 4)), graph),
                  Quad(node, kg("inferred"), lit(True), graph),
                  Quad(node, kg("extractor"), lit(f"reason/{run.run_id}"), graph),
                  Quad(node, NamedNode(PROV + "wasGeneratedBy"), activity, graph)]
    return quads


def write_inferred(store, run: Run, links: list[dict]) -> int:
    """Replace the run's inferred graph with ``links``; returns the number of links written."""
    store.replace_graph(run.graph_iri, inferred_quads(run, links))
    store.flush()
    return len(links)
