"""Pair features for the fusion model: how alike two names are, in spelling, in sound, in
type and in the company they keep.

Spelling alone merges "John Harper" the pilot with "Jon Harper" the judge, and sound alone
merges Kowalczyk with Kowalski; the model weighs them against context (MiniLM cosine of the
text around the mentions), shared neighbours, and a clash of first names.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from .atoms import Atom
from .names import acronym, phonetic, tokens, type_group

FEATURES = (
    "jaro_winkler", "ratio", "token_set", "surname_jw", "first_name_clash", "alias_subset", "phonetic",
    "acronym", "best_token_jw", "type_agree", "context_cosine", "same_source", "neighbour_jaccard", "noisy", "single_token",
)


def _jw(a: str, b: str) -> float:
    return JaroWinkler.normalized_similarity(a, b)


def _initial_of(a: str, b: str) -> bool:
    return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def name_features(a: str, b: str) -> dict[str, float]:
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return dict.fromkeys(FEATURES[:9], 0.0)
    sa, sb = " ".join(ta), " ".join(tb)
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    clash = 0.0
    if len(ta) > 1 and len(tb) > 1 and not _initial_of(ta[0], tb[0]):
        clash = 1.0 - _jw(ta[0], tb[0])  # "Anna" vs "Adam": high; "Jon" vs "John": low
    subset = all(any(s == t or _initial_of(s, t) for t in long_) for s in short)
    # sounding alike counts only for words spelt alike too: "Canada" and "County" share KNT
    sounds = sum(1 for s in short if any(set(phonetic(s)) & set(phonetic(t)) and _jw(s, t) >= 0.75
                                         for t in long_)) / len(short)
    best = sum(max(_jw(s, t) for t in long_) for s in short) / len(short)
    acr = float(acronym(long_) == "".join(short) and len(short) == 1 and len(long_) > 1)
    return {"jaro_winkler": _jw(sa, sb), "ratio": fuzz.ratio(sa, sb) / 100,
            "token_set": fuzz.token_set_ratio(sa, sb) / 100, "surname_jw": _jw(ta[-1], tb[-1]),
            "first_name_clash": clash, "alias_subset": float(subset), "phonetic": sounds, "acronym": acr,
            "best_token_jw": best}


def type_agreement(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return 0.5 if type_group(a) == type_group(b) else 0.0


def cosine(u: np.ndarray | None, v: np.ndarray | None) -> float:
    if u is None or v is None:
        return 0.5  # unknown context: neither for nor against
    return float(np.clip(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9), -1, 1))


def pair_features(a: Atom, b: Atom, context: float | None = None) -> np.ndarray:
    """Features of one pair; ``context`` is the context cosine when the caller computed it
    for a whole batch at once (it is the costly part done pair by pair)."""
    f = name_features(a.label, b.label)
    f["type_agree"] = type_agreement(a.entity_type, b.entity_type)
    f["context_cosine"] = cosine(a.embedding, b.embedding) if context is None else context
    f["same_source"] = float(bool(a.sources & b.sources))
    union = (a.neighbours | b.neighbours) - {a.iri, b.iri}
    f["neighbour_jaccard"] = len((a.neighbours & b.neighbours) - {a.iri, b.iri}) / len(union) if union else 0.0
    f["noisy"] = float(a.noisy or b.noisy)
    f["single_token"] = float(min(len(tokens(a.label)), len(tokens(b.label))) == 1)
    return np.array([f[name] for name in FEATURES], dtype=np.float32)
