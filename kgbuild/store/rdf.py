"""Items to RDF quads, following the graph contract in docs/graph-model.md.

Each source's facts go into the named graph whose IRI is the source's IRI, so replacing
or removing a source is one graph operation. Entity descriptions are shared by every
source that mentions them and live in one graph of their own (:data:`ENTITIES_GRAPH`).
No blank nodes: every node is minted from content, so rebuilding gives identical quads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from .. import __version__
from ..datamodel import Box, BoxAt, CharSpan, Entity, Event, Item, Mention, Relation, TimeRange
from ..ids import ID_BASE, NS, mint

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "http://schema.org/"
MEDIA_FRAGS = "http://www.w3.org/TR/media-frags/"

PREFIXES = {"kg": NS, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "prov": PROV, "oa": OA,
            "dcterms": DCTERMS, "schema": SCHEMA, "kgid": ID_BASE}

ENTITIES_GRAPH = ID_BASE + "graph/entities"
STORE_GRAPH = ID_BASE + "graph/store"  # facts about the store itself: where its corpora live


def N(iri: str) -> NamedNode:  # noqa: N802 - reads like the RDF term it makes
    return NamedNode(iri)


A = N(RDF + "type")


def kg(local: str) -> NamedNode:
    return N(NS + local)


def lit(value: object) -> Literal:
    if isinstance(value, bool):
        return Literal(str(value).lower(), datatype=N(XSD + "boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=N(XSD + "integer"))
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0")
        return Literal(text + "0" if text.endswith(".") else text, datatype=N(XSD + "decimal"))
    return Literal(str(value))


class _Graph:
    """Collects triples for one named graph."""

    def __init__(self, graph: str) -> None:
        self.graph = N(graph)
        self.quads: list[Quad] = []

    def add(self, s: str | NamedNode, p: NamedNode, o: object) -> None:
        subject = s if isinstance(s, NamedNode) else N(s)
        obj = o if isinstance(o, (NamedNode, Literal)) else lit(o)
        self.quads.append(Quad(subject, p, obj, self.graph))


def source_quads(item: Item, *, pipeline: str, pipeline_fingerprint: str, paths: list[str]) -> list[Quad]:
    src = item.source
    g = _Graph(src.iri)
    g.add(src.iri, A, kg("Source"))
    g.add(src.iri, kg("sha256"), src.sha256)
    g.add(src.iri, kg("mediaType"), src.media_type)
    g.add(src.iri, kg("modality"), src.modality)
    g.add(src.iri, kg("byteSize"), src.size)
    for path in paths:
        g.add(src.iri, kg("path"), path)
    g.add(src.iri, kg("pipeline"), pipeline)
    g.add(src.iri, kg("pipelineFingerprint"), pipeline_fingerprint)
    g.add(src.iri, kg("status"), "ok" if item.ok else "failed")
    for key, value in sorted(item.meta.items()):
        # Scalars describe the source (width, duration, language, ...): kg:<camelCase key>.
        # Keys starting with "_" are working data for later stages, not facts.
        # A (lexical form, datatype IRI) pair is a typed literal, e.g. a WKT point.
        if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
            value = Literal(value[0], datatype=N(value[1]))
        if not key.startswith("_") and isinstance(value, (str, int, float, bool, Literal)):
            g.add(src.iri, kg(_camel(key)), value)
    for label, count in sorted(item.meta.get("object_counts", {}).items()):
        node = mint("count", src.iri, label)
        g.add(src.iri, kg("objectCount"), N(node))
        g.add(node, kg("label"), label)
        g.add(node, kg("count"), int(count))
    if item.failure is not None:
        _failure(g, item)
    _activities(g, item)
    views = _views(g, item)
    for mention in item.mentions:
        _mention(g, mention, views)
        _speech_corrections(g, item, mention)
    for relation in item.relations:
        _relation(g, relation)
    for event in item.events:
        _event(g, event)
    return g.quads


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _failure(g: _Graph, item: Item) -> None:
    f = item.failure
    node = mint("failure", item.source.iri, f.stage)
    g.add(item.source.iri, kg("failure"), N(node))
    g.add(node, A, kg("Failure"))
    g.add(node, kg("stage"), f.stage)
    g.add(node, kg("code"), f.cause_code)
    g.add(node, kg("reason"), f.reason)
    if f.position:
        g.add(node, kg("position"), f.position)


def _activities(g: _Graph, item: Item) -> None:
    for act in item.activities:
        node = act.iri(item.source.iri)
        g.add(node, A, N(PROV + "Activity"))
        g.add(node, N(PROV + "used"), N(item.source.iri))
        g.add(node, kg("stage"), act.stage)
        g.add(node, kg("stageType"), act.stage_type)
        g.add(node, kg("paramsFingerprint"), act.params_fingerprint)
        g.add(node, kg("softwareVersion"), f"kgbuild {__version__}")
        if act.model:
            g.add(node, kg("model"), act.model)
        if act.model_version:
            g.add(node, kg("modelVersion"), act.model_version)


def _views(g: _Graph, item: Item) -> dict[str | None, str]:
    """A kg:Transcript node for every text view that is not the source's own written text
    (speech, text read in a picture, a caption ...): its text, one kg:Segment per aligned
    piece (a speech segment with its time range, an OCR line with its box). Returns the node
    of each view by span key, for the mentions to point at."""
    nodes: dict[str | None, str] = {}
    for key, view in item.text_views():
        if view.modality == "text" and item.source.modality == "text":
            continue  # the source itself is the text: its mentions' offsets are into the file
        node = mint("transcript", item.source.iri) if key is None else mint("transcript", item.source.iri, key)
        nodes[key] = node
        g.add(node, A, kg("Transcript"))
        g.add(node, N(PROV + "wasDerivedFrom"), N(item.source.iri))
        g.add(node, kg("text"), view.text)
        if key is not None:
            g.add(node, kg("view"), key)
            g.add(node, kg("modality"), view.modality)
        timeline = view.timeline
        for seg in timeline.segments if timeline else ():
            _segment(g, node, view.text, seg.start_char, seg.end_char, TimeRange(seg.start, seg.end), None, key)
            for fix in timeline.corrections_in(CharSpan(seg.start_char, seg.end_char)) if timeline else ():
                g.add(mint("segment", node, seg.start_char, seg.end_char), kg("biasedBy"), fix.name)
        lines = getattr(view.layout, "lines", ())  # a document's layout maps words; its segments are lines
        for start, end, box in lines:
            _segment(g, node, view.text, start, end, box, None, key)
        for region in view.layout.regions if view.layout and not lines else ():  # OCR: one segment per line read
            _segment(g, node, view.text, region.start_char, region.end_char, region.box, region.confidence, key)
    return nodes


def _segment(g: _Graph, node: str, text: str, start: int, end: int, where, confidence: float | None,
             key: str | None) -> None:
    seg_node = mint("segment", node, start, end)
    g.add(node, kg("segment"), N(seg_node))
    g.add(seg_node, A, kg("Segment"))
    g.add(seg_node, kg("text"), text[start:end])
    if confidence is not None:
        g.add(seg_node, kg("confidence"), float(confidence))
    _selectors(g, seg_node, (CharSpan(start, end, key), where))


def _mention(g: _Graph, m: Mention, views: dict[str | None, str]) -> None:
    node = m.iri
    g.add(node, A, kg("Mention"))
    g.add(node, kg("modality"), m.modality)
    g.add(node, kg("text"), m.text)
    g.add(node, kg("label"), m.label)
    if m.confidence is not None:
        g.add(node, kg("confidence"), float(m.confidence))
    if m.entity:
        g.add(node, kg("refersTo"), N(m.entity))
    if m.kind:
        g.add(node, kg("mentionKind"), m.kind)
    g.add(node, N(PROV + "wasDerivedFrom"), N(m.provenance.source))
    span = m.provenance.anchor(CharSpan)
    if span is not None and span.view in views:
        g.add(node, kg("transcript"), N(views[span.view]))
    _selectors(g, node, m.provenance.anchors)


def _speech_corrections(g: _Graph, item: Item, m: Mention) -> None:
    """A mention over words a corpus name suggested to the recogniser: ``kg:biasedBy`` the name,
    ``kg:heardAs`` what the unbiased pass heard — in the source's graph with the rest of it."""
    span = m.provenance.anchor(CharSpan)
    view = item.view(span.view) if span is not None else None
    if span is None or view is None or view.timeline is None:
        return
    for fix in view.timeline.corrections_in(span):
        g.add(m.iri, kg("biasedBy"), fix.name)
        g.add(m.iri, kg("heardAs"), fix.heard)


def _relation(g: _Graph, r: Relation) -> None:
    g.add(r.subject, N(r.predicate), N(r.object))  # the direct triple, for plain queries
    node = r.iri
    g.add(node, A, kg("Relation"))
    g.add(node, kg("subject"), N(r.subject))
    g.add(node, kg("predicate"), N(r.predicate))
    g.add(node, kg("object"), N(r.object))
    g.add(node, kg("extractor"), r.extractor)
    g.add(node, kg("inferred"), r.inferred)
    if r.confidence is not None:
        g.add(node, kg("confidence"), float(r.confidence))
    for mention in r.evidence:
        g.add(node, kg("evidence"), N(mention))


def _event(g: _Graph, e: Event) -> None:
    node = e.iri
    g.add(node, A, kg("Event"))
    g.add(node, kg("eventType"), e.event_type)
    g.add(node, kg("trigger"), N(e.trigger))
    g.add(node, kg("extractor"), e.extractor)
    if e.confidence is not None:
        g.add(node, kg("confidence"), float(e.confidence))
    for role, filler in e.arguments:
        arg = mint("argument", node, role, filler)
        g.add(node, kg("argument"), N(arg))
        g.add(arg, kg("role"), role)
        g.add(arg, kg("filler"), N(filler) if filler.startswith(ID_BASE) else filler)


def _selectors(g: _Graph, node: str, anchors) -> None:
    for anchor in anchors:
        sel = mint("selector", node, anchor.key())
        g.add(node, N(OA + "hasSelector"), N(sel))
        if isinstance(anchor, CharSpan):
            g.add(sel, A, N(OA + "TextPositionSelector"))
            g.add(sel, N(OA + "start"), anchor.start)
            g.add(sel, N(OA + "end"), anchor.end)
        elif isinstance(anchor, (Box, TimeRange, BoxAt)):  # BoxAt: one selector per sampled frame
            g.add(sel, A, N(OA + "FragmentSelector"))
            g.add(sel, N(RDF + "value"), anchor.fragment())
            # a page box (kgbuild.media.document.PageBox) conforms to RFC 8118 (PDF fragments)
            g.add(sel, N(DCTERMS + "conformsTo"), N(getattr(anchor, "conforms_to", MEDIA_FRAGS)))
        elif getattr(anchor, "selector_class", None) == "TextPositionSelector":  # a figure's caption
            g.add(sel, A, N(OA + "TextPositionSelector"))  # (kgbuild.media.document.CaptionAt)
            g.add(sel, N(OA + "start"), anchor.start)
            g.add(sel, N(OA + "end"), anchor.end)
        elif hasattr(anchor, "selector_class"):  # an element of a document (kgbuild.media.html.ElementPath)
            g.add(sel, A, N(OA + anchor.selector_class))
            g.add(sel, N(RDF + "value"), anchor.fragment())
            g.add(sel, N(DCTERMS + "conformsTo"), N(anchor.conforms_to))


def entity_quads(entities: list[Entity]) -> Iterator[Quad]:
    g = _Graph(ENTITIES_GRAPH)
    for e in entities:
        g.add(e.iri, A, kg("Entity"))
        if e.label:
            g.add(e.iri, N(RDFS + "label"), e.label)
        g.add(e.iri, kg("entityType"), e.entity_type)
        if e.schema_class:
            g.add(e.iri, A, N(e.schema_class))
        if e.value is not None:
            g.add(e.iri, kg("value"), Literal(e.value, datatype=N(e.datatype or XSD + "string")))
    return iter(g.quads)


def corpus_root_quads(root) -> list[Quad]:
    """Record the folder a build read, so tools (the explorer) can find a source's file:
    ``<root>/<kg:path>``. Several builds from several folders give several roots."""
    g = _Graph(STORE_GRAPH)
    g.add(ID_BASE + "store", A, kg("Store"))
    g.add(ID_BASE + "store", kg("corpusRoot"), str(Path(root).resolve()))
    return g.quads


def unreadable_quads(relpath: str, reason: str) -> list[Quad]:
    """A file that could not even be hashed has no content IRI: it is keyed by path."""
    node = mint("unreadable", relpath)
    g = _Graph(node)
    g.add(node, A, kg("Source"))
    g.add(node, kg("path"), relpath)
    g.add(node, kg("status"), "failed")
    fail = mint("failure", node, "discover")
    g.add(node, kg("failure"), N(fail))
    g.add(fail, A, kg("Failure"))
    g.add(fail, kg("stage"), "discover")
    g.add(fail, kg("code"), "E301")
    g.add(fail, kg("reason"), f"{relpath}: {reason}")
    return g.quads
