"""The records that flow through a pipeline.

Records (Source, Mention, Entity, Relation, Event, Activity) are frozen: a stage that
refines one makes a new one with :func:`dataclasses.replace`. The only mutable object is
:class:`Item`, the work unit for one source, which stages fill in as it passes (as a
spaCy ``Doc`` collects annotations).

Every fact carries a :class:`Provenance`: the source it came from and one or more
anchors — a character span, an image box, or a time range — down to which it can be
checked by a person.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, Union

from .ids import mint, source_iri

MODALITIES = ("text", "image", "speech", "video")


# Anchors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CharSpan:
    """Half-open ``[start, end)`` character offsets into one of the item's text views:
    ``view`` None is the item's own text (:data:`PRIMARY_VIEW`), else the view's name."""

    start: int
    end: int
    view: str | None = None

    def key(self) -> str:
        # The primary view keeps the plain key, so mention IRIs did not change when views came.
        return f"char={self.start},{self.end}" if self.view is None else f"{self.view}:char={self.start},{self.end}"


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixels of the original image (Media Fragments ``xywh``)."""

    x: float
    y: float
    w: float
    h: float

    def fragment(self) -> str:
        return f"xywh=pixel:{round(self.x)},{round(self.y)},{round(self.w)},{round(self.h)}"

    def key(self) -> str:
        return self.fragment()


@dataclass(frozen=True)
class TimeRange:
    """Seconds from the start of the media (Media Fragments ``t=start,end``)."""

    start: float
    end: float

    def fragment(self) -> str:
        return f"t={self.start:.2f},{self.end:.2f}"

    def key(self) -> str:
        return self.fragment()


@dataclass(frozen=True)
class BoxAt:
    """A box in one frame of a video: where it was on screen and the frame's display
    interval (Media Fragments ``t=start,end&xywh=pixel:x,y,w,h``). A time point alone
    (``t=12``) would mean "from 12 s to the end" in Media Fragments, hence the interval."""

    start: float
    end: float
    box: Box

    def fragment(self) -> str:
        return f"t={self.start:.2f},{self.end:.2f}&{self.box.fragment()}"

    def key(self) -> str:
        return self.fragment()


Anchor = Union[CharSpan, Box, TimeRange, BoxAt]  # noqa: UP007 - a runtime alias that isinstance checks can read
A = TypeVar("A", CharSpan, Box, TimeRange, BoxAt)


@dataclass(frozen=True)
class Provenance:
    source: str  # source IRI
    anchors: tuple[Anchor, ...]
    stage: str  # the pipeline stage (by name) that produced the fact

    def anchor(self, kind: type[A]) -> A | None:
        return next((a for a in self.anchors if isinstance(a, kind)), None)


# Records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    path: Path  # absolute, for reading; never written to the graph
    relpath: str  # relative to the corpus root, POSIX separators
    sha256: str
    size: int
    media_type: str
    modality: str
    mtime_ns: int = 0  # as hashed: a file whose size or time moved since was changed under us

    @property
    def iri(self) -> str:
        return source_iri(self.sha256)


@dataclass(frozen=True)
class Mention:
    text: str  # surface form, or the detector's class label
    label: str  # entity type: PERSON, ORG, ... for text; mapped class type for images
    modality: str  # text | image | speech | ocr
    provenance: Provenance
    confidence: float | None = None
    entity: str | None = None  # IRI of the entity it refers to, set by the linker
    kind: str | None = None  # None: a name (or a detection); "pronoun" / "nominal": found by coreference

    @property
    def iri(self) -> str:
        anchors = "|".join(a.key() for a in self.provenance.anchors)
        return mint("mention", self.provenance.source, self.modality, anchors, self.label, self.text)


@dataclass(frozen=True)
class Entity:
    iri: str
    label: str
    entity_type: str
    schema_class: str | None = None  # a schema.org class IRI where one fits
    value: str | None = None  # typed value of a date or amount: lexical form of ``datatype``
    datatype: str | None = None  # XSD datatype IRI of ``value`` (xsd:date, xsd:gYear, xsd:decimal, ...)


@dataclass(frozen=True)
class Relation:
    subject: str  # entity IRI
    predicate: str  # predicate IRI
    object: str  # entity IRI
    evidence: tuple[str, ...]  # mention IRIs
    extractor: str
    confidence: float | None = None
    inferred: bool = False

    @property
    def iri(self) -> str:
        return mint("relation", self.subject, self.predicate, self.object, self.extractor, *self.evidence)


@dataclass(frozen=True)
class Event:
    event_type: str
    trigger: str  # mention IRI
    arguments: tuple[tuple[str, str], ...]  # (role, entity IRI or literal)
    extractor: str
    confidence: float | None = None

    @property
    def iri(self) -> str:
        return mint("event", self.event_type, self.trigger, *(f"{r}={f}" for r, f in self.arguments))


@dataclass(frozen=True)
class Activity:
    """What ran on a source: recorded as a ``prov:Activity`` in the source's graph."""

    stage: str  # name in the pipeline
    stage_type: str  # registry name
    model: str | None  # model name/path as resolved
    model_version: str | None
    params_fingerprint: str

    def iri(self, source: str) -> str:
        return mint("activity", source, self.stage, self.stage_type, self.params_fingerprint)


# Speech timeline -------------------------------------------------------------------------


@dataclass(frozen=True)
class TimedSpan:
    """A piece of transcript (a word or a segment) with its time range."""

    start_char: int
    end_char: int
    start: float
    end: float
    probability: float | None = None


@dataclass(frozen=True)
class SpeechCorrection:
    """Words of a transcript that a name from the corpus's texts suggested: the recogniser's
    second pass, biased with ``name``, wrote them where its first pass heard ``heard``. A
    reader (and fusion) can tell such a suggested name from a heard one."""

    start_char: int  # the changed words, a character span of the transcript
    end_char: int
    name: str  # the written name that biased the decode
    heard: str  # what the first, unbiased pass heard there
    entity_type: str | None = None  # the name's type in the lexicon (PERSON, ORG, ...)


@dataclass(frozen=True)
class Timeline:
    """Maps character spans of a transcript to time ranges in the audio."""

    words: tuple[TimedSpan, ...]
    segments: tuple[TimedSpan, ...]
    corrections: tuple[SpeechCorrection, ...] = ()  # words the biased second pass changed, in order

    def corrections_in(self, span: CharSpan) -> tuple[SpeechCorrection, ...]:
        """The corrections overlapping a character span (a mention's, a segment's)."""
        return tuple(c for c in self.corrections if c.start_char < span.end and c.end_char > span.start)

    def time_range(self, span: CharSpan) -> TimeRange | None:
        pieces = self.words or self.segments
        starts = [p.start_char for p in pieces]
        hit = [p for p in pieces[max(0, bisect.bisect_right(starts, span.start) - 1):] if p.start_char < span.end]
        hit = [p for p in hit if p.end_char > span.start]
        if not hit:
            return None
        return TimeRange(round(hit[0].start, 2), round(hit[-1].end, 2))

    def confidence(self, span: CharSpan) -> float | None:
        probs = [w.probability for w in self.words
                 if w.start_char < span.end and w.end_char > span.start and w.probability is not None]
        return round(sum(probs) / len(probs), 4) if probs else None


# Text found in an image -------------------------------------------------------------------


@dataclass(frozen=True)
class RegionSpan:
    """A piece of recognised text (an OCR line) and the image region it was read from."""

    start_char: int
    end_char: int
    box: Box
    confidence: float | None = None


@dataclass(frozen=True)
class Layout:
    """Maps character spans of text read from an image to boxes in that image."""

    regions: tuple[RegionSpan, ...]

    def box(self, span: CharSpan) -> Box | None:
        """The smallest box around every region the span touches."""
        hit = [r.box for r in self.regions if r.start_char < span.end and r.end_char > span.start]
        if not hit:
            return None
        x0, y0 = min(b.x for b in hit), min(b.y for b in hit)
        x1, y1 = max(b.x + b.w for b in hit), max(b.y + b.h for b in hit)
        return Box(x0, y0, x1 - x0, y1 - y0)

    def confidence(self, span: CharSpan) -> float | None:
        probs = [r.confidence for r in self.regions
                 if r.start_char < span.end and r.end_char > span.start and r.confidence is not None]
        return round(sum(probs) / len(probs), 4) if probs else None


# Text views -------------------------------------------------------------------------------

# The view that holds an item's own text, by modality: what a text file says, what was said
# in a recording, what is written in a picture. Other views (a caption, ...) carry their name.
PRIMARY_VIEW = {"text": "text", "speech": "transcript", "video": "transcript", "image": "ocr"}


@dataclass(frozen=True)
class TextView:
    """One text of an item, with the alignment that maps its characters back to the media:
    a :class:`Timeline` (character -> time) for speech, a :class:`Layout` (character -> box)
    for text read from an image. Text stages read every view; a mention's :class:`CharSpan`
    names its view, so its anchors come from that view's alignment."""

    name: str
    text: str
    modality: str  # how the text was obtained (text | speech | ocr | caption ...): its mentions' modality
    timeline: Timeline | None = None
    layout: Layout | None = None

    def anchors(self, span: CharSpan) -> tuple[tuple[Anchor, ...], float | None]:
        """The character span plus where it is in the media, and how sure the recogniser was
        (ASR word probability, OCR line score; None for written text)."""
        if self.timeline is not None:
            when = self.timeline.time_range(span)
            return ((span, when) if when else (span,)), self.timeline.confidence(span)
        if self.layout is not None:
            where = self.layout.box(span)
            return ((span, where) if where else (span,)), self.layout.confidence(span)
        return (span,), None


# The work unit -------------------------------------------------------------------------


@dataclass
class Item:
    """Everything known about one source while the pipeline runs."""

    source: Source
    views: dict[str, TextView] = field(default_factory=dict)  # by name; see add_view
    mentions: list[Mention] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. width/height, duration, language
    failure: Any = None  # a StageFailure once a stage has failed on this item
    completed: int = 0  # how many pipeline stages have been applied (resumed items start later)
    skipped_stages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failure is None

    @classmethod
    def from_text(cls, source: Source, text: str, modality: str = "text", *, timeline: Timeline | None = None,
                  layout: Layout | None = None, **fields: Any) -> Item:
        """An item whose own text (its primary view) is already known."""
        item = cls(source, **fields)
        item.add_view(TextView(item.primary_view, text, modality, timeline, layout))
        return item

    # text views ----------------------------------------------------------------------

    @property
    def primary_view(self) -> str:
        return PRIMARY_VIEW.get(self.source.modality, "text")

    def add_view(self, view: TextView) -> None:
        """A view is written once: a second stage filling the same view is a wiring error,
        caught before any data flows (:meth:`kgbuild.pipeline.config.Pipeline.check_wiring`)."""
        if view.name in self.views:
            raise ValueError(f"text view '{view.name}' of {self.source.relpath} is already set")
        self.views[view.name] = view

    def view_key(self, name: str) -> str | None:
        """What a :class:`CharSpan` into the view ``name`` records: None for the primary view."""
        return None if name == self.primary_view else name

    def view(self, key: str | None) -> TextView | None:
        return self.views.get(self.primary_view if key is None else key)

    def text_views(self) -> list[tuple[str | None, TextView]]:
        """(span key, view) for every view with text, the primary view first."""
        ordered = sorted(self.views.values(), key=lambda v: (v.name != self.primary_view, v.name))
        return [(self.view_key(v.name), v) for v in ordered if v.text]

    @property
    def text(self) -> str | None:
        """The item's own text (its primary view), None when it has none."""
        view = self.views.get(self.primary_view)
        return view.text if view is not None else None

    @property
    def timeline(self) -> Timeline | None:
        view = self.views.get(self.primary_view)
        return view.timeline if view is not None else None

    @property
    def layout(self) -> Layout | None:
        view = self.views.get(self.primary_view)
        return view.layout if view is not None else None

    def has_text(self) -> bool:
        return any(view.text for view in self.views.values())
