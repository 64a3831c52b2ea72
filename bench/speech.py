"""Speech: the whisper stage against bare faster-whisper and pocketsphinx, same clips, one run.

    .venv/bin/python bench/speech.py [--manifest FILE] [--repeat N]

The manifest defaults to Debian's pocketsphinx-testdata LibriVox clips (built, and the
package installed if missing and run as root, by scripts/make_asr_manifest.py).

* kgbuild: the `whisper` stage with the default pipeline's settings (tiny.en int8, beam 5,
  word timestamps, VAD), file by file — decoding, VAD, transcription and timeline.
* bare faster-whisper: the same model and settings called directly on
  ``faster_whisper.decode_audio(path)`` — the floor the stage's overhead is measured from.
* pocketsphinx: PyPI ``pocketsphinx``'s bundled US English model, default settings.

WER uses Whisper's English normaliser (and the basic one for reference). Models are loaded
beforehand; in each of ``--repeat`` rounds the systems take turns file by file, so load from
other work falls on all alike. RTF is the best round (the median is recorded too); the
stage's speed relative to bare is the median of the per-round ratios.
Writes bench/results/speech.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kgbuild.media.audio import decode_audio  # noqa: E402
from kgbuild.speech.asr_eval import evaluate, normalizer, read_manifest, word_error_rate  # noqa: E402
from kgbuild.stages.whisper_transcriber import WhisperTranscriber  # noqa: E402


def bare_faster_whisper(stage: WhisperTranscriber):
    import faster_whisper

    target, _ = stage._resolve()
    model = faster_whisper.WhisperModel(target, device="cpu", compute_type="int8")
    p = stage.params

    def run(path: Path) -> str:
        audio = faster_whisper.decode_audio(str(path))
        segments, _ = model.transcribe(audio, beam_size=p.beam_size, word_timestamps=p.word_timestamps,
                                       vad_filter=p.vad_filter)
        return " ".join(s.text.strip() for s in segments)

    return run


def pocketsphinx():
    try:
        from pocketsphinx import Decoder
    except ImportError:
        sys.exit("the comparison needs PyPI's pocketsphinx (it ships its English model): "
                 ".venv/bin/pip install pocketsphinx")

    decoder = Decoder(samprate=16000, loglevel="FATAL")

    def run(path: Path) -> str:
        pcm = (decode_audio(path) * 32767).astype("<i2").tobytes()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        return hyp.hypstr if hyp else ""

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=REPO / "out" / "asr" / "librivox.jsonl")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--model", default="base", help="base (the default) or tiny.en")
    args = parser.parse_args()
    if not args.manifest.is_file():
        subprocess.run([sys.executable, str(REPO / "scripts" / "make_asr_manifest.py"), "--install",
                        "--out", str(args.manifest)], check=True)
    cases = read_manifest(args.manifest)
    audio_s = sum(len(decode_audio(c.audio)) / 16000 for c in cases)
    refs = [c.reference for c in cases]

    stage = WhisperTranscriber(name="speech", device="cpu", model=args.model)
    stage.warm_up()
    systems = {"bare faster-whisper": bare_faster_whisper(stage), "pocketsphinx": pocketsphinx()}
    for fn in systems.values():  # first calls allocate; keep them out of the timings
        fn(cases[0].audio)
    evaluate(stage, cases[:1], normalize="basic")

    # Paired, file by file: the three systems take turns on each clip (in rotating order), so
    # load from other work on a shared machine falls on all of them alike.
    names = ["kgbuild", *systems]
    times = {name: [] for name in names}
    hyps: dict[str, list[str]] = {}
    for round_ in range(args.repeat):
        spent = dict.fromkeys(names, 0.0)
        texts: dict[str, list[str]] = {name: [] for name in names}
        for index, case in enumerate(cases):
            turn = (round_ + index) % len(names)
            for name in names[turn:] + names[:turn]:
                if name == "kgbuild":
                    report = evaluate(stage, [case], normalize="basic")
                    texts[name].append(report.results[0].hypothesis)
                    spent[name] += report.processing_seconds
                else:
                    start = time.perf_counter()
                    texts[name].append(systems[name](case.audio))
                    spent[name] += time.perf_counter() - start
        for name in names:
            times[name].append(spent[name])
        hyps = texts

    rows = {}
    for kind in ("whisper", "basic"):
        norm = normalizer(kind)
        for name, hyp in hyps.items():
            rows.setdefault(name, {})[f"wer_{kind}"] = round(
                word_error_rate([norm(r) for r in refs], [norm(h) for h in hyp]), 4)
    for name, series in times.items():
        # The best round is the least disturbed by other work on a shared machine (as timeit
        # advises); the median is kept to show the spread.
        rows[name]["rtf"] = round(min(series) / audio_s, 4)
        rows[name]["rtf_median"] = round(statistics.median(series) / audio_s, 4)
        rows[name]["rtf_runs"] = [round(s / audio_s, 4) for s in series]
    # Speed relative to bare: the median over rounds of the paired ratio, robust to a round
    # that the machine's other work slowed down.
    speed = statistics.median(b / k for b, k in zip(times["bare faster-whisper"], times["kgbuild"]))
    model, version = stage.model_info()
    result = {
        "manifest": str(args.manifest.resolve().relative_to(REPO) if args.manifest.resolve().is_relative_to(REPO)
                        else args.manifest),
        "clips": len(cases), "audio_seconds": round(audio_s, 2),
        "repeat": args.repeat, "systems": rows,
        "kgbuild_speed_vs_bare": round(speed, 3), "target_speed_vs_bare": 0.9,
        "settings": {"model": model, "backend": version, "compute_type": "int8", "device": "cpu",
                     "beam_size": stage.params.beam_size, "word_timestamps": stage.params.word_timestamps,
                     "vad_filter": stage.params.vad_filter,
                     "pocketsphinx": f"pocketsphinx {metadata.version('pocketsphinx')} (bundled en-us model)"},
        "hypotheses": {name: hyp for name, hyp in hyps.items()},
        "machine": f"{platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()}".strip(),
    }
    out = REPO / "bench" / "results" / "speech.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{len(cases)} clips, {audio_s:.1f} s of audio, best of {args.repeat} rounds")
    print(f"{'system':<22}{'WER (whisper norm.)':>20}{'WER (basic)':>13}{'RTF':>8}")
    for name, row in rows.items():
        print(f"{name:<22}{row['wer_whisper']:>20.2%}{row['wer_basic']:>13.2%}{row['rtf']:>8.3f}")
    print(f"kgbuild speed vs bare faster-whisper: {speed:.2f}x (target >= 0.9x)  -> {out}")


if __name__ == "__main__":
    main()
