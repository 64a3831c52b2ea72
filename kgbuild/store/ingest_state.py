"""The ingest state of a store: which sources are done, by which pipeline, at which paths.

A small SQLite database beside the RDF database (``<store>/state.sqlite``). The RDF
store stays the truth about facts; this records the work, so that planning a build of a
million files is a few indexed look-ups rather than SPARQL over the whole graph, and so
that ``kgbuild check`` can compare the two.

Write order makes a kill at any moment safe. Sources are written a batch at a time by the
RDF store's bulk loader, which is fast because it is not transactional: a kill may leave part
of a batch in the store. So a batch's graphs are first recorded here as being written
(``writing``, committed durably), then written, then marked done here and cleared from
``writing`` in one transaction. Whatever ``writing`` still names on the next start was
interrupted: its graphs are dropped and its sources forgotten, so they are redone whole
(:mod:`kgbuild.store.bulk_writer`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .sqlite import open_state, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    sha256      TEXT PRIMARY KEY,
    modality    TEXT NOT NULL,
    status      TEXT NOT NULL,          -- ok | failed
    fingerprint TEXT NOT NULL,          -- the pipeline chain that built it
    reason      TEXT,
    updated_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS paths (
    path   TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS paths_by_sha ON paths(sha256);
CREATE TABLE IF NOT EXISTS stages (
    sha256      TEXT NOT NULL,
    stage       TEXT NOT NULL,
    fingerprint TEXT NOT NULL,          -- cumulative: this stage and all before it that apply
    PRIMARY KEY (sha256, stage)
);
-- The corpus lexicon: the names each source's texts (or captions) contain (kgbuild.speech.lexicon).
CREATE TABLE IF NOT EXISTS lexicon (
    sha256 TEXT NOT NULL,
    name   TEXT NOT NULL,
    type   TEXT NOT NULL,
    PRIMARY KEY (sha256, name, type)
);
-- Each recording's unbiased first pass and the names its transcript was decoded with (JSON).
CREATE TABLE IF NOT EXISTS heard (
    sha256     TEXT PRIMARY KEY,
    first_pass TEXT NOT NULL,
    bias       TEXT NOT NULL
);
-- Sources whose graphs are being written: present only between the start and the end of a bulk write.
CREATE TABLE IF NOT EXISTS writing (
    sha256 TEXT PRIMARY KEY,
    graph  TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class DoneMark:
    """What the state records for a source once its graph is in the store."""

    sha256: str
    modality: str
    status: str  # ok | failed
    fingerprint: str
    paths: list[str]
    stages: dict[str, str]
    reason: str | None = None


@dataclass(frozen=True)
class SourceRecord:
    sha256: str
    modality: str
    status: str
    fingerprint: str
    reason: str | None


class IngestState:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # synchronous=NORMAL: a power cut may lose the last marks, which only redoes those sources.
        self._db = open_state(self.path, SCHEMA, synchronous="NORMAL")

    def _tx(self):
        return transaction(self._db, immediate=True)

    # reading ------------------------------------------------------------------------

    def source(self, sha256: str) -> SourceRecord | None:
        row = self._db.execute("SELECT sha256, modality, status, fingerprint, reason FROM sources WHERE sha256 = ?",
                               (sha256,)).fetchone()
        return SourceRecord(*row) if row else None

    def sources(self) -> dict[str, SourceRecord]:
        rows = self._db.execute("SELECT sha256, modality, status, fingerprint, reason FROM sources")
        return {r[0]: SourceRecord(*r) for r in rows}

    def paths(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT path, sha256 FROM paths"))

    def paths_of(self, sha256: str) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT path FROM paths WHERE sha256 = ? ORDER BY path", (sha256,))]

    def stage_fingerprints(self, sha256: str) -> dict[str, str]:
        return dict(self._db.execute("SELECT stage, fingerprint FROM stages WHERE sha256 = ?", (sha256,)))

    def lexicon(self) -> dict[tuple[str, str], set[str]]:
        """(name, type) -> the paths of the sources (done, ok) whose texts contain it."""
        out: dict[tuple[str, str], set[str]] = {}
        rows = self._db.execute("SELECT l.name, l.type, p.path FROM lexicon l JOIN sources s ON s.sha256 = l.sha256 "
                                "AND s.status = 'ok' JOIN paths p ON p.sha256 = l.sha256")
        for name, kind, path in rows:
            out.setdefault((name, kind), set()).add(path)
        return out

    def heard(self, sha256: str) -> tuple[str, str] | None:
        """(first pass, bias) of a recording, as stored (JSON)."""
        row = self._db.execute("SELECT first_pass, bias FROM heard WHERE sha256 = ?", (sha256,)).fetchone()
        return (row[0], row[1]) if row else None

    def heard_all(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT sha256 FROM heard ORDER BY sha256")]

    # writing ------------------------------------------------------------------------

    def mark_done(self, sha256: str, modality: str, status: str, fingerprint: str, paths: list[str],
                  stages: dict[str, str], reason: str | None = None) -> None:
        self.finish_writing([DoneMark(sha256, modality, status, fingerprint, paths, stages, reason)])

    def begin_writing(self, graphs: dict[str, str]) -> None:
        """Record sources (sha256 -> graph IRI) as being written, durably: this must be on
        disk before any of their quads are, or a power cut could leave quads nobody repairs."""
        if not graphs:
            return  # only shared quads to write: no source can be left half-written
        self._db.execute("PRAGMA synchronous=FULL")
        try:
            with self._tx() as db:
                db.executemany("INSERT OR REPLACE INTO writing VALUES (?, ?)", sorted(graphs.items()))
        finally:
            self._db.execute("PRAGMA synchronous=NORMAL")

    def finish_writing(self, marks: list[DoneMark]) -> None:
        """Mark sources done and no longer being written, all in one transaction."""
        now = time.time()
        with self._tx() as db:
            for m in marks:
                db.execute("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                           (m.sha256, m.modality, m.status, m.fingerprint, m.reason, now))
                db.executemany("INSERT OR REPLACE INTO paths VALUES (?, ?)", [(p, m.sha256) for p in m.paths])
                db.execute("DELETE FROM stages WHERE sha256 = ?", (m.sha256,))
                db.executemany("INSERT INTO stages VALUES (?, ?, ?)",
                               [(m.sha256, s, fp) for s, fp in m.stages.items()])
                db.execute("DELETE FROM writing WHERE sha256 = ?", (m.sha256,))

    def unfinished_writes(self) -> dict[str, str]:
        """sha256 -> graph IRI of the sources whose write was interrupted."""
        return dict(self._db.execute("SELECT sha256, graph FROM writing ORDER BY sha256"))

    def abandon_writes(self, shas: list[str]) -> None:
        """Forget that these sources were ever done (their graphs have been dropped), so the
        next plan redoes them; their paths stay, as the files are still there."""
        with self._tx() as db:
            for sha in shas:
                db.execute("DELETE FROM sources WHERE sha256 = ?", (sha,))
                db.execute("DELETE FROM writing WHERE sha256 = ?", (sha,))

    def set_names(self, sha256: str, names: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Replace the names a source contains; returns those it gained or lost."""
        with self._tx() as db:
            old = set(db.execute("SELECT name, type FROM lexicon WHERE sha256 = ?", (sha256,)))
            if old != names:
                db.execute("DELETE FROM lexicon WHERE sha256 = ?", (sha256,))
                db.executemany("INSERT INTO lexicon VALUES (?, ?, ?)", [(sha256, n, t) for n, t in sorted(names)])
        return old ^ names

    def set_heard(self, sha256: str, first_pass: str, bias: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO heard VALUES (?, ?, ?)", (sha256, first_pass, bias))

    def set_path(self, path: str, sha256: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO paths VALUES (?, ?)", (path, sha256))

    def remove_path(self, path: str) -> str | None:
        """Forget a path; returns the sha256 it held if no other path holds it any more."""
        with self._tx() as db:
            row = db.execute("SELECT sha256 FROM paths WHERE path = ?", (path,)).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM paths WHERE path = ?", (path,))
            left = db.execute("SELECT COUNT(*) FROM paths WHERE sha256 = ?", (row[0],)).fetchone()[0]
            return row[0] if left == 0 else None

    def forget_source(self, sha256: str) -> None:
        with self._tx() as db:
            for table in ("sources", "paths", "stages", "lexicon", "heard", "writing"):
                db.execute(f"DELETE FROM {table} WHERE sha256 = ?", (sha256,))  # noqa: S608 - fixed names

    def close(self) -> None:
        self._db.close()

