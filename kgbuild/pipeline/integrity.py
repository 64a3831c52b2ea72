"""Is the file a stage read the file that was hashed? Checked before each write.

A source is keyed by the hash of its bytes, and a stage reads the file later, by path. A
file rewritten in between would be stored under its old hash with its new content (and its
stage snapshots keyed by the old hash would keep the wrong content, even for ``--force``).
So after processing, the file's size, modification time and inode are compared with those
the hash was taken at: an unchanged file's results are written; a changed one is hashed
again and processed again, once; a file that is gone is reported (E307), not written.
"""

from __future__ import annotations

import os
from dataclasses import replace

from ..datamodel import Source
from ..media.discovery import content_hash

SAME, CHANGED, GONE = "same", "changed", "gone"


def on_disk(src: Source) -> str:
    """Whether ``src``'s file is still the one that was hashed."""
    try:
        st = os.stat(src.path)
    except FileNotFoundError:
        return GONE
    except OSError:
        return CHANGED
    if src.mtime_ns and (st.st_size, st.st_mtime_ns) != (src.size, src.mtime_ns):
        return CHANGED
    return SAME


def rehashed(src: Source) -> Source | None:
    """``src`` with the hash, size and time of the file's bytes now; None if it is gone."""
    try:
        sha, st = content_hash(src.path)
    except OSError:
        return None
    return replace(src, sha256=sha, size=st.st_size, mtime_ns=st.st_mtime_ns)
