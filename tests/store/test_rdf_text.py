"""Text relations, events and typed values as they land in RDF (docs/graph-model.md)."""

from pyoxigraph import Store

from kgbuild.datamodel import CharSpan, Entity, Event, Item, Mention, Provenance, Relation, Source
from kgbuild.ids import NS, mint, source_iri
from kgbuild.store.rdf import PREFIXES, entity_quads, source_quads

XSD = "http://www.w3.org/2001/XMLSchema#"


def test_relation_event_and_typed_value_quads():
    src = Source(None, "t.txt", "9" * 64, 10, "text/plain", "text")
    prov = lambda a, b: Provenance(source_iri(src.sha256), (CharSpan(a, b),), "ner")  # noqa: E731
    person, org, day = mint("entity", "PERSON", "ann"), mint("entity", "ORG", "acme"), mint("entity", "DATE", "d")
    m1, m2, trig = Mention("Ann", "PERSON", "text", prov(0, 3), entity=person), \
        Mention("Acme", "ORG", "text", prov(14, 18), entity=org), Mention("joined", "EVENT_TRIGGER", "text", prov(4, 10))
    item = Item.from_text(src, "Ann joined Acme", mentions=[m1, m2, trig])
    item.relations.append(Relation(person, NS + "worksFor", org, (m1.iri, m2.iri), "relations/x", 0.9))
    item.events.append(Event("Personnel.Start-Position", trig.iri, (("patient", person), ("org", org),
                                                                    ("time", day), ("position", "engineer")), "events", 0.7))
    store = Store()
    store.extend(source_quads(item, pipeline="p", pipeline_fingerprint="f", paths=["t.txt"]))
    store.extend(entity_quads([Entity(day, "12 March 2024", "DATE", None, "2024-03-12", XSD + "date")]))
    head = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())

    def ask(q):
        return store.query(head + q, use_default_graph_as_union=True)

    assert bool(ask(f"ASK {{ <{person}> kg:worksFor <{org}> }}"))
    assert bool(ask(f"""ASK {{ ?r a kg:Relation ; kg:subject <{person}> ; kg:predicate kg:worksFor ; kg:object <{org}> ;
                       kg:confidence ?c ; kg:extractor "relations/x" ; kg:evidence <{m1.iri}>, <{m2.iri}> .
                       FILTER(?c > 0.8) }}"""))
    roles = {(b["role"].value, b["f"].value) for b in ask(
        f'SELECT ?role ?f WHERE {{ ?e a kg:Event ; kg:eventType "Personnel.Start-Position" ; kg:trigger <{trig.iri}> ; '
        'kg:argument [ kg:role ?role ; kg:filler ?f ] }')}
    assert roles == {("patient", person), ("org", org), ("time", day), ("position", "engineer")}
    value = next(iter(ask(f"SELECT ?v WHERE {{ <{day}> kg:value ?v }}")))["v"]
    assert value.value == "2024-03-12" and value.datatype.value == XSD + "date"
