"""Shared fixtures. Tests use the real models and the bundled sample corpus."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
KGBUILD = [sys.executable, "-m", "kgbuild"]

os.environ.setdefault("YOLO_AUTOINSTALL", "False")
os.environ.setdefault("YOLO_OFFLINE", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def run_cli(*args: str, check: bool = False, cwd: Path = REPO) -> subprocess.CompletedProcess:
    proc = subprocess.run([*KGBUILD, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "COLUMNS": "200"})
    if check and proc.returncode != 0:
        raise AssertionError(f"kgbuild {' '.join(map(str, args))} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """data/sample built once with the default pipeline, shared read-only by tests."""
    store = tmp_path_factory.mktemp("kg") / "store"
    proc = run_cli("build", SAMPLE, "--store", store)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return store


@pytest.fixture
def corpus(tmp_path) -> Path:
    """An empty corpus folder; tests copy files into it."""
    path = tmp_path / "corpus"
    path.mkdir()
    return path


def copy_sample(dest: Path, *names: str) -> None:
    for name in names:
        shutil.copy(SAMPLE / name, dest / name)
