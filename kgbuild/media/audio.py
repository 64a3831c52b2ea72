"""Decoding audio (or a video's audio track) to the mono float32 samples models expect.

PyAV bundles FFmpeg, so every format FFmpeg reads works without a system install. Frames
are decoded and resampled one at a time and handed on in windows (:func:`stream_audio`),
so neither the compressed file nor the whole decoded recording is ever held in memory.

Times are seconds on the media's own timeline (0 = the start of the container), so the
words of a video's sound track and the objects in its frames share one clock.
"""

from __future__ import annotations

import struct
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DecodeError, EmptyInputError

# A stream that decodes to less than this share of the length its header declares is
# reported as truncated rather than silently transcribed in part.
_TRUNCATION_TOLERANCE = 0.95
_TRUNCATION_MIN_SECONDS = 0.5
_CUT_SEARCH_SECONDS = 10.0  # at most this far back from a window's end, look for a quiet place to cut
_CUT_FRAME_SECONDS = 0.1
# Stream parameters beyond these are a header misread from garbage, not a recording.
_MAX_SAMPLE_RATE = 768_000
_MAX_CHANNELS = 64


@dataclass(frozen=True)
class AudioChunk:
    start: float  # seconds on the media's timeline where the first sample plays
    samples: np.ndarray  # mono float32 in [-1, 1]

    def end(self, sample_rate: int) -> float:
        return self.start + len(self.samples) / sample_rate


def _av():
    import av  # deferred: `kgbuild --help` should not load FFmpeg

    return av


def open_media(path: Path):
    """Open an audio or video file, turning FFmpeg's refusals into coded input errors."""
    av = _av()
    if not path.exists():
        raise DecodeError(f"file not found: {path}")
    if path.stat().st_size == 0:
        raise EmptyInputError("file is empty")
    try:
        return av.open(str(path), mode="r")
    except av.FFmpegError as exc:
        raise DecodeError(
            f"not a readable audio/video file ({ffmpeg_reason(exc)})",
            hint="check that the file is complete and really is the format its extension says",
        ) from None


def ffmpeg_reason(exc: BaseException) -> str:
    # PyAV's str() repeats the file name we already report; strerror is the FFmpeg reason.
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def origin_seconds(container) -> float:
    """Where the container's timeline starts: stream times are made relative to it."""
    start = container.start_time  # AV_TIME_BASE (microseconds), or None
    return start / 1_000_000 if start is not None else 0.0


def container_seconds(container) -> float | None:
    return container.duration / 1_000_000 if container.duration is not None else None


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


def _skip_id3(fh) -> int:
    """Offset after any ID3v2 tags at the start of the file (FFmpeg skips them before a FLAC)."""
    offset = 0
    while True:
        fh.seek(offset)
        head = fh.read(10)
        if len(head) < 10 or head[:3] != b"ID3":
            return offset
        size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
        offset += 10 + size + (10 if head[5] & 0x10 else 0)


def _flac_frames_offset(path: Path) -> tuple[int, str | None]:
    """(byte offset where a FLAC file's audio frames begin, None) after its ``fLaC`` marker
    and metadata blocks; or (offset, what is wrong) when that stream header is invalid.

    FFmpeg's FLAC demuxer opens bytes that are no FLAC at all and then finds no frame, without
    an error; this tells such garbage from a well-formed file that holds no audio."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        start = _skip_id3(fh)
        fh.seek(start)
        if fh.read(4) != b"fLaC":
            return start, "no 'fLaC' marker"
        offset = start + 4
        for _ in range(1024):  # a few blocks in practice; bound the walk on garbage
            header = fh.read(4)
            if len(header) < 4:
                return offset, "its metadata blocks run past the end of the file"
            kind, length = header[0] & 0x7F, int.from_bytes(header[1:4], "big")
            if kind == 127 or (offset == start + 4 and (kind != 0 or length != 34)):
                return offset, f"metadata block of type {kind} is invalid"
            if offset + 4 + length > size:
                return offset, f"a {length:,}-byte metadata block runs past the end of the file"
            offset += 4 + length
            if header[0] & 0x80:  # the last metadata block
                return offset, None
            fh.seek(offset)
    return offset, "too many metadata blocks"


def _format_label(container) -> str:
    name = container.format.name.split(",")[0]
    return {"mov": "MP4", "matroska": "Matroska"}.get(name, name.upper())


def _why_no_frames(path: Path, container, stream, declared: float | None,
                   packet_bytes: int, first_packet: int | None) -> tuple[str, int] | None:
    """Why a stream that opened and decoded without an error gave no audio frame, as
    (reason, byte position); None when it is a well-formed recording of zero length.

    FFmpeg does not always complain: its FLAC demuxer "opens" random bytes with an empty
    header (sample rate 0) and demuxes nothing. So no frame is only an empty result when the
    stream parameters are sane, no packet was dropped, no length was promised and, for FLAC,
    no bytes follow the header."""
    fmt = _format_label(container)
    cc = stream.codec_context
    rate, channels = cc.sample_rate or 0, cc.channels or 0
    if not 0 < rate <= _MAX_SAMPLE_RATE or not 0 < channels <= _MAX_CHANNELS:
        return f"the {fmt} stream header is invalid (sample rate {rate} Hz, {channels} channels)", 0
    if container.format.name == "flac":
        offset, problem = _flac_frames_offset(path)
        if problem:
            return f"the FLAC stream header is invalid ({problem})", offset
        trailing = path.stat().st_size - offset
        if trailing > 0 and not packet_bytes:
            return f"no valid FLAC frame header in the {trailing:,} bytes after the stream header", offset
    if packet_bytes:
        return f"{packet_bytes:,} bytes of {fmt} audio packets decoded to nothing", first_packet or 0
    if declared:
        return f"its header declares {declared:.2f} s", first_packet or 0
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
        return container.duration / 1_000_000
    return None


def probe_duration(path: str | Path, *, stream_index: int | None = None) -> float | None:
    """Duration in seconds as the file's header declares it (no decoding): the audio
    stream's own, else the whole file's; None if neither is recorded."""
    with open_media(Path(path)) as container:
        seconds = _declared_seconds(container, _pick_stream(container, stream_index))
        return seconds if seconds is not None else container_seconds(container)


def _quiet_cut(buf: np.ndarray, target: int, search: int, sample_rate: int) -> int:
    """A cut point at most ``target`` samples in, in the quietest 0.1 s of the ``search``
    samples before it, so a window boundary falls between words rather than inside one."""
    win = int(_CUT_FRAME_SECONDS * sample_rate)
    lo = max(0, target - search)
    n = (target - lo) // win
    if n < 2:
        return target
    frames = buf[target - n * win:target].reshape(n, win)
    quietest = int(np.argmin(np.square(frames).sum(axis=1)))
    return target - n * win + quietest * win + win // 2


def stream_audio(
    path: str | Path,
    *,
    sample_rate: int = 16000,
    chunk_seconds: float | None = None,
    max_seconds: float | None = None,
    stream_index: int | None = None,
) -> Iterator[AudioChunk]:
    """Decode ``path`` to mono float32 samples at ``sample_rate``, yielded in windows of
    at most ``chunk_seconds`` (one window if None), each cut at a quiet moment.

    ``stream_index`` selects a stream by its container index (for video files with several
    sound tracks); by default the first audio stream is used. Errors found only at the end
    (a truncated file) are raised after earlier windows were yielded: a caller working
    window by window must drop what it made of them. A well-formed file of zero length
    yields nothing.
    """
    path = Path(path)
    with open_media(path) as container:
        stream = _pick_stream(container, stream_index)
        declared = _declared_seconds(container, stream)
        _check_header(path, container, declared, max_seconds)
        windows = _Windows(sample_rate, chunk_seconds, max_seconds)
        found = yield from _decode(container, stream, windows)
        why = _why_no_frames(path, container, stream, declared, *found) if windows.total == 0 else None
        # A video's bytes are mostly pictures: its size says nothing about its sound track.
        where = f"{path.stat().st_size:,} bytes" if len(container.streams) == 1 else "the audio stream"
    _check_end(windows.total / sample_rate, declared, why, where)
    yield from windows.rest()


_LIMIT_HINT = "raise max_seconds in the stage params, or split the file"


def _check_header(path: Path, container, declared: float | None, max_seconds: float | None) -> None:
    """Refuse, before decoding, a WAV file shorter than its header says or a file whose
    header declares more than ``max_seconds``."""
    if container.format.name == "wav" and (short := _wav_shortfall(path)):
        raise DecodeError(
            f"file is truncated: its WAV header declares {short[0]:,} bytes of audio "
            f"but only {short[1]:,} are present",
            position=f"t={declared or 0:.2f}",  # FFmpeg's duration already counts only what is present
            hint="re-copy or re-export the file",
        )
    if max_seconds is not None and declared is not None and declared > max_seconds:
        raise DecodeError(f"audio is {declared:.0f} s long, over the {max_seconds:.0f} s limit",
                          hint=_LIMIT_HINT)


def _decode(container, stream, windows: _Windows) -> Generator[AudioChunk, None, tuple[int, int | None]]:
    """Demux and decode ``stream``, feeding :class:`_Windows` and yielding what it cuts.
    Returns (packet bytes, byte offset of the first packet): what the demuxer found, to
    judge a stream that decodes to nothing."""
    av = _av()
    origin = origin_seconds(container)
    resampler = av.AudioResampler(format="fltp", layout="mono", rate=windows.sample_rate)
    packet_bytes, first_packet = 0, None
    try:
        for packet in container.demux(stream):
            if packet.size:
                packet_bytes += packet.size
                if first_packet is None and packet.pos is not None and packet.pos >= 0:
                    first_packet = packet.pos
            for frame in packet.decode():  # the final empty packet flushes the decoder
                if windows.start is None:
                    # Relative to the container, not the stream: a video's sound may start late.
                    windows.start = max(0.0, (frame.time if frame.time is not None else origin) - origin)
                yield from windows.take(resampler.resample(frame))
        yield from windows.take(resampler.resample(None))  # flush the samples the resampler holds back
    except av.FFmpegError as exc:
        raise DecodeError(f"audio stream is corrupt ({ffmpeg_reason(exc)})",
                          position=f"t={windows.total / windows.sample_rate:.2f}") from None
    return packet_bytes, first_packet


def _check_end(decoded: float, declared: float | None, why: tuple[str, int] | None, where: str) -> None:
    """After decoding ``decoded`` seconds: refuse a stream that decoded to nothing for a
    reason (``why``, from :func:`_why_no_frames`), or fewer seconds than its header declares."""
    if decoded == 0:
        if why is None:
            # It opened and decoded without error, its header is sane and promises nothing
            # more: a well-formed recording of zero length, an empty but valid result.
            return
        reason, offset = why
        raise DecodeError(f"no decodable audio frame in {where}; {reason}",
                          position=f"byte {offset}",
                          hint="the file is corrupt, truncated, or not the format its extension says")
    missing = (declared or 0.0) - decoded
    if declared and decoded < declared * _TRUNCATION_TOLERANCE and missing > _TRUNCATION_MIN_SECONDS:
        raise DecodeError(
            f"file is truncated: its header declares {declared:.2f} s but only {decoded:.2f} s decode",
            position=f"t={decoded:.2f}",
            hint="re-copy or re-export the file",
        )


class _Windows:
    """Resampled frames in, windows of at most ``chunk_seconds`` out (all in one if None),
    each cut at a quiet moment; also enforces ``max_seconds`` on what is decoded."""

    def __init__(self, sample_rate: int, chunk_seconds: float | None, max_seconds: float | None) -> None:
        self.sample_rate, self.max_seconds = sample_rate, max_seconds
        self.limit = None if max_seconds is None else int(max_seconds * sample_rate)
        self.window = None if chunk_seconds is None else max(1, int(chunk_seconds * sample_rate))
        # Cutting only once a window plus the search span is held keeps the last window
        # at least that long: a sliver of audio on its own makes Whisper hallucinate.
        self.search = 0 if self.window is None else min(int(_CUT_SEARCH_SECONDS * sample_rate), self.window // 4)
        self.pending: list[np.ndarray] = []
        self.held = self.total = self.emitted = 0
        self.start: float | None = None  # time of the first sample, set by the decoder

    def take(self, frames) -> Iterator[AudioChunk]:
        for out in frames:
            samples = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
            self.pending.append(samples)
            self.held += samples.size
            self.total += samples.size
        if self.limit is not None and self.total > self.limit:
            # Header durations can be absent or wrong, so the limit is also enforced here.
            raise DecodeError(f"audio is longer than the {self.max_seconds:.0f} s limit", hint=_LIMIT_HINT)
        while self.window is not None and self.held >= self.window + self.search:
            buf = np.concatenate(self.pending)
            cut = _quiet_cut(buf, self.window, self.search, self.sample_rate)
            yield self._chunk(buf[:cut].copy())
            self.pending, self.held = [buf[cut:]], len(buf) - cut

    def rest(self) -> Iterator[AudioChunk]:
        """The last window: whatever is held once decoding ends."""
        if self.held:
            yield self._chunk(np.concatenate(self.pending))

    def _chunk(self, samples: np.ndarray) -> AudioChunk:
        assert self.start is not None  # set by the decoder at the first frame, before any samples
        out = AudioChunk(self.start + self.emitted / self.sample_rate, np.clip(samples, -1.0, 1.0, out=samples))
        self.emitted += len(samples)
        return out


def decode_audio(
    path: str | Path,
    *,
    sample_rate: int = 16000,
    max_seconds: float | None = None,
    stream_index: int | None = None,
) -> np.ndarray:
    """The whole recording as one array of mono float32 samples in [-1, 1] (empty for a
    well-formed file of zero length). Prefer :func:`stream_audio` for long files."""
    parts = [c.samples for c in stream_audio(path, sample_rate=sample_rate, max_seconds=max_seconds,
                                             stream_index=stream_index)]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)
