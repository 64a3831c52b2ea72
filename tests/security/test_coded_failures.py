"""Issue 17, item 12: a full disk and a video with nothing in it are coded errors.

A full disk while the build writes the store, its state or a snapshot stops the build with
one coded error (E410) naming the path, not three chained tracebacks; the store stays
consistent (no source half-written and marked done) and the next build does the rest. A
media container with no audio and no video stream is a coded input failure (E309), not an
empty item that is "ok".
"""

from __future__ import annotations

import errno
import sqlite3
from fractions import Fraction
from pathlib import Path

import pytest

from helpers import need_yolo_weights
from kgbuild.errors import DiskFull, NoStreams
from kgbuild.pipeline.config import Pipeline
from kgbuild.pipeline.maintenance import check
from kgbuild.pipeline.options import BuildOptions
from kgbuild.pipeline.runner import build
from kgbuild.store import KGStore

TEXT = {"name": "disk", "batch_size": 1, "stages": [{"type": "text_reader"}, {"type": "spacy_ner"},
                                                    {"type": "entity_linker"}]}
FULL = OSError(errno.ENOSPC, "No space left on device")
WRITES = ("add", "extend", "bulk_extend", "load", "bulk_load", "remove", "remove_graph", "clear_graph", "update")


class FillingStore:
    """A pyoxigraph store whose disk is full once ``full`` is set: every write raises what
    RocksDB raises then."""

    def __init__(self, store) -> None:
        self._store, self.full = store, False

    def __len__(self) -> int:
        return len(self._store)

    def __getattr__(self, name):
        attr = getattr(self._store, name)
        if name not in WRITES:
            return attr

        def write(*args, **kwargs):
            if self.full:
                raise FULL
            return attr(*args, **kwargs)
        return write


class FillingState:
    """A SQLite connection whose disk fills up at the first write after it is armed."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db, self.full = db, False

    def __getattr__(self, name):
        return getattr(self._db, name)

    def execute(self, sql: str, *args):
        if self.full and sql.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, *args)

    def executemany(self, sql: str, *args):
        if self.full:
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.executemany(sql, *args)


def corpus_of(tmp_path: Path, n: int = 4) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Katherine Johnson", "Edsger Dijkstra"]
    for i in range(n):
        (corpus / f"{i}.txt").write_text(f"{names[i]} lived in London.")
    return corpus


def ok_sources(store: KGStore) -> set[str]:
    return {r["p"] for r in store.rows('SELECT ?p WHERE { GRAPH ?g { ?g kg:status "ok" ; kg:path ?p } }')}


def test_disk_full_in_the_store_is_one_coded_error_and_the_next_build_finishes(tmp_path):
    corpus = corpus_of(tmp_path)
    store = KGStore(tmp_path / "kg")
    real = store._store
    store._store = filling = FillingStore(real)

    def fill_up(_written):  # the first batch is handed over to be written; then the disk is full
        filling.full = True

    with pytest.raises(DiskFull) as caught:
        build(corpus, store, Pipeline.from_config(TEXT), on_progress=fill_up)
    error = caught.value
    assert error.code == "E410" and str(tmp_path / "kg") in str(error) and "free" in str(error)
    assert error.__cause__ is None and error.__suppress_context__  # one error, no chained tracebacks
    store._store = real
    # What the state says is done is whole in the store; the rest is redone, nothing twice.
    assert check(store).ok, check(store).problems
    again = build(corpus, store, Pipeline.from_config(TEXT))
    assert not again.failures and ok_sources(store) == {f"{i}.txt" for i in range(4)}
    assert check(store).ok
    assert sum(again.ingested.values()) + again.unchanged == 4


def test_disk_full_in_the_ingest_state_leaves_no_source_half_done(tmp_path, monkeypatch):
    from kgbuild.store import ingest_state

    corpus = corpus_of(tmp_path)
    states: list[FillingState] = []
    real_open = ingest_state.open_state

    def open_filling(*args, **kwargs):
        states.append(FillingState(real_open(*args, **kwargs)))
        return states[-1]

    monkeypatch.setattr(ingest_state, "open_state", open_filling)
    store = KGStore(tmp_path / "kg")

    def fill_up(_written):  # the first batch is in; then the state's disk is full
        for state in states:
            state.full = True

    with pytest.raises(DiskFull) as caught:
        build(corpus, store, Pipeline.from_config(TEXT), BuildOptions(), on_progress=fill_up)
    assert caught.value.code == "E410" and "the disk is full" in str(caught.value)
    monkeypatch.setattr(ingest_state, "open_state", real_open)
    again = build(corpus, store, Pipeline.from_config(TEXT))
    assert not again.failures and ok_sources(store) == {f"{i}.txt" for i in range(4)}
    assert check(store).ok, check(store).problems


def test_disk_full_is_recognised_in_each_of_its_forms():
    from kgbuild.store.disk_full import disk_full_error, is_disk_full

    assert is_disk_full(OSError(errno.ENOSPC, "x")) and is_disk_full(OSError(errno.EDQUOT, "x"))
    assert is_disk_full(OSError("IO error: No space left on device: While appending to file: 000012.log"))
    assert is_disk_full(sqlite3.OperationalError("database or disk is full"))
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(sqlite3.OperationalError("database is locked"))
    error = disk_full_error(OSError(errno.ENOSPC, "No space", "/data/kg/stage-cache/ab.pkl"), "/data/kg", "a snapshot")
    assert "/data/kg/stage-cache/ab.pkl" in error.message and "/data/kg" in (error.hint or "")


def no_streams_video(path: Path) -> Path:
    """A Matroska file with one subtitle stream: no picture, no sound."""
    import av

    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("ass")
        stream.time_base = Fraction(1, 1000)
        for i in range(3):
            packet = av.Packet(f"{i},0,Default,,0,0,0,,Hello {i}".encode())
            packet.stream, packet.pts, packet.dts, packet.duration = stream, i * 1000, i * 1000, 900
            packet.time_base = Fraction(1, 1000)
            out.mux(packet)
    return path


def test_a_video_with_no_streams_is_a_coded_failure(tmp_path):
    from kgbuild.media.video import probe_video, sample_frames

    video = no_streams_video(tmp_path / "subtitles-only.mkv")
    with pytest.raises(NoStreams, match="no video and no audio stream .streams: subtitle"):
        probe_video(video)
    with pytest.raises(NoStreams):
        list(sample_frames(video))


def test_a_build_records_the_video_with_no_streams_and_goes_on(tmp_path):
    need_yolo_weights()
    from synth_video import make_video

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    no_streams_video(corpus / "empty.mkv")
    make_video(corpus / "clip.mp4", audio=False, seconds=1.0)
    store = KGStore(tmp_path / "kg")
    pipe = Pipeline.from_config({"name": "video", "stages": [{"type": "video_objects", "params": {"every_seconds": 0.5}}]})
    report = build(corpus, store, pipe)
    assert [(f.path, f.code) for f in report.failures] == [("empty.mkv", "E309")], report.failures
    assert ok_sources(store) == {"clip.mp4"}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_full_disk_under_a_snapshot_stops_the_build_with_one_coded_error(tmp_path, workers):
    """In this process or in a worker: the same E410, once, and no traceback."""
    from helpers import REPO, run_cli

    corpus = corpus_of(tmp_path)
    pipe = tmp_path / "p.yaml"
    pipe.write_text("name: full\nbatch_size: 2\nstages:\n  - {type: text_reader}\n"
                    "  - {type: 'security.disk_stages:FillsTheDisk', name: fills}\n")
    proc = run_cli("build", corpus, "--store", tmp_path / "kg", "--pipeline", pipe, "--workers", workers,
                   env={"PYTHONPATH": str(REPO / "tests")})
    out = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 2, out
    assert "E410" in out and "the disk is full" in out and str(tmp_path / "kg" / "stage-cache") in out
    assert "Traceback" not in out and out.count("E410") == 1, out
