"""Fixtures of the speech tests: Festival clips, spoken once per session and shared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from speech.festival import festival_wav


@pytest.fixture(scope="session")
def festival_clip(tmp_path_factory) -> Callable[[str], Path]:
    """``festival_clip(sentence)``: a WAV of the sentence (one per sentence per session)."""
    folder = tmp_path_factory.mktemp("festival")
    made: dict[str, Path] = {}

    def speak(sentence: str) -> Path:
        if sentence not in made:
            made[sentence] = festival_wav(sentence, folder / f"clip{len(made):02d}.wav")
        return made[sentence]

    return speak
