"""The OCR stage with RapidOCR's real models on a real scan and on rendered text.

The scan is data/sample/scanned_page.png (scikit-image's ``page``); the rendered image is
drawn here with Pillow's built-in font, so what it says is known exactly.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

import numpy as np
import pytest
import yaml

from helpers import need_module  # noqa: E402

need_module("rapidocr_onnxruntime", "RapidOCR (the OCR stage's models)", "pip install -e '.[vision]'")

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from kgbuild.datamodel import Box, CharSpan, Item, Source  # noqa: E402
from kgbuild.errors import StageFailure  # noqa: E402
from kgbuild.ids import sha256_file  # noqa: E402
from kgbuild.media.image_io import decode_image  # noqa: E402
from kgbuild.pipeline.config import Pipeline  # noqa: E402
from kgbuild.stages.ocr import OcrReader  # noqa: E402
from kgbuild.stages.registry import get_stage_class  # noqa: E402
from kgbuild.stages.spacy_ner import SpacyNER  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "data" / "sample" / "scanned_page.png"
PHOTO = REPO / "data" / "sample" / "astronaut_eileen_collins.jpg"
LINES = ("Eileen Collins flew for NASA.", "Houston, Texas")


def make_item(path: Path) -> Item:
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Item(Source(path=path.resolve(), relpath=path.name, sha256=sha256_file(path),
                       size=path.stat().st_size, media_type=media_type, modality="image"))


@pytest.fixture(scope="module")
def stage() -> OcrReader:
    s = OcrReader()
    s.warm_up()
    return s


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """Two lines of black text on white, at known places."""
    path = tmp_path_factory.mktemp("ocr") / "sign.png"
    img = Image.new("RGB", (900, 260), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=36)
    for (x, y), line in zip(((30, 40), (30, 150)), LINES):
        draw.text((x, y), line, font=font, fill="black")
    img.save(path)
    return path


@pytest.fixture(scope="module")
def sign(stage, rendered) -> Item:
    item = make_item(rendered)
    stage([item])
    return item


def test_reads_rendered_lines_into_text_and_layout(sign):
    item = sign
    assert item.ok, item.failure
    assert item.text == "\n".join(LINES)
    assert item.views["ocr"].modality == "ocr"
    assert (item.meta["width"], item.meta["height"]) == (900, 260)
    first, second = item.layout.regions
    assert (first.start_char, first.end_char) == (0, len(LINES[0]))
    assert (second.start_char, second.end_char) == (len(LINES[0]) + 1, len(item.text))
    # the drawn text starts at (30, 40) and (30, 150), 36 px high
    assert 20 <= first.box.x <= 40 and 35 <= first.box.y <= 55 and 20 <= first.box.h <= 50
    assert 20 <= second.box.x <= 40 and 145 <= second.box.y <= 165
    assert all(0.5 <= r.confidence <= 1 for r in item.layout.regions)
    assert item.activities[-1].stage_type == "ocr"


def test_ner_after_ocr_makes_ocr_mentions_with_span_and_box(sign):
    item = sign
    SpacyNER()([item])
    found = {m.text: m for m in item.mentions}
    assert {"Eileen Collins", "NASA"} <= set(found), found
    for m in item.mentions:
        span, box = m.provenance.anchor(CharSpan), m.provenance.anchor(Box)
        assert m.modality == "ocr" and item.text[span.start:span.end] == m.text
        assert isinstance(box, Box) and m.confidence is not None
    collins = found["Eileen Collins"].provenance.anchor(Box)
    assert collins.y < 100  # on the first line, not the second


def test_scanned_page(stage):
    item = make_item(PAGE)
    stage([item])
    assert item.ok, item.failure
    lines = item.text.split("\n")
    assert lines[0] == "Region-based segmentation"
    assert "Let us first determine markers of the coins and the" in lines
    for region, line in zip(item.layout.regions, lines):
        assert item.text[region.start_char:region.end_char] == line
        assert 0 <= region.box.x and region.box.x + region.box.w <= 384
        assert 0 <= region.box.y and region.box.y + region.box.h <= 191


def test_same_lines_as_rapidocr_when_lines_are_not_upscaled(stage):
    plain = OcrReader(upscale_lines_to=0)
    plain._engine = stage._engine  # the very RapidOCR object, so only the stage's steps differ
    image = decode_image(PAGE, plain.params.max_pixels).array
    want, _ = stage._engine(image)  # RapidOCR's own end-to-end call
    got = plain._lines(image)
    assert [t for t, _, _ in got] == [" ".join(t.split()) for _, t, _ in want]
    for (_, score, quad), (ref_quad, _, ref_score) in zip(got, want):
        assert abs(score - ref_score) < 1e-6
        assert np.allclose(quad, ref_quad)


def spy(monkeypatch, engine, name: str) -> list:
    calls: list = []
    original = getattr(engine, name)
    monkeypatch.setattr(engine, name, lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


def test_photo_without_text_skips_detection_and_recognition(stage, monkeypatch):
    detect, read = spy(monkeypatch, stage._engine, "auto_text_det"), spy(monkeypatch, stage._engine, "text_rec")
    item = make_item(PHOTO)
    stage([item])
    assert item.ok and item.text is None and item.layout is None and not item.views
    assert detect == [] and read == []  # the small gate pass found no region: nothing more ran
    assert item.activities[-1].stage_type == "ocr"  # the stage did look
    page = make_item(PAGE)
    stage([page])
    assert detect == [1] and read == [1] and page.text


def test_without_the_gate_every_image_gets_full_detection(stage, monkeypatch):
    ungated = OcrReader(gate_side=0)
    ungated._engine, ungated._warm = stage._engine, True  # shares the loaded models
    detect = spy(monkeypatch, stage._engine, "auto_text_det")
    item = make_item(PHOTO)
    ungated([item])
    assert detect == [1] and item.text is None


def test_bad_files_fail_alone(stage, tmp_path):
    empty, text = tmp_path / "empty.png", tmp_path / "notes.jpg"
    empty.write_bytes(b"")
    text.write_text("not a picture\n" * 10)
    items = [make_item(empty), make_item(text), make_item(PHOTO)]
    stage(items)
    assert isinstance(items[0].failure, StageFailure) and items[0].failure.cause_code == "E302"
    assert items[1].failure.cause_code == "E303" and "plain text" in items[1].failure.reason
    assert items[0].failure.stage == "ocr" and "empty.png" in items[0].failure.reason
    assert items[2].ok and not items[0].activities and items[2].activities


def test_wiring_ocr_before_ner():
    ocr, ner = OcrReader(), SpacyNER()
    Pipeline("p", [ocr, ner])  # OCR produces the text NER reads
    with pytest.raises(Exception, match="'text'"):
        Pipeline("p", [SpacyNER()])


def test_config_round_trip_and_model_info():
    s = OcrReader(name="read", box_thresh=0.6, upscale_lines_to=0, threads=1)
    config = yaml.safe_load(yaml.safe_dump(s.to_config()))
    again = get_stage_class("ocr").from_config(config)
    assert again.to_config() == s.to_config() and again.fingerprint() == s.fingerprint()
    assert again._engine is None  # building a stage loads nothing
    name, version = s.model_info()
    assert name == "RapidOCR PP-OCRv4" and version.startswith("rapidocr-onnxruntime 1.4.4+sha256:")
    assert OcrReader(box_thresh=0.7).fingerprint() != s.fingerprint()
    with pytest.raises(ValueError):
        OcrReader(box_thresh=1.5)
