"""kgbuild.media.video: frame sampling on a synthesised video whose shots and times are known."""

from __future__ import annotations

import av
import numpy as np
import pytest

from kgbuild.errors import DecodeError, EmptyInputError
from kgbuild.media.video import probe_video, sample_frames, shot_change
from synth_video import CUT, FPS, SECONDS, SIZE, make_video  # noqa: I001


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("video") / "two_shots.mp4", audio=False)


def test_probe_reads_the_header(video):
    info = probe_video(video)
    assert info.has_video and (info.width, info.height) == SIZE
    assert info.frame_rate == FPS and info.duration == pytest.approx(SECONDS, abs=0.05)


def test_samples_every_n_seconds_and_at_the_shot_change(video):
    frames = list(sample_frames(video, every_seconds=2.0))
    assert [(f.start, f.cut) for f in frames] == [(0.0, False), (2.0, False), (4.0, False), (CUT, True),
                                                  (7.0, False), (9.0, False)]
    first = frames[0]
    assert first.image.shape == (SIZE[1], SIZE[0], 3) and first.image.dtype == np.uint8
    assert first.end == pytest.approx(1 / FPS)
    assert all(f.index == round(f.start * FPS) for f in frames)


def test_cut_detection_can_be_turned_off(video):
    assert [f.start for f in sample_frames(video, every_seconds=2.0, cut_threshold=None)] == [0, 2, 4, 6, 8]


def test_shot_change_measure():
    a = np.zeros(32)
    a[3] = 1.0
    b = np.zeros(32)
    b[20] = 1.0
    assert shot_change(a, a) == 0.0 and shot_change(a, b) == 1.0


def test_truncated_video_is_refused_with_a_position(tmp_path):
    # faststart puts the index first, so a cut-off copy still opens and decodes in part
    whole = tmp_path / "whole.mp4"
    with av.open(str(whole), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        rng = np.random.default_rng(0)
        for i in range(60):  # noise: every frame costs bytes, so half the bytes is about half the time
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 255, (120, 160, 3), np.uint8), format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(DecodeError, match="truncated") as info:
        list(sample_frames(cut))
    assert info.value.position.startswith("t=") and 1.0 < float(info.value.position[2:]) < 5.0


@pytest.mark.parametrize("content", [b"", b"no video here\n" * 100])
def test_unreadable_files(tmp_path, content):
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(EmptyInputError if not content else DecodeError):
        list(sample_frames(path))


def test_audio_only_file_has_no_frames(tmp_path):
    path = tmp_path / "sound.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 16000), np.int16), format="s16", layout="mono")
        frame.sample_rate = 16000
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=16000)
        for chunk in resampler.resample(frame) + resampler.resample(None):
            out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))
    assert not probe_video(path).has_video
    assert list(sample_frames(path)) == []


def test_length_limit(video):
    with pytest.raises(DecodeError, match="over the 3 s limit") as info:
        list(sample_frames(video, max_seconds=3))
    assert "max_seconds" in info.value.hint
