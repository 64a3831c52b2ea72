"""The YOLO stage against the real int8 model on real photos.

The photos are the two Ultralytics ships inside its package (bus.jpg, zidane.jpg) and the
sample corpus photos in data/sample/ (a greyscale JPEG and a PNG among them); the weights
are ../shared/models/yolov8n_int8.onnx.
"""

from __future__ import annotations

import mimetypes
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from helpers import missing, need_module

need_module("ultralytics", "Ultralytics (the YOLO stages' runtime)", "pip install -e '.[vision]'")

from PIL import Image  # noqa: E402

from kgbuild.datamodel import Box, Item, Source  # noqa: E402
from kgbuild.errors import ConfigError, ModelNotFoundError, StageFailure  # noqa: E402
from kgbuild.ids import sha256_file  # noqa: E402
from kgbuild.models import search_path  # noqa: E402
from kgbuild.stages.registry import get_stage_class  # noqa: E402
from kgbuild.stages.yolo_detector import YoloDetector  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
WEIGHTS = REPO.parent / "shared" / "models" / "yolov8n_int8.onnx"
CONF, IOU = 0.25, 0.7

if not WEIGHTS.exists():
    missing(f"the YOLO model {WEIGHTS.name}", f"expected at {WEIGHTS}")


SAMPLE = REPO / "data" / "sample"


def _photo(name: str) -> Path:
    if (SAMPLE / name).exists():
        return SAMPLE / name
    import ultralytics

    return Path(ultralytics.__file__).parent / "assets" / name


BUS, ZIDANE = _photo("bus.jpg"), _photo("zidane.jpg")
SAMPLE_PHOTOS = sorted(p for p in SAMPLE.glob("*") if p.suffix in {".jpg", ".png"}) if SAMPLE.is_dir() else []


def make_item(path: Path) -> Item:
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    source = Source(path=path.resolve(), relpath=path.name, sha256=sha256_file(path),
                    size=path.stat().st_size, media_type=media_type, modality="image")
    return Item(source=source)


def detections(item: Item) -> list[tuple[str, Box]]:
    return [(m.text, m.provenance.anchors[0]) for m in item.mentions]


@pytest.fixture(scope="module")
def stage() -> YoloDetector:
    s = YoloDetector(weights=str(WEIGHTS), conf=CONF, iou=IOU, device="cpu")
    s.warm_up()
    return s


@pytest.fixture(scope="module")
def reference():
    """Plain Ultralytics, given the file path: what the stage must agree with."""
    from ultralytics import YOLO

    model = YOLO(str(WEIGHTS), task="detect")
    return lambda path: model.predict(str(path), conf=CONF, iou=IOU, device="cpu", verbose=False)[0]


@pytest.fixture(scope="module")
def rotated_jpeg(tmp_path_factory) -> Path:
    """bus.jpg stored sideways with EXIF orientation 6, as phones write photos."""
    path = tmp_path_factory.mktemp("rot") / "rotated.jpg"
    with Image.open(BUS) as im:
        exif = Image.Exif()
        exif[0x0112] = 6
        im.transpose(Image.Transpose.ROTATE_90).save(path, quality=95, exif=exif)
    return path


def test_parity_with_ultralytics_predict(stage, reference, rotated_jpeg):
    for path in (BUS, ZIDANE, rotated_jpeg, *SAMPLE_PHOTOS):
        item = make_item(path)
        stage([item])
        assert item.ok, item.failure
        ref = reference(path)
        got = [(m.text, m.confidence, m.provenance.anchors[0]) for m in item.mentions]
        want = [(ref.names[int(c)], float(p), xyxy) for c, p, xyxy in
                zip(ref.boxes.cls, ref.boxes.conf, ref.boxes.xyxy.numpy().astype(float))]
        assert [g[0] for g in got] == [w[0] for w in want], path.name
        for (_, conf, box), (_, ref_conf, (x1, y1, x2, y2)) in zip(got, want):
            assert abs(conf - ref_conf) < 1e-3
            assert np.allclose([box.x, box.y, box.x + box.w, box.y + box.h], [x1, y1, x2, y2], atol=1.0)
        assert (item.meta["height"], item.meta["width"]) == ref.orig_shape


def test_bus_has_people_and_a_bus_inside_the_image(stage):
    item = make_item(BUS)
    stage([item])
    assert item.ok
    w, h = item.meta["width"], item.meta["height"]
    assert (w, h) == Image.open(BUS).size
    counts = item.meta["object_counts"]
    assert counts["bus"] == 1 and counts["person"] >= 3
    assert sum(counts.values()) == len(item.mentions)
    for m in item.mentions:
        box = m.provenance.anchors[0]
        assert isinstance(box, Box)
        assert 0 <= box.x and 0 <= box.y and box.w > 0 and box.h > 0
        assert box.x + box.w <= w + 0.01 and box.y + box.h <= h + 0.01
        assert m.modality == "image" and m.provenance.stage == "yolo"
        assert m.provenance.source == item.source.iri
        assert 0 < m.confidence <= 1
    labels = {m.text: m.label for m in item.mentions}
    assert labels == {"person": "PERSON", "bus": "VEHICLE"}
    assert item.activities[-1].stage_type == "yolo"


@pytest.mark.skipif(not SAMPLE_PHOTOS, reason="no data/sample photos in this checkout")
def test_sample_photos_find_what_they_show(stage):
    items = {p.name: make_item(p) for p in SAMPLE_PHOTOS}
    stage(list(items.values()))
    counts = {name: item.meta["object_counts"] for name, item in items.items()}
    assert all(item.ok for item in items.values()), counts
    assert "person" in counts["astronaut_eileen_collins.jpg"], counts
    assert "cat" in counts["chelsea_cat.png"], counts
    assert "cup" in counts["coffee.jpg"], counts
    cat = next(m for m in items["chelsea_cat.png"].mentions if m.text == "cat")
    assert cat.label == "ANIMAL"


def test_rotated_jpeg_reports_displayed_size(stage, rotated_jpeg):
    item = make_item(rotated_jpeg)
    stage([item])
    assert (item.meta["width"], item.meta["height"]) == Image.open(BUS).size
    assert item.meta["object_counts"].get("bus") == 1


@pytest.fixture(scope="module")
def awkward_batch(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("awkward")
    files = {"good": d / "good.jpg", "empty": d / "empty.jpg", "truncated": d / "truncated.jpg",
             "text": d / "notes.png", "cmyk": d / "cmyk.jpg", "rgba": d / "rgba.png",
             "gray16": d / "gray16.png", "gif": d / "anim.gif"}
    shutil.copy(BUS, files["good"])
    files["empty"].write_bytes(b"")
    data = BUS.read_bytes()
    files["truncated"].write_bytes(data[: len(data) // 3])
    files["text"].write_text("these are meeting notes, not a picture\n" * 20)
    bus = Image.open(BUS).convert("RGB")
    bus.convert("CMYK").save(files["cmyk"], quality=95)
    rgba = bus.convert("RGBA")
    rgba.putalpha(200)
    rgba.save(files["rgba"])
    gray = np.asarray(bus.convert("L")).astype(np.uint16) * 257  # full 16-bit range
    Image.fromarray(gray).save(files["gray16"])
    zidane = Image.open(ZIDANE).convert("RGB").resize(bus.size)
    bus.save(files["gif"], save_all=True, append_images=[zidane], duration=200, loop=0)
    return files


def test_bad_files_fail_alone_and_odd_ones_are_read(stage, awkward_batch):
    items = {key: make_item(path) for key, path in awkward_batch.items()}
    stage(list(items.values()))
    reasons = {"empty": "empty (0 bytes)", "truncated": "truncated or corrupt", "text": "plain text"}
    for key, fragment in reasons.items():
        failure = items[key].failure
        assert isinstance(failure, StageFailure), key
        assert failure.stage == "yolo" and failure.path == awkward_batch[key].name
        assert fragment in failure.reason and awkward_batch[key].name in failure.reason
        assert failure.cause_code in {"E302", "E303"}
        assert not items[key].mentions and not items[key].activities
    assert items["empty"].failure.cause_code == "E302"
    for key in ("good", "cmyk", "rgba", "gray16", "gif"):
        item = items[key]
        assert item.ok, f"{key}: {item.failure}"
        assert (item.meta["width"], item.meta["height"]) == (810, 1080), key
        assert item.meta["object_counts"].get("person", 0) >= 2, (key, item.meta["object_counts"])
    good = make_item(BUS)
    stage([good])
    assert detections(items["good"]) == detections(good)
    # the GIF is read at its first frame (the bus), not the second (Zidane)
    assert "bus" in items["gif"].meta["object_counts"]


def test_batch_result_does_not_depend_on_batch_companions(stage):
    alone = [make_item(BUS)]
    stage(alone)
    mixed = [make_item(ZIDANE), make_item(BUS), make_item(ZIDANE)]
    stage(mixed)
    assert detections(alone[0]) == detections(mixed[1])


def test_large_image_is_downscaled_and_boxes_map_back():
    small = YoloDetector(weights=str(WEIGHTS), device="cpu", max_pixels=810 * 1080 // 4)
    full, reduced = make_item(BUS), make_item(BUS)
    YoloDetector(weights=str(WEIGHTS), device="cpu")([full])
    small([reduced])
    assert (reduced.meta["width"], reduced.meta["height"]) == (810, 1080)
    bus_full = next(b for t, b in detections(full) if t == "bus")
    bus_small = next(b for t, b in detections(reduced) if t == "bus")
    assert abs(bus_full.x - bus_small.x) < 15 and abs(bus_full.w - bus_small.w) < 15
    assert abs(bus_full.y - bus_small.y) < 15 and abs(bus_full.h - bus_small.h) < 15


def test_class_filter():
    only_bus = YoloDetector(weights=str(WEIGHTS), classes=["bus"])  # device None: picked here
    item = make_item(BUS)
    only_bus([item])
    assert item.meta["object_counts"] == {"bus": 1}
    with pytest.raises(ConfigError, match="no class named 'buss'"):
        YoloDetector(weights=str(WEIGHTS), device="cpu", classes=["buss"]).warm_up()


def test_missing_weights_name_the_search_path():
    stage = YoloDetector(weights="no_such_weights.onnx")
    with pytest.raises(ModelNotFoundError) as info:
        stage.warm_up()
    err = info.value
    assert err.code == "E201"
    assert "no_such_weights.onnx" in str(err)
    for folder in search_path():
        assert str(folder) in str(err)
    assert "KGBUILD_MODEL_PATH" in str(err) and "yolov8n.pt" in str(err)


def test_model_info_hashes_the_weights(stage):
    name, version = stage.model_info()
    assert name == "yolov8n_int8.onnx"
    assert version.endswith("+sha256:" + sha256_file(WEIGHTS)[:12])
    # the same answer before any model is loaded, so fingerprints are stable
    assert YoloDetector(weights=str(WEIGHTS)).model_info() == (name, version)


def test_config_round_trip():
    stage = YoloDetector(name="objects", weights="yolov8n_int8.onnx", conf=0.4, classes=["person", "dog"],
                         max_pixels=1_000_000)
    config = yaml.safe_load(yaml.safe_dump(stage.to_config()))
    assert config["type"] == "yolo" and config["name"] == "objects"
    again = get_stage_class("yolo").from_config(config)
    assert isinstance(again, YoloDetector)
    assert again.to_config() == stage.to_config()
    assert again.fingerprint() == stage.fingerprint()
    assert again.detector.model is None  # building a stage loads nothing
    with pytest.raises(ValueError):
        YoloDetector(conf=1.5)
    with pytest.raises(ValueError):
        YoloDetector(weigths="typo.onnx")
