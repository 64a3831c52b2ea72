"""kgbuild.media.audio: real files in several formats, written with PyAV (bundled FFmpeg)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from kgbuild.errors import DecodeError, EmptyInputError
from kgbuild.media.audio import decode_audio, probe_duration, stream_audio

RATE = 16000
SECONDS = 4.0

CODECS = {"wav": "pcm_s16le", "flac": "flac", "mp3": "libmp3lame", "ogg": "libopus", "opus": "libopus",
          "m4a": "aac"}


def tone(seconds: float = SECONDS, rate: int = RATE, channels: int = 1) -> np.ndarray:
    """A chirp with a pause, so every decoder has something non-trivial to get right."""
    t = np.arange(int(seconds * rate)) / rate
    x = 0.3 * np.sin(2 * np.pi * (300 + 200 * t) * t)
    x[(t > 1.0) & (t < 1.5)] = 0.0
    return np.repeat(x[None, :], channels, axis=0)


def write_audio(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    """Encode (channels, n) float samples at ``rate`` into ``path``, codec by extension."""
    codec = CODECS[path.suffix[1:]]
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    pcm = (samples.T * 32767).astype(np.int16).reshape(1, -1)  # packed s16 is interleaved
    frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout=layout)
    frame.sample_rate = rate
    with av.open(str(path), "w") as container:
        # opus only encodes at 48 kHz-family rates, which also exercises resampling on read
        stream = container.add_stream(codec, rate=48000 if codec in ("libopus", "aac") else rate, layout=layout)
        fmt = stream.codec_context.format.name
        resampler = av.AudioResampler(format=fmt, layout=layout, rate=stream.rate)
        for chunk in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(chunk):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("audio")
    return {ext: write_audio(d / f"chirp.{ext}", tone()) for ext in CODECS}


@pytest.mark.parametrize("ext", list(CODECS))
def test_formats_decode_to_the_same_length(media, ext):
    audio = decode_audio(media[ext])
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - SECONDS * RATE) <= 0.01 * SECONDS * RATE
    assert 0.2 < float(np.abs(audio).max()) <= 1.0
    # the 1.0-1.5 s pause survives every codec where it was put
    pause = audio[int(1.1 * RATE):int(1.4 * RATE)]
    assert float(np.abs(pause).max()) < 0.05


def test_wav_roundtrip_is_exact_enough(media):
    audio = decode_audio(media["wav"])
    expected = tone()[0].astype(np.float32)
    assert np.max(np.abs(audio - expected)) < 1e-3


def test_stereo_44k_is_downmixed_and_resampled(tmp_path):
    path = write_audio(tmp_path / "stereo.wav", tone(2.0, 44100, channels=2), rate=44100)
    audio = decode_audio(path)
    assert abs(len(audio) - 2.0 * RATE) <= 0.01 * 2.0 * RATE
    assert decode_audio(path, sample_rate=8000).shape[0] == pytest.approx(2.0 * 8000, rel=0.01)


def test_probe_duration(media):
    for ext in ("wav", "flac", "mp3"):
        assert probe_duration(media[ext]) == pytest.approx(SECONDS, abs=0.1)


def test_picks_a_stream_by_index(tmp_path):
    """As for a video with several sound tracks: default is the first audio stream."""
    path = tmp_path / "two_tracks.mka"
    with av.open(str(path), "w") as container:
        streams = [container.add_stream("pcm_s16le", rate=RATE, layout="mono") for _ in range(2)]
        for stream, seconds in zip(streams, (1.0, 2.0)):
            pcm = (tone(seconds) * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate = RATE
            for packet in list(stream.encode(frame)) + list(stream.encode(None)):
                container.mux(packet)
    assert len(decode_audio(path)) == pytest.approx(1.0 * RATE, rel=0.01)
    assert len(decode_audio(path, stream_index=1)) == pytest.approx(2.0 * RATE, rel=0.01)
    with pytest.raises(DecodeError, match="stream 7 is not an audio stream"):
        decode_audio(path, stream_index=7)


def test_max_seconds(media):
    with pytest.raises(DecodeError, match="over the 2 s limit") as info:
        decode_audio(media["flac"], max_seconds=2)
    assert "max_seconds" in info.value.hint


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(EmptyInputError) as info:
        decode_audio(tmp_path / "empty.wav")
    assert info.value.code == "E302"


@pytest.mark.parametrize("ext", ["wav", "flac", "mp3"])
def test_truncated_files_are_refused_with_a_position(media, tmp_path, ext):
    data = media[ext].read_bytes()
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DecodeError) as info:
        decode_audio(cut)
    assert info.value.code == "E303"
    assert info.value.position and info.value.position.startswith("t=")
    assert 0.5 < float(info.value.position[2:]) < SECONDS


@pytest.mark.parametrize(
    "name, content",
    [
        ("random.wav", np.random.default_rng(7).bytes(40_000)),
        ("notes.wav", b"These are meeting notes, saved with the wrong extension.\n" * 50),
        ("header_only.wav", b"RIFF\x24\x00\x00\x00WAVEfmt "),
    ],
)
def test_non_audio_bytes_are_refused(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DecodeError) as info:
        decode_audio(tmp_path / name)
    assert "Invalid data" in info.value.message or "no audio" in info.value.message


def test_image_has_no_audio_stream(tmp_path):
    from PIL import Image

    Image.new("RGB", (32, 32), "red").save(tmp_path / "red.png")
    with pytest.raises(DecodeError, match=r"no audio stream \(streams found: video\)"):
        decode_audio(tmp_path / "red.png")


def test_windows_are_cut_in_quiet_places_and_add_up(tmp_path):
    """A 40 s recording in 10 s windows: together they are the whole recording, sample for
    sample; each starts where the previous ended; each cut falls in a pause."""
    t = np.arange(40 * RATE) / RATE
    loud = 0.5 * np.sin(2 * np.pi * 440 * t)
    loud[(t % 9.0) > 8.0] = 0.0  # a 1 s pause every 9 s: one in the last 2.5 s of each window
    path = write_audio(tmp_path / "long.flac", loud[None, :])
    whole = decode_audio(path)
    windows = list(stream_audio(path, chunk_seconds=10))
    assert len(windows) >= 3
    assert np.array_equal(np.concatenate([w.samples for w in windows]), whole)
    position = 0.0
    for w in windows:
        assert w.start == pytest.approx(position)
        position = w.end(RATE)
    for w in windows[:-1]:
        assert 7.5 <= len(w.samples) / RATE <= 10.0
        assert float(np.abs(w.samples[-160:]).max()) < 0.01  # ends in a pause


def test_zero_length_recording_is_empty_not_an_error(tmp_path):
    import wave

    with wave.open(str(tmp_path / "zero.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"")
    assert decode_audio(tmp_path / "zero.wav").size == 0
    assert list(stream_audio(tmp_path / "zero.wav")) == []


def test_a_late_sound_track_keeps_its_place_on_the_video_clock(tmp_path):
    """Times are relative to the container, not the audio stream: sound that starts 2 s
    into a video is reported at 2 s."""
    from fractions import Fraction

    path = tmp_path / "late.mkv"
    with av.open(str(path), "w") as container:
        video = container.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = container.add_stream("pcm_s16le", rate=RATE, layout="mono")
        for i in range(40):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        pcm = (tone(1.0) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, 2 * RATE, Fraction(1, RATE)
        container.mux(sound.encode(frame))
        container.mux(sound.encode(None))
    [window] = list(stream_audio(path))
    assert window.start == pytest.approx(2.0, abs=0.01)
    assert len(window.samples) == pytest.approx(RATE, rel=0.01)


# bytes that open but hold no audio ------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("ext", ["flac", "wav", "mp3", "ogg", "m4a", "opus"])
def test_random_bytes_are_refused_in_every_audio_format(tmp_path, ext, seed):
    """FFmpeg's FLAC demuxer opens random bytes and decodes nothing, without an error: that is
    garbage, not a zero-length recording. The other demuxers refuse such bytes outright."""
    rng = np.random.default_rng(1000 * seed + len(ext))
    path = tmp_path / f"noise.{ext}"
    path.write_bytes(rng.bytes(int(rng.integers(2_000, 40_000))))
    with pytest.raises(DecodeError) as info:
        decode_audio(path)
    assert info.value.code == "E303"
    message = info.value.message
    if message.startswith("no decodable audio frame"):
        size = path.stat().st_size
        assert f"in {size:,} bytes; the FLAC stream header is invalid" in message, message
        assert info.value.position == "byte 0"
    else:
        assert message.startswith("not a readable audio/video file"), message
    if ext == "flac":  # the gap this closes: every seed opens as FLAC
        assert message.startswith("no decodable audio frame"), message


def flac_frames_start(path: Path) -> int:
    """Byte offset of a FLAC file's first audio frame, as FFmpeg's demuxer reports it."""
    with av.open(str(path)) as container:
        return next(p.pos for p in container.demux(container.streams.audio[0]) if p.size)


@pytest.mark.parametrize("declared", [True, False])
def test_a_flac_header_over_garbage_is_refused_at_its_frames(tmp_path, declared):
    """A valid FLAC header followed by bytes holding no frame: refused with the byte where the
    frames should begin, whether the header declares a length or (total samples 0) not."""
    good = write_audio(tmp_path / "good.flac", tone(2.0))
    start = flac_frames_start(good)
    head = bytearray(good.read_bytes()[:start])
    if not declared:  # STREAMINFO's 36-bit total sample count: 0 means "unknown"
        head[21] &= 0xF0
        head[22:26] = bytes(4)
    path = tmp_path / "garbage_frames.flac"
    path.write_bytes(bytes(head) + np.random.default_rng(5).bytes(20_000))
    with pytest.raises(DecodeError) as info:
        decode_audio(path)
    assert info.value.message == (f"no decodable audio frame in {start + 20_000:,} bytes; no valid FLAC frame "
                                  f"header in the 20,000 bytes after the stream header")
    assert info.value.position == f"byte {start}"


def test_a_flac_header_cut_short_into_garbage_is_refused(tmp_path):
    """STREAMINFO says more metadata follows, and random bytes do: FFmpeg opens it and finds
    no frame; the block header read from the garbage claims more bytes than the file has."""
    good = write_audio(tmp_path / "good.flac", tone(1.0)).read_bytes()
    path = tmp_path / "header_then_noise.flac"
    path.write_bytes(good[:42] + np.random.default_rng(2).bytes(20_000))  # "fLaC" + STREAMINFO (4 + 34 bytes)
    with pytest.raises(DecodeError, match=r"the FLAC stream header is invalid \(a [\d,]+-byte metadata block "
                                          r"runs past the end of the file\)") as info:
        decode_audio(path)
    assert info.value.position == "byte 42"


def test_real_empty_and_silent_flac_stay_valid(tmp_path):
    """A FLAC with a header and no frame, and 2 s of digital silence: empty but valid results."""
    empty = tmp_path / "empty.flac"
    with av.open(str(empty), "w") as container:  # header written, no sample encoded
        stream = container.add_stream("flac", rate=RATE, layout="mono")
        for packet in stream.encode(None):
            container.mux(packet)
    assert empty.stat().st_size > 1000  # STREAMINFO and padding: not a trivially small file
    assert decode_audio(empty).size == 0
    silent = write_audio(tmp_path / "silent.flac", np.zeros((1, 2 * RATE)))
    audio = decode_audio(silent)
    assert len(audio) == 2 * RATE and not audio.any()
