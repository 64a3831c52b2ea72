"""Helpers tests import (``from helpers import run_cli``); fixtures stay in ``conftest.py``.

``tests/`` is on ``sys.path`` (``pythonpath`` in pyproject.toml), so this module is importable
from any test folder, unlike a ``conftest.py``, of which there are several.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read())
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not start")


def copy_sample(dest: Path, *names: str) -> None:
    for name in names:
        shutil.copy(SAMPLE / name, dest / name)
