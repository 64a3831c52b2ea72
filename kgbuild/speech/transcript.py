"""Backend-neutral pieces of transcription: what a recogniser reports (:class:`Piece`),
voice-activity filtering, and turning segments and words into a transcript with a
:class:`~kgbuild.datamodel.Timeline`.

Both Whisper backends report through :class:`Piece`, so everything after recognition —
VAD, windowing, timelines — is one code path and their outputs are interchangeable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..datamodel import TimedSpan, Timeline

Segments = list[tuple["Piece", list["Piece"]]]  # each segment with its words


@dataclass
class Piece:
    """A segment or word as a recogniser reports it (seconds, relative to its input)."""

    text: str
    start: float
    end: float
    probability: float | None = None


def shift(segments: Segments, seconds: float) -> Segments:
    """Move every time by ``seconds`` (a window's place on the media's timeline)."""
    def move(p: Piece) -> Piece:
        return replace(p, start=p.start + seconds, end=p.end + seconds)

    return [(move(seg), [move(w) for w in words]) for seg, words in segments]


# Voice activity -------------------------------------------------------------------------


def load_vad() -> None:
    """Load Silero VAD (the ONNX file ships inside faster-whisper, a core dependency)."""
    from faster_whisper.vad import get_vad_model

    get_vad_model()


def speech_regions(audio: np.ndarray) -> list[dict]:
    """``[{"start": sample, "end": sample}, ...]`` where Silero hears speech, with
    faster-whisper's default padding and thresholds."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return get_speech_timestamps(audio, VadOptions())


def keep_regions(audio: np.ndarray, regions: list[dict]) -> np.ndarray:
    return np.concatenate([audio[r["start"]:r["end"]] for r in regions])


def restore_times(segments: Segments, regions: list[dict], sample_rate: int) -> Segments:
    """Map times in the speech-only audio back onto the original, as faster-whisper's own
    ``vad_filter`` does: a word stays within the region its middle falls in, and a
    segment spans its words."""
    from faster_whisper.vad import SpeechTimestampsMap

    ts = SpeechTimestampsMap(regions, sample_rate)
    out: Segments = []
    for seg, words in segments:
        moved = []
        for w in words:
            index = ts.get_chunk_index((w.start + w.end) / 2)
            moved.append(replace(w, start=ts.get_original_time(w.start, index),
                                 end=ts.get_original_time(w.end, index)))
        if moved:
            seg = replace(seg, start=moved[0].start, end=moved[-1].end)
        else:
            seg = replace(seg, start=ts.get_original_time(seg.start),
                          end=ts.get_original_time(seg.end, is_end=True))
        out.append((seg, moved))
    return out


# Timelines --------------------------------------------------------------------------------


def build_timeline(segments: Segments, duration: float) -> tuple[str, Timeline]:
    """Join segment texts with single spaces and give each segment and word its exact
    character span in that transcript and a time range clamped into ``[0, duration]``."""
    parts: list[str] = []
    seg_spans: list[TimedSpan] = []
    word_spans: list[TimedSpan] = []
    offset = 0
    seg_floor = word_floor = 0.0

    def clamp(start: float, end: float, floor: float) -> tuple[float, float]:
        # Whisper's times can overlap slightly or overrun the audio; consumers bisect them.
        start = min(max(float(start), floor, 0.0), duration)
        return round(start, 3), round(min(max(float(end), start), duration), 3)

    for seg, words in segments:
        seg_text = seg.text.strip()
        located = _locate(seg_text, words)
        if located is None:  # word texts disagree with the segment text: trust the words
            seg_text = "".join(w.text for w in words).strip()
            located = _locate(seg_text, words)
        if not seg_text:
            continue
        if parts:
            offset += 1  # the joining space
        seg_start, seg_end = clamp(seg.start, seg.end, seg_floor)
        seg_floor = seg_start
        seg_spans.append(TimedSpan(offset, offset + len(seg_text), seg_start, seg_end))
        for word, (a, b) in zip((w for w in words if w.text.strip()), located or []):
            start, end = clamp(word.start, word.end, word_floor)
            word_floor = start
            prob = None if word.probability is None else round(float(word.probability), 4)
            word_spans.append(TimedSpan(offset + a, offset + b, start, end, prob))
        parts.append(seg_text)
        offset += len(seg_text)
    return " ".join(parts), Timeline(words=tuple(word_spans), segments=tuple(seg_spans))


def _locate(text: str, words: list[Piece]) -> list[tuple[int, int]] | None:
    """Character span of each non-blank word in ``text``, in order; None if one is missing."""
    spans, cursor = [], 0
    for w in words:
        token = w.text.strip()
        if not token:
            continue
        at = text.find(token, cursor)
        if at < 0:
            return None
        spans.append((at, at + len(token)))
        cursor = at + len(token)
    return spans
