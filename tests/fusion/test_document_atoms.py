"""Document-scoped atoms: one name in two documents is two atoms, and fusion decides from
their contexts whether they are one thing (issue 16, docs/fusion.md)."""

import pytest

from kgbuild.errors import AmbiguousEntity
from kgbuild.fusion.explain import explanation, find_entity
from kgbuild.fusion.fuse import FUSION_GRAPH, fuse
from kgbuild.graph.resolve import EntityResolver
from kgbuild.pipeline.config import Pipeline
from kgbuild.pipeline.runner import build
from kgbuild.store import KGStore

# Two different men called Daniel Okafor (a saxophonist in Lagos, a councillor in Leeds), and
# a second article about the saxophonist: the same name, the same context, another document.
DOCS = {
    "jazz.txt": "Daniel Okafor played the tenor saxophone with the Lagos Jazz Quartet at the Afrobeat Festival. "
                "Okafor recorded two albums in Lagos with the pianist Kemi Adeyemi.",
    "jazz2.txt": "The saxophonist Daniel Okafor returned to the Afrobeat Festival with the Lagos Jazz Quartet, "
                 "playing tenor saxophone beside the pianist Kemi Adeyemi.",
    "council.txt": "Daniel Okafor, a Labour councillor on Leeds City Council, voted against the bus lane plan. "
                   "The council's transport committee in Leeds will vote again in March.",
}
PIPELINE = {"name": "document-atoms", "stages": [{"type": "text_reader"}, {"type": "spacy_ner"},
                                                  {"type": "entity_linker"}], "fusion": {"threshold": 0.5}}


def _okafors(store: KGStore) -> dict[str, str]:
    """Source file name -> canonical entity of the "Daniel Okafor" atom of that document."""
    rows = store.rows(f"""SELECT DISTINCT ?path ?c WHERE {{ ?m kg:refersTo ?a ; prov:wasDerivedFrom ?src .
        ?a rdfs:label "Daniel Okafor" . ?src kg:path ?path . GRAPH <{FUSION_GRAPH}> {{ ?a kg:canonical ?c }} }}""")
    return {r["path"].rsplit("/", 1)[-1]: r["c"] for r in rows}


@pytest.fixture(scope="module")
def okafor(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("okafor")
    root = tmp / "corpus"
    root.mkdir()
    for name, text in DOCS.items():
        (root / name).write_text(text)
    store = KGStore(tmp / "kg")
    build(root, store, Pipeline.from_config(PIPELINE))
    yield root, store
    store.close()


def test_one_name_in_three_documents_is_three_atoms_and_fusion_tells_them_apart(okafor):
    _, store = okafor
    canon = _okafors(store)
    assert set(canon) == set(DOCS)  # each document has its own Daniel Okafor atom
    assert len({r["a"] for r in store.rows('SELECT DISTINCT ?a WHERE { ?a rdfs:label "Daniel Okafor" }')}) == 3
    assert canon["jazz.txt"] == canon["jazz2.txt"]  # same musician, same company: merged across documents
    assert canon["council.txt"] != canon["jazz.txt"]  # the councillor in Leeds stays his own person


def test_queries_by_name_see_the_two_people_and_the_merged_one(okafor):
    _, store = okafor
    with pytest.raises(AmbiguousEntity):  # two canonical Daniel Okafors: the name alone cannot say which
        find_entity(store, "Daniel Okafor")
    canon = _okafors(store)
    assert find_entity(store, "Kemi Adeyemi") in {r["c"] for r in store.rows(
        f'SELECT ?c WHERE {{ ?a rdfs:label "Kemi Adeyemi" . GRAPH <{FUSION_GRAPH}> {{ ?a kg:canonical ?c }} }}')}
    info = explanation(store, canon["jazz.txt"])
    assert {m["a"] for m in info["members"]} >= {canon["jazz.txt"]} and len(info["members"]) >= 2
    atoms = EntityResolver.from_store(store, canonical=False).resolve_all("Daniel Okafor")
    assert len(atoms) == 3  # one name, one atom per document


def test_an_unchanged_rebuild_is_a_no_op_and_iris_are_stable(okafor, tmp_path):
    root, store = okafor
    before = _okafors(store)
    report = fuse(store)
    assert report.sources_changed == 0 and report.atoms_touched == 0
    other = KGStore(tmp_path / "kg2")  # the same corpus built from scratch: the same IRIs
    build(root, other, Pipeline.from_config(PIPELINE))
    assert _okafors(other) == before
    other.close()

