"""A real build into a server store (``kgbuild build --store URL``) with 1, 2 and 4 writers.

The corpus is every text file under ``data/`` (fusion-eval, fusion-eval2, sample, coref-eval:
122 files), ``--copies`` times, each copy its own source (a line naming the copy is appended);
the pipeline is text-only (spaCy NER, the document entity layer, the linker, fusion without
context vectors), so the stages are cheap and the writes show. A local build into the embedded
store runs first: it is the reference, quads per graph. (Server builds start from an empty
state folder: resuming from the local build's NER snapshots would change the document layer's
output, which reads the parse the snapshots do not keep.)

Each server build goes into a fresh Virtuoso database (``scripts/virtuoso-server.sh`` on
loopback, restarted per run). Measured: the build's wall time, the time inside the writer's
``write`` (the batch's graphs PUT in parallel, the ingest-state marks included), quads written,
and fusion's time; then every graph is compared with the local build's.

    nice -n 10 .venv/bin/python bench/store_build.py            # -> bench/results/store-build-virtuoso.json
    nice -n 10 .venv/bin/python bench/store_build.py --writers 1 4

``--workers N`` (N > 1) runs the server builds in a pool of N worker processes, which write
their own batches' sources (``--writers`` then only sizes the build process's own writer, used
for what no worker wrote); ``write_seconds`` is then the workers' time inside their writes, all
together. ``--executor ray`` runs the server builds' stages on a local Ray (``--workers`` actors per model
stage; the last stage's actors write), the reference build still with the local
executor, so a Ray build into Virtuoso is measured and compared with a local one. Ray is best
kept to loopback, as in the tests: run the whole benchmark (Virtuoso is started inside it) in a
network namespace of its own:

    RAY_USAGE_STATS_ENABLED=0 nice -n 10 unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
        .venv/bin/python bench/store_build.py --executor ray --writers 2 --copies 1 \
        --out bench/results/store-build-virtuoso-ray.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kgbuild.ids import source_iri  # noqa: E402
from kgbuild.pipeline import Pipeline, runner as runner_module  # noqa: E402
from kgbuild.pipeline.options import BuildOptions  # noqa: E402
from kgbuild.store import KGStore  # noqa: E402
from kgbuild.store.open import open_store, writer_for  # noqa: E402
from kgbuild.store.server_store import ServerStore  # noqa: E402

PIPELINE = {
    "name": "bench-text", "batch_size": 16,
    "stages": [{"type": "text_reader", "name": "text"},
               {"type": "spacy_ner", "name": "ner", "params": {"model": "en_core_web_sm"}},
               {"type": "doc_entities", "name": "doc_entities"},
               {"type": "entity_linker", "name": "link"}],
    "fusion": {"threshold": 0.5, "context": False},
}


SOURCES = source_iri("")  # every source's graph IRI starts so


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_corpus(dest: Path, copies: int) -> int:
    files = sorted(p for p in (REPO / "data").rglob("*") if p.suffix in (".txt", ".md") and p.name != "README.md")
    for k in range(copies):
        for path in files:
            target = dest / f"copy{k}" / path.relative_to(REPO / "data")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(path.read_text(encoding="utf-8") + f"\n\nCopy {k}.\n", encoding="utf-8")
    return len(files) * copies


class TimedWriter:
    """The runner's writer, with the time spent in ``write`` and the quads it was given."""

    def __init__(self, inner) -> None:
        self.inner, self.seconds, self.quads, self.calls = inner, 0.0, 0, 0

    def write(self, sources, shared=()):
        shared = list(shared)
        started = time.perf_counter()
        self.inner.write(sources, shared)
        self.seconds += time.perf_counter() - started
        self.quads += sum(len(w.quads) for w in sources) + len(shared)
        self.calls += 1

    def __getattr__(self, name):
        return getattr(self.inner, name)


def virtuoso(folder: Path):
    port = free_port()
    log = (folder / "server.out").open("w")
    proc = subprocess.Popen(["bash", str(REPO / "scripts" / "virtuoso-server.sh"), str(folder / "db"), str(port),
                             str(free_port())], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", timeout=2)
            return proc, f"http://dba:dba@127.0.0.1:{port}/sparql"
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f"virtuoso did not start: see {folder / 'server.out'}") from None
            time.sleep(0.5)


def graph_sets(store) -> dict[str, set[ox.Quad]]:
    if isinstance(store, KGStore):
        return {g: set(store._store.quads_for_pattern(None, None, None, ox.NamedNode(g))) for g in store.named_graphs()}
    assert isinstance(store, ServerStore)
    return {g: set(store.graph_quads(g)) for g in store.named_graphs()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--copies", type=int, default=3, help="copies of the text files, each its own source")
    ap.add_argument("--executor", choices=["local", "ray"], default="local",
                    help="the server builds' executor (the reference build is always local)")
    ap.add_argument("--workers", type=int, default=1,
                    help="worker processes (local) or actors per model stage (ray) of the server builds")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "store-build-virtuoso.json")
    args = ap.parse_args()
    if not shutil.which("virtuoso-t"):
        raise SystemExit("virtuoso-t is not installed: `make servers`")
    pipeline = Pipeline.from_config(PIPELINE)
    timed: list[TimedWriter] = []

    def timed_writer_for(store, state, writers=None):
        timed.append(TimedWriter(writer_for(store, state, writers)))
        return timed[-1]

    runner_module.writer_for = timed_writer_for  # type: ignore[assignment]  # measure the runner's own writes
    with tempfile.TemporaryDirectory(prefix="kgbuild-store-build-") as tmp:
        work = Path(tmp)
        files = make_corpus(work / "corpus", args.copies)
        local = KGStore(work / "local")
        started = time.perf_counter()
        report = runner_module.build(work / "corpus", local, pipeline, BuildOptions())
        result: dict = {"machine": f"{platform.node()} {os.cpu_count()} cores", "load": os.getloadavg(),
                        "files": files, "sources": sum(report.ingested.values()),
                        "executor": args.executor, "workers": args.workers,
                        "local": {"seconds": round(time.perf_counter() - started, 2),
                                  "write_seconds": round(timed[-1].seconds, 2), "quads": timed[-1].quads,
                                  "fusion_seconds": round(report.fusion.seconds if report.fusion else 0, 2)},
                        "server": {}}
        reference = graph_sets(local)
        local.close()
        for n in args.writers:
            folder = work / f"virtuoso-{n}"
            folder.mkdir()
            proc, url = virtuoso(folder)
            try:
                store = open_store(url, state_dir=work / f"state-{n}")
                started = time.perf_counter()
                options = BuildOptions(store_writers=n, executor=args.executor, workers=args.workers)
                report = runner_module.build(work / "corpus", store, pipeline, options)
                seconds = time.perf_counter() - started
                w = timed[-1]
                graphs = graph_sets(store)
                same = graphs == reference
                # Worker processes and Ray actors write their own sources (kgbuild.pipeline.worker_writes):
                # their time inside those writes, all of them together, is the "(write)" entry.
                in_workers = report.stage_seconds.get("(write)", 0.0)
                write_s = w.seconds + in_workers
                # Workers' writes are counted as the sources' graphs on the server (the entities
                # graph's share, small, is left out).
                quads = w.quads if not in_workers else sum(len(q) for g, q in graphs.items() if g.startswith(SOURCES))
                result["server"][str(n)] = {
                    "seconds": round(seconds, 2), "write_seconds": round(write_s, 2), "quads": quads,
                    "written_by": "workers" if in_workers else "build process",
                    "write_calls": w.calls, "quads_per_s": round(quads / write_s),
                    "fusion_seconds": round(report.fusion.seconds if report.fusion else 0, 2),
                    "same_quads_per_graph_as_local": same}
                print(f"writers {n}: build {seconds:.1f} s, writes {write_s:.2f} s for {quads} quads "
                      f"({quads / write_s:,.0f}/s, {result['server'][str(n)]['written_by']}), "
                      f"same as local: {same}", flush=True)
                store.close()
            finally:
                proc.terminate()
                proc.wait(60)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
