"""Push the property-graph view of the store (:mod:`.property_graph`, the same one the
neo4j-csv and cypher exports write) to FalkorDB, with batched, parameterised Cypher.

``falkordb://HOST:PORT[/GRAPH]`` (graph ``kgbuild`` by default; ``falkordb://:PASSWORD@HOST:PORT``
when the server wants one). Every node and edge is one unit keyed by its kind and its key
(a node's IRI; an edge's two ends, and a relation's IRI or an event argument's role) and hashed by its properties; units go in batches of ``UNWIND $rows AS r MERGE ...``,
so running a push twice changes nothing, and each batch is recorded once FalkorDB has run it.
Cypher cannot take a label or a relationship type as a parameter, so rows are grouped by
label and type, one statement per group. Nodes and edges the store no longer has are
deleted first, edges before nodes (and units recorded by an older kgbuild, whose keys were
``entity:IRI``, ``relation:IRI`` …, are deleted the old way, then written anew).
"""

from __future__ import annotations

import json
from collections import defaultdict
from urllib.parse import unquote, urlsplit

from ..errors import ConfigError, MissingDependencyError, PushError
from ..store import KGStore
from .property_graph import EDGE_KINDS, NODE_KINDS, PropertyGraph, load_property_graph
from .push_report import OnProgress, OnStart, PushReport
from .push_state import PushState, content_hash, target_key
from .writers import labels_of

DEFAULT_GRAPH = "kgbuild"
INDEXES = tuple(f"CREATE INDEX FOR (n:{kind.label}) ON (n.iri)" for kind in NODE_KINDS)
_NODE = {kind.attr: kind for kind in NODE_KINDS}
_EDGE = {kind.attr: kind for kind in EDGE_KINDS}


def _units(pg: PropertyGraph) -> dict[str, tuple[str, str, dict]]:
    """key -> (statement, group, row). The statement is the Cypher that writes a batch of rows
    of one group (a label or a relationship type). Keys: ``node:<kind>:<iri>`` and
    ``edge:<kind>:<key>``."""
    units = {}
    for kind, iri, props in pg.nodes():
        labels = labels_of(kind, props)
        extra = "".join(f"n:{label}, " for label in labels[1:])
        sets = ", ".join(f"n.{n} = r.{n}" for n, _ in kind.columns)
        units[f"node:{kind.attr}:{iri}"] = (
            f"UNWIND $rows AS r MERGE (n:{kind.label} {{iri: r.iri}}) SET {extra}{sets}",
            f"node:{':'.join(labels)}", {"iri": iri, **{n: props.get(n) for n, _ in kind.columns}})
    for kind, e in pg.edges():
        ident = ", ".join(f"{n}: r.{n}" for n in kind.ident)
        sets = ", ".join(f"e.{n} = r.{n}" for n, _ in kind.columns if n not in kind.ident)
        # The key names both ends: a relation drawn between other nodes (canonical vs members) is another unit.
        key = f"{e['start']}|{e['end']}|{e['key']}" if kind.attr == "relations" else e["key"]
        units[f"edge:{kind.attr}:{key}"] = (
            f"UNWIND $rows AS r MATCH (a:{kind.start} {{iri: r.start}}) MATCH (b:{kind.end} {{iri: r.end}}) "
            f"MERGE (a)-[e:{e['type']}{' {' + ident + '}' if ident else ''}]->(b)" + (f" SET {sets}" if sets else ""),
            f"edge:{kind.attr}:{e['type']}",
            {"start": e["start"], "end": e["end"], **{n: e.get(n) for n, _ in kind.columns}})
    return units


def _delete_statement(key: str) -> tuple[str, str, str]:
    """(group, statement, parameter) that deletes the unit ``key``; rows of one group are deleted
    by one statement with ``$keys`` (the part after the kind)."""
    head, _, rest = key.partition(":")
    if head == "node":
        kind = _NODE[rest.partition(":")[0]]
        return (f"node:{kind.attr}", f"UNWIND $keys AS k MATCH (n:{kind.label} {{iri: k}}) DETACH DELETE n",
                rest.partition(":")[2])
    if head == "edge":
        edge = _EDGE[rest.partition(":")[0]]
        value = rest.partition(":")[2]
        if edge.attr == "relations":  # start|end|relation IRI
            return ("edge:relations", ("UNWIND $keys AS k WITH split(k, '|') AS p MATCH (:Entity {iri: p[0]})"
                                       "-[e {iri: p[2]}]->(:Entity {iri: p[1]}) DELETE e"), value)
        typed = f":{edge.type}" if edge.type else ""
        where = " WHERE e.role = p[2]" if "role" in edge.ident else ""
        return (f"edge:{edge.attr}", (f"UNWIND $keys AS k WITH split(k, '|') AS p MATCH (:{edge.start} {{iri: p[0]}})"
                                      f"-[e{typed}]->(:{edge.end} {{iri: p[1]}}){where} DELETE e"), value)
    # written by kgbuild before node:/edge: keys (an unknown kind: nothing to delete, forgotten)
    return f"legacy:{head}", LEGACY_DELETE.get(head, "UNWIND $keys AS k RETURN count(k)"), rest


# Deleting units recorded by an older kgbuild (keys entity:IRI, source:IRI, relation:IRI, mentioned_in:E|S).
LEGACY_DELETE = {
    "relation": "UNWIND $keys AS k MATCH ()-[e {iri: k}]->() DELETE e",
    "mentioned_in": "UNWIND $keys AS k WITH split(k, '|') AS p MATCH (:Entity {iri: p[0]})-[e:MENTIONED_IN]->"
                    "(:Source {iri: p[1]}) DELETE e",
    "entity": "UNWIND $keys AS k MATCH (n:Entity {iri: k}) DETACH DELETE n",
    "source": "UNWIND $keys AS k MATCH (n:Source {iri: k}) DETACH DELETE n",
}


def _delete_order(group: str) -> int:
    """Edges before nodes, so a node is never deleted under an edge still to delete."""
    return 0 if group.startswith(("edge:", "legacy:relation", "legacy:mentioned_in")) else 1


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
                  on_start: OnStart, on_progress: OnProgress, entities: str = "canonical") -> PushReport:
    graph, exists, target = _connect(url, password)  # target names the graph: /kgbuild and no path are one
    report = PushReport(target=target, unit="nodes and edges")
    if full:
        state.forget(target)
    done = state.pushed(target)
    if done and not exists:  # a new or flushed server: the state describes a graph that is gone
        state.forget(target)
        done, report.reset = {}, True
    units = _units(load_property_graph(store, entities=entities))
    hashes = {k: content_hash([json.dumps(row, sort_keys=True)]) for k, (_, _, row) in units.items()}
    todo = [k for k in units if done.get(k, (None,))[0] != hashes[k]]
    gone = [k for k in done if k not in units]
    on_start(len(todo) + len(gone))
    _run(graph, target, lambda: _ensure_indexes(graph))

    by_group: dict[str, list[tuple[str, str]]] = defaultdict(list)  # group -> (unit key, $keys value)
    statements = {}
    for k in gone:
        group, statement, value = _delete_statement(k)
        statements[group] = statement
        by_group[group].append((k, value))
    for group in sorted(by_group, key=lambda g: (_delete_order(g), g)):
        keys = by_group[group]
        for i in range(0, len(keys), batch):
            chunk = keys[i:i + batch]
            _run(graph, target, lambda q=statements[group], c=chunk: graph.query(q, {"keys": [v for _, v in c]}))
            state.forget(target, [k for k, _ in chunk])
            report.deleted += len(chunk)
            on_progress(len(chunk))

    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    for k in todo:  # nodes before the edges that MATCH them
        statement, group, _ = units[k]
        groups[(0 if k.startswith("node:") else 1, group)].append(k)
    for _, unit_keys in sorted(groups.items()):
        statement = units[unit_keys[0]][0]
        for i in range(0, len(unit_keys), batch):
            part = unit_keys[i:i + batch]
            _run(graph, target, lambda q=statement, c=part: graph.query(q, {"rows": [units[k][2] for k in c]}))
            state.record(target, [(k, hashes[k], 1) for k in part])
            report.items += len(part)
            on_progress(len(part))
    report.sent = len(todo)
    report.skipped = len(units) - len(todo)
    report.details = {"graph": graph.name, "entities": entities}
    return report


def _ensure_indexes(graph) -> None:
    for query in INDEXES:
        _ensure_index(graph, query)


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
