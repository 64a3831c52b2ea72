import csv
import json

import networkx as nx
import pytest

from kgbuild.datamodel import CharSpan, Entity, Item, Mention, Provenance, Relation, Source
from kgbuild.export import load_property_graph
from kgbuild.export.property_graph import node_label, rel_type
from kgbuild.export.writers import write_cypher, write_gexf, write_graphml, write_neo4j_csv
from kgbuild.ids import NS, mint
from kgbuild.store import KGStore
from kgbuild.store.rdf import entity_quads, source_quads


@pytest.fixture
def store(tmp_path):
    kg = KGStore(tmp_path / "kg")
    src = Source(path=None, relpath="news/a b.txt", sha256="c" * 64, size=1, media_type="text/plain", modality="text")
    ada = Entity(mint("entity", "PERSON", "ada"), 'Ada "the Countess" Lovelace\\', "PERSON", "http://schema.org/Person")
    acme = Entity(mint("entity", "ORG", "acme"), "Acme; Ltd", "ORG")
    m1 = Mention("Ada", "PERSON", "text", Provenance(src.iri, (CharSpan(0, 3),), "ner"), entity=ada.iri)
    m2 = Mention("Acme", "ORG", "text", Provenance(src.iri, (CharSpan(15, 19),), "ner"), entity=acme.iri)
    rel = Relation(ada.iri, NS + "worksFor", acme.iri, (m1.iri, m2.iri), "relations", 0.875)
    item = Item(src, mentions=[m1, m2], relations=[rel], entities={ada.iri: ada, acme.iri: acme})
    kg.replace_graph(src.iri, source_quads(item, pipeline="t", pipeline_fingerprint="f", paths=[src.relpath]))
    kg.add(entity_quads([ada, acme]))
    return kg


def test_names_follow_neo4j_conventions():
    assert rel_type(NS + "worksFor") == "WORKS_FOR" and rel_type("https://w3id.org/kgbuild/open#be-born") == "BE_BORN"
    assert node_label("WORK_OF_ART") == "WorkOfArt" and node_label("PERSON") == "Person"


def test_property_graph_carries_confidence_and_provenance(store):
    pg = load_property_graph(store)
    assert len(pg.entities) == 2 and len(pg.sources) == 1
    (rel,) = pg.relations
    assert rel["type"] == "WORKS_FOR" and rel["confidence"] == 0.875 and rel["sources"] == ["news/a b.txt"]
    assert rel["selectors"] == ["news/a b.txt#char=0,3", "news/a b.txt#char=15,19"]
    assert sorted(m["count"] for m in pg.mentioned_in) == [1, 1]


def test_neo4j_csv_headers_and_rows(store, tmp_path):
    files = write_neo4j_csv(load_property_graph(store), tmp_path / "neo")
    rows = {p.stem: list(csv.reader(p.open())) for p in files if p.suffix == ".csv"}
    assert rows["entities"][0] == ["iri:ID(Entity)", "label", "entityType", "mentions:int", ":LABEL"]
    assert {r[4] for r in rows["entities"][1:]} == {"Entity;Person", "Entity;Org"}
    assert rows["relations"][0][:3] == [":START_ID(Entity)", ":END_ID(Entity)", ":TYPE"]
    assert rows["relations"][1][2] == "WORKS_FOR" and rows["relations"][1][5] == "0.875"
    assert rows["mentioned_in"][0][:3] == [":START_ID(Entity)", ":END_ID(Source)", ":TYPE"]
    assert "neo4j-admin database import full" in (tmp_path / "neo" / "import.sh").read_text()


def test_cypher_script_is_deterministic_and_escapes(store, tmp_path):
    a, b = tmp_path / "a.cypher", tmp_path / "b.cypher"
    write_cypher(load_property_graph(store), a)
    write_cypher(load_property_graph(store), b)
    text = a.read_text()
    assert text == b.read_text()
    lines = [line for line in text.splitlines() if line.startswith(("MERGE", "MATCH"))]
    assert all(line.endswith(";") for line in lines)
    assert sum("MERGE (a)-[r:WORKS_FOR" in line for line in lines) == 1
    label_line = next(line for line in lines if "Countess" in line)
    literal = label_line.split("n.label = ", 1)[1].split(", n.entityType")[0]
    assert json.loads(literal) == 'Ada "the Countess" Lovelace\\'


@pytest.mark.parametrize("writer,reader", [(write_graphml, nx.read_graphml), (write_gexf, nx.read_gexf)])
def test_graphml_and_gexf_read_back(store, tmp_path, writer, reader):
    out = tmp_path / "g.xml"
    writer(load_property_graph(store), out)
    g = reader(out)
    assert g.number_of_nodes() == 3 and g.number_of_edges() == 3
    types = sorted(d.get("relType") for _, _, d in g.edges(data=True))
    assert types == ["MENTIONED_IN", "MENTIONED_IN", "WORKS_FOR"]


def test_jsonld_export_keeps_graphs(store, tmp_path):
    import rdflib

    out = tmp_path / "kg.jsonld"
    n = store.export("jsonld", out)
    ds = rdflib.Dataset()
    ds.parse(out, format="json-ld")
    assert len(ds) == n == len(store)
