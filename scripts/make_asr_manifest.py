"""Build an ASR manifest from Debian's ``pocketsphinx-testdata``: five LibriVox clips
(read speech, Sense and Sensibility, 16 kHz WAV) with their reference transcripts.

    .venv/bin/python scripts/make_asr_manifest.py [--out out/asr/librivox.jsonl] [--install]

With ``--install`` (as root) the Debian package is installed when missing
(``apt-get update`` first). Writes JSON lines ``{"audio": "/abs/path.wav", "text": "..."}``
for ``kgbuild eval asr --manifest``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

DATA = Path("/usr/share/pocketsphinx/test/data/librivox")
PACKAGE = "pocketsphinx-testdata"


def install() -> None:
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        sys.exit(f"{PACKAGE} is not installed: run `apt-get update && apt-get install -y {PACKAGE}` as root")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", PACKAGE], check=True)


def references(folder: Path) -> list[tuple[Path, str]]:
    """Lines are ``<s> words </s> (file-id)``; the file id names ``<id>.wav`` beside it."""
    out = []
    for line in (folder / "transcription").read_text().splitlines():
        if not line.strip():
            continue
        text, _, file_id = line.rpartition("(")
        text = text.replace("<s>", " ").replace("</s>", " ")
        audio = folder / f"{file_id.strip().rstrip(')')}.wav"
        if not audio.is_file():
            sys.exit(f"{audio} is listed in the transcription but missing")
        out.append((audio, " ".join(text.split())))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/asr/librivox.jsonl"))
    parser.add_argument("--install", action="store_true", help=f"apt-get install {PACKAGE} if missing")
    parser.add_argument("--data", type=Path, default=DATA, help="folder with transcription + *.wav")
    args = parser.parse_args()
    if not (args.data / "transcription").is_file():
        if not args.install:
            sys.exit(f"{args.data} not found: install {PACKAGE} (or pass --install as root)")
        install()
    cases = references(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        for audio, text in cases:
            fh.write(json.dumps({"audio": str(audio), "text": text}) + "\n")
    print(f"wrote {len(cases)} clips to {args.out}")


if __name__ == "__main__":
    main()
