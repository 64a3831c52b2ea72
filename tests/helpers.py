"""Helpers tests import (``from helpers import run_cli``); fixtures stay in ``conftest.py``.

``tests/`` is on ``sys.path`` (``pythonpath`` in pyproject.toml), so this module is importable
from any test folder, unlike a ``conftest.py``, of which there are several.
"""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
KGBUILD = [sys.executable, "-m", "kgbuild"]


def run_cli(*args: str, check: bool = False, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([*KGBUILD, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "COLUMNS": "200", **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"kgbuild {' '.join(map(str, args))} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(store, *extra: str):
    """`kgbuild serve` on a free loopback port: (process, base URL) once it answers /api."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kgbuild", "serve", "--store", str(store), "--port", str(port), *extra],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/api", timeout=1)
            return proc, url
        except OSError as e:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read()) from e
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not start")


def copy_sample(dest: Path, *names: str) -> None:
    for name in names:
        shutil.copy(SAMPLE / name, dest / name)


# Models the default pipeline needs -------------------------------------------------------
#
# Without one of them a test that needs it skips on a developer's machine, saying what is
# missing; under CI (CI=true, which .ci/run sets) it fails instead, so that a green CI run
# means the YOLO, image, video and relation tests ran, not that they were skipped.

YOLO_WEIGHTS = "yolov8n_int8.onnx"
RELATION_MODEL = REPO / "models" / "relations-conll04"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(what: str, how: str) -> None:
    """``what`` (a model or package the default pipeline needs) is not here: skip, or fail
    under CI. Works in a test, a fixture, or at module level."""
    message = f"{what} is missing: {how}"
    if in_ci():
        pytest.fail(f"CI must not skip: {message}", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def need_module(name: str, what: str | None = None, how: str | None = None) -> ModuleType:
    """``import name``, or :func:`missing` (for packages a default stage runs on)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing(what or f"the Python package {name}", how or f"pip install -e '.[vision,dev]' ({exc})")
        raise  # not reached: missing() raises


def need_yolo_weights() -> Path:
    """The default YOLO weights, where kgbuild looks for them ($KGBUILD_MODEL_PATH, ./models,
    ../shared/models)."""
    from kgbuild.models import find_model_file

    path = find_model_file(YOLO_WEIGHTS)
    if path is None:
        missing(f"the YOLO model {YOLO_WEIGHTS}", "it lives in ../shared/models of a kgbuild checkout "
                "(or set KGBUILD_MODEL_PATH)")
    return path


def need_relation_model() -> Path:
    if not (RELATION_MODEL / "kgbuild-model.json").is_file():
        missing(f"the relation model {RELATION_MODEL.relative_to(REPO)}",
                "`make models/relations-conll04/kgbuild-model.json` trains it")
    return RELATION_MODEL


# What the explorer tests add to a copy of the sample store: the stated "Sarah Whitfield knows
# Eileen Collins" found again in a second source (one row with the evidence of both), and a failed file.
EXPLORER_VALUE_TYPES = {"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"}
_ID = "https://w3id.org/kgbuild/id/"
EXPLORER_MORE = f"""
INSERT {{ GRAPH <urn:kgbuild-test:more> {{
    <{_ID}relation/test-stated-again> a kg:Relation ; kg:subject ?sw ; kg:predicate schema:knows ; kg:object ?ec ;
        kg:confidence 0.8 ; kg:extractor "test-re-2" ; kg:inferred false ; kg:evidence ?m .
}} }} WHERE {{
    GRAPH <{_ID}graph/entities> {{ ?ec a kg:Entity ; rdfs:label "Eileen Collins" . ?sw a kg:Entity ; rdfs:label "Sarah Whitfield" . }}
    GRAPH ?src {{ ?m kg:refersTo ?ec ; kg:text "Eileen Collins" ; prov:wasDerivedFrom ?src . ?src kg:path "eileen_collins.md" }}
}};
INSERT DATA {{ GRAPH <{_ID}source/test-broken> {{
    <{_ID}source/test-broken> a kg:Source ; kg:path "broken/truncated.png" ; kg:modality "image" ; kg:mediaType "image/png" ;
        kg:status "failed" ; kg:failure <{_ID}failure/test-broken> .
    <{_ID}failure/test-broken> a kg:Failure ; kg:stage "image" ; kg:code "E303" ; kg:position "byte 12" ;
        kg:reason "stage 'image' failed on broken/truncated.png: [E303] image is truncated" .
}} }}
"""
