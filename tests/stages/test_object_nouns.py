from kgbuild.datamodel import CharSpan, Item, Source
from kgbuild.stages.entity_linker import EntityLinker
from kgbuild.stages.object_nouns import LABEL, ObjectNouns
from kgbuild.stages.spacy_ner import SpacyNER
from kgbuild.vision.visual_words import same_thing, visual_class

CAPTION = "A man rides a horse on the beach. Two women hold a teddy bear next to the bus of Barack Obama."


def _item(text: str) -> Item:
    return Item.from_text(Source(None, "c.txt", "6" * 64, len(text), "text/plain", "text"), text)


def test_visual_lexicon_maps_words_to_detector_classes():
    assert visual_class("men") == "person" and visual_class("Horses") == "horse"
    assert visual_class("teddy bear") == "teddy bear" and visual_class("beach") is None
    assert same_thing("ponies", "horse") and same_thing("drones", "drone") and not same_thing("cat", "dog")


def test_nouns_naming_visible_things_become_object_mentions_without_entities():
    item = _item(CAPTION)
    for stage in (SpacyNER(), ObjectNouns(), EntityLinker()):
        stage([item])
    assert item.ok, item.failure
    nouns = [m for m in item.mentions if m.label == LABEL]
    words = [CAPTION[m.provenance.anchor(CharSpan).start:m.provenance.anchor(CharSpan).end] for m in nouns]
    assert words == [m.text for m in nouns]
    assert sorted(words) == sorted(["man", "horse", "women", "teddy bear", "bus"])  # not "beach"
    assert all(m.entity is None for m in nouns)  # words, not names: no entity of their own
    assert any(m.label == "PERSON" and m.entity for m in item.mentions)  # Obama stays a named entity
