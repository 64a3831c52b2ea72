"""Name tokens and their sounds, shared by fusion (blocking misspelt names) and speech (finding
the corpus's names near what a recogniser heard): lower-case ASCII tokens without honorifics,
and Double Metaphone codes."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from metaphone import doublemetaphone

from ..ids import normalise_label
from .normalise import strip_honorifics


def ascii_fold(text: str) -> str:
    """Accents off, anything else outside ASCII dropped ("Wróblewski" -> "Wroblewski")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@lru_cache(maxsize=200_000)
def tokens(name: str) -> tuple[str, ...]:
    """Lower-case ASCII word tokens of a name, honorifics and possessives dropped."""
    clean = strip_honorifics(" ".join(normalise_label(name).split()))
    return tuple(t for t in re.split(r"[^a-z0-9]+", ascii_fold(clean).lower()) if t)


@lru_cache(maxsize=200_000)
def phonetic(token: str) -> tuple[str, ...]:
    """Double Metaphone codes of a token (primary, and secondary when it differs)."""
    if not token.isalpha():
        return (token,)
    primary, secondary = doublemetaphone(token)
    return tuple(c for c in dict.fromkeys((primary, secondary)) if c)
