"""A short test video made with PyAV from the sample corpus, so every track and time in it
is known: two shots, each a photo sliding across a plain background, over a speech track.

    shot 1, [0, CUT) s:  the astronaut photo (a person) moves left to right
    shot 2, [CUT, end):  the cat photo moves right to left on another background
    sound:               harper_statement.flac from the start

Encoding takes about a second; nothing here is committed as a binary.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from kgbuild.media.audio import decode_audio

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
SIZE = (640, 360)
FPS = 10
CUT = 5.0
SECONDS = 10.0
SPEECH = SAMPLE / "harper_statement.flac"


def _photo(name: str, height: int) -> np.ndarray:
    img = Image.open(SAMPLE / name).convert("RGB")
    return np.asarray(img.resize((round(img.width * height / img.height), height), Image.Resampling.BILINEAR))


def frame_at(t: float, person: np.ndarray, cat: np.ndarray) -> np.ndarray:
    w, h = SIZE
    canvas = np.empty((h, w, 3), np.uint8)
    if t < CUT:
        canvas[:] = (200, 200, 200)
        photo, x = person, int(20 + (t / CUT) * 380)  # left to right
    else:
        canvas[:] = (40, 70, 40)
        photo, x = cat, int(340 - ((t - CUT) / (SECONDS - CUT)) * 320)  # right to left
    ph, pw = photo.shape[:2]
    y = (h - ph) // 2
    canvas[y:y + ph, x:x + pw] = photo[:, : max(0, min(pw, w - x))]
    return canvas


def make_video(path: Path, *, audio: bool = True, seconds: float = SECONDS, codec: str = "libx264") -> Path:
    person, cat = _photo("astronaut_eileen_collins.jpg", 240), _photo("chelsea_cat.png", 200)
    with av.open(str(path), "w") as out:
        video = out.add_stream(codec, rate=FPS)
        video.width, video.height, video.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        if codec == "libx264":
            video.options = {"preset": "ultrafast", "crf": "23"}
        sound = out.add_stream("aac", rate=16000, layout="mono") if audio else None
        for i in range(int(seconds * FPS)):
            frame = av.VideoFrame.from_ndarray(frame_at(i / FPS, person, cat), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            samples = decode_audio(SPEECH)[: int(seconds * 16000)]
            pcm = (samples * 32767).astype(np.int16)[None, :]
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate = 16000
            resampler = av.AudioResampler(format=sound.codec_context.format.name, layout="mono", rate=16000)
            for chunk in resampler.resample(frame) + resampler.resample(None):
                out.mux(sound.encode(chunk))
            out.mux(sound.encode(None))
    return path


def corrupt_sound(src: Path, dst: Path, *, from_seconds: float = 0.0, seed: int = 0) -> Path:
    """A copy of ``src`` whose audio packets from ``from_seconds`` on hold random bytes (of
    their own sizes, at their own times) while every video packet is copied untouched: a
    file with good pictures and a sound track the decoder rejects."""
    import random

    rng = random.Random(seed)
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        vin, ain = inp.streams.video[0], inp.streams.audio[0]
        vout, aout = out.add_stream_from_template(vin), out.add_stream_from_template(ain)
        for packet in inp.demux(vin, ain):
            if packet.dts is None:  # the flush packet each stream ends with
                continue
            if packet.stream is ain and packet.pts * packet.time_base >= from_seconds:
                bad = av.Packet(rng.randbytes(packet.size))
                bad.pts, bad.dts, bad.duration, bad.time_base = packet.pts, packet.dts, packet.duration, packet.time_base
                bad.stream = aout
                out.mux(bad)
            else:
                packet.stream = vout if packet.stream is vin else aout
                out.mux(packet)
    return dst
