"""One set of strings per atom (its sources, its neighbours) as integer ids, so that the
intersections of a whole batch of pairs are array operations.

Per pair in Python (``a.sources & b.sources``, :func:`.bulk_features._neighbour_jaccard`)
these cost ~2 µs a pair, and per-document atoms make the candidate pairs twice as many
(bench/fusion.py, 100k mentions: 1.8M pairs). Here every member of every set becomes
``owner * width + id`` in one sorted array: whether atom x holds id e is a binary search, and
the size of an intersection is the number of the smaller set's members the other one holds.
Counts are integers, so the features computed from them are exactly the per-pair ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


class IdSets:
    """``sets[i]`` as ids of ``vocab`` (a :class:`.bulk_features._Interner`, added to)."""

    def __init__(self, sets: Sequence[Iterable[str]], vocab) -> None:
        self.vocab = vocab
        self.size = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))  # type: ignore[arg-type]
        self.flat = vocab.ids(x for s in sets for x in s)  # set by set, in any order within one
        self.start = np.cumsum(self.size) - self.size
        self.width = max(1, len(vocab))
        owner = np.repeat(np.arange(len(sets), dtype=np.int64), self.size)
        self.keys = np.sort(owner * self.width + self.flat)

    def ids_of(self, values: Iterable[str]) -> np.ndarray:
        """The id of each value, -1 where no set holds it."""
        get = self.vocab.get
        return np.fromiter((get(v, -1) for v in values), dtype=np.int64)

    def holds(self, owners: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Whether set ``owners[k]`` holds id ``ids[k]`` (never for -1)."""
        if not len(self.keys):
            return np.zeros(len(owners), dtype=bool)
        key = owners * self.width + ids
        pos = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        return (ids >= 0) & (ids < self.width) & (self.keys[pos] == key)

    def common(self, ia: np.ndarray, ib: np.ndarray) -> np.ndarray:
        """``len(sets[ia[k]] & sets[ib[k]])`` for every k: the smaller set's members looked up
        in the larger one."""
        a_smaller = self.size[ia] <= self.size[ib]
        small, other = np.where(a_smaller, ia, ib), np.where(a_smaller, ib, ia)
        count = self.size[small]
        pair_of = np.repeat(np.arange(len(ia)), count)
        within = np.arange(len(pair_of)) - np.repeat(np.cumsum(count) - count, count)
        members = self.flat[np.repeat(self.start[small], count) + within]
        hit = self.holds(other[pair_of], members)
        return np.bincount(pair_of[hit], minlength=len(ia))
