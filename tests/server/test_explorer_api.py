"""The explorer's JSON API (/api/entity, /api/entity-sources, /api/overview, /api/top-things,
/api/prefixes) and its media route (/media/{sha})."""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime

import pytest

from helpers import EXPLORER_MORE as MORE, EXPLORER_VALUE_TYPES as VALUE_TYPES, SAMPLE

ASTRONAUT = "astronaut_eileen_collins.jpg"
ID = "https://w3id.org/kgbuild/id/"


@pytest.fixture(scope="module")
def more_store(explorer_store, tmp_path_factory):
    from kgbuild.store import KGStore

    path = tmp_path_factory.mktemp("explorer-more") / "store"
    shutil.copytree(explorer_store, path)
    store = KGStore(path)
    store.update(MORE)
    added = next(store.rows("SELECT (COUNT(?e) AS ?n) WHERE { GRAPH <urn:kgbuild-test:more> { ?r kg:evidence ?e } }"))
    store.close()
    assert added["n"] == "1", "the sample no longer mentions Eileen Collins in eileen_collins.md"
    return path


@pytest.fixture(scope="module")
def client(more_store):
    from fastapi.testclient import TestClient

    from kgbuild.server.app import create_app

    with TestClient(create_app(more_store), base_url="http://127.0.0.1") as c:
        yield c


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def detected_person(client) -> str:
    found = client.get("/api/search", params={"q": "person"}).json()
    where = client.get("/api/entity-sources", params={"iri": [e["iri"] for e in found]}).json()
    return next(e["iri"] for e in found if e["label"] == "person" and ASTRONAUT in where[e["iri"]])


def test_detected_object_has_its_box_and_image(client, explorer_store):
    from kgbuild.store import KGStore

    iri = detected_person(client)
    entity = client.get("/api/entity", params={"iri": iri}).json()
    assert entity["label"] == "person" and entity["schema_class_short"] == "schema:Person"
    [mention] = entity["mentions"]["image"]
    store = KGStore(explorer_store, read_only=True)
    [frag] = [r["f"].value for r in store.query(
        f'SELECT ?f WHERE {{ <{mention["iri"]}> oa:hasSelector/rdf:value ?f }}')]
    assert mention["selectors"]["fragments"] == [frag]
    assert frag == "xywh=pixel:" + ",".join(str(int(v)) for v in mention["selectors"]["box"])
    source = mention["source"]
    assert source["path"] == ASTRONAUT and source["media_type"] == "image/jpeg"
    assert (source["width"], source["height"]) == (512, 512)
    assert source["available"] and source["url"] == f"/media/{sha(SAMPLE / ASTRONAUT)}"


def test_named_entity_by_label_has_speech_and_text_evidence(client):
    entity = client.get("/api/entity", params={"iri": "Eileen Collins"}).json()
    assert entity["type"] == "PERSON" and entity["iri"].startswith("https://w3id.org/kgbuild/id/entity/")
    assert {"speech", "text"} <= set(entity["mentions"])
    assert entity["mention_count"] == sum(len(ms) for ms in entity["mentions"].values())
    speech = entity["mentions"]["speech"][0]
    start, end = speech["selectors"]["time"]
    assert 0 <= start < end <= speech["source"]["duration"] + 0.5
    assert speech["source"]["media_type"].startswith("audio/")
    # The speech snippet comes from the transcript in the store, the text one from the file.
    assert speech["snippet"]["match"] == speech["text"]
    for m in entity["mentions"]["text"]:
        assert m["snippet"]["match"] == m["text"]
        assert m["selectors"]["char"][1] - m["selectors"]["char"][0] == len(m["text"])
        assert len(m["snippet"]["before"]) <= 160 and len(m["snippet"]["after"]) <= 160


def test_a_fused_entity_shows_the_box_its_caption_grounded(client):
    entity = client.get("/api/entity", params={"iri": "Eileen Collins"}).json()
    assert entity["canonical"] == entity["iri"] and len(entity["members"]) >= 2
    image = entity["mentions"]["image"]
    assert image and image[0]["selectors"]["box"] and image[0]["source"]["path"] == ASTRONAUT
    member = next(m for m in entity["members"] if m != entity["iri"])  # the detected person's own page
    assert client.get("/api/entity", params={"iri": member}).json()["canonical"] == entity["iri"]


def test_relations_mark_inferred_links_and_events_list_arguments(client):
    entity = client.get("/api/entity", params={"iri": "Eileen Collins"}).json()
    # The pipeline may find relations and events of its own; these are the fixture's.
    ours = {r["iri"].rsplit("/", 1)[1]: r for r in entity["relations"]}
    member, knows = ours["test-inferred"], ours["test-stated"]
    assert member["predicate_short"] == "schema:memberOf" and knows["predicate_short"] == "schema:knows"
    assert member["inferred"] is True and member["direction"] == "out" and member["object"]["label"] == "NASA"
    assert member["confidence"] == pytest.approx(0.6) and member["extractor"] == "test-rule"
    assert knows["inferred"] is False and knows["direction"] == "in" and knows["subject"]["label"] == "Sarah Whitfield"
    assert knows["evidence"][0]["source"]["path"] == "northwind_relocation.txt"
    assert knows["evidence"][0]["snippet"]["match"] == "Eileen Collins"
    event = next(e for e in entity["events"] if e["iri"].endswith("/test-meet"))
    assert event["type"] == "Contact.Meet" and event["roles"] == ["participant"]
    args = {(a["role"], a["label"], a["is_entity"]) for a in event["arguments"]}
    assert ("participant", "Sarah Whitfield", True) in args and ("time", "May 2023", False) in args
    assert event["trigger"]["text"] == "Eileen Collins"


def test_unknown_or_malformed_entities_are_404(client):
    response = client.get("/api/entity", params={"iri": "https://w3id.org/kgbuild/id/entity/none"})
    assert response.status_code == 404 and "E403" in response.json()["detail"]
    response = client.get("/api/entity", params={"iri": "http://x> } DROP ALL"})
    assert response.status_code == 404 and "not an IRI" in response.json()["detail"]
    assert client.get("/api/entity", params={"iri": "no such name anywhere"}).status_code == 404


def test_media_serves_source_bytes_with_ranges(client):
    wav = SAMPLE / "whitfield_interview.wav"
    data = wav.read_bytes()
    response = client.get(f"/media/{sha(wav)}")
    assert response.status_code == 200 and response.content == data
    assert response.headers["content-type"] == "audio/wav" and response.headers["accept-ranges"] == "bytes"
    response = client.get(f"/media/{sha(wav)}", headers={"Range": "bytes=1000-1999"})
    assert response.status_code == 206 and response.content == data[1000:2000]
    assert response.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    response = client.get(f"/media/{sha(wav)}", headers={"Range": "bytes=-100"})
    assert response.status_code == 206 and response.content == data[-100:]
    response = client.get(f"/media/{sha(wav)}", headers={"Range": f"bytes={len(data) + 10}-"})
    assert response.status_code == 416


def test_media_refuses_unknown_hashes_and_paths(client):
    response = client.get("/media/" + "0" * 64)
    assert response.status_code == 404 and "E404" in response.json()["detail"]
    assert client.get("/media/not-a-hash").status_code == 404
    assert client.get("/media/..%2F..%2Fpyproject.toml").status_code == 404
    assert client.get("/media/" + sha(SAMPLE.parent.parent / "pyproject.toml")).status_code == 404
    assert client.get("/static/..%2F..%2F__init__.py").status_code == 404


def test_media_refuses_a_file_that_changed_since_the_build(explorer_store, tmp_path):
    """The recorded path now holds other bytes: nothing is served, and the page is told."""
    from fastapi.testclient import TestClient

    from kgbuild.server.app import create_app
    from kgbuild.store import KGStore

    moved = tmp_path / "corpus"
    shutil.copytree(SAMPLE, moved)
    (moved / ASTRONAUT).write_bytes((SAMPLE / "coffee.jpg").read_bytes())
    store_path = tmp_path / "store"
    shutil.copytree(explorer_store, store_path)
    store = KGStore(store_path)
    store.update(f"""DELETE {{ GRAPH kgid:graph/store {{ kgid:store kg:corpusRoot ?r }} }}
                     INSERT {{ GRAPH kgid:graph/store {{ kgid:store kg:corpusRoot "{moved}" }} }}
                     WHERE {{ GRAPH kgid:graph/store {{ kgid:store kg:corpusRoot ?r }} }}""".replace(
        "kgid:graph/store", "<https://w3id.org/kgbuild/id/graph/store>").replace("kgid:store", "<https://w3id.org/kgbuild/id/store>"))
    store.close()
    with TestClient(create_app(store_path), base_url="http://127.0.0.1") as c:
        response = c.get(f"/media/{sha(SAMPLE / ASTRONAUT)}")
        assert response.status_code == 404 and "E405" in response.json()["detail"]
        assert "changed since the build" in response.json()["detail"]
        assert c.get(f"/media/{sha(SAMPLE / 'coffee.jpg')}").status_code == 200
        iri = detected_person(c)
        [mention] = c.get("/api/entity", params={"iri": iri}).json()["mentions"]["image"]
        assert mention["source"]["available"] is False and mention["source"]["url"] is None


def test_front_page_says_how_to_build_missing_assets(explorer_store, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from kgbuild.server import explorer
    from kgbuild.server.app import create_app

    monkeypatch.setattr(explorer, "STATIC", tmp_path / "static")
    with TestClient(create_app(explorer_store), base_url="http://127.0.0.1") as c:
        response = c.get("/")
        assert response.status_code == 503 and "make explorer" in response.text
        assert c.get("/static/js/app.js").status_code == 404
        assert c.get("/api/entity", params={"iri": "Eileen Collins"}).status_code == 200


def test_fragments_parse_into_boxes_times_and_video_frames():
    from kgbuild.server.entity_view import parse_fragment, snippet

    assert parse_fragment("xywh=pixel:7,14,353,495") == {"box": [7, 14, 353, 495]}
    assert parse_fragment("t=8.76,9.66") == {"time": [8.76, 9.66]}
    assert parse_fragment("t=12") == {"time": [12, None]}
    assert parse_fragment("t=1.00,1.50&xywh=pixel:1,2,3,4") == {"time": [1.0, 1.5], "box": [1, 2, 3, 4]}
    assert parse_fragment("t=oops") == {} and parse_fragment("page=3") == {}
    text = "word " * 100 + "Eileen Collins" + " word" * 100
    cut = snippet(text, 500, 514)
    assert cut["match"] == "Eileen Collins" and cut["clipped_before"] and cut["clipped_after"]
    assert cut["before"].startswith("word") and cut["after"].endswith("word")
    assert snippet(text, 10, 10_000) is None and snippet(None, 0, 1) is None


def test_most_connected_are_things_with_their_values_under_them(client):
    """Dates, ordinals and cardinals crowd the plain degree ranking (/api/rank); the home page's
    list ranks only things and lists the values that go with each under it."""
    ranked = client.get("/api/rank", params={"by": "degree", "top": 25}).json()
    assert {e["type"] for e in ranked} & VALUE_TYPES, "the sample should show the problem: values among the top"
    top = client.get("/api/top-things", params={"top": 25}).json()
    assert len(top) == 25 and not {t["type"] for t in top} & VALUE_TYPES
    assert [t["score"] for t in top] == sorted((t["score"] for t in top), reverse=True)
    values = [v for t in top for v in t["values"]]
    assert values and {v["type"] for v in values} <= VALUE_TYPES
    assert {v["via"] for v in values} <= {"relation", "event", "co-mention"}
    for t in top:
        assert len(t["values"]) <= 6 <= t["values_total"] or len(t["values"]) == t["values_total"]
        order = {"relation": 0, "event": 1, "co-mention": 2}
        assert [order[v["via"]] for v in t["values"]] == sorted(order[v["via"]] for v in t["values"])
        assert all(v["events"] for v in t["values"] if v["via"] == "event")
    assert client.get("/api/top-things", params={"top": 3, "values": 0}).json()[0]["values"] == []


def test_entity_rows_list_the_files_of_all_fused_members(client):
    """Eileen Collins is fused with the person detected in her portrait: the image is hers."""
    entity = client.get("/api/entity", params={"iri": "Eileen Collins"}).json()
    members = {m["iri"]: m for m in entity["member_details"]}
    assert set(members) == set(entity["members"]) and len(members) >= 2
    # atoms are per document: her text members are several, and one member is the portrait's box
    portrait = [m for iri, m in members.items() if ASTRONAUT in m["files"]]
    assert [m["files"] for m in portrait] == [[ASTRONAUT]]
    union = sorted({f for m in members.values() for f in m["files"]})
    assert client.get("/api/entity-sources", params={"iri": entity["iri"]}).json()[entity["iri"]] == union
    assert ASTRONAUT not in members[entity["iri"]]["files"]  # only through the fused member
    [row] = [t for t in client.get("/api/top-things", params={"top": 50}).json() if t["iri"] == entity["iri"]]
    assert row["files"] == union and {m["iri"] for m in row["members"]} == set(members)
    # an entity alone lists no members, and its own files
    lone = next(t for t in client.get("/api/top-things", params={"top": 50}).json() if len(t["members"]) <= 1)
    alone = client.get("/api/entity", params={"iri": lone["iri"]}).json()
    assert alone["member_details"] == [] and alone["members"] == [alone["iri"]]


def test_overview_counts_sources_failures_entities_and_the_last_build(client, more_store):
    from kgbuild.graph.entity_graph import build_entity_graph
    from kgbuild.store import KGStore

    o = client.get("/api/overview").json()
    store = KGStore(more_store, read_only=True)
    try:
        def count(where: str) -> int:
            return int(next(store.rows(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}"))["n"])

        files = {p.name for p in SAMPLE.iterdir() if p.is_file()}
        assert o["sources"] == {"total": len(files) + 1, "ok": len(files), "failed": 1}
        by = {m["modality"]: m for m in o["sources_by_modality"]}
        for modality, m in by.items():
            assert m["sources"] == count(f'?x a kg:Source ; kg:modality "{modality}"')
            assert m["failed"] == count(f'?x a kg:Source ; kg:modality "{modality}" ; kg:status "failed"')
            assert m["mentions"] == count(f'?x a kg:Mention ; kg:modality "{modality}"')
        assert by["image"]["failed"] == 1 and by["text"]["sources"] == by["text"]["ok"]
        assert o["mentions"] == count("?x a kg:Mention")
        assert o["failures"] == [{"source": f"{ID}source/test-broken", "path": "broken/truncated.png", "modality": "image",
                                  "stage": "image", "code": "E303", "position": "byte 12",
                                  "reason": "stage 'image' failed on broken/truncated.png: [E303] image is truncated"}]
        assert o["relations"] == {"total": count("?x a kg:Relation"), "stated": count("?x a kg:Relation") - 1, "inferred": 1}
        assert o["events"] == count("?x a kg:Event")
        graph = build_entity_graph(store)
        things = [n for n, d in graph.nodes(data=True) if d["type"] not in VALUE_TYPES]
        assert o["entities"]["canonical"] == graph.number_of_nodes() == o["entities"]["things"] + o["entities"]["values"]
        assert o["entities"]["things"] == len(things) and o["entities"]["recorded"] == count("?x a kg:Entity")
        assert o["entities"]["merged"] == count("?x kg:canonical ?c FILTER(?x != ?c)") >= 1
        assert sum(t["entities"] for t in o["entities_by_type"]) == graph.number_of_nodes()
        assert [t["value"] for t in o["entities_by_type"]] == sorted(t["value"] for t in o["entities_by_type"])
    finally:
        store.close()
    last = o["last_build"]
    assert datetime.fromisoformat(last["at"]) <= datetime.now().astimezone()
    assert last["sources_recorded"] == len(files) and last["pipelines"] == [{"pipeline": "default", "sources": len(files)}]
    assert last["software"] and all(v.startswith("kgbuild ") for v in last["software"])


def test_a_relation_found_in_several_sources_is_one_row_with_all_its_evidence(client):
    entity = client.get("/api/entity", params={"iri": "Eileen Collins"}).json()
    groups = entity["relation_groups"]
    # every relation in exactly one group; no two groups for one fact
    assert sorted(r for g in groups for r in g["relations"]) == sorted(r["iri"] for r in entity["relations"])
    assert len({g["key"] for g in groups}) == len(groups)
    [knows] = [g for g in groups if g["predicate_short"] == "schema:knows" and not g["inferred"]]
    assert sorted(r.rsplit("/", 1)[1] for r in knows["relations"]) == ["test-stated", "test-stated-again"]
    assert knows["direction"] == "in" and knows["subject"]["label"] == "Sarah Whitfield"
    assert knows["object"]["iri"] == entity["iri"]
    assert knows["sources"] == ["eileen_collins.md", "northwind_relocation.txt"]
    assert sorted(knows["extractors"]) == ["test-re", "test-re-2"] and knows["confidence"] == pytest.approx(0.9)
    assert sorted(m["source"]["path"] for m in knows["evidence"]) == knows["sources"]
    assert all(m["snippet"]["match"] == "Eileen Collins" for m in knows["evidence"])
    # the inferred link stays a row of its own, apart from stated facts
    [member] = [g for g in groups if g["predicate_short"] == "schema:memberOf" and g["inferred"]]
    assert member["relations"] == [f"{ID}relation/test-inferred"]
    # groups name the ends as fusion does: a relation of a fused member counts as the entity's
    for g in groups:
        assert entity["iri"] in (g["subject"]["iri"], g["object"]["iri"])


def test_the_server_says_which_prefixes_it_predeclares(client):
    from kgbuild.store.rdf import PREFIXES

    assert client.get("/api/prefixes").json() == PREFIXES
    response = client.post("/sparql", content="SELECT ?e WHERE { ?e a kg:Entity ; rdfs:label ?l } LIMIT 1",
                           headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert response.status_code == 200 and len(response.json()["results"]["bindings"]) == 1
