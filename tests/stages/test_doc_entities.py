"""The document-level entity pass: titles out of names, values typed by form, parts of
longer names typed like them, one type per name, untagged repeats tagged."""

from __future__ import annotations

import pytest

from kgbuild.datamodel import CharSpan, Item, Mention, Provenance, Source
from kgbuild.stages.doc_entities import DocEntities
from kgbuild.stages.entity_linker import EntityLinker
from kgbuild.stages.spacy_ner import SpacyNER


@pytest.fixture(scope="module")
def ner():
    stage = SpacyNER()
    stage.warm_up()
    return stage


def item_of(text: str, n: int = 0) -> Item:
    return Item.from_text(Source(None, f"{n}.txt", f"{n:064d}", len(text), "text/plain", "text"), text)


def mention(item: Item, text: str, label: str, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = item.text.index(text, start + 1)
    return Mention(text, label, "text", Provenance(item.source.iri, (CharSpan(start, start + len(text)),), "ner"))


def found(item: Item) -> list[tuple[str, str]]:
    return [(m.text, m.label) for m in item.mentions]


def test_titles_and_ranks_leave_the_name_and_keep_its_offsets():
    item = item_of("Photographer Ansel Adams met Rear Admiral Grace Hopper and Senator Kowalski.")
    item.mentions = [mention(item, "Photographer Ansel Adams", "PERSON"), mention(item, "Rear Admiral", "ORG"),
                     mention(item, "Grace Hopper", "PERSON"), mention(item, "Senator Kowalski", "ORG"),
                     mention(item, "General Motors", "ORG") if "General Motors" in item.text else None]
    item.mentions = [m for m in item.mentions if m is not None]
    DocEntities(repeats=False)([item])
    assert found(item) == [("Ansel Adams", "PERSON"), ("Grace Hopper", "PERSON"), ("Kowalski", "PERSON")]
    for m in item.mentions:
        span = m.provenance.anchor(CharSpan)
        assert item.text[span.start:span.end] == m.text


def test_an_organisation_whose_first_word_is_a_rank_stays_whole():
    item = item_of("General Motors and General Electric reported profits.")
    item.mentions = [mention(item, "General Motors", "ORG"), mention(item, "General Electric", "ORG")]
    DocEntities()([item])
    assert found(item) == [("General Motors", "ORG"), ("General Electric", "ORG")]


def test_values_are_typed_by_their_form():
    item = item_of("From 1990-1995 it sold 1,600 units for $4 million, up 12.")
    item.mentions = [mention(item, "1990-1995", "MONEY"), mention(item, "1,600", "MONEY"),
                     mention(item, "$4 million", "MONEY"), mention(item, "12", "PERCENT")]
    DocEntities()([item])
    assert found(item) == [("1990-1995", "DATE"), ("1,600", "CARDINAL"), ("$4 million", "MONEY"), ("12", "CARDINAL")]


def test_a_surname_typed_otherwise_takes_the_full_names_type_and_links_to_it():
    item = item_of("Eileen Collins flew the shuttle. Later, Collins said the flight was smooth.")
    item.mentions = [mention(item, "Eileen Collins", "PERSON"), mention(item, "Collins", "ORG", nth=1)]
    DocEntities()([item])
    EntityLinker()([item])
    assert found(item) == [("Eileen Collins", "PERSON"), ("Collins", "PERSON")]
    assert len({m.entity for m in item.mentions}) == 1


def test_one_type_per_name_and_the_written_text_breaks_a_tie():
    item = item_of("Jordan won. Jordan scored. Jordan left.")
    item.mentions = [mention(item, "Jordan", "GPE", 0), mention(item, "Jordan", "PERSON", 1),
                     mention(item, "Jordan", "PERSON", 2)]
    DocEntities(repeats=False)([item])
    assert {label for _, label in found(item)} == {"PERSON"}


def test_untagged_repeats_of_a_tagged_name_are_tagged(ner):
    item = item_of("Helen Whitfield founded the lab. Colleagues say Helen Whitfield works late, "
                   "and that Whitfield rarely rests.")
    ner([item])
    item.mentions = [m for m in item.mentions if m.provenance.anchor(CharSpan).start == 0]  # keep the first only
    DocEntities()([item])
    spans = sorted((m.provenance.anchor(CharSpan).start, m.text, m.label) for m in item.mentions)
    assert [(t, lab) for _, t, lab in spans] == [("Helen Whitfield", "PERSON"), ("Helen Whitfield", "PERSON"),
                                                 ("Whitfield", "PERSON")]
    assert all(m.provenance.stage == "doc_entities" for m in item.mentions[1:])


def test_a_surname_that_is_a_common_word_is_not_tagged_at_a_sentence_start(ner):
    item = item_of("Alice Green chairs the board. Green energy is her topic.")
    ner([item])
    DocEntities()([item])
    assert ("Green", "PERSON") not in found(item)


def test_a_lone_title_goes_but_a_title_word_used_as_a_surname_stays():
    item = item_of("The jury heard that Ray shot King in Memphis, and then met the Admiral.")
    item.mentions = [mention(item, "Ray", "PERSON"), mention(item, "King", "PERSON"),
                     mention(item, "Admiral", "PERSON")]
    DocEntities(repeats=False)([item])
    assert found(item) == [("Ray", "PERSON"), ("King", "PERSON")]
