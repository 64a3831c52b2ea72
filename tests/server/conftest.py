"""Fixtures for the explorer's tests."""

from __future__ import annotations

import shutil

import pytest

# The sample pipeline writes no relations or events yet; these give the entity page some to
# show, one of them inferred, anchored on real mentions of the sample. (An update's WHERE sees
# only the default graph, not the union of the sources' graphs, hence the GRAPH patterns.)
RELATIONS_AND_EVENTS = """
INSERT { GRAPH <urn:kgbuild-test:relations> {
    ?ec schema:memberOf ?nasa .
    <https://w3id.org/kgbuild/id/relation/test-inferred> a kg:Relation ; kg:subject ?ec ; kg:predicate schema:memberOf ; kg:object ?nasa ;
        kg:confidence 0.6 ; kg:extractor "test-rule" ; kg:inferred true ; kg:evidence ?m .
    ?sw schema:knows ?ec .
    <https://w3id.org/kgbuild/id/relation/test-stated> a kg:Relation ; kg:subject ?sw ; kg:predicate schema:knows ; kg:object ?ec ;
        kg:confidence 0.9 ; kg:extractor "test-re" ; kg:inferred false ; kg:evidence ?m .
    <https://w3id.org/kgbuild/id/event/test-meet> a kg:Event ; kg:eventType "Contact.Meet" ; kg:trigger ?m ; kg:extractor "test-events" ;
        kg:confidence 0.7 ; kg:argument <https://w3id.org/kgbuild/id/argument/test-1>, <https://w3id.org/kgbuild/id/argument/test-2>, <https://w3id.org/kgbuild/id/argument/test-3> .
    <https://w3id.org/kgbuild/id/argument/test-1> kg:role "participant" ; kg:filler ?ec .
    <https://w3id.org/kgbuild/id/argument/test-2> kg:role "participant" ; kg:filler ?sw .
    <https://w3id.org/kgbuild/id/argument/test-3> kg:role "time" ; kg:filler "May 2023" .
} } WHERE {
    GRAPH <https://w3id.org/kgbuild/id/graph/entities> { ?ec a kg:Entity ; rdfs:label "Eileen Collins" . ?nasa a kg:Entity ; rdfs:label "NASA" .
                                ?sw a kg:Entity ; rdfs:label "Sarah Whitfield" . }
    GRAPH ?src { ?m kg:refersTo ?ec ; kg:text "Eileen Collins" ; prov:wasDerivedFrom ?src .
                 ?src kg:path "northwind_relocation.txt" }
}
"""


@pytest.fixture(scope="session")
def explorer_store(sample_store, tmp_path_factory):
    """The sample store plus two relations (one inferred) and an event about Eileen Collins."""
    from kgbuild.store import KGStore

    path = tmp_path_factory.mktemp("explorer") / "store"
    shutil.copytree(sample_store, path)
    store = KGStore(path)
    store.update(RELATIONS_AND_EVENTS)
    added = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:kgbuild-test:relations> { ?r a kg:Relation } }")))["n"].value)
    store.close()
    assert added == 2, "the sample no longer has the mentions these test relations hang on"
    return path
