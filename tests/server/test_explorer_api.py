"""The explorer's JSON API (/api/entity, /api/entity-sources) and its media route (/media/{sha})."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from helpers import SAMPLE

ASTRONAUT = "astronaut_eileen_collins.jpg"


@pytest.fixture(scope="module")
def client(explorer_store):
    from fastapi.testclient import TestClient

    from kgbuild.server.app import create_app

    with TestClient(create_app(explorer_store), base_url="http://127.0.0.1") as c:
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
