"""The bulk write path: sources buffered and bulk-loaded, each either wholly in the store and
marked done, or absent and redone — also when a kill -9 lands inside a bulk write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pyoxigraph as ox
import pytest

from helpers import REPO
from kgbuild.store import KGStore
from kgbuild.store.bulk_writer import BulkWriter, SourceWrite
from kgbuild.store.ingest_state import DoneMark, IngestState

KG = "https://kgbuild.org/test#"


def source(n: int, quads: int = 20, version: str = "v1") -> SourceWrite:
    """A source whose graph has ``quads`` quads, all different for another ``version``."""
    sha = f"{n:064x}"
    g = ox.NamedNode(f"https://kgbuild.org/id/source/{sha}")
    body = [ox.Quad(g, ox.NamedNode(f"{KG}p{i}"), ox.Literal(f"{version}-{i}"), g) for i in range(quads)]
    return SourceWrite(g.value, body, DoneMark(sha, "text", "ok", "fp", [f"doc{n}.txt"], {"text": "fp"}))


def graph_size(store: KGStore, graph: str) -> int:
    return len(list(store._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))))


def open_both(tmp_path):
    store = KGStore(tmp_path / "kg")
    return store, IngestState(store.state_path)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_buffered_sources_land_together_on_flush(tmp_path):
    store, state = open_both(tmp_path)
    clock = FakeClock()
    writer = BulkWriter(store, state, flush_quads=1000, flush_seconds=5, clock=clock)
    entity = ox.Quad(ox.NamedNode(KG + "e"), ox.NamedNode(KG + "label"), ox.Literal("E"), ox.NamedNode(KG + "entities"))
    writer.write([source(1), source(2)], [entity])
    assert writer.pending == 2 and len(store) == 0 and state.sources() == {}  # neither threshold reached
    assert writer.flush() == 2
    assert len(store) == 41 and set(state.sources()) == {f"{1:064x}", f"{2:064x}"}
    assert state.unfinished_writes() == {}
    assert state.paths_of(f"{1:064x}") == ["doc1.txt"] and state.stage_fingerprints(f"{2:064x}") == {"text": "fp"}


def test_flushes_when_enough_quads_or_time_have_gone_by(tmp_path):
    store, state = open_both(tmp_path)
    clock = FakeClock()
    writer = BulkWriter(store, state, flush_quads=50, flush_seconds=1.0, clock=clock)
    writer.write([source(1), source(2)])  # 40 quads, at t=0
    assert writer.pending == 2
    writer.write([source(3)])  # 60 quads: over the quad threshold
    assert writer.pending == 0 and writer.flushes == 1 and len(store) == 60
    writer.write([source(4)])
    assert writer.pending == 1
    clock.now = 1.5  # a slow batch later: what waits is written with it
    writer.write([source(5)])
    assert writer.pending == 0 and writer.flushes == 2 and len(store) == 100


def test_a_source_written_again_before_the_flush_is_replaced_not_merged(tmp_path):
    store, state = open_both(tmp_path)
    writer = BulkWriter(store, state, flush_quads=10_000, flush_seconds=60)
    writer.write([source(1, quads=30, version="first")])
    writer.write([source(1, quads=10, version="second")])
    writer.flush()
    assert graph_size(store, source(1).graph) == 10
    assert {q.object.value for q in store._store.quads_for_pattern(None, None, None, None)} == {
        f"second-{i}" for i in range(10)}


def test_a_rebuilt_source_replaces_its_graph_whole(tmp_path):
    store, state = open_both(tmp_path)
    writer = BulkWriter(store, state)
    writer.write([source(1, quads=30, version="old"), source(2)])
    writer.flush()
    writer.write([source(1, quads=5, version="new")])
    writer.flush()
    assert graph_size(store, source(1).graph) == 5 and graph_size(store, source(2).graph) == 20


def test_repair_drops_a_half_written_batch_and_forgets_its_sources(tmp_path):
    store, state = open_both(tmp_path)
    writer = BulkWriter(store, state)
    writer.write([source(1), source(2)])
    writer.flush()
    # What a kill inside a flush leaves: source 2 being rewritten and source 3 new, both
    # recorded as writing, with only part of their quads loaded.
    rewrite, new = source(2, version="again"), source(3)
    state.begin_writing({rewrite.mark.sha256: rewrite.graph, new.mark.sha256: new.graph})
    store.drop_graph(rewrite.graph)
    store.bulk_add(rewrite.quads[:7] + new.quads[:3])
    store.close()
    state.close()

    store, state = open_both(tmp_path)
    repaired = BulkWriter(store, state).repair()
    assert sorted(repaired) == sorted([rewrite.mark.sha256, new.mark.sha256])
    assert graph_size(store, rewrite.graph) == 0 and graph_size(store, new.graph) == 0
    assert graph_size(store, source(1).graph) == 20  # the finished batch is untouched
    assert set(state.sources()) == {source(1).mark.sha256}  # the others are redone by the next plan
    assert state.paths_of(new.mark.sha256) == [] and state.unfinished_writes() == {}
    assert BulkWriter(store, state).repair() == []


_WRITER_LOOP = """
import sys, time
sys.path[:0] = [{tests!r}]
from store.test_bulk_writer import source
from kgbuild.store import KGStore
from kgbuild.store.bulk_writer import BulkWriter
from kgbuild.store.ingest_state import IngestState
store = KGStore(sys.argv[1])
state = IngestState(store.state_path)
writer = BulkWriter(store, state, flush_quads=0)  # every write is a flush
finish = state.finish_writing
def slow_finish(marks):  # widens the gap between a bulk write and its marks, for kills to land in
    time.sleep(0.1)
    finish(marks)
state.finish_writing = slow_finish
done = set(state.sources())
todo = [source(n, quads=100) for n in range(1500)]  # made first: the loop is writes
todo = [s for s in todo if s.mark.sha256 not in done]
print("ready", flush=True)
for start in range(0, len(todo), 40):
    writer.write(todo[start:start + 40])
"""


@pytest.mark.slow
def test_kill_minus_nine_inside_bulk_writes_leaves_every_source_whole_or_absent(tmp_path):
    """A writer killed at several points, mid-flush more often than not (a flush is most of
    its time): after each kill and the repair a build starts with, every source marked done
    has its whole graph and no graph is there without its source; a last run completes the set."""
    store_path = tmp_path / "kg"
    script = _WRITER_LOOP.format(tests=str(REPO / "tests"))
    env = dict(os.environ, PYTHONPATH=str(REPO))

    def done() -> int:
        try:
            with sqlite3.connect(store_path / "state.sqlite") as db:
                return db.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
        except sqlite3.OperationalError:
            return 0

    def repaired_and_whole() -> tuple[bool, set[str]]:
        store, state = open_both(tmp_path)
        try:
            interrupted = bool(state.unfinished_writes())  # the kill caught a flush between its two commits
            BulkWriter(store, state).repair()
            sizes: dict[str, int] = {}
            for quad in store._store.quads_for_pattern(None, None, None, None):
                sizes[quad.graph_name.value] = sizes.get(quad.graph_name.value, 0) + 1
            marked = set(state.sources())
            assert set(sizes.values()) <= {100}  # no graph is partial
            assert {g.rsplit("/", 1)[1] for g in sizes} == marked  # nor there without its source, nor missing
            return interrupted, marked
        finally:
            store.close()
            state.close()

    kills, mid_write = 0, 0
    for round_ in range(4):
        before = done()
        proc = subprocess.Popen([sys.executable, "-c", script, str(store_path)], env=env,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        while proc.poll() is None and done() < before + 200 + 37 * round_ and time.monotonic() < deadline:
            time.sleep(0.003)
        time.sleep(0.05 + 0.08 * round_)  # into the next flush (bulk write, then marks), not at its first commit
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        interrupted, marked = repaired_and_whole()
        mid_write += interrupted
        assert 0 < len(marked) < 1500
    assert kills >= 3, "the writer finished before it could be killed"
    assert mid_write >= 1, "no kill landed inside a bulk write"
    subprocess.run([sys.executable, "-c", script, str(store_path)], env=env, check=True, stdout=subprocess.DEVNULL)
    assert len(repaired_and_whole()[1]) == 1500


def test_a_build_redoes_a_source_a_kill_left_half_written(tmp_path):
    """The runner repairs before it plans: a source whose state says done (same pipeline) but
    whose re-write was cut inside a bulk write would otherwise look unchanged and stay half there."""
    from kgbuild.ids import source_iri
    from kgbuild.pipeline import Pipeline
    from kgbuild.pipeline.maintenance import check
    from kgbuild.pipeline.runner import build

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(3):
        (corpus / f"t{i}.txt").write_text(f"Text number {i}, with a few more words in it.")
    pipe = Pipeline.from_config({"name": "t", "stages": [{"type": "text_reader", "name": "read"}]})
    store = KGStore(tmp_path / "kg")
    build(corpus, store, pipe)
    whole = sorted(str(q) for q in store._store)

    state = IngestState(store.state_path)
    sha = state.paths()["t1.txt"]
    graph = source_iri(sha)
    quads = list(store._store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    state.begin_writing({sha: graph})  # a forced re-build of t1, killed inside its bulk write
    store.drop_graph(graph)
    store.bulk_add(quads[:3])
    state.close()

    report = build(corpus, store, pipe)
    assert report.ingested["text"] == 1 and report.unchanged == 2
    assert sorted(str(q) for q in store._store) == whole
    assert check(store).ok
