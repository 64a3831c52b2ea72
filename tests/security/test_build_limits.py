"""Issue 17, item 10: a default build bounds each file's time, memory and mentions, in this
process as in worker processes; a file over a limit is a coded failure naming the file and
the stage, and the rest of the batch is ingested.

Before: the in-process default had no limit at all (a 1 MB single-line text took 13.5 min
and 4.75 GB and became a 1.4 GB store), and the pool gave a batch ``timeout × batch size``
before it looked for the slow file.
"""

from __future__ import annotations

import resource
import time

import pytest

from kgbuild.pipeline import limits
from kgbuild.pipeline.config import Pipeline
from kgbuild.pipeline.executors import InProcessExecutor, ProcessPoolExecutor, local_executor
from kgbuild.pipeline.maintenance import check
from kgbuild.pipeline.options import BuildOptions
from kgbuild.pipeline.runner import build
from kgbuild.pipeline.stage_cache import StageCache
from kgbuild.store import KGStore


def pipeline(*stages: dict, batch_size: int = 4) -> Pipeline:
    return Pipeline.from_config({"name": "limits", "batch_size": batch_size,
                                 "stages": [{"type": "text_reader"}, *stages]})


def write(corpus, names: list[str]) -> None:
    for name in names:
        (corpus / name).write_text(f"{name} mentions Ada Lovelace in London.")


def by_path(report) -> dict:
    return {f.path: f for f in report.failures}


def ok_paths(store: KGStore) -> set[str]:
    return {r["p"] for r in store.rows('SELECT ?p WHERE { GRAPH ?g { ?g kg:status "ok" ; kg:path ?p } }')}


def test_the_default_executor_stops_a_slow_file_and_ingests_the_rest(corpus, tmp_path):
    write(corpus, ["a.txt", "b.txt", "hang.txt", "c.txt"])
    pipe = pipeline({"type": "stages_for_tests:Sleepy", "name": "sleepy", "params": {"seconds": 120}})
    options = BuildOptions(file_timeout_s=1.5)
    assert isinstance(local_executor(pipe, StageCache(tmp_path / "c"), options), InProcessExecutor)
    store = KGStore(tmp_path / "kg")
    started = time.monotonic()
    report = build(corpus, store, pipe, options)
    elapsed = time.monotonic() - started
    (failure,) = report.failures
    assert (failure.path, failure.stage, failure.code) == ("hang.txt", "sleepy", "E304"), failure
    assert "longer than the per-file limit of 1.5 s" in failure.reason
    assert ok_paths(store) == {"a.txt", "b.txt", "c.txt"}
    # The batch stops at its deadline (1.5 s), then the file alone at its own: far from 120 s.
    assert elapsed < 60, elapsed
    assert check(store).ok


def test_a_batch_deadline_of_its_own(corpus, tmp_path):
    """--batch-timeout: the whole batch may take longer than one file, and one slow file
    still fails alone at the per-file limit."""
    write(corpus, ["a.txt", "hang.txt"])
    pipe = pipeline({"type": "stages_for_tests:Sleepy", "name": "sleepy", "params": {"seconds": 2.5}})
    report = build(corpus, KGStore(tmp_path / "kg"), pipe, BuildOptions(file_timeout_s=1, batch_timeout_s=30))
    assert not report.failures  # the batch had 30 s: nothing was retried or failed
    report = build(corpus, KGStore(tmp_path / "kg2"), pipe, BuildOptions(file_timeout_s=1, batch_timeout_s=1))
    assert [(f.path, f.code) for f in report.failures] == [("hang.txt", "E304")]


def test_an_alarm_set_by_someone_else_is_kept():
    fired = []
    import signal

    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(time.monotonic()))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        started = time.monotonic()
        with pytest.raises(limits.Deadline), limits.deadline(1):
            time.sleep(5)  # the other alarm falls due in here: it fires, and ours still does after
        assert len(fired) == 1 and fired[0] - started < 0.9
        assert time.monotonic() - started < 3
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        with limits.deadline(0.2):
            time.sleep(0.1)  # ours never falls due; the other is due after the block
        time.sleep(1.5)
        assert len(fired) == 2
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_file_over_the_default_memory_limit_fails_in_this_process(corpus, tmp_path, monkeypatch):
    write(corpus, ["a.txt", "hog.txt", "b.txt"])
    # A default below what this process holds: raised to 1 GB above it, never to nothing.
    monkeypatch.setattr("kgbuild.pipeline.options.default_memory_mb", lambda workers: 100)
    pipe = pipeline({"type": "stages_for_tests:Hog", "name": "hog", "params": {"megabytes": 1500, "seconds": 0}})
    before = resource.getrlimit(resource.RLIMIT_DATA)
    store = KGStore(tmp_path / "kg")
    report = build(corpus, store, pipe)
    (failure,) = report.failures
    assert (failure.path, failure.stage, failure.code) == ("hog.txt", "hog", "E305"), failure
    assert "needed more memory than allowed, over the memory limit of" in failure.reason
    assert ok_paths(store) == {"a.txt", "b.txt"}
    assert resource.getrlimit(resource.RLIMIT_DATA) == before  # the cap was for the batches only


def test_the_memory_cap_fails_an_allocation_at_once():
    """The rlimit stops the allocation itself: resident memory never goes past the limit
    between two polls (a worker once reached 3.7 GB against 2.5 GB)."""
    with limits.heap_cap(limits.resident_mb() + 200), pytest.raises(MemoryError):
        bytearray(2000 << 20)
    bytearray(400 << 20)  # and is lifted after


def test_a_file_with_too_many_mentions_is_a_coded_failure(corpus, tmp_path):
    (corpus / "list.txt").write_text(" ".join(f"Ada Lovelace met Alan Turing in London in {1900 + i}." for i in range(40)))
    (corpus / "short.txt").write_text("Grace Hopper lived in New York.")
    pipe = pipeline({"type": "spacy_ner"}, {"type": "entity_linker"})
    store = KGStore(tmp_path / "kg")
    report = build(corpus, store, pipe, BuildOptions(max_mentions=20))
    (failure,) = report.failures
    assert (failure.path, failure.code) == ("list.txt", "E308"), failure
    assert "over the per-file cap of 20" in failure.reason
    assert ok_paths(store) == {"short.txt"}
    mentions = store.rows('SELECT ?m WHERE { GRAPH ?g { ?g kg:path "list.txt" . ?m a kg:Mention } }')
    assert list(mentions) == []  # nothing of it written
    assert check(store).ok
    again = build(corpus, KGStore(tmp_path / "kg2"), pipe, BuildOptions(max_mentions=0))  # 0: no cap
    assert not again.failures


def test_the_pool_isolates_a_slow_file_without_waiting_for_the_whole_batch(tmp_path, monkeypatch):
    from kgbuild.datamodel import Source
    from kgbuild.pipeline.batches import Batch
    from kgbuild.pipeline.stage_cache import chain_fingerprints

    monkeypatch.setenv("PYTHONPATH", str(__import__("helpers").REPO / "tests"))
    names = ["a.txt", "b.txt", "hang.txt", "c.txt"]
    for name in names:
        (tmp_path / name).write_text("Ada Lovelace.")
    pipe = pipeline({"type": "stages_for_tests:Sleepy", "name": "sleepy", "params": {"seconds": 120}})
    sources = [Source(tmp_path / n, n, f"{i:064x}", 13, "text/plain", "text") for i, n in enumerate(names)]
    pool = ProcessPoolExecutor(pipe, StageCache(tmp_path / "cache"), workers=1, file_timeout_s=4)
    pool.start({"text"})
    try:
        started = time.monotonic()
        out = [item for items in pool.run([Batch(sources, chain_fingerprints(pipe, "text"))]) for item in items]
        elapsed = time.monotonic() - started
    finally:
        pool.close()
    # Named after the stage the killed worker was in, as in one process.
    assert [(i.source.relpath, i.failure.stage, i.failure.cause_code) for i in out if not i.ok] == [
        ("hang.txt", "sleepy", "E304")]
    assert sorted(i.source.relpath for i in out if i.ok) == ["a.txt", "b.txt", "c.txt"]
    # Before: 4 s × 4 files before the batch was split. Now 4 s for the batch, 4 s for the
    # file alone, plus starting two workers again.
    assert elapsed < 16, elapsed


def test_build_help_teaches_the_limits_and_their_defaults():
    from helpers import run_cli

    text = " ".join(run_cli("build", "--help", check=True).stdout.replace("│", " ").split())
    defaults = BuildOptions()
    for flag in ("--file-timeout", "--batch-timeout", "--max-memory-mb", "--max-mentions", "--follow-links"):
        assert flag in text
    assert f"Default: {defaults.file_timeout_s:g}." in text and f"Default: {defaults.max_mentions}." in text
    assert f"at least {limits.MIN_DEFAULT_MEMORY_MB:g} each" in text
    assert "E304" in text and "E305" in text and "E308" in text


def test_limits_of_zero_are_off_in_the_pool_too(corpus, tmp_path):
    """0 turns a limit off (before, a --file-timeout of 0 killed every worker at once)."""
    write(corpus, ["a.txt", "b.txt", "c.txt"])
    report = build(corpus, KGStore(tmp_path / "kg"), pipeline(batch_size=2),
                   BuildOptions(workers=2, file_timeout_s=0, max_memory_mb=0, max_mentions=0))
    assert not report.failures and sum(report.ingested.values()) == 3
