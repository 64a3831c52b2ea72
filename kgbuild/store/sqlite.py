"""The small SQLite files kgbuild keeps its bookkeeping in, opened one way.

Three live beside a store: the ingest state (``state.sqlite``), fusion's state
(``fusion.sqlite``) and the push state (``push-state.sqlite``). Each is written by one process
at a time and may be read meanwhile (``kgbuild check``, the explorer), so all are opened alike:

* ``isolation_level=None``: no transaction is opened behind the caller's back; a group of
  writes that must land together is wrapped in :func:`transaction`;
* WAL journal: a reader never blocks the writer, nor the writer a reader;
* a 30 s busy timeout: a second writer waits its turn instead of failing at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def open_state(path: str | Path, schema: str, *, synchronous: str | None = None) -> sqlite3.Connection:
    """Open (creating it and its folder if needed) the database at ``path`` and apply
    ``schema`` (``CREATE ... IF NOT EXISTS`` statements). ``synchronous`` sets the pragma of
    that name (``NORMAL`` trades durability of the last commits on power loss for speed;
    never corruption, in WAL mode); None keeps SQLite's default (``FULL``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    if synchronous is not None:
        db.execute(f"PRAGMA synchronous={synchronous}")
    db.executescript(schema)
    return db


@contextmanager
def transaction(db: sqlite3.Connection, *, immediate: bool = False) -> Iterator[sqlite3.Connection]:
    """One transaction: committed when the block ends, rolled back if it raises.
    ``immediate`` takes the write lock at the start rather than at the first write, so a
    read-then-write block cannot fail half-way on another writer."""
    db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
