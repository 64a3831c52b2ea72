"""Telling a full disk from other write failures, and saying what to free.

RocksDB (under pyoxigraph) reports a full disk as an ``OSError`` whose text says "No space
left on device" (often without an errno); Python file writes (stage snapshots) raise
``OSError(ENOSPC)`` or ``EDQUOT``; SQLite raises ``sqlite3.OperationalError("database or disk
is full")``. Each is turned into one coded error (E410) naming the folder to free space in,
instead of three chained tracebacks.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from ..errors import DiskFull

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_FULL_TEXTS = ("no space left on device", "disk quota exceeded", "database or disk is full")


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return True
    if isinstance(exc, OSError | sqlite3.OperationalError):
        return any(text in str(exc).lower() for text in _FULL_TEXTS)
    return False


def disk_full_error(exc: BaseException, path: str | Path, what: str) -> DiskFull:
    """E410 for a full disk met while writing ``what`` at ``path`` (the file, when the
    exception names one)."""
    where = Path(exc.filename) if isinstance(exc, OSError) and isinstance(exc.filename, str) else Path(path)
    try:
        free = f"{shutil.disk_usage(Path(path)).free / 2**20:.0f} MB free"
    except OSError:
        free = "free space unknown"
    return DiskFull(f"the disk is full: writing {what} at {where} failed ({free})",
                    hint=f"free space on the disk that holds {path} (or move the store with --store) and run "
                         "the build again: the sources written so far are kept, the rest is redone")
