"""Content-derived identifiers.

Every IRI kgbuild mints is a hash of what it identifies, never a counter or a UUID, so
the same corpus always yields the same graph whatever the order of ingest, and an
unchanged file re-ingested is recognised by its IRI alone.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

NS = "https://w3id.org/kgbuild/ns#"
ID_BASE = "https://w3id.org/kgbuild/id/"
# Predicates the open-relation stage mints from verbs ("acquired" -> open:acquired).
OPEN_NS = "https://w3id.org/kgbuild/open#"
# The named graph everything fusion writes lives in (docs/fusion.md).
FUSION_GRAPH = ID_BASE + "graph/fusion"

_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """Streamed so that a multi-gigabyte video never sits in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_text(*parts: object) -> str:
    # \x1f (unit separator) cannot occur in labels we hash, so ("a b", "c") != ("a", "b c").
    joined = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def mint(kind: str, *parts: object) -> str:
    """An IRI ``<ID_BASE><kind>/<hash>`` for the thing described by ``parts``."""
    return f"{ID_BASE}{kind}/{sha256_text(kind, *parts)[:32]}"


def source_iri(sha256: str) -> str:
    return f"{ID_BASE}source/{sha256}"


def normalise_label(text: str) -> str:
    """The key under which surface forms are treated as one name in this slice:
    NFKC, whitespace collapsed, a leading article and trailing possessive dropped,
    case folded. ("The  Sorbonne's" -> "sorbonne")."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = " ".join(text.split())
    for suffix in ("'s", "’s", "'", "’"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    lowered = text.casefold()
    if lowered.startswith("the ") and len(lowered) > 4:
        lowered = lowered[4:]
    return lowered.strip()


def display_label(text: str) -> str:
    """The surface form cleaned for display: same rules as the key, case kept."""
    text = " ".join(unicodedata.normalize("NFKC", text).split())
    for suffix in ("'s", "’s"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    if text.lower().startswith("the ") and len(text) > 4:
        text = text[4:]
    return text.strip()
