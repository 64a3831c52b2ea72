from kgbuild.datamodel import Box, CharSpan, Item, Mention, Provenance, Source
from kgbuild.stages.entity_linker import EntityLinker


def item_with(*mentions: Mention, sha: str = "1" * 64) -> Item:
    src = Source(path=None, relpath="x", sha256=sha, size=1, media_type="text/plain", modality="text")
    return Item(src, mentions=list(mentions))


def text_mention(text, label, start, sha="1" * 64):
    from kgbuild.ids import source_iri

    return Mention(text, label, "text", Provenance(source_iri(sha), (CharSpan(start, start + len(text)),), "ner"))


def test_a_name_is_an_entity_of_its_document_and_fusion_decides_across_documents():
    a = EntityLinker()([item_with(text_mention("Marie Curie", "PERSON", 0))])[0]
    b = EntityLinker()([item_with(text_mention("marie curie's", "PERSON", 5, "2" * 64), sha="2" * 64)])[0]
    again = EntityLinker()([item_with(text_mention("Marie Curie", "PERSON", 9))])[0]
    assert a.mentions[0].entity != b.mentions[0].entity  # two documents: two atoms, for fusion to join
    assert a.mentions[0].entity == again.mentions[0].entity  # the IRI is a hash: stable across rebuilds
    entity = a.entities[a.mentions[0].entity]
    assert entity.label == "Marie Curie" and entity.schema_class == "http://schema.org/Person"
    assert b.entities[b.mentions[0].entity].label == "marie curie"


def test_values_stay_one_entity_across_documents_and_names_can_be_corpus_wide():
    day = lambda sha: item_with(text_mention("12 March 2024", "DATE", 0, sha), sha=sha)  # noqa: E731
    assert EntityLinker()([day("1" * 64)])[0].mentions[0].entity == EntityLinker()([day("2" * 64)])[0].mentions[0].entity
    corpus_wide = {"scope_documents": False}  # the old behaviour, for pipelines without fusion
    a = EntityLinker(**corpus_wide)([item_with(text_mention("Marie Curie", "PERSON", 0))])[0]
    b = EntityLinker(**corpus_wide)([item_with(text_mention("Marie Curie", "PERSON", 0, "2" * 64), sha="2" * 64)])[0]
    assert a.mentions[0].entity == b.mentions[0].entity


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


def test_alias_classes_titles_dotted_abbreviations_particle_surnames_and_places():
    ms = [text_mention("Cllr Daniel Okafor", "PERSON", 0), text_mention("Maestro Ana De La Cruz", "PERSON", 30),
          text_mention("De La Cruz", "PERSON", 60), text_mention("U.K.", "GPE", 80),
          text_mention("United Kingdom", "GPE", 90), text_mention("Manchester City Council", "ORG", 110),
          text_mention("Manchester", "ORG", 140), text_mention("Northwind Aerospace", "ORG", 160),
          text_mention("Northwind", "ORG", 190)]
    item = EntityLinker()([item_with(*ms)])[0]
    label = {m.text: item.entities[m.entity].label for m in item.mentions}
    assert label["Cllr Daniel Okafor"] == "Daniel Okafor"
    assert label["Maestro Ana De La Cruz"] == label["De La Cruz"] == "Ana De La Cruz"
    assert label["U.K."] == "United Kingdom"
    # "Manchester" is the city the council is named after, not the council; "Northwind" is the company
    assert label["Manchester"] == "Manchester" and label["Northwind"] == "Northwind Aerospace"
