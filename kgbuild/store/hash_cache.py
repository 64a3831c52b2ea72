"""Content hashes of corpus files, remembered by what the file system says about them.

Every build hashes every file it finds, to tell changed files from unchanged ones; for a
large corpus (or one 4 GB file) that is most of a no-op rebuild. A file whose size,
modification time (ns) and inode are those recorded with its hash has that hash still;
anything else is hashed again. ``kgbuild build --rehash`` ignores what is remembered.
Kept beside the store in ``hashes.sqlite`` (:mod:`.sqlite`).
"""

from __future__ import annotations

import os
from pathlib import Path

from .sqlite import open_state

SCHEMA = """
CREATE TABLE IF NOT EXISTS hashes (
  path TEXT PRIMARY KEY,   -- the file's real path, its bytes in hex
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  inode INTEGER NOT NULL,
  sha256 TEXT NOT NULL
);
"""


class HashCache:
    def __init__(self, path: str | Path, *, rehash: bool = False) -> None:
        self._db = open_state(path, SCHEMA, synchronous="NORMAL")
        self.rehash = rehash
        self.hits = 0

    @staticmethod
    def _key(path: Path) -> str:
        return os.fsencode(path).hex()  # the exact bytes of the name, whatever its encoding

    def lookup(self, path: Path, st: os.stat_result) -> str | None:
        if self.rehash:
            return None
        row = self._db.execute("SELECT size, mtime_ns, inode, sha256 FROM hashes WHERE path = ?",
                               (self._key(path),)).fetchone()
        if row is not None and tuple(row[:3]) == (st.st_size, st.st_mtime_ns, st.st_ino):
            self.hits += 1
            return row[3]
        return None

    def remember(self, path: Path, st: os.stat_result, sha256: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?, ?)",
                         (self._key(path), st.st_size, st.st_mtime_ns, st.st_ino, sha256))

    def close(self) -> None:
        self._db.close()
