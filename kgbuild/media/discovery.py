"""Finding the media in a corpus folder and telling what each file is.

Files are referenced by path and hashed, never loaded here: decoding happens lazily in
the stage that needs the pixels, samples or characters (as Hugging Face datasets do).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

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
}


@dataclass
class Discovery:
    root: Path
    sources: list[Source] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # relpaths, listed as skipped
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (relpath, reason)


def media_type_for(path: Path) -> tuple[str, str] | None:
    return MEDIA_TYPES.get(path.suffix.lower())


def discover(root: str | Path) -> Discovery:
    """Walk ``root`` (a folder or a single file) in a stable order. Hidden files and
    folders are ignored; symlinked folders are not followed (no loops)."""
    root = Path(root)
    if root.is_file():
        found = Discovery(root.parent)
        _add(found, root)
        return found
    found = Discovery(root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                _add(found, Path(dirpath) / name)
    return found


def _add(found: Discovery, path: Path) -> None:
    # A name that is not valid UTF-8 (surrogate-escaped by Python) could not be stored or
    # hashed as text: it is recorded with its odd bytes written as \xNN and read by its real path.
    relpath = path.relative_to(found.root).as_posix()
    relpath = relpath.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    kind = media_type_for(path)
    if kind is None:
        found.unsupported.append(relpath)
        return
    try:
        if not path.is_file():
            raise OSError("not a regular file (broken link, device or folder)")
        sha = sha256_file(path)
        size = path.stat().st_size
    except OSError as exc:
        found.unreadable.append((relpath, f"cannot read: {exc.strerror or exc}"))
        return
    found.sources.append(Source(path.resolve(), relpath, sha, size, kind[0], kind[1]))
