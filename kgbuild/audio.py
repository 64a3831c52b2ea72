"""Decoding audio (or a video's audio track) to the mono float32 samples models expect.

PyAV bundles FFmpeg, so every format FFmpeg reads works without a system install. Frames
are decoded and resampled one at a time, so the compressed file is never read whole;
only the decoded 16 kHz samples are kept (about 230 MB per hour).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from .errors import DecodeError, EmptyInputError

# A stream that decodes to less than this share of the length its header declares is
# reported as truncated rather than silently transcribed in part.
_TRUNCATION_TOLERANCE = 0.95
_TRUNCATION_MIN_SECONDS = 0.5


def _av():
    import av  # deferred: `kgbuild --help` should not load FFmpeg

    return av


def _open(path: Path):
    av = _av()
    if not path.exists():
        raise DecodeError(f"file not found: {path}")
    if path.stat().st_size == 0:
        raise EmptyInputError("file is empty")
    try:
        return av.open(str(path), mode="r")
    except av.FFmpegError as exc:
        raise DecodeError(
            f"not a readable audio/video file ({_ffmpeg_text(exc)})",
            hint="check that the file is complete and really is the format its extension says",
        ) from None


def _ffmpeg_text(exc: BaseException) -> str:
    # PyAV's str() repeats the file name we already report; strerror is the FFmpeg reason.
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _wav_shortfall(path: Path) -> tuple[int, int] | None:
    """(declared, present) bytes of a RIFF/WAVE ``data`` chunk when the file is shorter than
    its header says. FFmpeg quietly clamps such files, so a cut-off copy would otherwise
    decode "successfully" to part of the recording."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        for _ in range(64):  # a WAV has a handful of chunks; bound the walk on garbage
            header = fh.read(8)
            if len(header) < 8:
                return None
            chunk, size = struct.unpack("<4sI", header)
            if chunk == b"data":
                # 0 and 0xFFFFFFFF mean "unknown" (streamed or RF64 files): nothing to check.
                present = path.stat().st_size - fh.tell()
                return (size, present) if 0 < size < 0xFFFFFFFF and present < size else None
            fh.seek(size + (size & 1), 1)
    return None


def _pick_stream(container, stream_index: int | None):
    if stream_index is not None:
        streams = [s for s in container.streams if s.index == stream_index]
        if not streams or streams[0].type != "audio":
            raise DecodeError(f"stream {stream_index} is not an audio stream")
        return streams[0]
    if not container.streams.audio:
        kinds = ", ".join(s.type for s in container.streams) or "none"
        raise DecodeError(
            f"no audio stream (streams found: {kinds})",
            hint="the file is not audio, or is a video without a sound track",
        )
    return container.streams.audio[0]


def _declared_seconds(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    # The container's duration is its longest stream's: a video's sound track may be shorter.
    if container.duration is not None and len(container.streams) == 1:
        return container.duration / 1_000_000  # AV_TIME_BASE is microseconds
    return None


def probe_duration(path: str | Path, *, stream_index: int | None = None) -> float | None:
    """Duration in seconds as the file's header declares it (no decoding): the audio
    stream's own, else the whole file's; None if neither is recorded."""
    with _open(Path(path)) as container:
        seconds = _declared_seconds(container, _pick_stream(container, stream_index))
        if seconds is None and container.duration is not None:
            seconds = container.duration / 1_000_000
        return seconds


def decode_audio(
    path: str | Path,
    *,
    sample_rate: int = 16000,
    max_seconds: float | None = None,
    stream_index: int | None = None,
) -> np.ndarray:
    """Decode ``path`` to mono float32 samples in [-1, 1] at ``sample_rate``.

    ``stream_index`` selects a stream by its container index (for video files with several
    sound tracks); by default the first audio stream is used.
    """
    av = _av()
    path = Path(path)
    limit_hint = "raise max_seconds in the stage params, or split the file"
    with _open(path) as container:
        stream = _pick_stream(container, stream_index)
        declared = _declared_seconds(container, stream)
        if container.format.name == "wav" and (short := _wav_shortfall(path)):
            raise DecodeError(
                f"file is truncated: its WAV header declares {short[0]:,} bytes of audio "
                f"but only {short[1]:,} are present",
                position=f"t={declared or 0:.2f}",  # FFmpeg's duration already counts only what is present
                hint="re-copy or re-export the file",
            )
        if max_seconds is not None and declared is not None and declared > max_seconds:
            raise DecodeError(f"audio is {declared:.0f} s long, over the {max_seconds:.0f} s limit",
                              hint=limit_hint)
        limit = None if max_seconds is None else int(max_seconds * sample_rate)
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=sample_rate)
        chunks: list[np.ndarray] = []
        total = 0

        def take(frames) -> None:
            nonlocal total
            for out in frames:
                samples = out.to_ndarray().reshape(-1)
                chunks.append(samples)
                total += samples.size
            if limit is not None and total > limit:
                # Header durations can be absent or wrong, so the limit is also enforced here.
                raise DecodeError(f"audio is longer than the {max_seconds:.0f} s limit", hint=limit_hint)

        try:
            for frame in container.decode(stream):
                take(resampler.resample(frame))
            take(resampler.resample(None))  # flush the samples the resampler holds back
        except av.FFmpegError as exc:
            raise DecodeError(
                f"audio stream is corrupt ({_ffmpeg_text(exc)})", position=f"t={total / sample_rate:.2f}"
            ) from None

    decoded = total / sample_rate
    if total == 0:
        raise DecodeError("the audio stream holds no decodable samples",
                          hint="the file is truncated or its audio data is corrupt")
    missing = (declared or 0.0) - decoded
    if declared and decoded < declared * _TRUNCATION_TOLERANCE and missing > _TRUNCATION_MIN_SECONDS:
        raise DecodeError(
            f"file is truncated: its header declares {declared:.2f} s but only {decoded:.2f} s decode",
            position=f"t={decoded:.2f}",
            hint="re-copy or re-export the file",
        )
    audio = np.concatenate(chunks).astype(np.float32, copy=False)
    return np.clip(audio, -1.0, 1.0, out=audio)
