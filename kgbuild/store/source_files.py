"""Finding a source's bytes on disk for the explorer.

A source's file is ``<corpusRoot>/<kg:path>``, but the folder may have changed since the
build, so a file is trusted only when its bytes hash to the source's ``kg:sha256``. That
check is also what keeps ``/media/{sha}`` from serving anything that is not a source of
this store. Hashes are cached by (file, size, mtime) so a large video is hashed once, not
on every Range request a player makes while seeking.

Containment is checked again on every call, on the path with its links resolved: a file
is used only if it is a regular file inside a corpus root. A link put in the corpus after
the build (or a store built before links leaving the corpus were refused) pointing at
``/etc/passwd`` is never read, even if the store has its hash.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import SourceFileMissing, SourceNotFound, StoreError
from ..ids import sha256_file
from ..media.discovery import path_bytes
from .graph_store import GraphStore
from .rdf import STORE_GRAPH

SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_TEXT_BYTES = 50_000_000  # as text_reader: larger files were never read as text


@dataclass(frozen=True)
class SourceInfo:
    sha256: str
    paths: tuple[str, ...]
    media_type: str | None
    modality: str | None
    width: int | None = None
    height: int | None = None
    duration: float | None = None


def _value(term):
    return None if term is None else term.value


def contained(root: Path, parts: tuple[str, ...]) -> Path | None:
    """``root/parts`` with every link resolved, if that is a regular file inside the
    resolved root; else None."""
    try:
        real_root = root.resolve(strict=True)
        real = root.joinpath(*parts).resolve(strict=True)
        mode = os.stat(real).st_mode
    except (OSError, RuntimeError):  # missing, unreadable, or a link loop
        return None
    if not real.is_relative_to(real_root) or not stat.S_ISREG(mode):
        return None
    return real


class SourceFiles:
    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._hashes: dict[tuple, str] = {}
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def roots(self) -> list[Path]:
        rows = self._store.query(f"SELECT DISTINCT ?root WHERE {{ GRAPH <{STORE_GRAPH}> {{ ?s kg:corpusRoot ?root }} }}")
        return [Path(r["root"].value) for r in rows]

    def info(self, sha: str) -> SourceInfo:
        if not SHA256.fullmatch(sha):
            raise SourceNotFound(f"'{sha}' is not a sha256 (64 lowercase hex digits)")
        rows = list(self._store.query(f"""SELECT ?path ?mt ?mod ?w ?h ?dur WHERE {{
            ?src kg:sha256 "{sha}" . OPTIONAL {{ ?src kg:path ?path }} OPTIONAL {{ ?src kg:mediaType ?mt }}
            OPTIONAL {{ ?src kg:modality ?mod }} OPTIONAL {{ ?src kg:width ?w ; kg:height ?h }}
            OPTIONAL {{ ?src kg:duration ?dur }} }}"""))
        if not rows:
            raise SourceNotFound(f"no source with sha256 {sha} in this store")
        first = rows[0]
        w, h, dur = _value(first["w"]), _value(first["h"]), _value(first["dur"])
        return SourceInfo(sha, tuple(sorted({r["path"].value for r in rows if r["path"] is not None})),
                          _value(first["mt"]), _value(first["mod"]), int(w) if w else None,
                          int(h) if h else None, float(dur) if dur else None)

    def _hash(self, path: Path) -> str | None:
        try:
            st = path.stat()
        except OSError:
            return None
        key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        if key not in self._hashes:
            try:
                self._hashes[key] = sha256_file(path)
            except OSError:
                return None
        return self._hashes[key]

    def locate(self, info: SourceInfo) -> Path:
        """The first file among ``<root>/<path>`` whose bytes are this source's."""
        roots = self.roots()
        for rel in info.paths:
            parts = PurePosixPath(path_bytes(rel)).parts  # the name on disk, odd bytes included
            if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
                continue  # a path the builder would never record; never follow it out of a root
            for root in roots:
                candidate = contained(root, parts)
                if candidate is not None and self._hash(candidate) == info.sha256:
                    return candidate
        where = ", ".join(str(r) for r in roots) or "no corpus root recorded"
        raise SourceFileMissing(f"the file of source {info.sha256[:12]}… ({', '.join(info.paths) or 'no path'}) "
                                f"is not under {where} with the same bytes; it moved or changed since the build",
                                hint="rebuild the store from the folder that holds the files")

    def available(self, info: SourceInfo) -> bool:
        try:
            self.locate(info)
            return True
        except StoreError:
            return False

    def text(self, info: SourceInfo) -> str | None:
        """The decoded text the mention offsets point into (UTF-8, leading BOM dropped, as
        text_reader read it), or None when the file cannot be found or read."""
        with self._lock:
            if info.sha256 in self._texts:
                self._texts.move_to_end(info.sha256)
                return self._texts[info.sha256]
        try:
            path = self.locate(info)
            if path.stat().st_size > MAX_TEXT_BYTES:
                return None
            text = path.read_bytes().decode("utf-8").lstrip("\ufeff")
        except (StoreError, OSError, UnicodeDecodeError):
            return None
        with self._lock:
            self._texts[info.sha256] = text
            while len(self._texts) > 64:
                self._texts.popitem(last=False)
        return text
