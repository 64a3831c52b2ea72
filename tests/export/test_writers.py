"""Property-graph and RDF exports, each read back by a reader that is not ours: networkx for
GraphML and GEXF, rdflib for RDF, a neo4j-admin header and integrity check for the CSV folder
(tests/neo4j_csv.py). The store here holds what fusion makes of two spellings of one person,
a relation, an event and a transcript; tests on data/sample follow."""

import csv
import json
from collections import Counter

import networkx as nx
import pyoxigraph as ox
import pytest

from helpers import run_cli
from kgbuild.datamodel import CharSpan, Entity, Event, Item, Mention, Provenance, Relation, Source
from kgbuild.errors import ConfigError
from kgbuild.export import load_property_graph
from kgbuild.export.property_graph import FUSION_GRAPH, node_label, rel_type
from kgbuild.export.writers import write_cypher, write_gexf, write_graphml, write_neo4j_csv
from kgbuild.ids import NS, mint
from kgbuild.store import KGStore
from kgbuild.store.rdf import entity_quads, source_quads
from neo4j_csv import check_import_folder

KG = NS
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ADA = mint("entity", "PERSON", "ada")
LOVELACE = mint("entity", "PERSON", "lovelace")
ACME = mint("entity", "ORG", "acme")


def q(s, p, o, g):
    """A quad; ``o`` an IRI when it is a string starting with http, else a literal."""
    obj = ox.NamedNode(o) if isinstance(o, str) and o.startswith("http") else ox.Literal(o)
    return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, ox.NamedNode(g))


@pytest.fixture
def store(tmp_path):
    kg = KGStore(tmp_path / "kg")
    src = Source(path=None, relpath="news/a b.txt", sha256="c" * 64, size=1, media_type="text/plain", modality="text")
    ada = Entity(ADA, 'Ada "the Countess" Lovelace\\', "PERSON", "http://schema.org/Person")
    lovelace = Entity(LOVELACE, "Lovelace", "PERSON", "http://schema.org/Person")
    acme = Entity(ACME, "Acme; Ltd", "ORG")
    m1 = Mention("Ada", "PERSON", "text", Provenance(src.iri, (CharSpan(0, 3),), "ner"), entity=ada.iri)
    m2 = Mention("Acme", "ORG", "text", Provenance(src.iri, (CharSpan(15, 19),), "ner"), entity=acme.iri)
    m3 = Mention("Lovelace", "PERSON", "text", Provenance(src.iri, (CharSpan(30, 38),), "ner"), entity=lovelace.iri)
    trig = Mention("joined", "EVENT_TRIGGER", "text", Provenance(src.iri, (CharSpan(20, 26),), "events"))
    rel = Relation(lovelace.iri, NS + "worksFor", acme.iri, (m3.iri, m2.iri), "relations", 0.875)
    event = Event("Personnel.Start-Position", trig.iri, (("person", LOVELACE), ("time", "1843")), "events")
    item = Item(src, mentions=[m1, m2, m3, trig], relations=[rel], events=[event],
                entities={e.iri: e for e in (ada, acme, lovelace)})
    kg.replace_graph(src.iri, source_quads(item, pipeline="t", pipeline_fingerprint="f", paths=[src.relpath]))
    kg.add(entity_quads([ada, acme, lovelace]))
    # What fusion writes (docs/graph-model.md, "Fusion"): Lovelace is Ada.
    merge = mint("merge", ADA, LOVELACE, "model")
    kg.add([q(ADA, KG + "canonical", ADA, FUSION_GRAPH), q(LOVELACE, KG + "canonical", ADA, FUSION_GRAPH),
            q(ACME, KG + "canonical", ACME, FUSION_GRAPH), q(ADA, KG + "memberCount", 2, FUSION_GRAPH),
            q(ADA, KG + "alias", "Lovelace", FUSION_GRAPH), q(ADA, KG + "sameAs", LOVELACE, FUSION_GRAPH),
            q(merge, RDF_TYPE, KG + "Merge", FUSION_GRAPH), q(merge, KG + "member", ADA, FUSION_GRAPH),
            q(merge, KG + "member", LOVELACE, FUSION_GRAPH), q(merge, KG + "score", 0.97, FUSION_GRAPH),
            q(merge, KG + "method", "model", FUSION_GRAPH)])
    # A transcript with two segments (as a speech source's graph has them).
    t = mint("transcript", src.iri)
    quads = [q(t, RDF_TYPE, KG + "Transcript", src.iri), q(t, PROV + "wasDerivedFrom", src.iri, src.iri),
             q(t, KG + "text", "hello there\nsecond line", src.iri)]
    for a, b in ((12, 23), (0, 11)):
        seg, sel = mint("segment", t, a, b), mint("selector", t, a, b)
        quads += [q(t, KG + "segment", seg, src.iri), q(seg, RDF_TYPE, KG + "Segment", src.iri),
                  q(seg, KG + "text", "hello there\nsecond line"[a:b], src.iri), q(seg, OA + "hasSelector", sel, src.iri),
                  q(sel, OA + "start", a, src.iri), q(sel, OA + "end", b, src.iri)]
    kg.add(quads)
    return kg


def test_names_follow_neo4j_conventions():
    assert rel_type(NS + "worksFor") == "WORKS_FOR" and rel_type("https://w3id.org/kgbuild/open#be-born") == "BE_BORN"
    assert node_label("WORK_OF_ART") == "WorkOfArt" and node_label("PERSON") == "Person"


def test_canonical_mode_gives_one_node_per_real_thing(store):
    pg = load_property_graph(store)
    assert pg.mode == "canonical" and sorted(pg.entities) == sorted([ADA, ACME])
    ada = pg.entities[ADA]
    assert ada["aliases"] == ["Lovelace"] and ada["members"] == sorted([ADA, LOVELACE]) and ada["memberCount"] == 2
    assert ada["mentions"] == 2 and ada["canonical"] == ADA
    (rel,) = pg.relations
    assert (rel["start"], rel["end"], rel["subject"]) == (ADA, ACME, LOVELACE)  # drawn on the canonical entity
    assert rel["type"] == "WORKS_FOR" and rel["confidence"] == 0.875 and rel["sources"] == ["news/a b.txt"]
    assert rel["selectors"] == ["news/a b.txt#char=15,19", "news/a b.txt#char=30,38"]
    assert sorted(m["count"] for m in pg.mentioned_in) == [1, 2]  # Ada's two spellings: one edge, two mentions
    assert pg.same_as == []


def test_members_mode_keeps_every_entity_and_links_them(store):
    pg = load_property_graph(store, entities="members")
    assert len(pg.entities) == 3 and pg.entities[LOVELACE]["canonical"] == ADA
    assert pg.entities[LOVELACE]["members"] == [] and pg.entities[ADA]["memberCount"] == 2
    (same,) = pg.same_as
    assert (same["start"], same["end"], same["score"], same["method"]) == (ADA, LOVELACE, 0.97, "model")
    (rel,) = pg.relations
    assert (rel["start"], rel["end"]) == (LOVELACE, ACME)
    with pytest.raises(ConfigError):
        load_property_graph(store, entities="nope")


def test_events_and_transcripts_are_exported(store):
    pg = load_property_graph(store)
    (event,) = pg.events.values()
    assert event["eventType"] == "Personnel.Start-Position" and event["trigger"] == "joined"
    assert event["literals"] == ["time=1843"]
    (arg,) = pg.arguments
    assert (arg["end"], arg["role"]) == (ADA, "person")  # the canonical entity fills the role
    (where,) = pg.event_sources
    assert where["selectors"] == ["char=20,26"]
    (transcript,) = pg.transcripts.values()
    assert transcript["text"] == "hello there\nsecond line" and transcript["modality"] == "text"
    assert sorted((s["index"], s["text"]) for s in pg.segments.values()) == [(0, "hello there"), (1, "second line")]
    assert len(pg.has_segment) == 2 and len(pg.transcript_of) == 1


@pytest.mark.parametrize("mode", ["canonical", "members"])
def test_neo4j_csv_passes_the_import_check(store, tmp_path, mode):
    pg = load_property_graph(store, entities=mode)
    write_neo4j_csv(pg, tmp_path / "neo")
    read = check_import_folder(tmp_path / "neo")
    entities = read["nodes"]["entities.csv"]
    assert len(entities) == len(pg.entities)
    assert {r[":LABEL"] for r in entities} == {"Entity;Person", "Entity;Org"}
    ada = next(r for r in entities if r["iri"] == ADA)
    assert ada["aliases"] == ["Lovelace"] and ada["memberCount"] == 2 and ada["label"] == 'Ada "the Countess" Lovelace\\'
    (rel,) = read["relationships"]["relations.csv"]
    assert rel[":TYPE"] == "WORKS_FOR" and rel["confidence"] == 0.875 and rel["inferred"] is False
    assert len(read["relationships"]["same_as.csv"]) == (1 if mode == "members" else 0)
    assert [r["text"] for r in read["nodes"]["transcripts.csv"]] == ["hello there\nsecond line"]
    assert {r[":TYPE"] for r in read["relationships"]["arguments.csv"]} == {"ARGUMENT"}


def test_neo4j_check_catches_a_bad_header(store, tmp_path):
    folder = tmp_path / "neo"
    write_neo4j_csv(load_property_graph(store), folder)
    rows = list(csv.reader((folder / "entities.csv").open()))
    rows[0][3] = "mentions:integer"  # neo4j-admin says int
    with (folder / "entities.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(AssertionError, match="unknown type 'integer'"):
        check_import_folder(folder)


def test_cypher_script_is_deterministic_and_escapes(store, tmp_path):
    a, b = tmp_path / "a.cypher", tmp_path / "b.cypher"
    write_cypher(load_property_graph(store), a)
    write_cypher(load_property_graph(store), b)
    text = a.read_text()
    assert text == b.read_text()
    lines = [line for line in text.splitlines() if line.startswith(("MERGE", "MATCH"))]
    assert all(line.endswith(";") for line in lines)
    assert sum("MERGE (a)-[r:WORKS_FOR" in line for line in lines) == 1
    assert sum(line.startswith("MERGE (n:Entity") for line in lines) == 2
    label_line = next(line for line in lines if "Countess" in line)
    literal = label_line.split("n.label = ", 1)[1].split(", n.entityType")[0]
    assert json.loads(literal) == 'Ada "the Countess" Lovelace\\'
    assert any("MERGE (a)-[r:ARGUMENT {role: \"person\"}]->(b)" in line for line in lines)
    assert 'n.aliases = ["Lovelace"]' in text


@pytest.mark.parametrize("mode", ["canonical", "members"])
@pytest.mark.parametrize("writer,reader", [(write_graphml, nx.read_graphml), (write_gexf, nx.read_gexf)])
def test_graphml_and_gexf_read_back(store, tmp_path, writer, reader, mode):
    pg = load_property_graph(store, entities=mode)
    out = tmp_path / "g.xml"
    writer(pg, out)
    g = reader(out)
    counts = pg.counts()
    nodes = sum(counts[k] for k in ("entities", "sources", "events", "transcripts", "segments"))
    assert g.number_of_nodes() == nodes and g.number_of_edges() == sum(counts.values()) - nodes
    types = Counter(d.get("relType") for _, _, d in g.edges(data=True))
    assert types["WORKS_FOR"] == 1 and types["ARGUMENT"] == 1 and types["HAS_SEGMENT"] == 2
    assert types["SAME_AS"] == (1 if mode == "members" else 0)
    kinds = Counter(d["kind"] for _, d in g.nodes(data=True))
    assert kinds["Entity"] == len(pg.entities) and kinds["Event"] == 1 and kinds["Segment"] == 2
    ada = g.nodes[ADA]
    assert ada["aliases"] == "Lovelace" and int(ada["mentions"]) == (2 if mode == "canonical" else 1)


@pytest.mark.parametrize("fmt,rdflib_format,quads", [("turtle", "turtle", False), ("ntriples", "nt", False),
                                                     ("nquads", "nquads", True), ("trig", "trig", True),
                                                     ("jsonld", "json-ld", True)])
def test_rdf_exports_read_back_in_rdflib(store, tmp_path, fmt, rdflib_format, quads):
    import rdflib

    out = tmp_path / f"kg.{fmt}"
    n = store.export(fmt, out)
    if quads:
        ds = rdflib.Dataset()
        ds.parse(out, format=rdflib_format)
        assert len(ds) == n == len(store)
        assert len({str(c.identifier) for c in ds.graphs()} - {str(rdflib.graph.DATASET_DEFAULT_GRAPH_ID)}) == \
            len(store.named_graphs())
    else:
        g = rdflib.Graph()
        g.parse(out, format=rdflib_format)
        assert len(g) == n


# data/sample, built once per session (conftest.sample_store) -------------------------------

def sparql_counts(kg: KGStore) -> tuple[Counter, Counter]:
    """Canonical entities by type and relations by predicate, as SPARQL counts them."""
    entities = Counter({r["type"]: int(r["n"]) for r in kg.rows(
        """SELECT ?type (COUNT(DISTINCT ?c) AS ?n) WHERE { ?e a kg:Entity . OPTIONAL { GRAPH <https://w3id.org/kgbuild/id/graph/fusion> {
           ?e kg:canonical ?c0 } } BIND(COALESCE(?c0, ?e) AS ?c) ?c kg:entityType ?type } GROUP BY ?type""")})
    relations = Counter({r["p"]: int(r["n"]) for r in kg.rows(
        "SELECT ?p (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a kg:Relation ; kg:predicate ?p } GROUP BY ?p")})
    return entities, relations


@pytest.mark.slow  # the sample build is shared; the exports of it take about 20 s
def test_sample_exports_read_back_and_count_like_the_store(sample_store, tmp_path):
    kg = KGStore(sample_store, read_only=True)
    entities, relations = sparql_counts(kg)
    fused = kg.rows("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/kgbuild/id/graph/fusion> { ?e kg:canonical ?c FILTER(?e != ?c) } }")
    assert int(next(fused)["n"]) > 0, "the sample should have entities fusion merged"
    outputs = {}
    for fmt, mode in (("neo4j-csv", "canonical"), ("neo4j-csv", "members"), ("graphml", "canonical"),
                      ("gexf", "canonical"), ("gexf", "members"), ("cypher", "canonical")):
        out = tmp_path / f"{mode}-{fmt}"
        proc = run_cli("export", "--store", sample_store, "--format", fmt, "--entities", mode, "--out", out)
        assert proc.returncode == 0, proc.stderr
        outputs[(fmt, mode)] = out
    read = check_import_folder(outputs[("neo4j-csv", "canonical")])
    assert Counter(r["entityType"] for r in read["nodes"]["entities.csv"]) == entities
    assert Counter(r["predicate"] for r in read["relationships"]["relations.csv"]) == relations
    members = check_import_folder(outputs[("neo4j-csv", "members")])
    assert len(members["nodes"]["entities.csv"]) > len(read["nodes"]["entities.csv"])
    assert members["relationships"]["same_as.csv"]
    assert read["nodes"]["events.csv"] and read["nodes"]["transcripts.csv"]
    for fmt, mode in (("graphml", "canonical"), ("gexf", "canonical"), ("gexf", "members")):
        g = (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(outputs[(fmt, mode)])
        ents = [d for _, d in g.nodes(data=True) if d["kind"] == "Entity"]
        assert len(ents) == len((read if mode == "canonical" else members)["nodes"]["entities.csv"])
        assert Counter(d["predicate"] for *_, d in g.edges(data=True) if "predicate" in d) == relations
