"""Scene relations: the geometry on boxes whose answer is known, then the stage on real
detections (bus.jpg, shipped inside Ultralytics) after the real YOLO model and linker."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kgbuild.datamodel import Box, Item, Mention, Provenance, Source
from kgbuild.errors import WiringError
from kgbuild.ids import NS, mint
from kgbuild.pipeline.config import Pipeline
from kgbuild.stages.entity_linker import EntityLinker
from kgbuild.stages.registry import get_stage_class
from kgbuild.stages.scene_relations import SceneRelations, SceneRelationsParams, relation_scores

REPO = Path(__file__).resolve().parents[2]
WEIGHTS = REPO.parent / "shared" / "models" / "yolov8n_int8.onnx"


def rel(a: Box, b: Box, **params) -> dict[str, float]:
    return relation_scores(a, b, SceneRelationsParams(**params))


# geometry ---------------------------------------------------------------------------


def test_side_by_side_boxes():
    a, b = Box(0, 0, 10, 10), Box(20, 0, 10, 10)  # a gap of one box width
    ab, ba = rel(a, b), rel(b, a)
    assert ab["left_of"] == 1.0 and "right_of" not in ab and "above" not in ab and "below" not in ab
    assert ba["right_of"] == 1.0 and "left_of" not in ba
    assert "overlaps" not in ab and "inside" not in ab
    assert "near" not in ab  # the gap (10) equals the mean size (10): not less than it
    close = rel(a, Box(15, 0, 10, 10))
    assert close["left_of"] == 1.0 and close["near"] == pytest.approx(0.5)


def test_stacked_boxes_and_image_y_down():
    top, bottom = Box(0, 0, 10, 10), Box(0, 12, 10, 10)
    assert rel(top, bottom)["above"] == 1.0 and rel(bottom, top)["below"] == 1.0
    assert "left_of" not in rel(top, bottom) and "right_of" not in rel(top, bottom)


def test_diagonal_offset_gives_both_directions():
    r = rel(Box(0, 0, 10, 10), Box(30, 30, 10, 10))
    assert r["left_of"] == 1.0 and r["above"] == 1.0


def test_partial_horizontal_overlap_scores_below_one():
    # centres 6 apart, mean width 10: dx = 0.6 -> left_of with score 0.6; 0.4 -> nothing
    assert rel(Box(0, 0, 10, 10), Box(6, 0, 10, 10))["left_of"] == pytest.approx(0.6)
    assert "left_of" not in rel(Box(0, 0, 10, 10), Box(4, 0, 10, 10))
    assert "left_of" in rel(Box(0, 0, 10, 10), Box(4, 0, 10, 10), min_offset=0.3)


def test_inside_and_overlaps():
    cup, table = Box(40, 40, 20, 20), Box(0, 0, 100, 100)
    assert rel(cup, table)["inside"] == 1.0 and "overlaps" not in rel(cup, table)
    assert "inside" not in rel(table, cup) and "overlaps" not in rel(table, cup)
    assert rel(cup, table)["near"] == 1.0  # touching or overlapping boxes are as near as can be
    half_out = Box(90, 40, 20, 20)  # half of it lies in the table
    r = rel(half_out, table)
    assert "inside" not in r and r["overlaps"] == pytest.approx(0.5)
    assert rel(table, half_out)["overlaps"] == pytest.approx(0.5)  # symmetric
    assert "overlaps" not in rel(Box(0, 0, 10, 10), Box(9.5, 0, 10, 10))  # 5% shared: a touch


def test_near_is_relative_to_object_size():
    # the same 30 px gap: far for two 10 px objects, near for two 100 px ones
    assert "near" not in rel(Box(0, 0, 10, 10), Box(40, 0, 10, 10))
    assert rel(Box(0, 0, 100, 100), Box(130, 0, 100, 100))["near"] == pytest.approx(0.7)
    assert "near" in rel(Box(0, 0, 10, 10), Box(40, 0, 10, 10), near_factor=4.0)


def test_degenerate_boxes_do_not_divide_by_zero():
    assert rel(Box(0, 0, 0, 0), Box(0, 0, 0, 0)) == {}
    rel(Box(5, 5, 0, 10), Box(0, 0, 10, 10))


# the stage on hand-made detections ----------------------------------------------------------


def detected(item: Item, label: str, box: Box, conf: float) -> Mention:
    m = Mention(label, "PERSON" if label == "person" else "VEHICLE", "image",
                Provenance(item.source.iri, (box,), "image"), confidence=conf)
    item.mentions.append(m)
    return m


@pytest.fixture
def scene(tmp_path) -> Item:
    path = tmp_path / "street.jpg"
    path.write_bytes(b"not decoded by this stage")
    item = Item(Source(path, "street.jpg", "ab" * 32, 25, "image/jpeg", "image"))
    detected(item, "person", Box(10, 10, 40, 100), 0.9)
    detected(item, "bicycle", Box(60, 60, 80, 50), 0.6)
    detected(item, "person", Box(400, 10, 40, 100), 0.8)
    item.mentions.append(Mention("Ada", "PERSON", "text", Provenance(item.source.iri, (), "ner")))
    EntityLinker()([item])
    return item


def test_stage_relates_the_linked_entities_of_detections(scene):
    SceneRelations()([scene])
    by_entity = {m.entity: m for m in scene.mentions}
    person, bicycle, far_person = (m for m in scene.mentions if m.modality == "image")
    facts = {(by_entity[r.subject].provenance.anchors[0].x, r.predicate.removeprefix(NS),
              by_entity[r.object].provenance.anchors[0].x): r for r in scene.relations}
    assert (10, "leftOf", 60) in facts and (60, "rightOf", 10) in facts
    assert (10, "near", 60) in facts and (60, "near", 10) in facts
    assert (10, "leftOf", 400) in facts and (10, "near", 400) not in facts
    r = facts[(10, "leftOf", 60)]
    assert r.subject == person.entity == mint("entity", "detected", person.iri)
    assert r.object == bicycle.entity and r.evidence == (person.iri, bicycle.iri)
    assert r.extractor == "scene_relations" and r.inferred is False
    # geometry score times the lower detection confidence (the bicycle's 0.6)
    geometric = relation_scores(person.provenance.anchors[0], bicycle.provenance.anchors[0])["left_of"]
    assert r.confidence == pytest.approx(geometric * 0.6, abs=1e-4)
    assert all(by_entity[r.subject].modality == "image" for r in scene.relations)  # Ada takes no part
    assert scene.activities[-1].stage_type == "scene_relations"


def test_stage_parameters_filter_relations(scene):
    SceneRelations(relations=["near"], min_confidence=0.5)([scene])
    assert {r.predicate for r in scene.relations} == {NS + "near"}
    assert all(r.confidence >= 0.5 for r in scene.relations)


def test_max_objects_keeps_the_surest_detections(scene):
    SceneRelations(max_objects=2)([scene])
    used = {r.subject for r in scene.relations} | {r.object for r in scene.relations}
    kept = {m.entity for m in scene.mentions if m.confidence in (0.9, 0.8)}
    assert used == kept


def test_runs_after_the_linker_only():
    with pytest.raises(WiringError, match="'entities'"):
        Pipeline("p", [get_stage_class("yolo")(), SceneRelations()])
    Pipeline("p", [get_stage_class("yolo")(), EntityLinker(), SceneRelations()])


def test_config_round_trip():
    s = SceneRelations(name="scene", relations=["left_of", "near"], near_factor=2.0)
    config = yaml.safe_load(yaml.safe_dump(s.to_config()))
    again = get_stage_class("scene_relations").from_config(config)
    assert again.to_config() == s.to_config() and again.fingerprint() == s.fingerprint()
    with pytest.raises(ValueError):
        SceneRelations(relations=["next_to"])


# real detections ------------------------------------------------------------------------


def test_bus_photo():
    from helpers import missing, need_module

    if not WEIGHTS.exists():
        missing(f"the YOLO model {WEIGHTS.name}", f"expected at {WEIGHTS}")
    ultralytics = need_module("ultralytics", "Ultralytics (the YOLO stages' runtime)", "pip install -e '.[vision]'")

    from kgbuild.ids import sha256_file
    from kgbuild.stages.yolo_detector import YoloDetector

    bus = Path(ultralytics.__file__).parent / "assets" / "bus.jpg"
    item = Item(Source(bus, "bus.jpg", sha256_file(bus), bus.stat().st_size, "image/jpeg", "image"))
    for stage in (YoloDetector(weights=str(WEIGHTS), device="cpu"), EntityLinker(), SceneRelations()):
        stage([item])
    assert item.ok, item.failure
    label = {m.entity: m.text for m in item.mentions}
    cx = {m.entity: m.provenance.anchors[0].x + m.provenance.anchors[0].w / 2 for m in item.mentions}
    facts = {(label[r.subject], r.predicate.removeprefix(NS), label[r.object]) for r in item.relations}
    assert ("person", "near", "bus") in facts and ("person", "overlaps", "bus") in facts
    assert ("person", "leftOf", "person") in facts and ("person", "rightOf", "person") in facts
    for r in item.relations:  # directions agree with the boxes, and each has its inverse
        if r.predicate == NS + "leftOf":
            assert cx[r.subject] < cx[r.object]
            assert any(o.predicate == NS + "rightOf" and (o.subject, o.object) == (r.object, r.subject)
                       for o in item.relations)
        assert 0 < r.confidence <= 1
