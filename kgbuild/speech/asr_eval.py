"""Word error rate and real-time factor of the speech stage over a manifest.

A manifest is JSON lines, ``{"audio": "path", "text": "reference"}``; relative paths are
relative to the manifest's folder. WER is corpus-level (all edits over all reference
words, as jiwer computes it over lists) after normalising both sides the same way:

* ``whisper`` — OpenAI Whisper's ``EnglishTextNormalizer`` (lower-case, punctuation
  dropped, hyphens split, numbers, currencies and British spellings normalised), the
  normaliser Whisper's published WERs use. It comes from the ``openai-whisper`` extra:
  reimplementing its 600 lines and spelling table here would drift from the figures it
  exists to reproduce.
* ``basic`` — lower-case, punctuation dropped, hyphens as spaces; no extra dependency.

The real-time factor is processing time over audio time, models already loaded: 0.1 means
ten seconds of audio take one second.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..datamodel import Item, Source
from ..errors import ConfigError
from ..ids import sha256_file
from ..models import require_module


@dataclass
class AsrCase:
    audio: Path
    reference: str


@dataclass
class AsrResult:
    audio: str
    reference: str
    hypothesis: str
    seconds: float  # audio duration
    error: str | None = None
    candidates: list[str] = field(default_factory=list)  # lexicon names the second pass was offered
    biased: list[dict] = field(default_factory=list)  # where it changed words: name, heard, span


@dataclass
class AsrReport:
    wer: float
    rtf: float
    n: int
    audio_seconds: float
    processing_seconds: float
    normalizer: str
    failed: int = 0
    results: list[AsrResult] = field(default_factory=list)

    def summary(self) -> dict:
        return {"wer": round(self.wer, 4), "rtf": round(self.rtf, 4), "n": self.n, "failed": self.failed,
                "audio_seconds": round(self.audio_seconds, 2),
                "processing_seconds": round(self.processing_seconds, 2), "normalizer": self.normalizer}


    def bias_summary(self) -> dict:
        """What the second pass did: files offered names, changes kept, and changes to a name
        the reference does not contain (a false name: an insertion of the lexicon's)."""
        from .lexicon import letters

        kept, false = [], []
        for r in self.results:
            said = letters(r.reference.split())
            for b in r.biased:
                entry = {"audio": Path(r.audio).name, "name": b["name"], "heard": b["heard"]}
                kept.append(entry)
                if letters([b["name"]]) not in said and not any(t in said for t in letters_of(b["name"])):
                    false.append(entry)
        return {"offered": sum(bool(r.candidates) for r in self.results), "changed": len(kept),
                "false_names": len(false), "files_with_false_names": len({e["audio"] for e in false}),
                "changes": kept}


def letters_of(name: str) -> list[str]:
    from .lexicon import tokens

    return [t for t in tokens(name) if len(t) >= 4]


def read_manifest(path: str | Path) -> list[AsrCase]:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read manifest {path}: {exc.strerror or exc}") from None
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{where}: not a JSON object ({exc.msg})") from None
        if not isinstance(entry, dict) or not isinstance(entry.get("audio"), str) \
                or not isinstance(entry.get("text"), str) or not entry["text"].strip():
            raise ConfigError(f'{where}: each line needs {{"audio": "path", "text": "non-empty reference"}}')
        audio = Path(entry["audio"]).expanduser()
        audio = audio if audio.is_absolute() else path.parent / audio
        if not audio.is_file():
            raise ConfigError(f"{where}: audio file {audio} not found")
        cases.append(AsrCase(audio, entry["text"]))
    if not cases:
        raise ConfigError(f"manifest {path} lists no audio")
    return cases


def basic_normalize(text: str) -> str:
    text = text.lower().replace("-", " ")
    return " ".join(re.sub(r"[^\w\s']|(?<!\w)'|'(?!\w)", " ", text).split())


def normalizer(kind: str) -> Callable[[str], str]:
    if kind == "basic":
        return basic_normalize
    if kind == "whisper":
        module = require_module("whisper.normalizers", extra="openai-whisper",
                                purpose="WER with Whisper's English normaliser (or pass --normalizer basic)")
        return module.EnglishTextNormalizer()
    raise ConfigError(f"unknown normaliser '{kind}'", hint="use 'whisper' or 'basic'")


def item_for(path: Path) -> Item:
    from ..media.discovery import media_type_for

    media_type, modality = media_type_for(path) or ("audio/unknown", "speech")
    return Item(Source(path.resolve(), path.name, sha256_file(path), path.stat().st_size, media_type, modality))


def word_error_rate(references: list[str], hypotheses: list[str]) -> float:
    import jiwer

    # jiwer refuses empty references; a normaliser can empty one ("Uh."), so count those
    # as insertions only, the way a corpus-level WER would.
    pairs = [(r, h) for r, h in zip(references, hypotheses) if r.strip()]
    inserted = sum(len(h.split()) for r, h in zip(references, hypotheses) if not r.strip())
    words = sum(len(r.split()) for r, _ in pairs)
    if not pairs:
        return float(inserted > 0)
    out = jiwer.process_words([r for r, _ in pairs], [h for _, h in pairs])
    return (out.substitutions + out.deletions + out.insertions + inserted) / words


def read_lexicon(path: str | Path) -> list:
    """A lexicon file: one name a line, optionally followed by a tab and its type (PERSON), and
    by another tab and ``near`` for a name of the recordings' nearest scope (a text beside them:
    what a build gives the names of sources in a recording's folder)."""
    from .lexicon import SCOPE_CORPUS, SCOPE_FOLDER, LexName

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read lexicon {path}: {exc.strerror or exc}") from None
    out = []
    for line in lines:
        name, _, rest = line.partition("\t")
        kind, _, scope = rest.partition("\t")
        if name.strip():
            near = scope.strip().lower() == "near"
            out.append(LexName(" ".join(name.split()), kind.strip() or "PERSON", SCOPE_FOLDER if near else SCOPE_CORPUS))
    return out


def transcribe(stage, path: Path, lexicon: list | None = None) -> Item:
    """One file through ``stage`` as a build would leave it: the first pass and, when the
    lexicon has names near what it heard, the second pass biased with them."""
    from .biasing import heard_words
    from .lexicon import retrieve

    item = item_for(path)
    stage([item])
    first = item.meta.get("_speech_first_pass")
    if not lexicon or not item.ok or first is None or not stage.params.bias:
        return item
    words, probabilities = heard_words(first)
    candidates = retrieve(words, lexicon, probabilities=probabilities, max_names=stage.params.bias_max_names)
    if not candidates:
        return item
    again = item_for(path)
    again.meta.update({"_speech_first_pass": first,
                       "_speech_candidates": [[c.name, c.type, c.scope, c.score, c.start, c.end] for c in candidates]})
    stage([again])
    return again


def evaluate(stage, cases: list[AsrCase], *, normalize: str = "whisper", lexicon: list | None = None) -> AsrReport:
    """Transcribe every case with ``stage`` (a warmed-up whisper stage), one file at a
    time so each file's time is its own, and score the lot. With a ``lexicon``
    (:class:`~.lexicon.LexName` list) each file gets the second pass a build would give it."""
    norm = normalizer(normalize)
    results: list[AsrResult] = []
    busy = 0.0
    for case in cases:
        start = time.perf_counter()
        item = transcribe(stage, case.audio, lexicon)
        busy += time.perf_counter() - start
        error = None if item.ok else item.failure.reason
        results.append(AsrResult(str(case.audio), case.reference, item.text or "",
                                 float(item.meta.get("duration") or 0.0), error,
                                 [c[0] for c in item.meta.get("_speech_bias") or []],
                                 list(item.meta.get("_speech_biased") or [])))
    audio = sum(r.seconds for r in results)
    wer = word_error_rate([norm(r.reference) for r in results], [norm(r.hypothesis) for r in results])
    return AsrReport(wer, busy / audio if audio else 0.0, len(results), audio, busy, normalize,
                     failed=sum(r.error is not None for r in results), results=results)
