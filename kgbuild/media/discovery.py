"""Finding the media in a corpus folder and telling what each file is.

Files are referenced by path and hashed, never loaded here: decoding happens lazily in
the stage that needs the pixels, samples or characters (as Hugging Face datasets do).
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..datamodel import Source
from ..ids import sha256_file

# extension -> (media type, modality)
MEDIA_TYPES: dict[str, tuple[str, str]] = {
    ".txt": ("text/plain", "text"),
    ".md": ("text/markdown", "text"),
    ".jpg": ("image/jpeg", "image"),
    ".jpeg": ("image/jpeg", "image"),
    ".png": ("image/png", "image"),
    ".webp": ("image/webp", "image"),
    ".gif": ("image/gif", "image"),  # the first frame of an animation
    ".wav": ("audio/wav", "speech"),
    ".flac": ("audio/flac", "speech"),
    ".mp3": ("audio/mpeg", "speech"),
    ".ogg": ("audio/ogg", "speech"),
    ".m4a": ("audio/mp4", "speech"),
    ".opus": ("audio/ogg", "speech"),
    ".mp4": ("video/mp4", "video"),
    ".mkv": ("video/x-matroska", "video"),
    ".webm": ("video/webm", "video"),
    ".mov": ("video/quicktime", "video"),
    ".avi": ("video/x-msvideo", "video"),
    ".pdf": ("application/pdf", "document"),  # text with page boxes, figures (docs/documents.md)
    ".html": ("text/html", "document"),
    ".htm": ("text/html", "document"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document"),
}
PATH_MAX = os.pathconf("/", "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096


# Set to 1 to ingest files that links in the corpus point to outside it (see discover), as
# `kgbuild build --follow-links` does.
FOLLOW_OUTSIDE_LINKS_ENV = "KGBUILD_FOLLOW_OUTSIDE_LINKS"
OUTSIDE_LINK_REASON = ("a link to a file outside the corpus, not followed "
                       "(--follow-links or KGBUILD_FOLLOW_OUTSIDE_LINKS=1 ingests such files)")


class Hashes(Protocol):
    """Remembered content hashes (kgbuild.store.hash_cache.HashCache): a file whose stat is
    unchanged is not read again."""

    def lookup(self, path: Path, st: os.stat_result) -> str | None: ...

    def remember(self, path: Path, st: os.stat_result, sha256: str) -> None: ...


@dataclass
class Discovery:
    root: Path
    sources: list[Source] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # relpaths, listed as skipped
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (relpath, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (relpath, reason): not read on purpose
    follow_outside_links: bool = False
    real_root: Path | None = None
    hashes: Hashes | None = None


def media_type_for(path: Path) -> tuple[str, str] | None:
    return MEDIA_TYPES.get(path.suffix.lower())


def discover(root: str | Path, *, follow_outside_links: bool | None = None, hashes: Hashes | None = None) -> Discovery:
    """Walk ``root`` (a folder or a single file) in a stable order. Hidden files and
    folders are ignored; symlinked folders are not followed (no loops).

    A link to a file outside ``root`` is not followed: a link ``notes.txt -> /etc/passwd``
    dropped in a shared folder would otherwise put that file's lines in the graph and its
    bytes behind ``/media``. It is listed in ``skipped`` with the reason (a choice, not a
    failure); every file that cannot be read and every folder that cannot be listed is in
    ``unreadable``, so each file found is a source, a failure, skipped or unsupported.
    ``follow_outside_links`` (``kgbuild build --follow-links``; default: the
    ``KGBUILD_FOLLOW_OUTSIDE_LINKS`` environment variable) ingests such files anyway; the
    server still will not serve them (see kgbuild.store.source_files).

    The walk holds folders open (os.fwalk), so files deeper than PATH_MAX are found and
    reported rather than silently missed.

    ``hashes`` remembers content hashes by (size, mtime, inode): unchanged files are not
    read again. A file that changes while it is hashed is hashed again.
    """
    if follow_outside_links is None:
        follow_outside_links = os.environ.get(FOLLOW_OUTSIDE_LINKS_ENV, "") not in ("", "0", "false", "no")
    root = Path(root)
    if root.is_file():
        # The user named this file: it is the corpus, wherever a link to it points.
        real = root.resolve()
        found = Discovery(real.parent, follow_outside_links=follow_outside_links, real_root=real.parent, hashes=hashes)
        _add(found, real)
        return found
    found = Discovery(root, follow_outside_links=follow_outside_links, hashes=hashes)
    try:
        found.real_root = root.resolve(strict=True)
    except (OSError, RuntimeError):
        found.real_root = None

    def unlistable(exc: OSError) -> None:
        where = exc.filename if isinstance(exc.filename, str) else str(root)
        found.unreadable.append((_relpath(found, Path(where)) or ".", f"cannot read: folder not listed: "
                                                                    f"{exc.strerror or exc}"))

    for dirpath, dirnames, filenames, _ in os.fwalk(root, onerror=unlistable, follow_symlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                _add(found, Path(dirpath) / name)
    return found


def _relpath(found: Discovery, path: Path) -> str:
    return path_text(path.relative_to(found.root).as_posix())


def path_text(name: str) -> str:
    """A file name as text that can be stored and shown, one-to-one with its bytes: bytes
    that are not UTF-8 (surrogate-escaped by Python) are written ``\\xNN`` and a backslash in
    the name ``\\\\``, so ``caf\\xe9.txt`` (Latin-1 é) and a file literally named
    ``caf\\\\xe9.txt`` stay two paths. :func:`path_bytes` reverses it."""
    out = []
    for ch in name.replace("\\", "\\\\"):
        code = ord(ch)
        out.append(f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else ch)
    return "".join(out)


def path_bytes(text: str) -> str:
    """The file system name (surrogate-escaped, as :func:`os.fsdecode` gives) of a recorded path."""
    return re.sub(r"\\\\|\\x([0-9a-f]{2})",
                  lambda m: "\\" if m[1] is None else chr(0xDC00 + int(m[1], 16)), text)


def _add(found: Discovery, path: Path) -> None:
    relpath = _relpath(found, path)
    kind = media_type_for(path)
    if kind is None:
        found.unsupported.append(relpath)
        return
    try:
        if len(os.fsencode(path)) >= PATH_MAX:
            raise OSError(errno.ENAMETOOLONG, f"path longer than the system's limit ({PATH_MAX} bytes)")
        real = path.resolve(strict=True) if path.is_symlink() else path
        if real is not path and not found.follow_outside_links and not _inside(real, found.real_root):
            found.skipped.append((relpath, OUTSIDE_LINK_REASON))
            return
        if not real.is_file():
            raise OSError("not a regular file (broken link, device or folder)")
        # Hash the link's target, not the link: a link swapped after this check is not followed.
        sha, st = content_hash(real, found.hashes)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop (Python < 3.13)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or "link loop"
        found.unreadable.append((relpath, f"cannot read: {reason}"))
        return
    found.sources.append(Source(real.resolve(), relpath, sha, st.st_size, kind[0], kind[1], st.st_mtime_ns))


def content_hash(path: Path, hashes: Hashes | None = None, tries: int = 3) -> tuple[str, os.stat_result]:
    """(sha256, the stat it belongs to). The stat is taken before and after reading: a file
    written meanwhile is read again, so the hash is of bytes that were there all along."""
    for _ in range(tries):
        before = path.stat()
        sha = hashes.lookup(path, before) if hashes is not None else None
        if sha is not None:
            return sha, before
        sha = sha256_file(path)
        after = path.stat()
        if (before.st_size, before.st_mtime_ns, before.st_ino) == (after.st_size, after.st_mtime_ns, after.st_ino):
            if hashes is not None:
                hashes.remember(path, after, sha)
            return sha, after
    raise OSError(errno.EAGAIN, f"the file kept changing while it was read ({tries} tries)")


def _inside(path: Path, root: Path | None) -> bool:
    return root is not None and path.is_relative_to(root)
