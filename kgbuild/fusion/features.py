"""Pair features for the fusion model: how alike two names are, in spelling, in sound, in
type and in the company they keep.

Spelling alone merges "John Harper" the pilot with "Jon Harper" the judge, and sound alone
merges Kowalczyk with Kowalski; the model weighs them against context (MiniLM cosine of the
text around the mentions), shared neighbours, and a clash of first names.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from .atoms import Atom
from .names import acronym, phonetic, skeleton, tokens, type_group

FEATURES = (
    "jaro_winkler", "ratio", "token_set", "surname_jw", "first_name_clash", "alias_subset", "phonetic",
    "acronym", "best_token_jw", "squashed_jw", "skeleton", "gender_clash", "type_agree", "place_subset",
    "context_cosine",
    "same_source", "neighbour_jaccard", "noisy", "single_token",
)
NAME_FEATURES = 12  # the first ones: from the two names alone
# Words that begin surnames: a two-word name starting with one is a surname, not first + last
PARTICLES = {"al", "el", "de", "di", "da", "das", "dos", "du", "del", "della", "der", "den", "van", "von", "la", "le",
             "bin", "ben", "ibn", "abu", "mac", "mc", "st", "ter", "ten", "o"}


def _jw(a: str, b: str) -> float:
    return JaroWinkler.normalized_similarity(a, b)


def _initial_of(a: str, b: str) -> bool:
    return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


@lru_cache(maxsize=200_000)
def _abbreviations(label: str) -> frozenset[str]:
    """Words written as abbreviations: with periods ("U.S.") or in capitals ("UK", "NASA")."""
    out = set()
    for word in label.replace("-", " ").split():
        bare = word.strip(".,;:'’()")
        letters = bare.replace(".", "")
        if 2 <= len(letters) <= 4 and letters.isalpha() and (letters.isupper() or bare.count(".") >= 1 and len(bare) > len(letters)):
            out.add(letters.lower())
    return frozenset(out)


def _expand(short: tuple[str, ...], long_: tuple[str, ...], abbreviations: frozenset[str]) -> tuple[str, ...]:
    """``short`` with each abbreviation of a run of ``long_``'s words written out: ("us",
    "navy") against ("united", "states", "navy") is ("united", "states", "navy")."""
    if len(long_) < 2 or not any(t in abbreviations and t not in long_ for t in short):
        return short
    out: list[str] = []
    for t in short:
        run = None
        if t in abbreviations and t not in long_:
            for i in range(len(long_) - len(t) + 1):
                if "".join(w[0] for w in long_[i:i + len(t)]) == t:
                    run = long_[i:i + len(t)]
                    break
        out.extend(run or (t,))
    return tuple(out)


@lru_cache(maxsize=100_000)
def gender(name: str) -> str | None:
    """"m", "f" or None from the first name: the coreference lexicon's names, else a first name
    ending in "a" is taken for a woman's ("Petra" beside "Peter": two people, however alike)."""
    from ..nlp.coref_lexicon import name_gender

    known = name_gender(name)
    if known:
        return known
    toks = tokens(name)
    return "f" if len(toks) > 1 and len(toks[0]) >= 3 and toks[0].endswith("a") else None


def _respace(x: tuple[str, ...], y: tuple[str, ...]) -> tuple[str, ...]:
    """``x`` with its last words run together when ``y`` (or its last word) writes them as
    one: ("ana", "de", "la", "cruz") against ("delacruz",) is ("ana", "delacruz")."""
    if len(x) < 2:
        return x
    # y's last word first, then all of y: "Magnolia Labs Group" against "Magnolia LabsGroup" is
    # ("magnolia", "labsgroup"), not one word. (A set here made the result, and so the links,
    # depend on the process's string hash seed.)
    for word in dict.fromkeys((y[-1], "".join(y))):
        for i in range(len(x) - 1):
            if "".join(x[i:]) == word:
                return (*x[:i], word)
    return x


def name_features(a: str, b: str) -> dict[str, float]:
    ta, tb = tokens(a), tokens(b)
    acr = float((acronym(ta) == "".join(tb) and len(tb) == 1 and len(ta) > 1)
                or (acronym(tb) == "".join(ta) and len(ta) == 1 and len(tb) > 1))
    abbr_a, abbr_b = _abbreviations(a), _abbreviations(b)
    if abbr_a or abbr_b:  # "U.S. Navy" / "United States Navy"
        ta, tb = _expand(ta, tb, abbr_a), _expand(tb, ta, abbr_b)
    if not ta or not tb:
        return dict.fromkeys(FEATURES[:NAME_FEATURES], 0.0)
    # "DeLaCruz" / "Ana De La Cruz": ("ana", "delacruz"); the name with more words is the one
    # run together ("Magnolia Labs Group" / "Magnolia LabsGroup": both ("magnolia", "labsgroup"))
    if len(ta) >= len(tb):
        ta, tb = _respace(ta, tb), (_respace(tb, ta) if len(ta) == len(tb) else tb)
    else:
        tb = _respace(tb, ta)
    sa, sb = " ".join(ta), " ".join(tb)
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    clash = 0.0
    if (len(ta) > 1 and len(tb) > 1 and not _initial_of(ta[0], tb[0])
            and ta[0] not in PARTICLES and tb[0] not in PARTICLES):  # "Al Amin", "Di Stefano": surnames
        clash = 1.0 - _jw(ta[0], tb[0])  # "Anna" vs "Adam": high; "Jon" vs "John": low
    subset = all(any(s == t or _initial_of(s, t) for t in long_) for s in short)
    # sounding alike counts only for words spelt alike too: "Canada" and "County" share KNT
    sounds = sum(1 for s in short if any(set(phonetic(s)) & set(phonetic(t)) and _jw(s, t) >= 0.75
                                         for t in long_)) / len(short)
    best = sum(max(_jw(s, t) for t in long_) for s in short) / len(short)
    # spacing and transliteration: "DeLaCruz" / "De La Cruz"; "Youssef" / "Yusuf"
    squashed = _jw("".join(ta), "".join(tb))
    sk_long = {skeleton(t) for t in long_}
    skel = sum(1 for s in short if skeleton(s) in sk_long) / len(short)
    ga, gb = gender(a), gender(b)
    gender_clash = float(len(ta) > 1 and len(tb) > 1 and ga is not None and gb is not None and ga != gb)
    return {"gender_clash": gender_clash, "jaro_winkler": _jw(sa, sb), "ratio": fuzz.ratio(sa, sb) / 100,
            "token_set": fuzz.token_set_ratio(sa, sb) / 100, "surname_jw": _jw(ta[-1], tb[-1]),
            "first_name_clash": clash, "alias_subset": float(subset), "phonetic": sounds, "acronym": acr,
            "best_token_jw": best, "squashed_jw": squashed, "skeleton": skel}


def type_agreement(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return 0.5 if type_group(a) == type_group(b) else 0.0


def cosine(u: np.ndarray | None, v: np.ndarray | None) -> float:
    if u is None or v is None:
        return 0.5  # unknown context: neither for nor against
    return float(np.clip(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9), -1, 1))


@lru_cache(maxsize=65_536)
def _name_items(a: str, b: str) -> tuple[tuple[str, float], ...]:
    """name_features of two labels, kept: clustering's conflict checks score a few pairs at a
    time, pair by pair, and meet one pair of spellings again in each document's copies."""
    return tuple(name_features(a, b).items())


def pair_features(a: Atom, b: Atom, context: float | None = None) -> np.ndarray:
    """Features of one pair; ``context`` is the context cosine when the caller computed it
    for a whole batch at once (it is the costly part done pair by pair)."""
    f = dict(_name_items(a.label, b.label))
    f["type_agree"] = type_agreement(a.entity_type, b.entity_type)
    # "Geneva" inside "Lake Geneva", "ETH Zurich", "Panama Canal Authority": a place inside a
    # longer name is a relation (a landmark, a body named after it), not a variant
    ta, tb = tokens(a.label), tokens(b.label)
    shorter = a if len(ta) < len(tb) else b if len(tb) < len(ta) else None
    f["place_subset"] = float(f["alias_subset"] == 1.0 and shorter is not None
                              and type_group(shorter.entity_type) == "PLACE")
    f["context_cosine"] = cosine(a.embedding, b.embedding) if context is None else context
    f["same_source"] = float(bool(a.sources & b.sources))
    union = (a.neighbours | b.neighbours) - {a.iri, b.iri}
    f["neighbour_jaccard"] = len((a.neighbours & b.neighbours) - {a.iri, b.iri}) / len(union) if union else 0.0
    f["noisy"] = float(a.noisy or b.noisy)
    f["single_token"] = float(min(len(tokens(a.label)), len(tokens(b.label))) == 1)
    return np.array([f[name] for name in FEATURES], dtype=np.float32)
