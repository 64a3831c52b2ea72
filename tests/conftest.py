"""Shared fixtures. Tests use the real models and the bundled sample corpus; the helpers tests
import (``run_cli``, ``start_server``...) are in ``helpers.py``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import SAMPLE, run_cli

os.environ.setdefault("YOLO_AUTOINSTALL", "False")
os.environ.setdefault("YOLO_OFFLINE", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


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

