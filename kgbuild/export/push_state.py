"""What has been pushed where: a small SQLite file beside the store (``<store>/push-state.sqlite``).

A push sends units (a named graph to a Graph Store Protocol endpoint, a node or an edge
to FalkorDB), each with a hash of its content. A unit is recorded here only after the
target has acknowledged it, so a push that is killed or fails part-way is simply run
again: what was acknowledged unchanged is skipped, the rest is sent, and units that the
store no longer has are deleted from the target. Targets are keyed by their URL (without
credentials), so one store can be pushed to several.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..store.sqlite import open_state

SCHEMA = """
CREATE TABLE IF NOT EXISTS pushed (
    target    TEXT NOT NULL,
    key       TEXT NOT NULL,    -- a graph IRI, or kind:IRI for a property-graph node or edge
    hash      TEXT NOT NULL,    -- sha256 of the unit's content as sent
    size      INTEGER NOT NULL, -- triples (graphs) or 1 (nodes, edges)
    pushed_at REAL NOT NULL,
    PRIMARY KEY (target, key)
);
"""

STATE_FILE = "push-state.sqlite"


def target_key(url: str) -> str:
    """The URL without user and password: credentials never land in the state file."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def content_hash(lines: Iterable[bytes | str]) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8") if isinstance(line, str) else line)
        h.update(b"\n")
    return h.hexdigest()


class PushState:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = open_state(self.path, SCHEMA)

    def pushed(self, target: str) -> dict[str, tuple[str, int]]:
        """key -> (hash, size) for everything the target has acknowledged."""
        cur = self._db.execute("SELECT key, hash, size FROM pushed WHERE target = ?", (target,))
        return {k: (h, s) for k, h, s in cur}

    def record(self, target: str, units: Iterable[tuple[str, str, int]]) -> None:
        now = time.time()
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO pushed VALUES (?, ?, ?, ?, ?)",
                                 [(target, k, h, s, now) for k, h, s in units])

    def forget(self, target: str, keys: Iterable[str] | None = None) -> None:
        """Forget some keys of a target, or all of them (the target was emptied or reset)."""
        with self._db:
            self._db.execute("BEGIN")
            if keys is None:
                self._db.execute("DELETE FROM pushed WHERE target = ?", (target,))
            else:
                self._db.executemany("DELETE FROM pushed WHERE target = ? AND key = ?", [(target, k) for k in keys])

    def close(self) -> None:
        self._db.close()
