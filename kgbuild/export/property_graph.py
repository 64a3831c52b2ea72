"""The store seen as a property graph: what graph databases and graph tools want.

Nodes (each keyed by its IRI; the first label is its kind):

* ``Entity`` (and a second label from its type, ``Person``, ``Org`` …): ``label``,
  ``entityType``, ``mentions``, ``aliases`` (the other names fusion merged into it),
  ``memberCount``, ``canonical`` (the IRI of its canonical entity) and ``members`` (the IRIs
  of the entities it stands for);
* ``Source``: a file (``sha256``, ``path``, ``mediaType``, ``modality``, ``status``);
* ``Event``: ``eventType``, ``trigger`` (its word), ``extractor``, ``confidence`` and
  ``literals`` (``role=value`` for arguments that are not entities);
* ``Transcript`` (speech, text read in a picture, a caption) with its ``text``, and its
  ``Segment`` nodes (a speech segment with its time range, an OCR line with its box).

Edges: a typed edge per ``kg:Relation`` (``WORKS_FOR`` …) with confidence and provenance,
``MENTIONED_IN`` from an entity (or an event, through its trigger) to each source that
mentions it, with the selectors of those mentions, ``ARGUMENT`` (``role``) from an event
to each entity filling a role, ``TRANSCRIPT_OF`` and ``HAS_SEGMENT``, and in ``members``
mode ``SAME_AS`` between the entities fusion merged.

Fusion (docs/fusion.md) decides what an entity node is, by ``entities``:

* ``canonical`` (the default): one node per real thing, the canonical entity of each
  cluster; relations, mentions and event arguments of every member are drawn on it, and
  the members' IRIs are kept in ``members`` (a relation edge keeps its member endpoints in
  ``subject`` and ``object``);
* ``members``: one node per entity the linker made, as the named graphs have them, each with
  its ``canonical`` IRI, and ``SAME_AS`` edges (score, method) for every link fusion accepted.

Either way the counts agree with the store: canonical entities by type, ``kg:Relation``
nodes by predicate (``tests/export/test_push_parity.py``). Co-mention edges of the entity
graph are derived, not stated, and are not exported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError
from ..ids import FUSION_GRAPH
from ..store import KGStore

ENTITY_MODES = ("canonical", "members")


@dataclass(frozen=True)
class NodeKind:
    attr: str                              # PropertyGraph attribute: iri -> properties
    label: str                             # the node label, and the neo4j-admin ID space
    columns: tuple[tuple[str, str], ...]   # (property, neo4j-admin type); every node of the kind has them all


@dataclass(frozen=True)
class EdgeKind:
    attr: str                              # PropertyGraph attribute: a list of edges
    start: str                             # label of the start node
    end: str                               # label of the end node
    type: str | None                       # the relationship type; None: per edge (relations)
    columns: tuple[tuple[str, str], ...]
    ident: tuple[str, ...] = ()            # properties that tell two edges between the same nodes apart


NODE_KINDS = (
    NodeKind("entities", "Entity", (("label", "string"), ("entityType", "string"), ("mentions", "int"),
                                    ("aliases", "string[]"), ("memberCount", "int"), ("canonical", "string"),
                                    ("members", "string[]"))),
    NodeKind("sources", "Source", (("sha256", "string"), ("path", "string"), ("mediaType", "string"),
                                   ("modality", "string"), ("status", "string"))),
    NodeKind("events", "Event", (("eventType", "string"), ("trigger", "string"), ("extractor", "string"),
                                 ("confidence", "float"), ("literals", "string[]"))),
    NodeKind("transcripts", "Transcript", (("text", "string"), ("modality", "string"), ("view", "string"))),
    NodeKind("segments", "Segment", (("text", "string"), ("index", "int"), ("confidence", "float"),
                                     ("selectors", "string[]"))),
)
EDGE_KINDS = (
    EdgeKind("relations", "Entity", "Entity", None,
             (("iri", "string"), ("predicate", "string"), ("confidence", "float"), ("inferred", "boolean"),
              ("extractor", "string"), ("subject", "string"), ("object", "string"), ("sources", "string[]"),
              ("selectors", "string[]")), ident=("iri",)),
    EdgeKind("mentioned_in", "Entity", "Source", "MENTIONED_IN",
             (("count", "int"), ("modalities", "string[]"), ("selectors", "string[]"))),
    EdgeKind("same_as", "Entity", "Entity", "SAME_AS", (("score", "float"), ("method", "string"))),
    EdgeKind("arguments", "Event", "Entity", "ARGUMENT", (("role", "string"),), ident=("role",)),
    EdgeKind("event_sources", "Event", "Source", "MENTIONED_IN", (("selectors", "string[]"),)),
    EdgeKind("transcript_of", "Transcript", "Source", "TRANSCRIPT_OF", ()),
    EdgeKind("has_segment", "Transcript", "Segment", "HAS_SEGMENT", ()),
)


@dataclass
class PropertyGraph:
    mode: str = "canonical"
    entities: dict[str, dict] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)
    events: dict[str, dict] = field(default_factory=dict)
    transcripts: dict[str, dict] = field(default_factory=dict)
    segments: dict[str, dict] = field(default_factory=dict)
    # Edges: {"start", "end", "type", "key" (unique within the kind), and the kind's columns}.
    relations: list[dict] = field(default_factory=list)
    mentioned_in: list[dict] = field(default_factory=list)
    same_as: list[dict] = field(default_factory=list)
    arguments: list[dict] = field(default_factory=list)
    event_sources: list[dict] = field(default_factory=list)
    transcript_of: list[dict] = field(default_factory=list)
    has_segment: list[dict] = field(default_factory=list)

    def nodes(self):
        """(kind, iri, properties) for every node, kind by kind."""
        for kind in NODE_KINDS:
            for iri, props in getattr(self, kind.attr).items():
                yield kind, iri, props

    def edges(self):
        """(kind, edge) for every edge, kind by kind."""
        for kind in EDGE_KINDS:
            for edge in getattr(self, kind.attr):
                yield kind, edge

    def counts(self) -> dict[str, int]:
        return {k.attr: len(getattr(self, k.attr)) for k in (*NODE_KINDS, *EDGE_KINDS)}

    def summary(self) -> str:
        c = self.counts()
        return (f"{c['entities']} entities ({self.mode}), {c['sources']} sources, {c['events']} events, "
                f"{c['transcripts']} transcripts ({c['segments']} segments), {c['relations']} relations, "
                f"{c['mentioned_in'] + c['event_sources']} mention links, {c['same_as']} same-as links")


def rel_type(predicate: str) -> str:
    """``kg:worksFor`` -> ``WORKS_FOR``: Neo4j's convention for relationship types."""
    local = re.split(r"[#/]", predicate.rstrip("/#"))[-1] or "RELATED_TO"
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local)
    return re.sub(r"[^A-Za-z0-9_]", "_", snake).upper()


def node_label(entity_type: str) -> str:
    """``PERSON`` -> ``Person``, ``WORK_OF_ART`` -> ``WorkOfArt``."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", entity_type) if part) or "Thing"


def _selector(var: str = "?sel", s: str = "?s") -> str:
    """A selector as one string: its rdf:value (xywh=…, t=…), else char=start,end."""
    b, e, v = f"{s}b", f"{s}e", f"{s}v"
    return (f"OPTIONAL {{ {s} rdf:value {v} }} OPTIONAL {{ {s} oa:start {b} ; oa:end {e} }} "
            f'BIND(COALESCE({v}, CONCAT("char=", STR({b}), ",", STR({e}))) AS {var})')


def load_property_graph(store: KGStore, entities: str = "canonical") -> PropertyGraph:
    if entities not in ENTITY_MODES:
        raise ConfigError(f"unknown entity mode '{entities}'", hint=f"one of: {', '.join(ENTITY_MODES)}")
    pg = PropertyGraph(mode=entities)
    canonical = {r["a"]: r["c"] for r in store.rows(
        f"SELECT ?a ?c WHERE {{ GRAPH <{FUSION_GRAPH}> {{ ?a kg:canonical ?c }} }}")}

    # Entities ---------------------------------------------------------------------------
    raw: dict[str, dict] = {}
    for r in store.rows("""SELECT ?e ?label ?type (COUNT(DISTINCT ?m) AS ?n) WHERE { ?e a kg:Entity ; kg:entityType ?type .
            OPTIONAL { ?e rdfs:label ?label } OPTIONAL { ?m kg:refersTo ?e } } GROUP BY ?e ?label ?type ORDER BY ?e"""):
        if r["e"] not in raw:  # one label and type per entity (the first, in IRI order, should a store hold two)
            raw[r["e"]] = {"label": r["label"] or "", "type": r["type"], "mentions": int(r["n"])}
    canon = {iri: canonical.get(iri, iri) if canonical.get(iri, iri) in raw else iri for iri in raw}
    members: dict[str, list[str]] = defaultdict(list)
    for iri, c in canon.items():
        members[c].append(iri)
    aliases: dict[str, set[str]] = defaultdict(set)
    for r in store.rows(f"SELECT ?c ?alias WHERE {{ GRAPH <{FUSION_GRAPH}> {{ ?c kg:alias ?alias }} }}"):
        aliases[r["c"]].add(r["alias"])
    for c, group in members.items():  # the members' labels, should fusion not have written them all
        aliases[c] |= {raw[m]["label"] for m in group if raw[m]["label"]} - {raw[c]["label"]}

    def entity_row(iri: str, group: list[str], mentions: int) -> dict:
        e = raw[iri]
        return {"label": e["label"], "entityType": e["type"], "mentions": mentions,
                "aliases": sorted(aliases.get(iri, ())) if group else [], "memberCount": len(group),
                "canonical": canon[iri], "members": sorted(group)}

    if entities == "canonical":
        for c in sorted(members):
            pg.entities[c] = entity_row(c, members[c], sum(raw[m]["mentions"] for m in members[c]))
        node = canon
    else:
        for iri in sorted(raw):
            pg.entities[iri] = entity_row(iri, members.get(iri, []), raw[iri]["mentions"])
        node = {iri: iri for iri in raw}
        merges: dict[tuple[str, str], tuple[float | None, str]] = {}
        for r in store.rows(f"""SELECT ?a ?b ?score ?method WHERE {{ GRAPH <{FUSION_GRAPH}> {{ ?a kg:sameAs ?b .
                OPTIONAL {{ ?m a kg:Merge ; kg:member ?a, ?b ; kg:score ?score ; kg:method ?method }} }} }}"""):
            if r["a"] in raw and r["b"] in raw:
                score = float(r["score"]) if r["score"] is not None else None
                old = merges.get((r["a"], r["b"]))
                if old is None or (score or 0) > (old[0] or 0):
                    merges[(r["a"], r["b"])] = (score, r["method"] or "")
        for (a, b), (score, method) in sorted(merges.items()):
            pg.same_as.append({"start": a, "end": b, "type": "SAME_AS", "key": f"{a}|{b}", "score": score,
                               "method": method})

    # Sources ----------------------------------------------------------------------------
    for r in store.rows("""SELECT ?s ?sha ?mt ?mod ?status (GROUP_CONCAT(?p; separator="|") AS ?paths) WHERE {
            GRAPH ?s { ?s a kg:Source ; kg:status ?status . OPTIONAL { ?s kg:sha256 ?sha } OPTIONAL { ?s kg:mediaType ?mt }
            OPTIONAL { ?s kg:modality ?mod } OPTIONAL { ?s kg:path ?p } } } GROUP BY ?s ?sha ?mt ?mod ?status ORDER BY ?s"""):
        if r["s"] not in pg.sources:
            pg.sources[r["s"]] = {"sha256": r["sha"] or "", "path": r["paths"] or "", "mediaType": r["mt"] or "",
                                  "modality": r["mod"] or "", "status": r["status"]}

    # Relations --------------------------------------------------------------------------
    evidence = defaultdict(set)
    for r in store.rows(f"""SELECT ?r ?path ?sel WHERE {{ ?r a kg:Relation ; kg:evidence ?m .
            ?m prov:wasDerivedFrom/kg:path ?path ; oa:hasSelector ?s . {_selector()} }}"""):
        evidence[r["r"]].add((r["path"], r["sel"]))
    for r in store.rows("""SELECT ?r ?s ?p ?o ?conf ?inf ?ex WHERE { ?r a kg:Relation ; kg:subject ?s ; kg:predicate ?p ;
            kg:object ?o . OPTIONAL { ?r kg:confidence ?conf } OPTIONAL { ?r kg:inferred ?inf }
            OPTIONAL { ?r kg:extractor ?ex } } ORDER BY ?r"""):
        if r["s"] not in node or r["o"] not in node:
            continue  # an endpoint that is no entity (no type): nothing to draw the edge to
        cited = sorted(evidence.get(r["r"], ()))
        pg.relations.append({
            "start": node[r["s"]], "end": node[r["o"]], "type": rel_type(r["p"]), "key": r["r"], "iri": r["r"],
            "predicate": r["p"], "confidence": float(r["conf"]) if r["conf"] else None, "inferred": r["inf"] == "true",
            "extractor": r["ex"] or "", "subject": r["s"], "object": r["o"], "sources": sorted({p for p, _ in cited}),
            "selectors": [f"{p}#{s}" for p, s in cited],
        })

    # Mentions ---------------------------------------------------------------------------
    grouped: defaultdict[tuple[str, str], dict[str, set[str]]] = defaultdict(
        lambda: {"mentions": set(), "modalities": set(), "selectors": set()})
    for r in store.rows(f"""SELECT ?e ?src ?m ?mod ?sel WHERE {{ ?m kg:refersTo ?e ; prov:wasDerivedFrom ?src ;
            kg:modality ?mod ; oa:hasSelector ?s . {_selector()} }}"""):
        if r["e"] not in node or r["src"] not in pg.sources:
            continue
        g = grouped[(node[r["e"]], r["src"])]
        g["mentions"].add(r["m"])
        g["modalities"].add(r["mod"])
        g["selectors"].add(r["sel"])
    for (entity, source), g in sorted(grouped.items()):
        pg.mentioned_in.append({"start": entity, "end": source, "type": "MENTIONED_IN", "key": f"{entity}|{source}",
                                "count": len(g["mentions"]), "modalities": sorted(g["modalities"]),
                                "selectors": sorted(g["selectors"])})

    # Events -----------------------------------------------------------------------------
    trigger_at: defaultdict[str, defaultdict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # event -> source -> selectors
    for r in store.rows(f"""SELECT ?ev ?type ?ex ?conf ?word ?src ?sel WHERE {{ ?ev a kg:Event ; kg:eventType ?type .
            OPTIONAL {{ ?ev kg:extractor ?ex }} OPTIONAL {{ ?ev kg:confidence ?conf }}
            OPTIONAL {{ ?ev kg:trigger ?t . OPTIONAL {{ ?t kg:text ?word }} OPTIONAL {{ ?t prov:wasDerivedFrom ?src }}
                        OPTIONAL {{ ?t oa:hasSelector ?s . {_selector()} }} }} }} ORDER BY ?ev"""):
        if r["ev"] not in pg.events:
            pg.events[r["ev"]] = {"eventType": r["type"], "trigger": r["word"] or "", "extractor": r["ex"] or "",
                                  "confidence": float(r["conf"]) if r["conf"] else None, "literals": []}
        if r["src"] in pg.sources:
            at = trigger_at[r["ev"]][r["src"]]
            if r["sel"]:
                at.add(r["sel"])
    for ev, per_source in sorted(trigger_at.items()):
        for src, selectors in sorted(per_source.items()):
            pg.event_sources.append({"start": ev, "end": src, "type": "MENTIONED_IN", "key": f"{ev}|{src}",
                                     "selectors": sorted(selectors)})
    literals = defaultdict(set)
    arguments = set()
    for r in store.rows("""SELECT ?ev ?role ?filler (isIRI(?filler) AS ?iri) WHERE { ?ev a kg:Event ; kg:argument ?a .
            ?a kg:role ?role ; kg:filler ?filler }"""):
        if r["ev"] not in pg.events:
            continue
        if r["iri"] == "true" and r["filler"] in node:
            arguments.add((r["ev"], node[r["filler"]], r["role"]))
        else:
            literals[r["ev"]].add(f"{r['role']}={r['filler']}")
    for ev, values in literals.items():
        pg.events[ev]["literals"] = sorted(values)
    for ev, entity, role in sorted(arguments):
        pg.arguments.append({"start": ev, "end": entity, "type": "ARGUMENT", "key": f"{ev}|{entity}|{role}",
                             "role": role})

    # Transcripts ------------------------------------------------------------------------
    for r in store.rows("""SELECT ?t ?src ?text ?view ?mod WHERE { ?t a kg:Transcript ; prov:wasDerivedFrom ?src ;
            kg:text ?text . OPTIONAL { ?t kg:view ?view } OPTIONAL { ?t kg:modality ?mod } } ORDER BY ?t"""):
        if r["t"] in pg.transcripts or r["src"] not in pg.sources:
            continue
        pg.transcripts[r["t"]] = {"text": r["text"], "modality": r["mod"] or pg.sources[r["src"]]["modality"],
                                  "view": r["view"] or ""}
        pg.transcript_of.append({"start": r["t"], "end": r["src"], "type": "TRANSCRIPT_OF", "key": f"{r['t']}|{r['src']}"})
    # (transcript, segment) -> text, confidence, start, selectors
    segments: defaultdict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {"selectors": set()})
    for r in store.rows(f"""SELECT ?t ?seg ?text ?conf ?start ?sel WHERE {{ ?t a kg:Transcript ; kg:segment ?seg .
            ?seg kg:text ?text . OPTIONAL {{ ?seg kg:confidence ?conf }}
            OPTIONAL {{ ?seg oa:hasSelector ?s . OPTIONAL {{ ?s oa:start ?start }} {_selector()} }} }}"""):
        if r["t"] not in pg.transcripts:
            continue
        s = segments[(r["t"], r["seg"])]
        s.update(text=r["text"], confidence=float(r["conf"]) if r["conf"] else None)
        if r["start"] is not None:
            s["start"] = int(r["start"])
        if r["sel"]:
            s["selectors"].add(r["sel"])
    order = sorted(segments, key=lambda k: (k[0], segments[k].get("start", 0), k[1]))
    index: dict[str, int] = defaultdict(int)
    for t, seg in order:
        s = segments[(t, seg)]
        pg.segments[seg] = {"text": s["text"], "index": index[t], "confidence": s["confidence"],
                            "selectors": sorted(s["selectors"])}
        index[t] += 1
        pg.has_segment.append({"start": t, "end": seg, "type": "HAS_SEGMENT", "key": f"{t}|{seg}"})
    return pg
