"""Real Virtuoso and FalkorDB servers for the push tests, started on loopback with the same
scripts a user runs (scripts/virtuoso-server.sh, scripts/falkordb-server.sh) and stopped
after. A server that cannot be had here makes its tests skip, saying why and how to get it
(`make servers`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import REPO, free_port
from kgbuild.store.rdf import PREFIXES

PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


@dataclass
class Virtuoso:
    base: str

    @property
    def gsp(self) -> str:
        return self.base + "/sparql-graph-crud-auth"

    def select(self, sparql: str) -> list[dict]:
        """A SELECT over Virtuoso's /sparql (anonymous, the union of all graphs), as dicts of strings."""
        query = urllib.parse.urlencode({"query": PROLOGUE + sparql})
        req = urllib.request.Request(f"{self.base}/sparql?{query}", headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            data = json.load(resp)
        names = data["head"]["vars"]
        return [{n: (b[n]["value"] if n in b else None) for n in names} for b in data["results"]["bindings"]]


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _wait(check, proc: subprocess.Popen, log: Path, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if check():
                return
        except Exception:  # not listening yet: connection refused, reset, or the client's own error
            pass
        time.sleep(0.3)
    _stop(proc)
    raise AssertionError(f"{what} did not start in {timeout} s:\n{log.read_text()[-3000:]}")


@contextmanager
def virtuoso_server(folder: Path):
    if not shutil.which("virtuoso-t"):
        pytest.skip("virtuoso-t is not installed: `make servers` installs Debian's virtuoso-opensource")
    port = free_port()
    log = folder / "server.out"
    proc = subprocess.Popen(["bash", str(REPO / "scripts" / "virtuoso-server.sh"), str(folder / "db"), str(port),
                             str(free_port())], stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = Virtuoso(f"http://127.0.0.1:{port}")
    _wait(lambda: urllib.request.urlopen(f"{server.base}/sparql?query=ASK%7B%7D", timeout=2).status == 200,
          proc, log, "virtuoso")
    try:
        yield server
    finally:
        _stop(proc)


@contextmanager
def falkordb_server(folder: Path):
    pytest.importorskip("falkordb", reason="the FalkorDB client is missing: pip install 'kgbuild[push]'")
    from falkordb import FalkorDB

    prep = subprocess.run(["bash", str(REPO / "scripts" / "falkordb-server.sh"), "prepare"], capture_output=True,
                          text=True)
    if prep.returncode != 0:
        pytest.skip(f"FalkorDB cannot be prepared here (`make servers`): {prep.stderr.strip()[-500:]}")
    port = free_port()
    log = folder / "server.out"
    proc = subprocess.Popen(["bash", str(REPO / "scripts" / "falkordb-server.sh"), str(port), str(folder)],
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    _wait(lambda: FalkorDB(host="127.0.0.1", port=port).connection.ping(), proc, log, "falkordb", timeout=60)
    try:
        yield f"falkordb://127.0.0.1:{port}"
    finally:
        _stop(proc)
