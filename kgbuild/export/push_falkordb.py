"""Push the property-graph view of the store (:mod:`.property_graph`, the same one the
neo4j-csv and cypher exports write) to FalkorDB, with batched, parameterised Cypher.

``falkordb://HOST:PORT[/GRAPH]`` (graph ``kgbuild`` by default; ``falkordb://:PASSWORD@HOST:PORT``
when the server wants one). Every node and edge is one unit keyed by its IRI (a MENTIONED_IN
edge by its entity and source) and hashed by its properties; units go in batches of
``UNWIND $rows AS r MERGE ...``, so running a push twice changes nothing, and each batch is
recorded once FalkorDB has run it. Cypher cannot take a label or a relationship type as a
parameter, so rows are grouped by label and type, one statement per group. Nodes and edges
the store no longer has are deleted first, edges before nodes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from urllib.parse import unquote, urlsplit

from ..errors import ConfigError, MissingDependencyError, PushError
from ..store import KGStore
from .property_graph import PropertyGraph, load_property_graph, node_label
from .push_report import OnProgress, OnStart, PushReport
from .push_state import PushState, content_hash, target_key

DEFAULT_GRAPH = "kgbuild"
INDEXES = ("CREATE INDEX FOR (n:Entity) ON (n.iri)", "CREATE INDEX FOR (n:Source) ON (n.iri)")


def _units(pg: PropertyGraph) -> dict[str, tuple[str, str, dict]]:
    """key -> (statement, group, row). The statement is the Cypher that writes a batch of rows
    of one group (a label or a relationship type)."""
    units = {}
    for iri, e in pg.entities.items():
        label = node_label(e["type"])
        units[f"entity:{iri}"] = (
            f"UNWIND $rows AS r MERGE (n:Entity {{iri: r.iri}}) SET n:{label}, n.label = r.label, "
            "n.entityType = r.entityType, n.mentions = r.mentions",
            f"entity:{label}", {"iri": iri, "label": e["label"], "entityType": e["type"], "mentions": e["mentions"]})
    for iri, s in pg.sources.items():
        units[f"source:{iri}"] = (
            "UNWIND $rows AS r MERGE (n:Source {iri: r.iri}) SET n.sha256 = r.sha256, n.path = r.path, "
            "n.mediaType = r.mediaType, n.modality = r.modality, n.status = r.status", "source", {"iri": iri, **s})
    for r in pg.relations:
        units[f"relation:{r['key']}"] = (
            "UNWIND $rows AS r MATCH (a:Entity {iri: r.start}) MATCH (b:Entity {iri: r.end}) "
            f"MERGE (a)-[e:{r['type']} {{iri: r.iri}}]->(b) SET e.predicate = r.predicate, e.confidence = r.confidence, "
            "e.inferred = r.inferred, e.extractor = r.extractor, e.sources = r.sources, e.selectors = r.selectors",
            f"relation:{r['type']}",
            {"iri": r["key"], **{k: r[k] for k in ("start", "end", "predicate", "confidence", "inferred", "extractor",
                                                    "sources", "selectors")}})
    for m in pg.mentioned_in:
        units[f"mentioned_in:{m['start']}|{m['end']}"] = (
            "UNWIND $rows AS r MATCH (a:Entity {iri: r.start}) MATCH (b:Source {iri: r.end}) "
            "MERGE (a)-[e:MENTIONED_IN]->(b) SET e.count = r.count, e.modalities = r.modalities, e.selectors = r.selectors",
            "mentioned_in", dict(m))
    return units


ORDER = ("entity", "source", "relation", "mentioned_in")  # nodes before the edges that MATCH them
DELETE = {  # edges before nodes; DETACH for nodes in case an edge was written by someone else
    "relation": "UNWIND $keys AS k MATCH ()-[e {iri: k}]->() DELETE e",
    "mentioned_in": "UNWIND $keys AS k WITH split(k, '|') AS p MATCH (:Entity {iri: p[0]})-[e:MENTIONED_IN]->"
                    "(:Source {iri: p[1]}) DELETE e",
    "entity": "UNWIND $keys AS k MATCH (n:Entity {iri: k}) DETACH DELETE n",
    "source": "UNWIND $keys AS k MATCH (n:Source {iri: k}) DETACH DELETE n",
}


def _connect(url: str, password: str | None):
    try:
        from falkordb import FalkorDB
    except ImportError:
        raise MissingDependencyError("pushing to FalkorDB needs its Python client",
                                     hint="pip install 'kgbuild[push]'") from None
    parts = urlsplit(url)
    if not parts.hostname:
        raise ConfigError(f"no host in '{url}'", hint="falkordb://HOST:PORT/GRAPH (GRAPH optional)")
    graph = unquote(parts.path.strip("/")) or DEFAULT_GRAPH
    try:
        db = FalkorDB(host=parts.hostname, port=parts.port or 6379,
                      password=password or (unquote(parts.password) if parts.password else None))
        graphs = db.list_graphs()
    except Exception as exc:  # redis' connection errors: no server there
        raise PushError(f"cannot reach FalkorDB at {target_key(url)}: {exc}",
                        hint="start one: scripts/falkordb-server.sh PORT") from None
    return db.select_graph(graph), graph in graphs, f"falkordb://{parts.hostname}:{parts.port or 6379}/{graph}"


def push_falkordb(store: KGStore, url: str, state: PushState, *, full: bool, batch: int, password: str | None,
                  on_start: OnStart, on_progress: OnProgress) -> PushReport:
    graph, exists, target = _connect(url, password)  # target names the graph: /kgbuild and no path are one
    report = PushReport(target=target, unit="nodes and edges")
    if full:
        state.forget(target)
    done = state.pushed(target)
    if done and not exists:  # a new or flushed server: the state describes a graph that is gone
        state.forget(target)
        done, report.reset = {}, True
    units = _units(load_property_graph(store))
    hashes = {k: content_hash([json.dumps(row, sort_keys=True)]) for k, (_, _, row) in units.items()}
    todo = [k for k in units if done.get(k, (None,))[0] != hashes[k]]
    gone = [k for k in done if k not in units]
    on_start(len(todo) + len(gone))
    _run(graph, target, lambda: [_ensure_index(graph, q) for q in INDEXES])

    by_kind = defaultdict(list)
    for k in gone:
        by_kind[k.split(":", 1)[0]].append(k)
    for kind in ("relation", "mentioned_in", "entity", "source"):
        keys = by_kind.get(kind, [])
        for i in range(0, len(keys), batch):
            chunk = keys[i:i + batch]
            _run(graph, target, lambda: graph.query(DELETE[kind], {"keys": [k.split(":", 1)[1] for k in chunk]}))
            state.forget(target, chunk)
            report.deleted += len(chunk)
            on_progress(len(chunk))

    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    for k in todo:
        statement, group, _ = units[k]
        groups[(ORDER.index(k.split(":", 1)[0]), group)].append(k)
    for _, keys in sorted(groups.items()):
        statement = units[keys[0]][0]
        for i in range(0, len(keys), batch):
            chunk = keys[i:i + batch]
            _run(graph, target, lambda: graph.query(statement, {"rows": [units[k][2] for k in chunk]}))
            state.record(target, [(k, hashes[k], 1) for k in chunk])
            report.items += len(chunk)
            on_progress(len(chunk))
    report.sent = len(todo)
    report.skipped = len(units) - len(todo)
    report.details = {"graph": graph.name}
    return report


def _ensure_index(graph, query: str) -> None:
    try:
        graph.query(query)
    except Exception as exc:
        if "already indexed" not in str(exc):
            raise


def _run(graph, target: str, fn):
    try:
        return fn()
    except PushError:
        raise
    except Exception as exc:  # redis.ResponseError (Cypher), ConnectionError: FalkorDB's client raises redis' errors
        raise PushError(f"FalkorDB at {target} refused a batch: {type(exc).__name__}: {exc}",
                        hint="run the push again to resume; what was acknowledged is kept") from None
