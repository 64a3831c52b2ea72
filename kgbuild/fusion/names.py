"""Name keys that survive the ways names reach the graph misspelt.

ASR writes "Kowalchuk" for "Kowalczyk", OCR drops letters, documents say "Dr. Kowalczyk's".
Blocking must put such variants in one block without comparing every pair of names, so
each name gets a few cheap keys: its normalised form, each token's Double Metaphone codes,
the first letters of its surname, and its acronym. Two names are compared only when they
share a key (and a compatible type).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from metaphone import doublemetaphone

from ..ids import normalise_label
from ..nlp.normalise import strip_honorifics

_ORG_WORDS = {"inc", "corp", "corporation", "co", "ltd", "llc", "plc", "company", "group", "the", "of", "and"}
# Types whose names can stand for one another: a city is often tagged GPE in one text, LOC in another.
TYPE_GROUP = {"PERSON": "PERSON", "ORG": "ORG", "NORP": "ORG", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE",
              "PRODUCT": "THING", "WORK_OF_ART": "THING", "EVENT": "EVENT", "LAW": "THING", "LANGUAGE": "THING"}
UNRESOLVED_TYPES = {"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY", "OBJECT_NOUN", "EVENT_TRIGGER"}


def type_group(entity_type: str) -> str:
    return TYPE_GROUP.get(entity_type, entity_type)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@lru_cache(maxsize=200_000)
def tokens(name: str) -> tuple[str, ...]:
    """Lower-case ASCII word tokens of a name, honorifics and possessives dropped."""
    clean = strip_honorifics(" ".join(normalise_label(name).split()))
    return tuple(t for t in re.split(r"[^a-z0-9]+", _ascii(clean).lower()) if t)


@lru_cache(maxsize=200_000)
def phonetic(token: str) -> tuple[str, ...]:
    """Double Metaphone codes of a token (primary, and secondary when it differs)."""
    if not token.isalpha():
        return (token,)
    primary, secondary = doublemetaphone(token)
    return tuple(c for c in dict.fromkeys((primary, secondary)) if c)


def acronym(toks: tuple[str, ...]) -> str:
    words = [t for t in toks if t not in _ORG_WORDS]
    return "".join(t[0] for t in words) if len(words) > 1 else ""


def blocking_keys(name: str, entity_type: str, *, wide: bool = False) -> set[str]:
    """Keys under which a name is filed: two names are compared only if they share one.
    ``wide`` also files people under their first name's sound and prefix: too many pairs for
    resolution, but the hard negatives training needs ("Anna Kowalczyk" / "Anna Kowalska")."""
    toks = tokens(name)
    if not toks:
        return set()
    group = type_group(entity_type)
    keys = {f"{group}|n|{' '.join(toks)}"}
    content = [t for t in toks if t not in _ORG_WORDS and len(t) > 1] or list(toks)
    if group == "PERSON" and not wide:
        # A first name is shared by thousands ("Anna"): sound and prefix keys on it would make
        # blocks that grow with the corpus. It files only under itself, to meet a bare "Petra";
        # the surname's keys find the misspellings.
        keys.add(f"PERSON|f|{toks[0]}")
        if len(toks) > 1:
            content = [t for t in toks[1:] if len(t) > 1] or [toks[-1]]
    for tok in content:
        for code in phonetic(tok):
            keys.add(f"{group}|p|{code}")
        keys.add(f"{group}|t|{tok[:4]}")  # OCR drops a letter late in the word more often than early
    if acr := acronym(toks):
        keys.add(f"{group}|a|{acr}")
    if len(toks) == 1 and len(toks[0]) <= 6 and toks[0].isalpha():
        keys.add(f"{group}|a|{toks[0]}")  # "NASA" meets the acronym of the full name
    return keys
