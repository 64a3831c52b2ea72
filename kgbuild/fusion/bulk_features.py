"""Pair features for a batch of pairs at once, equal to :func:`.features.pair_features` row by row.

Pair by pair, most of the time went on Python work per pair that depends on one name or one
word, not on the pair: a name's tokens, their Double Metaphone codes and skeletons, its
acronym and gender — and a name sits in ~20 candidate pairs. Here each distinct name is
profiled once (:func:`profile`, cached) into a :class:`NameTable` of all the labels of a
candidate list, its words become ids into the table's vocabulary, and the word-by-word features (initials, sounds, best word match, skeletons) are
array operations over (pair, short word, long word). String similarities are computed in C
for the whole batch (``rapidfuzz.process.cpdist``, element-wise; ``workers=1`` because the
pool of :mod:`.parallel` owns the cores).

Pairs whose names hold abbreviations ("U.S. Navy") or respace ("DeLaCruz" / "Ana De La
Cruz") rewrite their tokens for that one pair; they, and batches too small to gain, go
through :mod:`.features` itself. Sums run in the same order as there, so every row is the
same float32 as the per-pair path (tests/fusion/test_bulk_features.py compares them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from .atoms import Atom
from .features import FEATURES, NAME_FEATURES, PARTICLES, _abbreviations, cosine, gender, name_features, pair_features
from .id_sets import IdSets
from .names import acronym, phonetic, skeleton, tokens, type_group
from .pair_set import distinct_inverse

COLUMN = {name: i for i, name in enumerate(FEATURES)}
SMALL_BATCH = 32  # below this the arrays cost more than the loop (clustering asks one pair at a time)
_GENDER = {None: 0, "m": 1, "f": 2}


@dataclass(frozen=True)
class NameProfile:
    """What the pair features need from one name, computed once per name."""

    toks: tuple[str, ...]
    plain: str  # tokens joined by spaces
    joined: str  # tokens run together
    acronym: str
    abbreviated: bool  # holds abbreviations: a pair rewrites its tokens (features._expand)
    suffixes: frozenset[str]  # its last 2+ words run together: what features._respace looks for
    gender: int  # _GENDER code


@lru_cache(maxsize=200_000)
def profile(label: str) -> NameProfile:
    toks = tokens(label)
    return NameProfile(toks, " ".join(toks), "".join(toks), acronym(toks), bool(_abbreviations(label)),
                       frozenset("".join(toks[i:]) for i in range(len(toks) - 1)), _GENDER[gender(label)])


def _rewrites(x: NameProfile, y: NameProfile) -> bool:
    """Whether features.name_features would rewrite the pair's tokens (or finds none)."""
    if x.abbreviated or y.abbreviated or not x.toks or not y.toks:
        return True
    return bool(x.suffixes and (y.toks[-1] in x.suffixes or y.joined in x.suffixes)
                or y.suffixes and (x.toks[-1] in y.suffixes or x.joined in y.suffixes))


def _cpdist(scorer, a, b) -> np.ndarray:
    if not len(a):
        return np.zeros(0)
    return process.cpdist(list(a), list(b), scorer=scorer, dtype=np.float64, workers=1)


def _jaro_winkler(a, b) -> np.ndarray:
    """Jaro-Winkler pair by pair: cpdist's vectorised Jaro-Winkler differs from the scalar one
    in the last bit for a third of pairs, which could tip a ``>= 0.75`` test; the call is what
    is cheap here, the Python around it was the cost."""
    return np.fromiter(map(JaroWinkler.normalized_similarity, a, b), dtype=np.float64, count=len(a))


class _Interner(dict):
    def id(self, key) -> int:
        return self.setdefault(key, len(self))

    def ids(self, keys: Iterable) -> np.ndarray:
        """Ids of many keys (new ones numbered in order of first appearance): Python code
        runs only for the distinct new keys, the lookups in C."""
        keys = keys if isinstance(keys, list) else list(keys)
        new = [k for k in dict.fromkeys(keys) if k not in self]
        self.update(zip(new, range(len(self), len(self) + len(new))))
        return np.fromiter(map(self.__getitem__, keys), dtype=np.int64, count=len(keys))


@lru_cache(maxsize=200_000)
def _word(word: str) -> tuple[tuple[str, ...], str, bool]:
    return phonetic(word), skeleton(word), word in PARTICLES


class NameTable:
    """Per-label arrays of many labels, built once; the name features of any pairs of them
    are then array operations (:meth:`rows`).

    Built per batch of label pairs, as it was, each label was profiled again (its words
    interned, their sounds and skeletons looked up, its suffixes indexed) in every batch it
    appeared in, and a batch of 32,768 label pairs holds ~3,800 distinct labels at 10k
    mentions but ~28,000 at 100k (bench/fusion.py): the cost per pair grew with the corpus.
    :class:`.pair_table.PairTable` builds one for all its labels, so each is profiled once."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        profs = [profile(label) for label in self.labels]
        strings, vocab = _Interner(), _Interner()
        self.ntok = np.array([len(p.toks) for p in profs], dtype=np.int64)
        self.words = np.full((len(profs), max(1, int(self.ntok.max(initial=0)))), -1, dtype=np.int64)
        for row, p in enumerate(profs):
            self.words[row, :len(p.toks)] = [vocab.id(t) for t in p.toks]
        self.acr = np.array([strings.id(p.acronym) for p in profs], dtype=np.int64)
        self.joined_id = np.array([strings.id(p.joined) for p in profs], dtype=np.int64)
        self.sex = np.array([p.gender for p in profs], dtype=np.int64)
        self.plain = np.array([p.plain for p in profs], dtype=object)
        self.joined = np.array([p.joined for p in profs], dtype=object)
        self.last = self.words[np.arange(len(profs)), np.maximum(self.ntok - 1, 0)]
        # per word: two Double Metaphone code ids (-1: none), skeleton id, first letter, length, particle
        word_list = list(vocab)
        self.codes = np.full((len(word_list) + 1, 2), -1, dtype=np.int64)  # row -1: the padding word
        self.skel = np.full(len(word_list) + 1, -1, dtype=np.int64)
        self.first = np.full(len(word_list) + 1, -1, dtype=np.int64)
        self.length = np.zeros(len(word_list) + 1, dtype=np.int64)
        self.particle = np.zeros(len(word_list) + 1, dtype=bool)
        for w, word in enumerate(word_list):
            sounds, skeleton_of, self.particle[w] = _word(word)
            self.codes[w, :len(sounds)] = [strings.id(("p", c)) for c in sounds]
            self.skel[w], self.first[w], self.length[w] = strings.id(("k", skeleton_of)), ord(word[0]), len(word)
        self.vocab_text = np.array(word_list + [""], dtype=object)
        self.rewrites = _Rewrites(profs)

    def rows(self, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
        """``(len(ia), NAME_FEATURES)`` float64: the name features of labels ``(ia[k], ib[k])``."""
        out = np.zeros((len(ia), NAME_FEATURES))
        if not len(ia):
            return out
        col, text, first, length = COLUMN, self.vocab_text, self.first, self.length
        # words as wide as the longest name of these pairs, as when a batch was profiled alone
        words = self.words[:, :max(1, int(self.ntok[ia].max()), int(self.ntok[ib].max()))]
        plain, joined = self.plain, self.joined
        out[:, col["jaro_winkler"]] = _jaro_winkler(plain[ia], plain[ib])
        out[:, col["ratio"]] = _cpdist(fuzz.ratio, plain[ia], plain[ib]) / 100
        out[:, col["token_set"]] = _cpdist(fuzz.token_set_ratio, plain[ia], plain[ib]) / 100
        out[:, col["surname_jw"]] = _jaro_winkler(text[self.last[ia]], text[self.last[ib]])
        out[:, col["squashed_jw"]] = _jaro_winkler(joined[ia], joined[ib])
        na, nb, acr, joined_id, sex = self.ntok[ia], self.ntok[ib], self.acr, self.joined_id, self.sex
        out[:, col["acronym"]] = (((acr[ia] == joined_id[ib]) & (nb == 1) & (na > 1))
                                  | ((acr[ib] == joined_id[ia]) & (na == 1) & (nb > 1)))
        both_long = (na > 1) & (nb > 1)
        out[:, col["gender_clash"]] = both_long & (sex[ia] > 0) & (sex[ib] > 0) & (sex[ia] != sex[ib])
        fa, fb = words[ia, 0], words[ib, 0]
        initial = (first[fa] == first[fb]) & ((length[fa] == 1) | (length[fb] == 1))
        clash = both_long & ~initial & ~self.particle[fa] & ~self.particle[fb]
        out[clash, col["first_name_clash"]] = 1.0 - _jaro_winkler(text[fa[clash]], text[fb[clash]])
        _word_features(out, np.where(na <= nb, ia, ib), np.where(na <= nb, ib, ia), words, self.ntok,
                       text, self.codes, self.skel, first, length)
        for row in np.flatnonzero(self.rewrites(ia, ib)).tolist():  # rare: the pair rewrites its tokens
            f = name_features(self.labels[ia[row]], self.labels[ib[row]])
            out[row] = [f[name] for name in FEATURES[:NAME_FEATURES]]
        return out


def name_feature_rows(label_pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """``(len(label_pairs), NAME_FEATURES)`` float64: the name features of each (a, b) label pair."""
    labels = _Interner()
    ia, ib = labels.ids([a for a, _ in label_pairs]), labels.ids([b for _, b in label_pairs])
    return NameTable(list(labels)).rows(ia, ib)


class _Rewrites:
    """:func:`_rewrites` of pairs of ``profs`` as arrays: a word or the whole of one name run
    together among the other's last words (.id_sets), not a Python call per pair."""

    def __init__(self, profs: Sequence[NameProfile]) -> None:
        self.always = np.array([p.abbreviated or not p.toks for p in profs], dtype=bool)
        self.suffixes = IdSets([p.suffixes for p in profs], _Interner())
        self.last = self.suffixes.ids_of(p.toks[-1] if p.toks else "" for p in profs)
        self.joined = self.suffixes.ids_of(p.joined for p in profs)

    def __call__(self, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
        holds, last, joined = self.suffixes.holds, self.last, self.joined
        return (self.always[ia] | self.always[ib] | holds(ia, last[ib]) | holds(ia, joined[ib])
                | holds(ib, last[ia]) | holds(ib, joined[ia]))


def _rewriting(profs: list[NameProfile], ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
    return _Rewrites(profs)(ia, ib)


def _word_features(out, short, long_, words, ntok, vocab_text, codes, skel, first, length) -> None:
    """alias_subset, phonetic, best_token_jw and skeleton over (pair, short word, long word)."""
    col = COLUMN
    sw, tw = words[short], words[long_]  # (n, K)
    valid_s, valid_t = sw >= 0, tw >= 0
    valid = valid_s[:, :, None] & valid_t[:, None, :]
    s3, t3 = sw[:, :, None], tw[:, None, :]
    sim = np.zeros(valid.shape)
    where = np.nonzero(valid)
    # each distinct (short word, long word) once: first names and common surnames recur
    n_words = len(vocab_text)
    word_pair = sw[where[0], where[1]] * n_words + tw[where[0], where[2]]
    distinct, back = distinct_inverse(word_pair)
    sim[where] = _jaro_winkler(vocab_text[distinct // n_words], vocab_text[distinct % n_words])[back]
    initial = (first[s3] == first[t3]) & ((length[s3] == 1) | (length[t3] == 1))
    n_short = ntok[short]
    out[:, col["alias_subset"]] = np.all(~valid_s | (valid & ((s3 == t3) | initial)).any(2), axis=1)
    sound = np.zeros(valid.shape, dtype=bool)
    for p in range(codes.shape[1]):
        for q in range(codes.shape[1]):
            cs, ct = codes[sw][:, :, None, p], codes[tw][:, None, :, q]
            sound |= (cs == ct) & (cs >= 0)
    hits = (valid & sound & (sim >= 0.75)).any(2) & valid_s
    n_safe = np.maximum(n_short, 1)
    out[:, col["phonetic"]] = hits.sum(1) / n_safe
    best = np.where(valid, sim, -np.inf).max(2)
    total = np.zeros(len(short))
    for k in range(sw.shape[1]):  # word by word, in order: the same float sum as features.py
        total = total + np.where(valid_s[:, k], best[:, k], 0.0)
    out[:, col["best_token_jw"]] = total / n_safe
    same_skel = (valid & (skel[s3] == skel[t3])).any(2) & valid_s
    out[:, col["skeleton"]] = same_skel.sum(1) / n_safe


def pair_feature_rows(atoms: dict[str, Atom], pairs: Sequence[tuple[str, str]],
                      contexts: Sequence[float] | None = None) -> np.ndarray:
    """``(len(pairs), len(FEATURES))`` float32, row i equal to ``pair_features`` of pair i.
    ``contexts``: the context cosines when the caller computed them for the batch."""
    if len(pairs) < SMALL_BATCH:
        rows = [pair_features(atoms[a], atoms[b], None if contexts is None else contexts[i])
                for i, (a, b) in enumerate(pairs)]
        return np.stack(rows) if rows else np.zeros((0, len(FEATURES)), dtype=np.float32)
    col = COLUMN
    out = np.zeros((len(pairs), len(FEATURES)))
    out[:, :NAME_FEATURES] = name_feature_rows([(atoms[a].label, atoms[b].label) for a, b in pairs])
    ids = _Interner()
    ia, ib = ids.ids(a for a, _ in pairs), ids.ids(b for _, b in pairs)
    members = [atoms[iri] for iri in ids]
    kinds = _Interner()
    kind = np.array([kinds.id(m.entity_type) for m in members])
    group = np.array([kinds.id(("group", type_group(m.entity_type))) for m in members])
    place = kinds.id(("group", "PLACE"))
    ntok = np.array([len(profile(m.label).toks) for m in members])
    noisy = np.array([m.noisy for m in members])
    out[:, col["type_agree"]] = np.where(kind[ia] == kind[ib], 1.0, np.where(group[ia] == group[ib], 0.5, 0.0))
    na, nb = ntok[ia], ntok[ib]
    shorter_group = np.where(na < nb, group[ia], group[ib])
    out[:, col["place_subset"]] = (out[:, col["alias_subset"]] == 1.0) & (na != nb) & (shorter_group == place)
    out[:, col["noisy"]] = noisy[ia] | noisy[ib]
    out[:, col["single_token"]] = np.minimum(na, nb) == 1
    out[:, col["same_source"]] = [not atoms[a].sources.isdisjoint(atoms[b].sources) for a, b in pairs]
    out[:, col["neighbour_jaccard"]] = [_neighbour_jaccard(atoms[a], atoms[b]) for a, b in pairs]
    out[:, col["context_cosine"]] = (contexts if contexts is not None else
                                     [cosine(atoms[a].embedding, atoms[b].embedding) for a, b in pairs])
    return out.astype(np.float32)


def context_cosines(atoms: dict[str, Atom], pairs: Sequence[tuple[str, str]]) -> list[float]:
    """Context cosines of a batch of pairs (0.5 where a context is unknown), in float32 as
    the resolver always computed them; each atom's vector is stacked once, not once a pair."""
    out = [0.5] * len(pairs)
    known = [i for i, (a, b) in enumerate(pairs) if atoms[a].embedding is not None and atoms[b].embedding is not None]
    if not known:
        return out
    ids = _Interner()
    ia, ib = ids.ids(pairs[i][0] for i in known), ids.ids(pairs[i][1] for i in known)
    vectors = np.stack([np.asarray(atoms[iri].embedding) for iri in ids])  # all known here
    u, v = vectors[ia], vectors[ib]
    cos = (u * v).sum(1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1) + 1e-9)
    for i, c in zip(known, np.clip(cos, -1, 1).tolist()):
        out[i] = c
    return out


def _neighbour_jaccard(a: Atom, b: Atom) -> float:
    """Jaccard of the two atoms' neighbours without themselves, counted without building the union."""
    na, nb = a.neighbours, b.neighbours
    if not na and not nb:
        return 0.0
    both = na & nb
    shared = len(both) - (a.iri in both) - (b.iri in both)
    union = len(na) + len(nb) - len(both) - (a.iri in na or a.iri in nb) - (b.iri in na or b.iri in nb)
    return shared / union if union else 0.0
