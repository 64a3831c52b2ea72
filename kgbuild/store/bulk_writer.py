"""Writing finished sources into the store at bulk-load speed, and repairing a write a kill
interrupted.

One named-graph replace per source (a transaction each, through the write-ahead log) wrote
about 2.8× slower than Oxigraph's bulk loader on a million quads. The bulk loader sorts the
quads into new files and hands them to the database whole; it is not transactional, so a
kill during a bulk write can leave part of it in the store. Atomicity per source therefore
comes from the ingest state (:mod:`.ingest_state`), in three steps per flush:

1. the buffered sources are recorded as ``writing`` (one durable SQLite commit);
2. their old graphs (a re-build) are removed and all their quads bulk-loaded at once;
3. they are marked done and cleared from ``writing`` (one SQLite commit).

A kill before 3 leaves them in ``writing``; :meth:`BulkWriter.repair`, run at the start of
the next build, drops their graphs and forgets them, so they are redone whole. A source is
thus either entirely in the store and done, or absent and redone — never half there.

Sources are buffered across the runner's batches until ``flush_quads`` quads are waiting or
``flush_seconds`` have passed since the last flush: a bulk call costs ~20 ms whatever its
size, so batches of 16 small sources would spend a quarter of the time on that. A kill loses
only what is buffered (at most ``flush_seconds`` of work), which the next build redoes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from .ingest_state import DoneMark, IngestState
from .oxigraph_store import KGStore


@dataclass
class SourceWrite:
    """One finished source: its whole named graph and what the state records once written."""

    graph: str
    quads: list[ox.Quad]
    mark: DoneMark


@dataclass
class _Buffer:
    sources: dict[str, SourceWrite] = field(default_factory=dict)  # by sha256; a later write replaces
    shared: list[ox.Quad] = field(default_factory=list)  # quads outside any source's graph (entities)
    quads: int = 0


class BulkWriter:
    """Buffers finished sources and writes them in bulk; see the module's note."""

    def __init__(self, store: KGStore, state: IngestState, *, flush_quads: int = 100_000,
                 flush_seconds: float = 0.5, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.state = state
        self.flush_quads = flush_quads
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._buffer = _Buffer()
        self._last_flush = clock()
        self.flushes = 0

    def repair(self) -> list[str]:
        """Undo writes a kill interrupted: drop their graphs and forget their sources (the
        next plan then redoes them). Returns the sha256 of the sources repaired."""
        unfinished = self.state.unfinished_writes()
        for graph in unfinished.values():
            self.store.drop_graph(graph, even_unlisted=True)
        if unfinished:
            self.store.flush()  # the drops are on disk before the state forgets the writes
            self.state.abandon_writes(list(unfinished))
        return list(unfinished)

    @property
    def pending(self) -> int:
        """Sources buffered, not yet in the store."""
        return len(self._buffer.sources)

    def write(self, sources: Iterable[SourceWrite], shared: Iterable[ox.Quad] = ()) -> None:
        """Buffer sources (and shared quads, e.g. their entities); flush when due."""
        buf = self._buffer
        for src in sources:
            old = buf.sources.pop(src.mark.sha256, None)  # written again before it was flushed: the new one wins
            buf.quads += len(src.quads) - (len(old.quads) if old else 0)
            buf.sources[src.mark.sha256] = src
        before = len(buf.shared)
        buf.shared.extend(shared)
        buf.quads += len(buf.shared) - before
        if buf.quads >= self.flush_quads or self._clock() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> int:
        """Write everything buffered; returns how many sources were written."""
        buf, self._buffer = self._buffer, _Buffer()
        if not buf.sources and not buf.shared:
            self._last_flush = self._clock()
            return 0
        writes = list(buf.sources.values())
        self.state.begin_writing({w.mark.sha256: w.graph for w in writes})
        for w in writes:
            self.store.drop_graph(w.graph)  # a re-build replaces the graph whole (leftovers: repair)
        # Shared quads first in the stream, as the per-source writes did: entities before the
        # mentions that refer to them (one bulk call either way, so order is for readers only).
        self.store.bulk_add(_chain(buf.shared, writes))
        self.state.finish_writing([w.mark for w in writes])
        self.flushes += 1
        self._last_flush = self._clock()  # from the end: a long flush must not make the next one due at once
        return len(writes)

    def close(self) -> None:
        """Nothing to release (the store is the caller's); flush first to keep what is buffered."""


def _chain(shared: list[ox.Quad], writes: list[SourceWrite]) -> Iterable[ox.Quad]:
    yield from shared
    for w in writes:
        yield from w.quads
