"""`kgbuild build --store URL` into a SPARQL server (a real Virtuoso on loopback, started by
scripts/virtuoso-server.sh): the same quads in every graph as a build into the embedded store,
fusion's graph included, with the local executor and on Ray; query, export and check work on
it as on a folder; a build killed after the server acknowledged graphs but before they were
marked done is repaired by the next.
Skips when Virtuoso is not installed (`make servers` installs it; `make test` runs these)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import httpx
import pytest

from helpers import KGBUILD, REPO, copy_sample, run_cli
from loopback_bridge import unix_to_tcp
from push_servers import virtuoso_server

# Text only, no heavy model: spaCy's small English model, the linker, and fusion without
# context vectors. Batches of two: a build of four files writes twice. (doc_entities is left
# out: it reads the spaCy parse, which NER's snapshot does not keep, so a source redone from
# that snapshot comes out different in any store.)
PIPELINE = """name: text-to-server
batch_size: 2
stages:
  - {type: text_reader, name: text}
  - {type: spacy_ner, name: ner, params: {model: en_core_web_sm}}
  - {type: entity_linker, name: link}
fusion: {threshold: 0.5, context: false}
"""
TEXTS = ("astronaut_eileen_collins.txt", "eileen_collins.md", "northwind_relocation.txt", "tucson_arrest.txt")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("server-build")
    (root / "corpus").mkdir()
    copy_sample(root / "corpus", *TEXTS)
    (root / "text.yaml").write_text(PIPELINE)
    return root


@pytest.fixture(scope="module")
def local_quads(corpus) -> list[str]:
    """The reference: the same corpus and pipeline built into the embedded store."""
    run_cli("build", corpus / "corpus", "--store", corpus / "local", "-p", corpus / "text.yaml", "-q", check=True)
    run_cli("export", "--store", corpus / "local", "-f", "nquads", "-o", corpus / "local.nq", check=True)
    lines = sorted((corpus / "local.nq").read_text().splitlines())
    assert any("graph/fusion" in line for line in lines) and len(lines) > 500
    return lines


@pytest.fixture
def virtuoso(tmp_path):
    (tmp_path / "virtuoso").mkdir()
    with virtuoso_server(tmp_path / "virtuoso") as server:
        yield server


def server_url(server) -> str:
    return server.base.replace("http://", "http://dba:dba@") + "/sparql"


def exported(store: str, out) -> list[str]:
    run_cli("export", "--store", store, "-f", "nquads", "-o", out, check=True)
    return sorted(out.read_text().splitlines())


def test_a_build_into_a_server_equals_a_local_build(corpus, local_quads, virtuoso, tmp_path):
    url, state = server_url(virtuoso), tmp_path / "state"
    built = run_cli("build", corpus / "corpus", "--store", url, "--state", state, "--writers", "2",
                    "-p", corpus / "text.yaml", check=True)
    assert "dba:dba" not in built.stdout + built.stderr  # the report names the server, not its password
    assert exported(virtuoso.base + "/sparql", tmp_path / "server.nq") == local_quads  # anonymous read
    assert run_cli("check", "--store", url, "--state", state, check=True).stdout.strip().endswith("4 sources checked: ok")
    rows = run_cli("query", "--store", url, "-f", "csv",
                   "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g a kg:Source } }", check=True)
    assert rows.stdout.split() == ["n", "4"]
    again = run_cli("build", corpus / "corpus", "--store", url, "--state", state, "-p", corpus / "text.yaml",
                    check=True)
    assert "4" in again.stdout and exported(url, tmp_path / "again.nq") == local_quads  # nothing redone, nothing added


def test_the_explorer_and_endpoint_serve_a_server_store_as_they_serve_a_folder(corpus, local_quads, virtuoso,
                                                                              tmp_path):
    """`kgbuild serve --store URL`: the explorer's API and the SPARQL endpoint (its query
    workers open the server, credentials passed by environment) answer over the Virtuoso store
    as over the embedded store built from the same corpus."""
    from fastapi.testclient import TestClient

    from kgbuild.server.app import create_app

    url, state = server_url(virtuoso), tmp_path / "state"
    run_cli("build", corpus / "corpus", "--store", url, "--state", state, "-p", corpus / "text.yaml", check=True)
    query = "SELECT ?e ?l WHERE { ?e a kg:Entity ; rdfs:label ?l } ORDER BY ?e ?l"
    answers = []
    for location, state_dir in ((corpus / "local", None), (url, state)):
        with TestClient(create_app(location, state_dir=state_dir), base_url="http://127.0.0.1") as client:
            info = client.get("/api").json()
            rows = client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query",
                                                                  "Accept": "text/csv"})
            assert rows.status_code == 200, rows.text
            top = client.get("/api/top-things", params={"top": 10}).json()
            collins = client.get("/api/entity", params={"iri": "Eileen Collins"}).json()
            overview = client.get("/api/overview").json()
            answers.append((sorted(rows.text.splitlines()), top, collins["label"], len(collins["mentions"]["text"]),
                            overview["entities"]))
    assert "dba:dba" not in info["store"] and info["store"].endswith("/sparql")  # the server's, no password
    local, server = answers
    assert len(local[0]) > 20 and local[1] and local[3] > 0  # there is something to compare
    assert server == local


_WORKERS_WRITE = """
import sys
from kgbuild.store.gsp_writer import GraphStoreWriter

def refuse(self, sources, shared=()):
    if sources:
        raise SystemExit(f"the build process wrote {len(sources)} sources itself")

GraphStoreWriter.write = refuse  # this process only: the workers are spawned with the real one
from kgbuild.pipeline import load_pipeline
from kgbuild.pipeline.options import BuildOptions
from kgbuild.pipeline.runner import build
from kgbuild.store.open import open_store

corpus, url, state, pipeline = sys.argv[1:]
report = build(corpus, open_store(url, state_dir=state), load_pipeline(pipeline), BuildOptions(workers=2))
print("written in workers:", round(report.stage_seconds["(write)"], 3), "s")
"""


def test_worker_processes_write_their_own_sources_into_a_server(corpus, local_quads, virtuoso, tmp_path):
    """With a pool of workers each worker PUTs the graphs of the batches it ran; the build
    process, whose own source writes are refused here, only keeps the ingest state. The store
    equals a local build's, fusion's graph included, and `check` finds every source done."""
    url, state = server_url(virtuoso), tmp_path / "state"
    built = subprocess.run([sys.executable, "-c", _WORKERS_WRITE, str(corpus / "corpus"), url, str(state),
                            str(corpus / "text.yaml")], env={**os.environ, "PYTHONPATH": str(REPO)},
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr[-3000:]
    assert "written in workers:" in built.stdout and " 0.0 s" not in built.stdout
    assert exported(url, tmp_path / "server.nq") == local_quads
    assert run_cli("check", "--store", url, "--state", state, check=True).stdout.strip().endswith("4 sources checked: ok")
    with sqlite3.connect(state / "state.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM writing").fetchone()[0] == 0


def _netns_ok() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not _netns_ok(), reason="needs `unshare -n` and `ip` (root, or user namespaces) so that Ray "
                    "runs with loopback only")
def test_a_ray_build_into_a_server_equals_a_local_build(corpus, local_quads, virtuoso, tmp_path):
    """The same build on Ray (two actors per model stage): Ray runs, as in the Ray executor's
    tests, in a network namespace with loopback only; Virtuoso is reached there at its own URL
    through a Unix socket (tests/loopback_bridge.py), and nothing else is. The last segment's
    actors write the sources' graphs; the graphs equal the embedded store's, fusion's included."""
    pytest.importorskip("ray", reason="Ray is not installed: pip install 'kgbuild[ray]' (make test does)")
    url, state = server_url(virtuoso), tmp_path / "state"
    port = str(urllib.parse.urlsplit(virtuoso.base).port)
    with tempfile.TemporaryDirectory(prefix="kg-") as short, unix_to_tcp(Path(short) / "v.sock", int(port)) as sock:
        built = subprocess.run(
            ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
             sys.executable, str(REPO / "tests" / "loopback_bridge.py"), port, str(sock), "--",
             *KGBUILD, "build", str(corpus / "corpus"), "--store", url, "--state", str(state), "--writers", "2",
             "-p", str(corpus / "text.yaml"), "--executor", "ray", "--workers", "2"],
            capture_output=True, text=True, cwd=REPO,
            env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "COLUMNS": "200"})
    assert built.returncode == 0, built.stdout + built.stderr[-3000:]
    assert exported(url, tmp_path / "server.nq") == local_quads
    assert run_cli("check", "--store", url, "--state", state, check=True).stdout.strip().endswith("4 sources checked: ok")


_KILLED_AFTER_ACK = """
import os, signal, sys
from kgbuild.store.ingest_state import IngestState

finish, calls = IngestState.finish_writing, []

def finish_or_die(self, marks):
    calls.append(len(marks))
    if len(calls) == 2:  # the server has acknowledged the second batch's graphs; their done marks never land
        os.kill(os.getpid(), signal.SIGKILL)
    finish(self, marks)

IngestState.finish_writing = finish_or_die
from kgbuild.pipeline import load_pipeline
from kgbuild.pipeline.options import BuildOptions
from kgbuild.pipeline.runner import build
from kgbuild.store.open import open_store

corpus, url, state, pipeline, workers = sys.argv[1:]
build(corpus, open_store(url, state_dir=state), load_pipeline(pipeline),
      BuildOptions(force=True, store_writers=2, workers=int(workers)))
"""


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_rebuild_killed_inside_its_writes_is_repaired_by_the_next_build(corpus, local_quads, virtuoso, tmp_path,
                                                                          workers):
    """A forced re-build is killed once the server has acknowledged its second batch, before
    the done marks; one of those graphs is then left partial on the server (as a write cut
    off inside the server would leave it). The state still says every source is done with
    this pipeline, so only the repair (deleting what ``writing`` names, forgetting those
    sources) makes the next build redo them; it does, and the store equals a local build.
    With 2 workers the graphs were written by the worker processes, not by the build."""
    url, state = server_url(virtuoso), tmp_path / "state"
    run_cli("build", corpus / "corpus", "--store", url, "--state", state, "-p", corpus / "text.yaml", check=True)
    killed = subprocess.run([sys.executable, "-c", _KILLED_AFTER_ACK, str(corpus / "corpus"), url, str(state),
                             str(corpus / "text.yaml"), str(workers)], env={**os.environ, "PYTHONPATH": str(REPO)},
                            capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr[-2000:]
    with sqlite3.connect(state / "state.sqlite") as db:
        done = db.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
        writing = dict(db.execute("SELECT sha256, graph FROM writing"))
    assert done == 4 and len(writing) == 2  # the old marks stay; two sources' re-writes are unfinished
    cut = sorted(writing.values())[0]
    rows = virtuoso.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{cut}> {{ ?s ?p ?o }} }} LIMIT 5")
    assert len(rows) == 5
    partial = "".join(f"<{r['s']}> <{r['p']}> {_term(r['o'])} .\n" for r in rows)
    put = httpx.put(virtuoso.gsp, params={"graph": cut}, content=partial.encode(), auth=httpx.DigestAuth("dba", "dba"),
                    headers={"Content-Type": "text/turtle"})
    assert put.status_code in (200, 201, 204)

    report = run_cli("build", corpus / "corpus", "--store", url, "--state", state, "-p", corpus / "text.yaml",
                     check=True)
    assert "2" in report.stdout
    with sqlite3.connect(state / "state.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM writing").fetchone()[0] == 0
    assert exported(url, tmp_path / "server.nq") == local_quads
    assert run_cli("check", "--store", url, "--state", state).returncode == 0


def _term(value: str) -> str:
    """The object of a triple read back as a string: an IRI, or a plain literal."""
    if value.startswith(("http://", "https://")):
        return f"<{value}>"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
