"""``kgbuild eval asr``: word error rate and real-time factor of the speech stage."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer

from .main import eval_app


class Normalizer(str, Enum):
    whisper = "whisper"
    basic = "basic"


class Backend(str, Enum):
    faster = "faster-whisper"
    openai = "openai-whisper"


@eval_app.command("asr")
def asr(
    manifest: Path = typer.Option(..., "--manifest", "-m",
                                  help='JSON lines {"audio": "path", "text": "reference"}; paths relative to the file.'),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (wer, rtf, n, ...) instead of tables."),
    backend: Backend = typer.Option(Backend.faster, "--backend", help="Whisper backend."),
    model: str = typer.Option("base", "--model", help="Model name (base, tiny.en), folder or checkpoint (as in the stage's params)."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    beam_size: int = typer.Option(5, "--beam-size", min=1),
    vad: bool = typer.Option(True, "--vad/--no-vad", help="Voice-activity filtering before the model."),
    language: str = typer.Option(None, "--language", help="Force a language (default: detect)."),
    normalizer: Normalizer = typer.Option(Normalizer.whisper, "--normalizer",
                                          help="whisper: Whisper's English normaliser (needs kgbuild\\[openai-whisper]); "
                                          "basic: lower-case, no punctuation, hyphens as spaces."),
    lexicon: Path = typer.Option(None, "--lexicon", exists=True, dir_okay=False,
                                 help="Names a corpus's texts contain, one a line (optionally TAB and a type): each "
                                 "file gets the second pass biased with those near what it heard, as in a build."),
    bias: bool = typer.Option(True, "--bias/--no-bias", help="With --lexicon: the second pass (--no-bias: first only)."),
) -> None:
    """Transcribe every file of a manifest with the whisper stage and score it.

    WER is corpus-level (all edits over all reference words) after normalising both sides;
    RTF is processing time over audio time with the model already loaded. Build a manifest
    from Debian's pocketsphinx-testdata with scripts/make_asr_manifest.py.
    """
    from ..speech.asr_eval import evaluate, normalizer as get_normalizer, read_lexicon, read_manifest
    from ..stages.whisper_transcriber import WhisperTranscriber

    cases = read_manifest(manifest)
    names = read_lexicon(lexicon) if lexicon is not None else None
    get_normalizer(normalizer.value)  # a missing extra fails before the model loads
    stage = WhisperTranscriber(name="speech", backend=backend.value, model=model, device=device,
                               beam_size=beam_size, vad_filter=vad, language=language, bias=bias)
    stage.warm_up()
    report = evaluate(stage, cases, normalize=normalizer.value, lexicon=names)
    name, version = stage.model_info()
    if as_json:
        extra = {} if names is None else {"lexicon": len(names), "bias": bias, **report.bias_summary()}
        typer.echo(json.dumps({**report.summary(), "model": name, "backend": version, **extra}))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"ASR: {name} ({version})")
    for col in ("audio", "seconds", "hypothesis", "error"):
        table.add_column(col, overflow="fold")
    for r in report.results:
        table.add_row(Path(r.audio).name, f"{r.seconds:.2f}", r.hypothesis, r.error or "")
    console = Console()
    console.print(table)
    s = report.summary()
    console.print(f"WER {s['wer']:.2%} ({s['normalizer']} normaliser)   RTF {s['rtf']:.3f}   "
                  f"files {s['n']} ({s['failed']} failed)   audio {s['audio_seconds']:.1f} s", highlight=False)
