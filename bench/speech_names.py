"""Names misheard and names corrected: the whisper stage's biased second pass on spoken
sentences with unusual names (data/speech-names/cases.json; dev for tuning, test held out).

    .venv/bin/python bench/speech_names.py make            # Festival -> out/speech-names/ (clips, manifests, lexicons)
    .venv/bin/python bench/speech_names.py run --split test [--model base] [--json]

``make`` speaks every case with Festival's CMU US SLT HTS voice (``apt-get install festival
festvox-us-slt-hts``; deterministic) into ``out/speech-names/<split>/NN.wav`` and writes
``<split>.jsonl`` (a ``kgbuild eval asr`` manifest), ``<split>-names.txt`` (the names the
split's texts spell, with their types), ``distractors.txt`` (600 names none of the clips says,
nor the LibriVox clips) and ``<split>-lexicon.txt`` (both: what ``run`` biases with).

``run`` transcribes each clip as a build would (first pass, then the second pass with the
lexicon's names near what it heard) and counts, per clip, whether its name came out right
before and after biasing, and whether biasing wrote a name the clip does not say.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = ROOT / "data" / "speech-names" / "cases.json"
OUT = ROOT / "out" / "speech-names"

FIRST = ["Amelia", "Bruno", "Carmen", "Dmitri", "Elena", "Farhan", "Greta", "Hamish", "Ines", "Jonas", "Katarina",
         "Lorenzo", "Mireille", "Nikolai", "Odile", "Pavel", "Quentin", "Rosalind", "Stellan", "Tamsin", "Ulrike",
         "Viktor", "Wilhelmina", "Yannick", "Zofia", "Anselm", "Berit", "Cosimo", "Dagny", "Evander"]
LAST = ["Abernathy", "Brennecke", "Castellanos", "Dobrovolsky", "Eckhardt", "Fontaine", "Gallardo", "Halvorsen",
        "Iglesias", "Jankowski", "Kristiansen", "Lombardi", "Montgomery", "Nakamura", "Ostrowski", "Pellegrini",
        "Quigley", "Rasmussen", "Sandoval", "Thorburn"]


def distractors() -> list[tuple[str, str]]:
    """600 person names (30 first names x 20 surnames) that no clip says."""
    return [(f"{f} {s}", "PERSON") for f in FIRST for s in LAST]


def speak(text: str, out: Path) -> None:
    txt = out.with_suffix(".txt")
    txt.write_text(text, encoding="latin-1")
    subprocess.run(["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)", str(txt), "-o", str(out)],
                   check=True, capture_output=True, timeout=120)
    txt.unlink()


def make() -> None:
    if not shutil.which("text2wave"):
        sys.exit("Festival is not installed: apt-get install festival festvox-us-slt-hts")
    cases = json.loads(CASES.read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    noise = distractors()
    (OUT / "distractors.txt").write_text("".join(f"{n}\t{t}\n" for n, t in noise))
    for split in ("dev", "test"):
        folder = OUT / split
        folder.mkdir(exist_ok=True)
        lines, names = [], []
        for i, case in enumerate(cases[split], 1):
            wav = folder / f"{i:02d}.wav"
            speak(case["said"], wav)
            (folder / f"{i:02d}.txt").write_text(case["text"] + "\n")  # the corpus text spelling the name
            lines.append(json.dumps({"audio": f"{split}/{wav.name}", "text": case["said"], "name": case["name"]}))
            names.append((case["name"], case["type"]))
        (OUT / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
        (OUT / f"{split}-names.txt").write_text("".join(f"{n}\t{t}\n" for n, t in names))
        (OUT / f"{split}-lexicon.txt").write_text("".join(f"{n}\t{t}\n" for n, t in names + noise))
        print(f"{split}: {len(lines)} clips in {folder}")


def says(text: str, name: str) -> bool:
    from kgbuild.speech.lexicon import letters

    return letters([name]) in letters(text.split())


def first_passes(stage, split: str, cases: list, said: list[str]) -> dict[str, dict]:
    """Each clip's unbiased first pass, kept in ``out/speech-names/first-<model>-<split>.json``:
    it depends only on the audio and the model, so tuning the second pass need not decode it
    again (a clip whose sentence changed is decoded afresh)."""
    from kgbuild.speech.asr_eval import item_for

    cache = OUT / f"first-{stage.params.model}-{split}.json"
    known = json.loads(cache.read_text()) if cache.is_file() else {}
    out = {}
    for case, sentence in zip(cases, said):
        key = f"{split}/{case.audio.name}"
        if known.get(key, {}).get("said") != sentence:
            item = item_for(case.audio)
            stage([item])
            known[key] = {"said": sentence, "first": item.meta["_speech_first_pass"]}
        out[key] = known[key]["first"]
    cache.write_text(json.dumps(known, ensure_ascii=False))
    return out


def scoped(lex: list, own: list[tuple[str, str]]) -> list:
    """The lexicon as a build gives it to one recording: the names of the text beside it
    (``NN.txt``, the recording's own article) in its nearest scope, every other name in the corpus's."""
    from kgbuild.speech.lexicon import SCOPE_CORPUS, SCOPE_FOLDER, LexName

    near = set(own)
    return sorted({LexName(e.name, e.type, SCOPE_FOLDER if (e.name, e.type) in near else SCOPE_CORPUS) for e in lex}
                  | {LexName(n, t, SCOPE_FOLDER) for n, t in near})


def second_pass(stage, audio: Path, first: dict, lexicon: list):
    """The build's re-decode path: the stage given the stored first pass and the candidates."""
    from kgbuild.speech.asr_eval import item_for
    from kgbuild.speech.biasing import heard_words
    from kgbuild.speech.lexicon import retrieve

    words, probabilities = heard_words(first)
    candidates = retrieve(words, lexicon, probabilities=probabilities, max_names=stage.params.bias_max_names)
    item = item_for(audio)
    item.meta["_speech_first_pass"] = first
    item.meta["_speech_candidates"] = [[c.name, c.type, c.scope, c.score, c.start, c.end] for c in candidates]
    stage([item])
    return item


def run(split: str, model: str, lexicon: Path | None, as_json: bool, scope: str = "own") -> dict:
    """``scope``: ``own`` — each clip's own text is its nearest scope (a recording beside the
    article that names it); ``none`` — every name in the corpus's scope (sound alone decides);
    ``other`` — the control: each clip's nearest scope holds the *next* clip's text, a name it
    does not say, and the clip's own name is not in the lexicon at all, so every name the second
    pass writes is a false one."""
    from kgbuild.speech.asr_eval import basic_normalize, read_lexicon, read_manifest, word_error_rate
    from kgbuild.stages.whisper_transcriber import WhisperTranscriber

    manifest = OUT / f"{split}.jsonl"
    entries = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    names = [e["name"] for e in entries]
    types = dict(line.split("\t") for line in (OUT / f"{split}-names.txt").read_text().splitlines() if line)
    cases = read_manifest(manifest)
    lex = read_lexicon(lexicon or OUT / f"{split}-lexicon.txt")
    stage = WhisperTranscriber(model=model)
    stage.warm_up()
    started = time.perf_counter()
    firsts = first_passes(stage, split, cases, [e["text"] for e in entries])
    first_seconds = time.perf_counter() - started
    rows = []
    started = time.perf_counter()
    for k, (case, name) in enumerate(zip(cases, names)):
        near = {"own": [name], "none": [], "other": [names[(k + 1) % len(names)]]}[scope]
        first_pass = firsts[f"{split}/{case.audio.name}"]
        # the control: the corpus does not spell the name the clip says, its folder names another
        given = [e for e in lex if e.name != name] if scope == "other" else lex
        item = second_pass(stage, case.audio, first_pass, scoped(given, [(n, types[n]) for n in near]))
        first = " ".join(w[0] for s in first_pass["segments"] for w in s[3])
        false = [b for b in item.meta.get("_speech_biased") or [] if not says(case.reference, b["name"])]
        rows.append({"audio": case.audio.name, "name": name, "reference": case.reference,
                     "first": first.strip(), "final": item.text,
                     "heard_right": says(first, name), "right": says(item.text, name),
                     "offered": [c[0] for c in item.meta.get("_speech_bias") or []],
                     "changed": [[b["heard"], b["name"]] for b in item.meta.get("_speech_biased") or []],
                     "false_names": [b["name"] for b in false]})
    misheard = [r for r in rows if not r["heard_right"]]
    summary = {"split": split, "model": stage.model_info()[0], "scope": scope, "lexicon": len(lex), "clips": len(rows),
               "misheard_first_pass": len(misheard), "corrected": sum(r["right"] for r in misheard),
               "broken": sum(r["heard_right"] and not r["right"] for r in rows),
               "clips_with_false_names": sum(bool(r["false_names"]) for r in rows),
               "offered_per_clip": round(sum(len(r["offered"]) for r in rows) / len(rows), 2),
               "first_pass_seconds": round(first_seconds, 1),
               "second_pass_seconds": round(time.perf_counter() - started, 1)}
    refs = [basic_normalize(r["reference"]) for r in rows]
    summary["wer_basic_first"] = round(word_error_rate(refs, [basic_normalize(r["first"]) for r in rows]), 4)
    summary["wer_basic_biased"] = round(word_error_rate(refs, [basic_normalize(r["final"] or "") for r in rows]), 4)
    summary["corrected_share"] = round(summary["corrected"] / len(misheard), 3) if misheard else None
    if as_json:
        print(json.dumps({**summary, "rows": rows}, ensure_ascii=False))
    else:
        for r in rows:
            mark = "ok " if r["right"] else "BAD"
            print(f"{mark} {r['audio']} {r['name']!r}: first {r['first']!r} -> {r['final']!r} {r['changed']}"
                  + (f" FALSE {r['false_names']}" if r["false_names"] else ""))
        print(json.dumps(summary))
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("make")
    r = sub.add_parser("run")
    r.add_argument("--split", choices=["dev", "test"], default="dev")
    r.add_argument("--model", default="base")
    r.add_argument("--lexicon", type=Path, default=None, help="default: out/speech-names/<split>-lexicon.txt")
    r.add_argument("--scope", choices=["own", "none", "other"], default="own",
                   help="each clip's nearest scope: its own text, none, or the next clip's (the false-name control)")
    r.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.cmd == "make":
        make()
    else:
        run(args.split, args.model, args.lexicon, args.json, args.scope)


if __name__ == "__main__":
    main()
