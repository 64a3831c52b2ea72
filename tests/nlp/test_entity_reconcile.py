"""The relation stage's entity layer: the joint tagger's spans reconciled with the graph's
mentions (re-anchored, added, retyped by the documented vote), on a real spaCy parse."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kgbuild.datamodel import CharSpan, Item, Source
from kgbuild.nlp.entity_reconcile import EntityLayer
from kgbuild.nlp.spacy_docs import mention_at
from kgbuild.stages.entity_linker import SCHEMA_CLASS, EntityLinker


@pytest.fixture(scope="module")
def nlp():
    import spacy

    return spacy.blank("en")


def build(nlp, text: str, marked: list[tuple[str, str]], pronouns: list[tuple[str, str]] = ()):
    """An item with linked mentions of each (surface, label) and pronoun mentions (pronoun,
    antecedent surface) pointing at the antecedent's entity; returns it and its one sentence."""
    item = Item.from_text(Source(None, "t.txt", "7" * 64, len(text), "text/plain", "text"), text)
    for surface, label in marked:
        start = text.index(surface)
        item.mentions.append(mention_at(item, start, start + len(surface), label, "ner"))
    EntityLinker()([item])
    for word, antecedent in pronouns:
        target = next(m for m in item.mentions if m.text == antecedent)
        start = text.index(word)
        mention = mention_at(item, start, start + len(word), target.label, "coref")
        item.mentions.append(replace(mention, entity=target.entity, kind="pronoun"))
    doc = nlp(text)
    return item, doc[:]


def in_sentence(item, sent, labels=None):
    """(mention, first token, end token) of the item's mentions, as mentions_by_sentence gives them."""
    out = []
    for m in item.mentions:
        span = m.provenance.anchor(CharSpan)
        if labels is None or m.label in labels:
            tokens = sent.doc.char_span(span.start, span.end)
            out.append((m, tokens.start, tokens.end))
    return sorted(out, key=lambda t: t[1])


def words(sent, surface: str) -> tuple[int, int]:
    start = sent.text.index(surface)
    span = sent.doc.char_span(start, start + len(surface))
    return span.start, span.end


def test_an_overlapping_joint_span_re_anchors_the_mention_of_the_same_entity(nlp):
    item, sent = build(nlp, "Ann Lee works for the Acme Corp team in Boston .",
                       [("Ann Lee", "PERSON"), ("the Acme Corp team", "ORG"), ("Boston", "GPE")])
    org = next(m for m in item.mentions if m.label == "ORG")
    layer = EntityLayer(item, "relations", SCHEMA_CLASS)
    spans = [(*words(sent, "Ann Lee"), "Peop", 0.9), (*words(sent, "Acme Corp"), "Org", 0.9),
             (*words(sent, "Boston"), "Loc", 0.9)]
    args = layer.sentence(None, 0, sent, in_sentence(item, sent), spans)
    layer.finish()
    moved = layer.current(args[1][0])
    assert moved.text == "Acme Corp" and moved.entity == org.entity and (args[1][1], args[1][2]) == words(sent, "Acme Corp")
    assert [m.text for m in item.mentions if m.label == "ORG"] == ["Acme Corp"]  # replaced, not duplicated
    assert [layer.current(m).text for m, _, _ in args] == ["Ann Lee", "Acme Corp", "Boston"]


def test_an_entity_spacy_missed_becomes_a_new_mention_and_entity_but_never_over_a_date(nlp):
    item, sent = build(nlp, "Ann Lee joined Globex in 1999 .", [("Ann Lee", "PERSON"), ("1999", "DATE")])
    layer = EntityLayer(item, "relations", SCHEMA_CLASS)
    spans = [(*words(sent, "Ann Lee"), "Peop", 0.9), (*words(sent, "Globex"), "Org", 0.8),
             (*words(sent, "1999"), "Loc", 0.6)]
    args = layer.sentence(None, 0, sent, in_sentence(item, sent, {"PERSON"}), spans)
    layer.finish()
    assert [m.text for m, _, _ in args] == ["Ann Lee", "Globex"]
    new = next(m for m in item.mentions if m.text == "Globex")
    assert new.label == "ORG" and item.entities[new.entity].entity_type == "ORG"
    assert item.entities[new.entity].label == "Globex"
    assert not any(m.text == "1999" and m.label != "DATE" for m in item.mentions)


@pytest.mark.parametrize("rule", ["joint", "spacy"])
def test_the_type_rule_decides_and_the_graph_agrees_with_the_arguments(nlp, rule):
    item, sent = build(nlp, "Ann Lee moved to Elmira , and she liked Elmira .",
                       [("Ann Lee", "PERSON"), ("Elmira", "PERSON")], pronouns=[("she", "Ann Lee")])
    old = next(m for m in item.mentions if m.text == "Elmira").entity
    layer = EntityLayer(item, "relations", SCHEMA_CLASS, types=rule)
    spans = [(*words(sent, "Ann Lee"), "Peop", 0.9), (*words(sent, "Elmira"), "Loc", 0.9)]
    args = layer.sentence(None, 0, sent, in_sentence(item, sent), spans)
    layer.finish()
    elmira = layer.current(next(m for m, _, _ in args if m.text == "Elmira"))
    kind = item.entities[elmira.entity].entity_type
    assert kind == ("GPE" if rule == "joint" else "PERSON")
    # every mention of the place moved with it (the second "Elmira", untagged here, too)
    assert {m.label for m in item.mentions if m.text == "Elmira"} == {kind}
    assert all(m.entity in item.entities for m in item.mentions)
    assert (old in item.entities) == (rule == "spacy")
    # the sentence names Ann Lee: "she" adds no argument of its own, and keeps its entity
    assert "she" not in [m.text for m, _, _ in args]
    she = next(m for m in item.mentions if m.text == "she")
    assert item.entities[she.entity].label == "Ann Lee"


def test_a_pronoun_is_an_argument_where_its_entity_is_not_named(nlp):
    item, whole = build(nlp, "Ann Lee left Acme . She moved to Boston .",
                        [("Ann Lee", "PERSON"), ("Acme", "ORG"), ("Boston", "GPE")], pronouns=[("She", "Ann Lee")])
    sent = whole.doc[5:]  # "She moved to Boston ."
    mentions = [(m, a - 5, b - 5) for m, a, b in in_sentence(item, whole) if a >= 5]
    layer = EntityLayer(item, "relations", SCHEMA_CLASS)
    args = layer.sentence(None, 0, sent, mentions, [(3, 4, "Loc", 0.9)])
    layer.finish()
    assert [(m.text, a, b) for m, a, b in args] == [("She", 0, 1), ("Boston", 3, 4)]
    assert item.entities[args[0][0].entity].label == "Ann Lee"


def test_a_joint_other_reading_leaves_a_person_alone_and_is_no_argument(nlp):
    item, sent = build(nlp, "Ann Lee met Bo Chen .", [("Ann Lee", "PERSON"), ("Bo Chen", "PERSON")])
    before = list(item.mentions)
    layer = EntityLayer(item, "relations", SCHEMA_CLASS)
    spans = [(*words(sent, "Ann Lee"), "Peop", 0.9), (*words(sent, "Bo Chen"), "Other", 0.9)]
    args = layer.sentence(None, 0, sent, in_sentence(item, sent), spans)
    layer.finish()
    assert [m.text for m, _, _ in args] == ["Ann Lee"]
    assert item.mentions == before


def test_a_tagged_part_of_a_hyphenated_name_stands_for_the_whole_word(nlp):
    item, sent = build(nlp, "ITAR-TASS reported from Moscow .", [("Moscow", "GPE")])
    assert [t.text for t in sent[:3]] == ["ITAR", "-", "TASS"]  # spaCy splits the word
    layer = EntityLayer(item, "relations", SCHEMA_CLASS)
    moscow = words(sent, "Moscow")
    args = layer.sentence(None, 0, sent, in_sentence(item, sent), [(0, 1, "Org", 0.7), (2, 3, "Org", 0.6),
                                                                  (*moscow, "Loc", 0.9)])
    layer.finish()
    assert [(layer.current(m).text, a, b) for m, a, b in args] == [("ITAR-TASS", 0, 3), ("Moscow", *moscow)]


def test_titles_are_no_part_of_a_person_the_joint_model_tags(nlp):
    """A joint Peop span that is only a title ("Admiral") makes no mention; one that starts with
    titles ("Rear Admiral Grace Hopper") keeps its span, and its entity is named without them."""
    item, sent = build(nlp, "Rear Admiral Grace Hopper of the Navy met the Admiral in the hall .", [("Navy", "ORG")])
    layer = EntityLayer(item, "relations", SCHEMA_CLASS)
    spans = [(*words(sent, "Rear Admiral Grace Hopper"), "Peop", 0.9), (*words(sent, "Navy"), "Org", 0.9),
             (words(sent, "Admiral in")[0], words(sent, "Admiral in")[0] + 1, "Peop", 0.6)]
    args = layer.sentence(None, 0, sent, in_sentence(item, sent), spans)
    layer.finish()
    assert [layer.current(m).text for m, _, _ in args] == ["Rear Admiral Grace Hopper", "Navy"]
    people = [m for m in item.mentions if m.label == "PERSON"]
    assert len(people) == 1 and item.entities[people[0].entity].label == "Grace Hopper"


def tagged_arguments(nlp, text: str, marked: list[tuple[str, str]], tags: list[tuple[str, str, float]]):
    """The item and the texts of the relation arguments the layer makes of the joint tagger's
    (surface, class, probability) spans over one sentence."""
    item, sent = build(nlp, text, marked)
    layer = EntityLayer(item, "relations", SCHEMA_CLASS)
    args = layer.sentence(None, 0, sent, in_sentence(item, sent), [(*words(sent, w), k, p) for w, k, p in tags])
    layer.finish()
    return item, [layer.current(m).text for m, _, _ in args]


def test_a_title_word_used_bare_as_a_name_is_a_surname(nlp):
    """"King" with no determiner before it and no name after it is somebody's name; a tagged
    title right before a name ("Admiral" | "Grace Hopper") is not."""
    _, args = tagged_arguments(nlp, "Ray is in prison for the murder of King in Memphis .", [("Memphis", "GPE")],
                               [("Ray", "Peop", 0.9), ("King", "Peop", 0.8), ("Memphis", "Loc", 0.9)])
    assert args == ["Ray", "King", "Memphis"]
    _, args = tagged_arguments(nlp, "Photos show Admiral Grace Hopper at work .", [],
                               [("Admiral", "Peop", 0.6), ("Grace Hopper", "Peop", 0.9)])
    assert args == ["Grace Hopper"]


def test_a_lower_case_span_the_tagger_reads_as_a_person_makes_no_named_mention(nlp):
    """Names are capitalised: "woman" tagged Peop is a common noun (it took a picture's box
    as a person named "woman"), "Ann Lee" beside it a name spaCy missed."""
    item, args = tagged_arguments(nlp, "The woman met Ann Lee in the hall .", [],
                                  [("woman", "Peop", 0.7), ("Ann Lee", "Peop", 0.9)])
    assert args == ["Ann Lee"]
    assert [m.text for m in item.mentions if m.label == "PERSON"] == ["Ann Lee"]
