import pytest

from kgbuild.datamodel import (
    Activity,
    Box,
    CharSpan,
    Entity,
    Item,
    Mention,
    Provenance,
    Source,
    TimedSpan,
    Timeline,
    TimeRange,
)
from kgbuild.errors import QueryError, StoreError
from kgbuild.ids import mint, source_iri
from kgbuild.store import KGStore
from kgbuild.store.rdf import entity_quads, source_quads


def speech_item(sha="a" * 64) -> Item:
    src = Source(path=None, relpath="talk.wav", sha256=sha, size=10, media_type="audio/wav", modality="speech")
    text = "Marie Curie spoke."
    entity = Entity(mint("entity", "PERSON", "marie curie"), "Marie Curie", "PERSON", "http://schema.org/Person")
    m = Mention("Marie Curie", "PERSON", "speech",
                Provenance(src.iri, (CharSpan(0, 11), TimeRange(0.5, 1.25)), "ner"), 0.87, entity.iri)
    item = Item.from_text(src, text, "speech", mentions=[m], entities={entity.iri: entity},
                          timeline=Timeline((), (TimedSpan(0, len(text), 0.0, 2.0),)), meta={"duration": 2.0})
    item.activities.append(Activity("speech", "whisper", "tiny.en", "fw 1.2", "abc"))
    return item


def image_item() -> Item:
    src = Source(path=None, relpath="dog.jpg", sha256="b" * 64, size=10, media_type="image/jpeg", modality="image")
    m = Mention("dog", "ANIMAL", "image", Provenance(src.iri, (Box(1, 2, 30, 40),), "image"), 0.91)
    return Item(src, mentions=[m], meta={"width": 100, "height": 80, "object_counts": {"dog": 1}})


@pytest.fixture
def store(tmp_path):
    kg = KGStore(tmp_path / "kg")
    for item in (speech_item(), image_item()):
        kg.replace_graph(item.source.iri, source_quads(item, pipeline="p", pipeline_fingerprint="fp",
                                                       paths=[item.source.relpath]))
        kg.add(entity_quads(list(item.entities.values())))
    return kg


def test_speech_mention_has_both_selectors(store):
    rows = list(store.query("""
        SELECT ?start ?end ?t ?conf WHERE {
          ?m kg:modality "speech" ; kg:confidence ?conf ; kg:refersTo/rdfs:label "Marie Curie" ;
             oa:hasSelector ?a, ?b ; kg:transcript/kg:text ?transcript .
          ?a a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
          ?b a oa:FragmentSelector ; rdf:value ?t ; dcterms:conformsTo <http://www.w3.org/TR/media-frags/> . }"""))
    assert [(r["start"].value, r["end"].value, r["t"].value, r["conf"].value) for r in rows] == [("0", "11", "t=0.50,1.25", "0.87")]


def test_image_mention_box_and_counts(store):
    rows = list(store.query("""SELECT ?box ?n WHERE { ?m kg:modality "image" ; oa:hasSelector/rdf:value ?box ;
        prov:wasDerivedFrom ?src . ?src kg:objectCount [ kg:label "dog" ; kg:count ?n ] ; kg:width 100 }"""))
    assert [(r["box"].value, r["n"].value) for r in rows] == [("xywh=pixel:1,2,30,40", "1")]


def test_each_source_in_its_own_graph_and_state_is_readable(store):
    assert store.named_graphs() == sorted([source_iri("a" * 64), source_iri("b" * 64),
                                          "https://w3id.org/kgbuild/id/graph/entities"])
    state = store.sources()["a" * 64]
    assert (state.status, state.fingerprint, state.paths) == ("ok", "fp", ("talk.wav",))


def test_rewriting_a_graph_is_idempotent(store):
    before = len(store)
    item = speech_item()
    store.replace_graph(item.source.iri, source_quads(item, pipeline="p", pipeline_fingerprint="fp", paths=["talk.wav"]))
    store.add(entity_quads(list(item.entities.values())))
    assert len(store) == before


def test_remove_last_path_drops_the_source(store):
    store.remove_path(source_iri("b" * 64), "dog.jpg")
    assert "b" * 64 not in store.sources()


def test_bad_query_reports_the_users_line(store):
    with pytest.raises(QueryError) as info:
        store.query("SELECT ?x WHERE {\n ?x a kg:Mention \n FILTER( }")
    assert info.value.code == "E402" and "syntax" in str(info.value).lower()
    assert "at line 3, column 11" in str(info.value)


@pytest.mark.parametrize("fmt", ["turtle", "nquads", "ntriples", "trig"])
def test_export_parses_back_with_rdflib(store, tmp_path, fmt):
    import rdflib

    out = tmp_path / f"kg.{fmt}"
    n = store.export(fmt, out)
    if fmt in ("nquads", "trig"):
        ds = rdflib.Dataset()
        ds.parse(out, format=fmt)
        assert len(ds) == n == len(store)
    else:
        g = rdflib.Graph().parse(out, format=fmt)
        assert len(g) == n
        assert (None, rdflib.URIRef("https://w3id.org/kgbuild/ns#sha256"), rdflib.Literal("a" * 64)) in g


def test_read_only_open_of_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no kgbuild store"):
        KGStore(tmp_path / "nothing", read_only=True)
