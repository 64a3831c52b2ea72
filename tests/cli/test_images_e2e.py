"""End to end for images: `kgbuild build` with the default pipeline on photos and a picture
with text, then SPARQL for objects, counts, scene relations, OCR text and EXIF facts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from helpers import SAMPLE, missing, need_module, run_cli  # noqa: I001 - tests/ is on the path (pytest pythonpath)

need_module("ultralytics", "Ultralytics (the YOLO stages' runtime)", "pip install -e '.[vision]'")
need_module("rapidocr_onnxruntime", "RapidOCR (the OCR stage's models)", "pip install -e '.[vision]'")

WEIGHTS = SAMPLE.parent.parent.parent / "shared" / "models" / "yolov8n_int8.onnx"
if not WEIGHTS.exists():
    missing(f"the YOLO model {WEIGHTS.name}", f"expected at {WEIGHTS}")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    import ultralytics

    corpus = tmp_path_factory.mktemp("images")
    shutil.copy(Path(ultralytics.__file__).parent / "assets" / "bus.jpg", corpus / "bus.jpg")
    for name in ("coffee.jpg", "scanned_page.png"):
        shutil.copy(SAMPLE / name, corpus / name)
    # A sign with names on it, photographed (so to speak) in Houston on 14 May 2023.
    sign = Image.new("RGB", (900, 260), "white")
    draw = ImageDraw.Draw(sign)
    font = ImageFont.load_default(size=36)
    draw.text((30, 40), "Eileen Collins flew for NASA.", font=font, fill="black")
    draw.text((30, 150), "Houston, Texas", font=font, fill="black")
    exif = Image.Exif()
    exif[0x0112] = 1
    exif.get_ifd(0x8769)[0x9003] = "2023:05:14 09:30:12"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (29.0, 45.0, 37.44), 3: "W", 4: (95.0, 22.0, 11.28)})
    sign.save(corpus / "sign.jpg", quality=95, exif=exif)
    out = tmp_path_factory.mktemp("kg") / "store"
    proc = run_cli("build", corpus, "--store", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def select(store: Path, sparql: str) -> list[dict[str, str]]:
    from kgbuild.store.oxigraph_store import KGStore

    rows = KGStore(store, read_only=True).query(sparql)
    names = [v.value for v in rows.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in rows]


def test_object_counts_are_queryable(store):
    rows = select(store, """SELECT ?path ?n WHERE {
        ?src kg:path ?path ; kg:objectCount [ kg:label "person" ; kg:count ?n ] }""")
    assert {r["path"]: int(r["n"]) for r in rows} == {"bus.jpg": 4}
    ask = select(store, """SELECT ?path WHERE { ?src kg:path ?path ;
        kg:objectCount [ kg:label "bus" ; kg:count 1 ] ; kg:objectCount [ kg:label "person" ; kg:count ?n ]
        FILTER(?n >= 3) }""")
    assert [r["path"] for r in ask] == ["bus.jpg"]


def test_which_person_is_near_the_bus(store):
    rows = select(store, """SELECT ?person ?box WHERE {
        ?person a schema:Person ; kg:near ?bus ; kg:leftOf ?other .
        ?bus rdfs:label "bus" . ?other a schema:Person .
        ?m kg:refersTo ?person ; oa:hasSelector/rdf:value ?box }""")
    assert rows and all(r["box"].startswith("xywh=pixel:") for r in rows)
    # the reified relation says why: two detections, the extractor and a confidence
    rel = select(store, """SELECT ?r ?conf ?m1 ?m2 WHERE {
        ?r a kg:Relation ; kg:predicate kg:near ; kg:subject ?p ; kg:object ?b ;
           kg:extractor "scene_relations" ; kg:confidence ?conf ; kg:evidence ?m1, ?m2 .
        ?p rdfs:label "person" . ?b rdfs:label "bus" .
        ?m1 kg:refersTo ?p ; kg:modality "image" . ?m2 kg:refersTo ?b }""")
    assert rel and all(0 < float(r["conf"]) <= 1 for r in rel)
    cup = select(store, """SELECT ?p WHERE { ?cup rdfs:label "cup" ; ?p ?table . ?table rdfs:label "dining table" }""")
    assert "https://w3id.org/kgbuild/ns#inside" in {r["p"] for r in cup}


def test_ocr_mentions_have_a_char_span_and_a_box(store):
    rows = select(store, """SELECT ?text ?label ?b ?e ?box ?transcript WHERE {
        ?m kg:modality "ocr" ; kg:text ?text ; kg:label ?label ; prov:wasDerivedFrom/kg:path "sign.jpg" ;
           kg:transcript/kg:text ?transcript ;
           oa:hasSelector [ oa:start ?b ; oa:end ?e ] , [ rdf:value ?box ] }""")
    found = {r["text"]: r for r in rows}
    assert {"Eileen Collins", "NASA"} <= set(found), found
    for r in rows:
        assert r["transcript"][int(r["b"]):int(r["e"])] == r["text"]
        x, y, w, h = map(int, r["box"].removeprefix("xywh=pixel:").split(","))
        assert 0 <= x < 900 and 0 <= y < 260 and w > 0 and h > 0
    assert found["Eileen Collins"]["label"] == "PERSON"
    # what was read is linked like any text: a named entity, typed
    linked = select(store, """SELECT ?e WHERE { ?m kg:modality "ocr" ; kg:text "Eileen Collins" ; kg:refersTo ?e .
        ?e a schema:Person }""")
    assert len(linked) == 1


def test_ocr_lines_are_segments_with_boxes(store):
    rows = select(store, """SELECT ?path ?line ?box ?conf WHERE {
        ?t a kg:Transcript ; prov:wasDerivedFrom/kg:path ?path ; kg:segment ?s .
        ?s kg:text ?line ; kg:confidence ?conf ; oa:hasSelector/rdf:value ?box } ORDER BY ?path ?box""")
    lines = {}
    for r in rows:
        lines.setdefault(r["path"], []).append(r["line"])
    assert sorted(lines["sign.jpg"]) == ["Eileen Collins flew for NASA.", "Houston, Texas"]
    assert "Region-based segmentation" in lines["scanned_page.png"]
    assert "coffee.jpg" not in lines  # a photo without text has no transcript


def test_exif_time_and_place(store):
    rows = select(store, """SELECT ?when ?lat ?lon ?wkt (DATATYPE(?wkt) AS ?type) WHERE {
        ?src kg:path "sign.jpg" ; kg:capturedAt ?when ; kg:gpsLat ?lat ; kg:gpsLon ?lon ; kg:location ?wkt }""")
    assert len(rows) == 1
    r = rows[0]
    assert r["when"] == "2023-05-14T09:30:12"
    assert abs(float(r["lat"]) - 29.7604) < 1e-3 and abs(float(r["lon"]) + 95.3698) < 1e-3
    assert r["wkt"] == "POINT(-95.369800 29.760400)"
    assert r["type"] == "http://www.opengis.net/ont/geosparql#wktLiteral"
    assert select(store, 'SELECT ?w WHERE { ?src kg:path "bus.jpg" ; kg:capturedAt ?w }') == []
