from kgbuild.datamodel import Box, CharSpan, Item, Mention, Provenance, Source
from kgbuild.stages.entity_linker import EntityLinker


def item_with(*mentions: Mention, sha: str = "1" * 64) -> Item:
    src = Source(path=None, relpath="x", sha256=sha, size=1, media_type="text/plain", modality="text")
    return Item(src, mentions=list(mentions))


def text_mention(text, label, start, sha="1" * 64):
    from kgbuild.ids import source_iri

    return Mention(text, label, "text", Provenance(source_iri(sha), (CharSpan(start, start + len(text)),), "ner"))


def test_same_name_and_type_is_one_entity_across_documents():
    a = EntityLinker()([item_with(text_mention("Marie Curie", "PERSON", 0))])[0]
    b = EntityLinker()([item_with(text_mention("marie curie's", "PERSON", 5, "2" * 64), sha="2" * 64)])[0]
    assert a.mentions[0].entity == b.mentions[0].entity
    entity = a.entities[a.mentions[0].entity]
    assert entity.label == "Marie Curie" and entity.schema_class == "http://schema.org/Person"


def test_type_separates_entities_and_label_is_order_independent():
    m1, m2, m3 = (text_mention("Washington", "PERSON", 0), text_mention("Washington", "GPE", 20),
                  text_mention("the Sorbonne", "ORG", 40))
    m4 = text_mention("Sorbonne", "ORG", 60)
    one = EntityLinker()([item_with(m1, m2, m3, m4)])[0]
    two = EntityLinker()([item_with(m4, m3, m2, m1)])[0]
    assert one.mentions[0].entity != one.mentions[1].entity
    assert {e.label for e in one.entities.values()} == {"Washington", "Sorbonne"}
    assert one.entities == two.entities


def test_each_detection_is_its_own_instance():
    prov = lambda x: Provenance("src", (Box(x, 0, 10, 10),), "image")  # noqa: E731
    dets = [Mention("person", "PERSON", "image", prov(0), 0.9), Mention("person", "PERSON", "image", prov(50), 0.8)]
    item = EntityLinker()([item_with(*dets)])[0]
    assert len({m.entity for m in item.mentions}) == 2
    assert all(e.label == "person" and e.entity_type == "PERSON" for e in item.entities.values())


def test_short_forms_and_honorifics_resolve_to_the_full_name_within_a_document():
    ms = [text_mention("Bruno Pusterla", "PERSON", 0), text_mention("Pusterla", "PERSON", 30),
          text_mention("Mr. Pusterla's", "PERSON", 60), text_mention("Detective Laura Chen", "PERSON", 90),
          text_mention("Northwind Aerospace", "ORG", 120), text_mention("Northwind", "ORG", 150)]
    item = EntityLinker()([item_with(*ms)])[0]
    label = {m.text: item.entities[m.entity].label for m in item.mentions}
    assert label["Pusterla"] == label["Mr. Pusterla's"] == label["Bruno Pusterla"] == "Bruno Pusterla"
    assert label["Detective Laura Chen"] == "Laura Chen" and label["Northwind"] == "Northwind Aerospace"
    assert len({m.entity for m in item.mentions[:3]}) == 1


def test_ambiguous_short_form_is_left_alone():
    ms = [text_mention("Anna Harper", "PERSON", 0), text_mention("Daniel Harper", "PERSON", 20),
          text_mention("Harper", "PERSON", 40)]
    item = EntityLinker()([item_with(*ms)])[0]
    assert item.entities[item.mentions[2].entity].label == "Harper"


def test_dates_and_amounts_carry_typed_values():
    ms = [text_mention("12 March 2024", "DATE", 0), text_mention("March 12, 2024", "DATE", 20),
          text_mention("May 2023", "DATE", 40), text_mention("1,400", "CARDINAL", 60),
          text_mention("85 million dollars", "MONEY", 70), text_mention("the end of 2025", "DATE", 90)]
    item = EntityLinker()([item_with(*ms)])[0]
    assert item.mentions[0].entity == item.mentions[1].entity
    value = {m.text: (item.entities[m.entity].value, (item.entities[m.entity].datatype or "").rsplit("#")[-1])
             for m in item.mentions}
    assert value["12 March 2024"] == ("2024-03-12", "date") and value["May 2023"] == ("2023-05", "gYearMonth")
    assert value["1,400"] == ("1400", "decimal") and value["85 million dollars"] == ("85000000", "decimal")
    assert value["the end of 2025"] == (None, "")
