"""Rule-based coreference: pronouns and definite nominals become mentions of the entity
they refer to, marked as such, and only when one antecedent clearly wins."""

from __future__ import annotations

import pytest

from kgbuild.datamodel import CharSpan, Item, Source
from kgbuild.stages.coref import Coref
from kgbuild.stages.doc_entities import DocEntities
from kgbuild.stages.entity_linker import EntityLinker
from kgbuild.stages.event_extractor import EventExtractor
from kgbuild.stages.spacy_ner import SpacyNER


@pytest.fixture(scope="module")
def stages():
    chain = [SpacyNER(), DocEntities(), EntityLinker(), Coref()]
    for stage in chain:
        stage.warm_up()
    return chain


def resolve(stages, text: str) -> tuple[Item, list[tuple[str, str, str]]]:
    item = Item.from_text(Source(None, "t.txt", "9" * 64, len(text), "text/plain", "text"), text)
    for stage in stages:
        stage([item])
    refs = []
    for m in item.mentions:
        if m.kind:
            span = m.provenance.anchor(CharSpan)
            assert text[span.start:span.end] == m.text
            refs.append((m.text, m.kind, item.entities[m.entity].label))
    return item, refs


def test_she_and_the_company(stages):
    _, refs = resolve(stages, "Susan Miller joined Apex Technologies in 2004. She ran its office in Denver. "
                              "The company later moved to Chicago.")
    assert ("She", "pronoun", "Susan Miller") in refs
    assert ("its", "pronoun", "Apex Technologies") in refs
    assert ("The company", "nominal", "Apex Technologies") in refs


def test_gender_tells_two_people_apart(stages):
    _, refs = resolve(stages, "Oscar Lindqvist hired Fatima Haddad last year. She now leads the design team, "
                              "and he calls her indispensable.")
    assert ("She", "pronoun", "Fatima Haddad") in refs
    assert ("he", "pronoun", "Oscar Lindqvist") in refs
    assert ("her", "pronoun", "Fatima Haddad") in refs


def test_an_object_pronoun_is_not_its_verbs_subject(stages):
    _, refs = resolve(stages, "Tom Becker met Paul Ortiz in Lyon. He thanked him warmly.")
    assert ("He", "pronoun", "Tom Becker") in refs
    assert ("him", "pronoun", "Paul Ortiz") in refs


def test_no_antecedent_no_reference(stages):
    _, refs = resolve(stages, "It was raining all day. They said the roads were closed.")
    assert refs == []


def test_two_candidates_too_close_to_call_are_left_alone(stages):
    # Neither woman is the subject: "she" could be either.
    _, refs = resolve(stages, "The prize went to Susan Clark and Mary Evans. She thanked the jury.")
    assert not any(text == "She" for text, *_ in refs)


def test_events_use_the_references(stages):
    item, _ = resolve(stages, "Greta Holm joined Norrsken Bank in 1999. Four years later she resigned.")
    EventExtractor()([item])
    labels = {iri: e.label for iri, e in item.entities.items()}
    args = {(ev.event_type, role, labels.get(f, f)) for ev in item.events for role, f in ev.arguments}
    assert ("Personnel.End-Position", "patient", "Greta Holm") in args
