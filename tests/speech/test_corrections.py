"""Names the corpus suggested to the recogniser are part of the transcript's data model
(Timeline.corrections), written with the rest of the source's graph, and read by fusion.

No model runs here: a transcript with one correction is made by hand, as the whisper stage
makes it, so the write and the read are checked on their own."""

from __future__ import annotations

from pathlib import Path

from kgbuild.datamodel import (
    CharSpan,
    Entity,
    Item,
    Mention,
    Provenance,
    Source as Src,
    SpeechCorrection,
    TimedSpan,
    Timeline,
    TimeRange,
)
from kgbuild.fusion.evidence import SPELT_BY_CORPUS, load_atoms, mentions
from kgbuild.ids import mint
from kgbuild.store import KGStore
from kgbuild.store.rdf import entity_quads, source_quads

TEXT = "Maximilian Oberhuber won the race. Anna Berg came second."
NAME = "Maximilian Oberhuber"


def _recording(corrections: tuple[SpeechCorrection, ...]) -> Item:
    source = Src(Path("/x/race.wav"), "race.wav", "ab" * 32, 1000, "audio/wav", "speech")
    words = []
    for i, token in enumerate(TEXT.split(" ")):
        start = TEXT.index(token, words[-1].end_char if words else 0)
        words.append(TimedSpan(start, start + len(token), i * 0.5, i * 0.5 + 0.4, 0.9))
    segments = (TimedSpan(0, 34, 0.0, 2.4), TimedSpan(35, len(TEXT), 2.5, 4.4))
    item = Item.from_text(source, TEXT, "speech", timeline=Timeline(tuple(words), segments, corrections))
    for start, end in ((0, 20), (35, 44)):  # the corrected name, and a name heard as said
        span = CharSpan(start, end)
        when = item.timeline.time_range(span) if item.timeline else None
        entity = mint("entity", "PERSON", TEXT[start:end].lower())
        item.mentions.append(Mention(TEXT[start:end], "PERSON", "speech",
                                     Provenance(source.iri, (span, when or TimeRange(0, 1)), "ner"), 0.9, entity))
    return item


def _predicates(quads, subject: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for q in quads:
        if q.subject.value == subject:
            out.setdefault(q.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1], set()).add(q.object.value)
    return out


def test_a_correction_lands_on_its_segment_and_mention_in_the_source_graph():
    fix = SpeechCorrection(11, 20, NAME, "Uber Huber", "PERSON")
    item = _recording((fix,))
    quads = source_quads(item, pipeline="p", pipeline_fingerprint="f", paths=["race.wav"])
    assert {q.graph_name.value for q in quads} == {item.source.iri}  # one named graph: one write
    corrected, heard = item.mentions
    assert _predicates(quads, corrected.iri)["biasedBy"] == {NAME}
    assert _predicates(quads, corrected.iri)["heardAs"] == {"Uber Huber"}
    assert "biasedBy" not in _predicates(quads, heard.iri)  # "Anna Berg" was heard, not suggested
    transcript = mint("transcript", item.source.iri)
    first, second = (mint("segment", transcript, s.start_char, s.end_char) for s in item.timeline.segments)
    assert _predicates(quads, first)["biasedBy"] == {NAME}
    assert "biasedBy" not in _predicates(quads, second)

    plain = source_quads(_recording(()), pipeline="p", pipeline_fingerprint="f", paths=["race.wav"])
    assert not [q for q in plain if q.predicate.value.endswith(("biasedBy", "heardAs"))]


def test_fusion_reads_a_corrected_mention_as_spelt_by_the_corpus(tmp_path):
    item = _recording((SpeechCorrection(11, 20, NAME, "Uber Huber", "PERSON"),))
    store = KGStore(tmp_path / "kg")
    try:
        store.add(source_quads(item, pipeline="p", pipeline_fingerprint="f", paths=["race.wav"]))
        entities = [Entity(m.entity, m.text, "PERSON") for m in item.mentions if m.entity]
        store.add(list(entity_quads(entities)))
        rows = {r.text: r for r in mentions(store, sources=[item.source.iri])}
        assert rows[NAME].biased_by == NAME and rows[NAME].spelt_by_corpus
        assert rows["Anna Berg"].biased_by is None and not rows["Anna Berg"].spelt_by_corpus
        atoms = load_atoms(store, {m.entity for m in item.mentions if m.entity}, None)
        by_label = {a.label: a for a in atoms.values()}
        assert by_label[NAME].modalities == {SPELT_BY_CORPUS} and not by_label[NAME].noisy
        assert by_label["Anna Berg"].modalities == {"speech"} and by_label["Anna Berg"].noisy
    finally:
        store.close()


def test_a_mention_only_near_its_biasing_name_is_not_spelt_by_it():
    from kgbuild.fusion.evidence import MentionRow

    def row(text: str, bias: str | None) -> MentionRow:
        return MentionRow("m", "s", "speech", "PERSON", text, None, None, None, None, None, biased_by=bias)

    assert row("Oberhuber", NAME).spelt_by_corpus  # a part of the name
    assert row("Oberhuber's", NAME).spelt_by_corpus  # a possessive is no other spelling
    assert row("Oberhuber won", NAME).spelt_by_corpus is False  # letters the name does not have
    assert row("Uber Huber", NAME).spelt_by_corpus is False


def test_old_timelines_have_no_corrections():
    timeline = Timeline(words=(), segments=())
    assert timeline.corrections == () and timeline.corrections_in(CharSpan(0, 5)) == ()
