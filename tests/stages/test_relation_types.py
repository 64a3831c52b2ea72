"""Relations respect their arguments' types as the graph has them: no livesIn of a place or
with a person as its object, no basedIn of a person."""

from kgbuild.datamodel import Entity
from kgbuild.stages.relation_extractor import ARGUMENT_TYPES, _types_fit

PERSON = Entity("urn:p", "Ann Lee", "PERSON")
ORG = Entity("urn:o", "Acme", "ORG")
CITY = Entity("urn:c", "Elmira", "GPE")
COUNTY = Entity("urn:k", "Chemung County", "GPE")


def test_the_schema_types_pass():
    assert _types_fit("Live_In", PERSON, CITY)
    assert _types_fit("Work_For", PERSON, ORG)
    assert _types_fit("OrgBased_In", ORG, CITY)
    assert _types_fit("Located_In", CITY, COUNTY)


def test_arguments_of_the_wrong_type_are_refused():
    assert not _types_fit("Live_In", PERSON, PERSON)      # livesIn with a person as the place
    assert not _types_fit("OrgBased_In", CITY, COUNTY)    # "Elmira basedIn Chemung County": Elmira is a place
    assert not _types_fit("Work_For", PERSON, CITY)
    assert not _types_fit("Kill", PERSON, ORG)


def test_every_relation_type_has_its_signature():
    from kgbuild.nlp.conll04 import RELATION_TYPES

    assert set(ARGUMENT_TYPES) == set(RELATION_TYPES)


def test_a_resolved_pronoun_is_read_as_its_antecedents_name():
    from kgbuild.datamodel import CharSpan, Item, Mention, Provenance, Source
    from kgbuild.stages.relation_extractor import _named

    item = Item(Source(None, "t.txt", "1" * 64, 1, "text/plain", "text"))
    item.entities = {PERSON.iri: PERSON, CITY.iri: CITY}
    she = Mention("She", "PERSON", "text", Provenance("urn:s", (CharSpan(0, 3),), "coref"), entity=PERSON.iri,
                  kind="pronoun")
    city = Mention("Elmira", "GPE", "text", Provenance("urn:s", (CharSpan(20, 26),), "ner"), entity=CITY.iri)
    words = ["She", "later", "moved", "to", "Elmira", "."]
    out, spans, hints = _named(words, [(she, 0, 1), (city, 4, 5)], [0, 0, 0, 0, 3, 0], item)
    assert out == ["Ann", "Lee", "later", "moved", "to", "Elmira", "."]
    assert spans == [(0, 2), (5, 6)] and len(hints) == len(out) and hints[5] == 3
    plain, same, _ = _named(words, [(she, 0, 1), (city, 4, 5)], [0] * 6, item, rename=False)
    assert plain == words and same == [(0, 1), (4, 5)]
