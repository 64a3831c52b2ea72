"""What the explorer's home page shows: the store at a glance and its most connected things.

Values (dates, times, numbers, amounts, ordinals) are entities in the store, because text
names them, but they are not things: ranked with people, organisations, places and objects
they crowd them out, since every date is mentioned close to everything in its sentence. The
ranking here counts only things and their connections to things; each thing then lists the
values it is connected to ("put the values under their entities").
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx

from ..nlp.event_lexicon import VALUE_LABELS
from ..store import KGStore

VALUE_TYPES = VALUE_LABELS  # DATE, TIME, CARDINAL, ORDINAL, MONEY, PERCENT, QUANTITY


def is_value(entity_type: str | None) -> bool:
    return (entity_type or "") in VALUE_TYPES


def _int(value) -> int:
    return 0 if value in (None, "") else int(float(value))


def event_values(store: KGStore, graph: nx.MultiDiGraph) -> dict[str, dict[str, list[str]]]:
    """thing -> value -> the event types in which the value fills an argument beside the thing
    ("Eileen Collins" and "May 2023" in one Contact.Meet): the strongest tie of a date to a thing."""
    from ..fusion.canonical import canonical_map

    canon = canonical_map(store)
    events: dict[str, tuple[str, set[str]]] = {}
    for r in store.rows("""SELECT ?ev ?type ?f WHERE { ?ev a kg:Event ; kg:argument ?a . ?a kg:filler ?f
            FILTER(isIRI(?f)) OPTIONAL { ?ev kg:eventType ?type } }"""):
        events.setdefault(r["ev"], (r["type"] or "event", set()))[1].add(canon.get(r["f"], r["f"]))
    out: dict[str, dict[str, list[str]]] = {}
    for event_type, fillers in events.values():
        present = [f for f in fillers if f in graph]
        values = [f for f in present if is_value(graph.nodes[f].get("type"))]
        for thing in present:
            if thing in values:
                continue
            for value in values:
                types = out.setdefault(thing, {}).setdefault(value, [])
                if event_type not in types:
                    types.append(event_type)
    return out


def top_things(graph: nx.MultiDiGraph, *, top: int = 25, values_per: int = 6,
               events: dict[str, dict[str, list[str]]] | None = None) -> list[dict]:
    """The things (entities that are not values) with the most distinct things connected to
    them, by a relation or by being mentioned close together; ties go to the most mentioned.
    Each carries the values it is connected to: by a relation first, then as another argument
    of an event it takes part in (``events``, from :func:`event_values`), then the most often
    mentioned close to it."""
    events = events or {}

    def kind(node: str) -> str:
        return "value" if is_value(graph.nodes[node].get("type")) else "thing"

    def via(thing: str, value: str, related: set[str]) -> str:
        return "relation" if value in related else "event" if value in events.get(thing, {}) else "co-mention"

    ranked = []
    for node, data in graph.nodes(data=True):
        if kind(node) == "value":
            continue
        things: set[str] = set()
        related: set[str] = set()
        values: Counter[str] = Counter()
        related_values: set[str] = set()
        relations = 0
        for u, v, edge in [*graph.out_edges(node, data=True), *graph.in_edges(node, data=True)]:
            other = v if u == node else u
            if other == node:
                continue
            is_relation = edge.get("kind") == "relation"
            if kind(other) == "value":
                values[other] += 1
                if is_relation:
                    related_values.add(other)
            else:
                things.add(other)
                if is_relation:
                    related.add(other)
                    relations += 1
        for value in events.get(node, {}):
            values[value] += 1
        ranked.append((node, data, things, related, relations, values, related_values))
    ranked.sort(key=lambda r: (-len(r[2]), -r[1].get("mentions", 0), (r[1].get("label") or "").casefold(), r[0]))
    out = []
    for node, data, things, related, relations, values, related_values in ranked[:top]:
        rank = {"relation": 0, "event": 1, "co-mention": 2}
        ordered = sorted(values, key=lambda v: (rank[via(node, v, related_values)], -values[v],
                                                (graph.nodes[v].get("label") or "").casefold(), v))
        out.append({
            "iri": node, "label": data.get("label") or "", "type": data.get("type") or "",
            "mentions": data.get("mentions", 0),
            "score": len(things),            # distinct things connected to it
            "related": len(related),         # of them, linked by a relation (not only mentioned nearby)
            "relations": relations,
            # how each value is tied to it: relation, event (with the event types) or co-mention
            "values": [{"iri": v, "label": graph.nodes[v].get("label") or "", "type": graph.nodes[v].get("type") or "",
                        "via": via(node, v, related_values), "events": events.get(node, {}).get(v, []),
                        "count": values[v]}
                       for v in ordered[:values_per]],
            "values_total": len(values),
        })
    return out


def _last_build(state_path: Path) -> dict | None:
    """When the last build wrote a source, from the ingest state (opened read-only)."""
    if not state_path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{state_path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            latest, count = db.execute("SELECT MAX(updated_at), COUNT(*) FROM sources").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    if latest is None:
        return None
    return {"at": datetime.fromtimestamp(latest, UTC).isoformat(timespec="seconds"), "sources_recorded": count}


class StoreOverview:
    """Counts of a store for the home page: sources by modality (ok and failed), failures
    with their reasons, entities (things and values, counted once per fused entity),
    relations, events, and the last build."""

    def __init__(self, store: KGStore) -> None:
        self.store = store

    def _rows(self, sparql: str) -> list[dict]:
        return list(self.store.rows(sparql))

    def collect(self, graph: nx.MultiDiGraph) -> dict:
        by_modality = [{"modality": r["modality"], "sources": _int(r["n"]), "ok": _int(r["ok"]), "failed": _int(r["failed"])}
                       for r in self._rows("""
            SELECT ?modality (COUNT(DISTINCT ?s) AS ?n) (COUNT(DISTINCT ?okay) AS ?ok) (COUNT(DISTINCT ?bad) AS ?failed)
            WHERE { ?s a kg:Source . OPTIONAL { ?s kg:status ?st } OPTIONAL { ?s kg:modality ?m }
                    BIND(COALESCE(?m, "unknown") AS ?modality)
                    BIND(IF(?st = "ok", ?s, ?unbound) AS ?okay) BIND(IF(?st = "failed", ?s, ?unbound) AS ?bad) }
            GROUP BY ?modality ORDER BY DESC(?n) ?modality""")]
        mentions = {r["modality"]: _int(r["n"]) for r in self._rows("""
            SELECT ?modality (COUNT(?m) AS ?n) WHERE { ?m a kg:Mention ; kg:modality ?modality } GROUP BY ?modality""")}
        failures = []
        for r in self._rows("""
                SELECT ?s ?path ?modality ?stage ?code ?position ?reason WHERE {
                  ?s a kg:Source ; kg:status "failed" . OPTIONAL { ?s kg:path ?path } OPTIONAL { ?s kg:modality ?modality }
                  OPTIONAL { ?s kg:failure ?f . OPTIONAL { ?f kg:stage ?stage } OPTIONAL { ?f kg:code ?code }
                             OPTIONAL { ?f kg:position ?position } OPTIONAL { ?f kg:reason ?reason } } }
                ORDER BY ?path ?stage"""):
            failures.append({"source": r["s"], "path": r["path"], "modality": r["modality"], "stage": r["stage"],
                             "code": r["code"], "position": r["position"], "reason": r["reason"]})
        rel = self._rows("""SELECT (COUNT(DISTINCT ?r) AS ?n) (COUNT(DISTINCT ?inf) AS ?inferred) WHERE {
            ?r a kg:Relation . OPTIONAL { ?r kg:inferred ?i } BIND(IF(COALESCE(?i, false), ?r, ?unbound) AS ?inf) }""")[0]
        events = _int(self._rows("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a kg:Event }")[0]["n"])
        recorded = _int(self._rows("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a kg:Entity }")[0]["n"])
        merged = _int(self._rows("""SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {
            ?e kg:canonical ?c FILTER(?e != ?c) }""")[0]["n"])
        pipelines = [{"pipeline": r["p"], "sources": _int(r["n"])} for r in self._rows("""
            SELECT ?p (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a kg:Source ; kg:pipeline ?p } GROUP BY ?p ORDER BY ?p""")]
        software = sorted({r["v"] for r in self._rows(
            "SELECT DISTINCT ?v WHERE { ?a a prov:Activity ; kg:softwareVersion ?v }")})

        types: Counter[str] = Counter()
        for _, data in graph.nodes(data=True):
            types[data.get("type") or ""] += 1
        things = sum(n for t, n in types.items() if not is_value(t))
        total_relations = _int(rel["n"])
        inferred = _int(rel["inferred"])
        last = _last_build(self.store.state_path)
        if last is not None:
            last.update(pipelines=pipelines, software=software)
        return {
            "sources": {"total": sum(m["sources"] for m in by_modality), "ok": sum(m["ok"] for m in by_modality),
                        "failed": sum(m["failed"] for m in by_modality)},
            "sources_by_modality": [{**m, "mentions": mentions.get(m["modality"], 0)} for m in by_modality],
            "mentions_by_modality": [{"modality": k, "mentions": v}
                                     for k, v in sorted(mentions.items(), key=lambda kv: (-kv[1], kv[0]))],
            "mentions": sum(mentions.values()),
            "entities": {"recorded": recorded, "canonical": graph.number_of_nodes(), "merged": merged,
                         "things": things, "values": graph.number_of_nodes() - things},
            "entities_by_type": [{"type": t, "entities": n, "value": is_value(t)}
                                 for t, n in sorted(types.items(), key=lambda tn: (is_value(tn[0]), -tn[1], tn[0]))],
            "relations": {"total": total_relations, "stated": total_relations - inferred, "inferred": inferred},
            "events": events,
            "failures": failures,
            "last_build": last,
        }
