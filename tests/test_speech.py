"""kgbuild.speech.transcript: timelines from recogniser output, windows, and VAD time mapping."""

from __future__ import annotations

import numpy as np

from helpers import SAMPLE  # noqa: I001
from kgbuild.media.audio import decode_audio
from kgbuild.speech.transcript import Piece, build_timeline, keep_regions, restore_times, shift, speech_regions


def test_build_timeline_trusts_words_when_texts_disagree():
    segments = [
        (Piece("  ", 0.0, 0.5), []),  # blank segments leave no trace
        (Piece(" Hello there.", 0.5, 2.0),
         [Piece(" Hello", 0.5, 1.0, 0.9), Piece(" there.", 0.9, 2.4, 0.8)]),
        (Piece(" Mr Smith", 1.8, 3.0), [Piece(" Mr.", 1.8, 2.2, 0.7), Piece(" Smith", 2.2, 3.0, 0.6)]),
    ]
    text, timeline = build_timeline(segments, duration=2.9)
    assert text == "Hello there. Mr. Smith"
    assert [text[w.start_char:w.end_char] for w in timeline.words] == ["Hello", "there.", "Mr.", "Smith"]
    assert [(w.start, w.end) for w in timeline.words] == [(0.5, 1.0), (0.9, 2.4), (1.8, 2.2), (2.2, 2.9)]
    assert [(s.start, s.end) for s in timeline.segments] == [(0.5, 2.0), (1.8, 2.9)]


def test_shift_moves_segments_and_words():
    moved = shift([(Piece("a b", 0.5, 1.5), [Piece("a", 0.5, 1.0, 0.9), Piece("b", 1.0, 1.5)])], 600.0)
    seg, words = moved[0]
    assert (seg.start, seg.end) == (600.5, 601.5)
    assert [(w.start, w.end, w.probability) for w in words] == [(600.5, 601.0, 0.9), (601.0, 601.5, None)]


def test_vad_finds_speech_and_times_map_back():
    """Speech with 4 s of silence before it: the model sees only the speech, and a time in
    the speech-only audio maps back to where it is in the original."""
    clip = decode_audio(SAMPLE / "harper_statement.flac")
    padded = np.concatenate([np.zeros(4 * 16000, np.float32), clip])
    regions = speech_regions(padded)
    assert regions and regions[0]["start"] >= 3.5 * 16000
    kept = keep_regions(padded, regions)
    assert len(kept) < len(padded) - 3 * 16000
    first_kept = regions[0]["start"] / 16000
    [(seg, words)] = restore_times([(Piece("x y", 0.0, 1.0), [Piece("x", 0.0, 0.4), Piece("y", 0.5, 1.0)])],
                                   regions, 16000)
    assert words[0].start == round(first_kept, 2) and words[1].end == round(first_kept + 1.0, 2)
    assert (seg.start, seg.end) == (words[0].start, words[1].end)
    assert speech_regions(np.zeros(16000 * 3, np.float32)) == []
