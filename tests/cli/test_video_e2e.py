"""End to end: a video through `kgbuild build` — what is seen (object tracks) and what is
said (speech mentions) land on one source and one timeline, queryable with SPARQL. Beside
it, a video whose sound track is corrupt and one without sound: both keep their tracks."""

from __future__ import annotations

import json

import pytest

from helpers import need_yolo_weights, run_cli  # noqa: I001 - tests/ is on the path (pytest pythonpath)
from synth_video import CUT, corrupt_sound, make_video

need_yolo_weights()

TRACKS = """
SELECT ?m ?object ?range (COUNT(?at) AS ?boxes) WHERE {
  ?m a kg:Mention ; kg:modality "video" ; kg:text ?object ; prov:wasDerivedFrom ?src ;
     oa:hasSelector [ rdf:value ?range ] , [ rdf:value ?at ] .
  ?src kg:path "talk.mp4" .
  FILTER(!CONTAINS(?range, "&") && CONTAINS(?at, "&xywh=pixel:"))
} GROUP BY ?m ?object ?range"""

SPEECH = """
SELECT ?text ?label ?b ?e ?time ?transcript WHERE {
  ?m a kg:Mention ; kg:modality "speech" ; kg:text ?text ; kg:label ?label ; prov:wasDerivedFrom ?src ;
     kg:transcript/kg:text ?transcript ;
     oa:hasSelector [ a oa:TextPositionSelector ; oa:start ?b ; oa:end ?e ] ,
                    [ a oa:FragmentSelector ; rdf:value ?time ] .
  ?src kg:path "talk.mp4" ; kg:modality "video" .
}"""


def query_json(store, sparql):
    proc = run_cli("query", "--store", store, "--format", "json", sparql, check=True)
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(proc.stdout)["results"]["bindings"]]


def seconds(fragment: str) -> tuple[float, float]:
    start, end = fragment.split("&")[0].removeprefix("t=").split(",")
    return float(start), float(end)


@pytest.fixture(scope="module")
def video_store(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus")
    make_video(corpus / "talk.mp4")
    corrupt_sound(corpus / "talk.mp4", corpus / "bad_sound.mp4", from_seconds=4.0)
    make_video(corpus / "silent.mkv", audio=False, seconds=3.0)
    store = tmp_path_factory.mktemp("kg") / "store"
    proc = run_cli("build", corpus, "--store", store)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return store


def test_object_tracks_have_time_ranges_and_boxes(video_store):
    rows = query_json(video_store, TRACKS)
    by_object = {}
    for r in rows:
        by_object.setdefault(r["object"], []).append((seconds(r["range"]), int(r["boxes"])))
    [((p_start, p_end), p_boxes)] = by_object["person"]
    [((c_start, c_end), c_boxes)] = by_object["cat"]
    assert p_start == 0.0 and p_end <= CUT and p_boxes >= 4
    assert c_start >= CUT and c_boxes >= 4


def test_speech_mentions_have_both_selectors_on_the_same_clock(video_store):
    rows = query_json(video_store, SPEECH)
    assert {r["text"] for r in rows} >= {"Daniel Harper", "Tucson"}
    for r in rows:
        assert r["transcript"][int(r["b"]):int(r["e"])] == r["text"]
        start, end = seconds(r["time"])
        assert 0.0 <= start < end <= 10.0
    # said while seen: the name is spoken while the person is on screen
    harper = next(r for r in rows if r["text"] == "Daniel Harper")
    person = next(r for r in query_json(video_store, TRACKS) if r["object"] == "person")
    (said, _), (seen_from, seen_to) = seconds(harper["time"]), seconds(person["range"])
    assert seen_from <= said < seen_to


def test_source_describes_the_video(video_store):
    [row] = query_json(video_store, """SELECT ?duration ?w ?h ?audio ?lang ?frames WHERE {
        ?s a kg:Source ; kg:path "talk.mp4" ; kg:duration ?duration ; kg:width ?w ; kg:height ?h ;
           kg:hasAudio ?audio ; kg:language ?lang ; kg:sampledFrames ?frames }""")
    assert float(row["duration"]) == pytest.approx(10.0, abs=0.05)
    assert (row["w"], row["h"], row["audio"], row["lang"], row["frames"]) == ("640", "360", "true", "en", "10")


SOURCE = """SELECT ?status ?audio ?error ?failure ?transcript (COUNT(DISTINCT ?track) AS ?tracks) WHERE {
  ?s a kg:Source ; kg:path "%s" ; kg:status ?status ; kg:hasAudio ?audio .
  OPTIONAL { ?s kg:audioError ?error }
  OPTIONAL { ?s kg:failure ?failure }
  OPTIONAL { ?t a kg:Transcript ; prov:wasDerivedFrom ?s ; kg:text ?transcript }
  OPTIONAL { ?track kg:modality "video" ; prov:wasDerivedFrom ?s }
} GROUP BY ?status ?audio ?error ?failure ?transcript"""


def test_a_corrupt_sound_track_is_recorded_and_the_frames_still_tracked(video_store):
    [row] = query_json(video_store, SOURCE % "bad_sound.mp4")
    assert (row["status"], row["audio"]) == ("ok", "true") and "failure" not in row
    assert row["error"].startswith("[E303] audio stream is corrupt (") and "(at t=4." in row["error"]
    assert not row.get("transcript") and int(row["tracks"]) >= 2  # the person and the cat
    spoken = query_json(video_store, """SELECT ?m WHERE {
        ?m kg:modality "speech" ; prov:wasDerivedFrom [ kg:path "bad_sound.mp4" ] }""")
    assert spoken == []  # what decoded before the damage is dropped, not half-kept


def test_a_video_without_sound_is_ok_and_tracked(video_store):
    [row] = query_json(video_store, SOURCE % "silent.mkv")
    assert (row["status"], row["audio"]) == ("ok", "false") and "error" not in row and "failure" not in row
    assert int(row["tracks"]) >= 1
