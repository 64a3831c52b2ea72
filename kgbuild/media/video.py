"""Sampling the frames of a video for the detectors: every N seconds, plus the first frame
of every new shot.

Frames are decoded one at a time through PyAV and only the sampled ones are kept (as BGR
arrays, the order Ultralytics assumes), so a long video is never held in memory. Times
are seconds on the container's timeline, the same clock :mod:`kgbuild.media.audio` uses for
the sound track, so what is seen and what is said line up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DecodeError, NoStreams
from .audio import container_seconds, ffmpeg_reason, open_media, origin_seconds

_THUMB = (64, 36)  # shot changes are judged on a thumbnail: cheap, and blind to noise
_BINS = 32
_TRUNCATION_TOLERANCE = 0.95
_TRUNCATION_MIN_SECONDS = 1.0


@dataclass(frozen=True)
class VideoInfo:
    has_video: bool
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    duration: float | None = None  # the container's, as its header declares it


@dataclass(frozen=True)
class Frame:
    index: int  # position among the decoded frames
    start: float  # seconds on the media's timeline
    end: float  # when the next frame replaces it
    image: np.ndarray  # HxWx3 uint8, BGR
    cut: bool  # the first frame of a new shot


def probe_video(path) -> VideoInfo:
    """What the header says, without decoding (raises DecodeError if unreadable, NoStreams
    if it holds neither pictures nor sound)."""
    with open_media(Path(path)) as container:
        duration = container_seconds(container)
        _require_streams(container)
        if not container.streams.video:
            return VideoInfo(False, duration=duration)
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        return VideoInfo(True, stream.codec_context.width, stream.codec_context.height,
                         round(float(rate), 3) if rate else None, duration)


def _require_streams(container) -> None:
    """A container with no video and no audio stream (only data or subtitles, or none) has
    nothing to read: a failure, not an item that is "ok" and empty."""
    if not container.streams.video and not container.streams.audio:
        kinds = sorted({s.type for s in container.streams}) or ["none"]
        raise NoStreams(f"the file holds no video and no audio stream (streams: {', '.join(kinds)})",
                        hint="re-export it with its picture or sound")


def _histogram(frame) -> np.ndarray:
    thumb = frame.reformat(width=_THUMB[0], height=_THUMB[1], format="gray").to_ndarray()
    hist = np.bincount((thumb // (256 // _BINS)).reshape(-1), minlength=_BINS).astype(np.float64)
    return hist / hist.sum()


def shot_change(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the picture's brightness distribution that moved between two thumbnails:
    0 for the same picture, 1 for disjoint ones. Motion within a shot moves little of it;
    a cut to another scene moves much."""
    return float(np.abs(a - b).sum() / 2)


def sample_frames(
    path,
    *,
    every_seconds: float = 1.0,
    cut_threshold: float | None = 0.4,
    max_seconds: float | None = None,
) -> Iterator[Frame]:
    """Yield the frame at 0 s, then one ``every_seconds`` after the previous sample, and
    the first frame after every shot change (``cut_threshold`` on :func:`shot_change`;
    None turns cut detection off)."""
    import av  # deferred: `kgbuild --help` should not load FFmpeg

    path = Path(path)
    limit_hint = "raise max_seconds in the stage params, or split the file"
    with open_media(path) as container:
        _require_streams(container)
        if not container.streams.video:
            return
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"  # frame-threaded decoding: the sampling is sequential anyway
        declared = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None
        declared = declared or container_seconds(container)
        if max_seconds is not None and declared is not None and declared > max_seconds:
            raise DecodeError(f"video is {declared:.0f} s long, over the {max_seconds:.0f} s limit",
                              hint=limit_hint)
        origin = origin_seconds(container)
        rate = float(stream.average_rate or stream.guessed_rate or 25)
        step = 1.0 / rate
        index, t, due = -1, 0.0, 0.0
        previous: np.ndarray | None = None
        try:
            for frame in container.decode(stream):
                index += 1
                t = max(0.0, frame.time - origin) if frame.time is not None else index * step
                if max_seconds is not None and t > max_seconds:
                    raise DecodeError(f"video is longer than the {max_seconds:.0f} s limit", hint=limit_hint)
                cut = False
                if cut_threshold is not None:
                    hist = _histogram(frame)
                    cut = previous is not None and shot_change(previous, hist) > cut_threshold
                    previous = hist
                if t + step / 2 >= due or cut:
                    due = t + every_seconds
                    image = frame.to_ndarray(format="bgr24")
                    yield Frame(index, round(t, 3), round(t + step, 3), image, cut)
        except av.FFmpegError as exc:
            raise DecodeError(f"video stream is corrupt ({ffmpeg_reason(exc)})",
                              position=f"frame {index + 1} (t={t:.2f})") from None
    seen = t + step if index >= 0 else 0.0
    if index < 0 and declared:
        raise DecodeError("the video stream holds no decodable frames",
                          hint="the file is truncated or its video data is corrupt")
    if declared and seen < declared * _TRUNCATION_TOLERANCE and declared - seen > _TRUNCATION_MIN_SECONDS:
        raise DecodeError(f"file is truncated: its header declares {declared:.2f} s of video "
                          f"but only {seen:.2f} s decode", position=f"t={seen:.2f}",
                          hint="re-copy or re-export the file")
