"""Spoken clips for the speech tests: Festival's US SLT HTS voice (deterministic), the voice
``bench/speech_names.py`` speaks its name sets with. Imported as ``speech.festival`` (tests/ is
on pytest's path), so tests outside tests/speech (the pipeline's biasing test) use it too."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from helpers import missing

US_VOICE = "cmu_us_slt_arctic_hts"
US_VOICE_DIR = Path("/usr/share/festival/voices/us/cmu_us_slt_arctic_hts")


def festival_wav(text: str, wav: Path) -> Path:
    """``text`` spoken into ``wav`` (skips, or fails under CI, where Festival's voice is missing)."""
    if not shutil.which("text2wave") or not US_VOICE_DIR.is_dir():
        missing("Festival's US SLT voice", "apt-get install festival festvox-us-slt-hts")
    said = wav.with_suffix(".said.txt")
    said.write_text(text, encoding="latin-1")  # Festival reads Latin-1: "Wróblewski" keeps its ó
    subprocess.run(["text2wave", "-eval", f"(voice_{US_VOICE})", str(said), "-o", str(wav)],
                   check=True, capture_output=True, timeout=120)
    said.unlink()
    return wav
