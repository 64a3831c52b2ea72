"""What the explorer's entity page shows: an entity, its evidence, relations and events.

Everything comes from the store with a handful of SPARQL queries; text around a text
mention is read from the source file (verified by hash), around a speech mention from the
transcript in the store, because the offsets point into those texts.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from ..graph.entity_graph import EntityNotFound
from ..store import KGStore
from ..store.rdf import PREFIXES
from ..store.source_files import SourceFiles, SourceInfo

SNIPPET_CHARS = 160  # either side of a mention: enough to read the sentence it sits in
MODALITY_ORDER = ("image", "ocr", "video", "speech", "text")
# For display only; open relations' predicates are not among the store's predeclared prefixes.
DISPLAY_PREFIXES = {**{p: ns for p, ns in PREFIXES.items() if p != "kgid"}, "open": "https://w3id.org/kgbuild/open#"}


def iri_term(iri: str) -> str:
    """``<iri>`` for a SPARQL query, refusing anything that is not an IRI (no injection)."""
    try:
        return str(ox.NamedNode(iri))
    except (ValueError, TypeError):
        raise EntityNotFound(f"'{iri}' is not an IRI") from None


def compact(iri: str | None) -> str | None:
    if iri is None:
        return None
    for prefix, ns in DISPLAY_PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def rows(store: KGStore, sparql: str):
    result = store.query(sparql)
    names = [v.value for v in result.variables]
    for row in result:
        yield {n: (row[n].value if row[n] is not None else None) for n in names}


def _num(value, kind=float):
    return None if value in (None, "") else kind(float(value))


def parse_fragment(frag: str) -> dict:
    """Media Fragments into numbers: ``xywh=pixel:x,y,w,h`` -> {"box": [x, y, w, h]},
    ``t=a,b`` -> {"time": [a, b]}, and both joined by ``&`` (a box in a video frame)."""
    out: dict[str, list[float | None]] = {}
    for piece in frag.split("&"):
        key, _, body = piece.partition("=")
        try:
            if key == "xywh":
                x, y, w, h = (float(v) for v in body.removeprefix("pixel:").split(","))
                out["box"] = [x, y, w, h]
            elif key == "t":
                start, _, end = body.removeprefix("npt:").partition(",")
                out["time"] = [float(start or 0), float(end) if end else None]
        except ValueError:
            continue  # a fragment we cannot read is still listed raw in "fragments"
    return out


def snippet(text: str | None, start: int | None, end: int | None) -> dict | None:
    if text is None or start is None or end is None or not 0 <= start <= end <= len(text):
        return None
    lo, hi = max(0, start - SNIPPET_CHARS), min(len(text), end + SNIPPET_CHARS)
    # Cut at whitespace so the snippet does not open or close mid-word.
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space >= 0 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space >= 0 else hi
    return {"before": text[lo:start], "match": text[start:end], "after": text[end:hi],
            "clipped_before": lo > 0, "clipped_after": hi < len(text)}


def _reading_order(m: dict) -> tuple:
    """Sources by path; within one, mentions in the order a reader meets them."""
    sel = m["selectors"]
    where = sel["time"] or sel["char"] or (sel["box"][1::-1] if sel["box"] else None) or [0]
    return (m["source"]["path"] or "", where[0] or 0, m["iri"])


def group_relations(relations: list[dict], self_iri: str) -> list[dict]:
    """One row per fact: relations with the same (canonical) subject, predicate and object,
    stated or inferred alike, found by several extractors or in several sources, become one
    group that lists every relation node, extractor and piece of evidence. Ordered as the
    relations came (direction, predicate), the best-supported first within that."""
    groups: dict[tuple, dict] = {}
    for rel in relations:
        s, o = rel["canonical_subject"], rel["canonical_object"]
        key = (s["iri"], rel["predicate"], o["iri"], rel["inferred"])
        group = groups.get(key)
        if group is None:
            direction = "self" if s["iri"] == o["iri"] == self_iri else "out" if s["iri"] == self_iri else \
                "in" if o["iri"] == self_iri else rel["direction"]
            group = groups[key] = {
                "key": "|".join([s["iri"], rel["predicate"], o["iri"], "inferred" if rel["inferred"] else "stated"]),
                "direction": direction, "predicate": rel["predicate"], "predicate_short": rel["predicate_short"],
                "subject": dict(s), "object": dict(o), "inferred": rel["inferred"], "confidence": None,
                "extractors": [], "relations": [], "sources": [], "evidence": []}
        group["relations"].append(rel["iri"])
        if rel["confidence"] is not None:
            group["confidence"] = max(group["confidence"] or 0.0, rel["confidence"])
        if rel["extractor"] and rel["extractor"] not in group["extractors"]:
            group["extractors"].append(rel["extractor"])
        seen = {m["iri"] for m in group["evidence"]}
        group["evidence"].extend(m for m in rel["evidence"] if m["iri"] not in seen)
        group["sources"] = sorted(set(group["sources"]) | set(rel["sources"]))
    for group in groups.values():
        group["evidence"].sort(key=_reading_order)
        # the store returns a fact's relation nodes in no set order: show them (and who found them) sorted
        group["relations"].sort()
        group["extractors"].sort()
    # sorted() is stable: within equal keys, groups keep the order the relations came in
    return sorted(groups.values(), key=lambda g: (g["direction"] != "out", g["direction"], g["inferred"], -len(g["sources"])))


class EntityView:
    def __init__(self, store: KGStore, files: SourceFiles) -> None:
        self.store = store
        self.files = files

    def entity(self, iri: str) -> dict | None:
        term = iri_term(iri)
        found = list(rows(self.store, f"""SELECT ?label ?type ?class WHERE {{ {term} a kg:Entity .
            OPTIONAL {{ {term} rdfs:label ?label }} OPTIONAL {{ {term} kg:entityType ?type }}
            OPTIONAL {{ {term} a ?class FILTER(?class != kg:Entity) }} }}"""))
        if not found:
            return None
        classes = sorted({r["class"] for r in found if r["class"]})
        return {"iri": iri, "label": found[0]["label"] or "", "type": found[0]["type"] or "",
                "schema_class": classes[0] if classes else None, "schema_class_short": compact(classes[0]) if classes else None}

    def describe(self, iri: str, *, limit: int = 200) -> dict:
        entity = self.entity(iri)
        if entity is None:
            raise EntityNotFound(f"no entity {iri} in this store")
        term = iri_term(iri)
        # fusion: a canonical entity shows the evidence of every entity merged into it
        members = sorted({iri} | {r["x"] for r in rows(self.store, f"SELECT ?x WHERE {{ ?x kg:canonical {term} }}")})
        canonical = next(rows(self.store, f"SELECT ?c WHERE {{ {term} kg:canonical ?c }}"), {"c": iri})["c"]
        aliases = sorted({r["l"] for r in rows(self.store, f"SELECT ?l WHERE {{ {term} kg:alias ?l }}")})
        mine = f"VALUES ?x {{ {' '.join(iri_term(m) for m in members)} }}"
        total = int(next(rows(self.store, f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ {mine} ?m kg:refersTo ?x }}"))["n"])
        ids = [r["m"] for r in rows(self.store, f"""SELECT DISTINCT ?m WHERE {{ {mine} ?m kg:refersTo ?x ;
            prov:wasDerivedFrom/kg:path ?p }} ORDER BY ?p ?m LIMIT {int(limit)}""")]
        by_modality: dict[str, list] = defaultdict(list)
        for m in sorted(self.mentions(ids), key=_reading_order):
            by_modality[m["modality"]].append(m)
        order = {m: i for i, m in enumerate(MODALITY_ORDER)}
        relations = [r for m in members for r in self.relations(iri_term(m))]
        return {
            **entity,
            "canonical": canonical,  # differs from iri when fusion merged this entity into another
            "aliases": aliases,
            "members": members,
            "mention_count": total,
            "mentions_shown": len(ids),
            "mentions": {k: by_modality[k] for k in sorted(by_modality, key=lambda k: (order.get(k, 99), k))},
            "relations": relations,
            "relation_groups": group_relations(relations, canonical),
            "member_details": self.member_details([iri])[iri],
            "events": [e for m in members for e in self.events(iri_term(m))],
        }

    def source_paths(self, iris: list[str]) -> dict[str, list[str]]:
        """The paths each entity is mentioned in, its fused members' mentions included (a
        canonical entity stands for all of them: fusion's ``?member kg:canonical ?entity``)."""
        values = " ".join(iri_term(i) for i in iris)
        out: dict[str, list[str]] = {i: [] for i in iris}
        for r in rows(self.store, f"""SELECT DISTINCT ?e ?path WHERE {{ VALUES ?e {{ {values} }}
                {{ ?m kg:refersTo ?e }} UNION {{ ?x kg:canonical ?e . ?m kg:refersTo ?x }}
                ?m prov:wasDerivedFrom/kg:path ?path }} ORDER BY ?e ?path"""):
            out[r["e"]].append(r["path"])
        return out

    def member_details(self, iris: list[str]) -> dict[str, list[dict]]:
        """For each entity, the entities fusion merged into it (itself included when it was
        merged with others): label, type and the files each is mentioned in."""
        values = " ".join(iri_term(i) for i in iris)
        out: dict[str, list[dict]] = {i: [] for i in iris}
        found: dict[tuple[str, str], dict] = {}
        for r in rows(self.store, f"""SELECT ?e ?x ?label ?type ?path WHERE {{ VALUES ?e {{ {values} }}
                ?x kg:canonical ?e . OPTIONAL {{ ?x rdfs:label ?label }} OPTIONAL {{ ?x kg:entityType ?type }}
                OPTIONAL {{ ?m kg:refersTo ?x ; prov:wasDerivedFrom/kg:path ?path }} }} ORDER BY ?e ?x ?path"""):
            member = found.get((r["e"], r["x"]))
            if member is None:
                member = found[(r["e"], r["x"])] = {"iri": r["x"], "label": r["label"] or "", "type": r["type"] or "",
                                                    "files": []}
                out[r["e"]].append(member)
            if r["path"] and r["path"] not in member["files"]:
                member["files"].append(r["path"])
        # Alone (fusion kept it to itself, or never saw it): no members to list.
        return {e: ms if len(ms) > 1 else [] for e, ms in out.items()}

    def mentions(self, ids: list[str]) -> list[dict]:
        if not ids:
            return []
        values = " ".join(iri_term(i) for i in ids)
        found: dict[str, dict] = {}
        transcripts = set()
        for r in rows(self.store, f"""SELECT ?m ?modality ?text ?label ?conf ?sha ?start ?end ?frag ?tr WHERE {{
                VALUES ?m {{ {values} }} ?m kg:modality ?modality ; prov:wasDerivedFrom ?src . ?src kg:sha256 ?sha .
                OPTIONAL {{ ?m kg:text ?text }} OPTIONAL {{ ?m kg:label ?label }} OPTIONAL {{ ?m kg:confidence ?conf }}
                OPTIONAL {{ ?m kg:transcript ?tr }}
                OPTIONAL {{ ?m oa:hasSelector ?s1 . ?s1 oa:start ?start ; oa:end ?end }}
                OPTIONAL {{ ?m oa:hasSelector ?s2 . ?s2 rdf:value ?frag }} }}"""):
            m = found.setdefault(r["m"], {
                "iri": r["m"], "modality": r["modality"], "text": r["text"], "label": r["label"],
                "confidence": _num(r["conf"]), "sha256": r["sha"], "transcript": r["tr"],
                "selectors": {"char": None, "box": None, "time": None, "frames": [], "fragments": []}})
            sel = m["selectors"]
            if r["start"] is not None:
                sel["char"] = [int(r["start"]), int(r["end"])]
            if r["frag"] and r["frag"] not in sel["fragments"]:
                sel["fragments"].append(r["frag"])
                parsed = parse_fragment(r["frag"])
                if len(parsed) == 2:  # where a tracked object was in one video frame
                    sel["frames"].append(parsed)
                    sel["frames"].sort(key=lambda f: f["time"][0])
                else:
                    sel.update(parsed)
            if r["tr"]:
                transcripts.add(r["tr"])
        texts = self._transcript_texts(transcripts)
        sources: dict[str, SourceInfo] = {}
        out = []
        for iri in ids:
            if iri not in found:
                continue
            m = found[iri]
            info = sources.get(m["sha256"]) or sources.setdefault(m["sha256"], self.files.info(m["sha256"]))
            m["source"] = self._source_json(info)
            char = m["selectors"]["char"]
            if char:
                text = texts.get(m["transcript"]) if m["transcript"] else (
                    self.files.text(info) if info.modality == "text" else None)
                m["snippet"] = snippet(text, *char)
            else:
                m["snippet"] = None
            out.append(m)
        return out

    def _source_json(self, info: SourceInfo) -> dict:
        available = self.files.available(info)
        return {"sha256": info.sha256, "path": info.paths[0] if info.paths else None, "paths": list(info.paths),
                "media_type": info.media_type, "modality": info.modality, "width": info.width,
                "height": info.height, "duration": info.duration, "available": available,
                "url": f"/media/{info.sha256}" if available else None}

    def _transcript_texts(self, transcripts: set[str]) -> dict[str, str]:
        if not transcripts:
            return {}
        values = " ".join(iri_term(t) for t in transcripts)
        return {r["t"]: r["text"] for r in rows(self.store, f"SELECT ?t ?text WHERE {{ VALUES ?t {{ {values} }} ?t kg:text ?text }}")}

    def relations(self, term: str) -> list[dict]:
        found: dict[str, dict] = {}
        evidence: defaultdict[str, list[str]] = defaultdict(list)
        for r in rows(self.store, f"""SELECT ?r ?dir ?s ?p ?o ?sl ?ol ?sc ?oc ?scl ?ocl ?conf ?inferred ?extractor ?ev WHERE {{
                {{ ?r kg:subject {term} . BIND("out" AS ?dir) }} UNION {{ ?r kg:object {term} . BIND("in" AS ?dir) }}
                ?r a kg:Relation ; kg:subject ?s ; kg:predicate ?p ; kg:object ?o .
                OPTIONAL {{ ?s rdfs:label ?sl }} OPTIONAL {{ ?o rdfs:label ?ol }} OPTIONAL {{ ?r kg:confidence ?conf }}
                OPTIONAL {{ ?s kg:canonical ?sc OPTIONAL {{ ?sc rdfs:label ?scl }} }}
                OPTIONAL {{ ?o kg:canonical ?oc OPTIONAL {{ ?oc rdfs:label ?ocl }} }}
                OPTIONAL {{ ?r kg:inferred ?inferred }} OPTIONAL {{ ?r kg:extractor ?extractor }}
                OPTIONAL {{ ?r kg:evidence ?ev }} }} ORDER BY ?dir ?p ?r"""):
            found.setdefault(r["r"], {
                "iri": r["r"], "direction": r["dir"], "predicate": r["p"], "predicate_short": compact(r["p"]),
                "subject": {"iri": r["s"], "label": r["sl"] or compact(r["s"])},
                "object": {"iri": r["o"], "label": r["ol"] or compact(r["o"])},
                # the ends as fusion sees them: one real thing, whichever member the relation names
                "canonical_subject": {"iri": r["sc"] or r["s"], "label": r["scl"] or r["sl"] or compact(r["sc"] or r["s"])},
                "canonical_object": {"iri": r["oc"] or r["o"], "label": r["ocl"] or r["ol"] or compact(r["oc"] or r["o"])},
                "confidence": _num(r["conf"]), "inferred": r["inferred"] == "true", "extractor": r["extractor"]})
            if r["ev"] and r["ev"] not in evidence[r["r"]]:
                evidence[r["r"]].append(r["ev"])
        described = {m["iri"]: m for m in self.mentions(sorted({e for evs in evidence.values() for e in evs}))}
        for rel in found.values():
            rel["evidence"] = [described[e] for e in evidence[rel["iri"]] if e in described]
            rel["sources"] = sorted({m["source"]["path"] for m in rel["evidence"] if m["source"]["path"]})
        return list(found.values())

    def events(self, term: str) -> list[dict]:
        found: dict[str, dict] = {}
        for r in rows(self.store, f"""SELECT ?ev ?type ?conf ?extractor ?trigger ?role ?filler ?fl ?mine ?isiri WHERE {{
                ?ev a kg:Event ; kg:argument ?a0 . ?a0 kg:filler {term} .
                OPTIONAL {{ ?ev kg:eventType ?type }} OPTIONAL {{ ?ev kg:confidence ?conf }}
                OPTIONAL {{ ?ev kg:extractor ?extractor }} OPTIONAL {{ ?ev kg:trigger ?trigger }}
                ?ev kg:argument ?arg . ?arg kg:role ?role ; kg:filler ?filler .
                OPTIONAL {{ ?filler rdfs:label ?fl }} BIND(sameTerm(?filler, {term}) AS ?mine) BIND(isIRI(?filler) AS ?isiri) }} ORDER BY ?ev ?role"""):
            ev = found.setdefault(r["ev"], {"iri": r["ev"], "type": r["type"], "confidence": _num(r["conf"]),
                                            "extractor": r["extractor"], "trigger": r["trigger"], "arguments": [],
                                            "roles": []})
            arg = {"role": r["role"], "filler": r["filler"], "label": r["fl"] or r["filler"],
                   "is_entity": r["isiri"] == "true"}
            if arg not in ev["arguments"]:
                ev["arguments"].append(arg)
            if r["mine"] == "true" and r["role"] not in ev["roles"]:
                ev["roles"].append(r["role"])
        triggers = {m["iri"]: m for m in self.mentions(sorted({e["trigger"] for e in found.values() if e["trigger"]}))}
        for ev in found.values():
            ev["trigger"] = triggers.get(ev["trigger"])
        return list(found.values())
