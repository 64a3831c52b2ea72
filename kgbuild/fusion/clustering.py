"""Clustering under constraints: accepted links join atoms, and a group holding a conflict is cut.

A group holding a conflict — two named members (written, heard or read) that clash (score
below ``clash``, e.g. "Anna Kowalczyk" and "Adam Kowalczyk" brought together by a bare
"Kowalczyk"), two boxes of one picture, a pair split by hand — is cut at the minimum cut
between the worst conflicting pair, so no single early link decides; a group over
``max_cut`` members is clustered greedily, best link first. The scores come from
:class:`.resolver.Resolver` (this is its base class): the link scores are reused, and the
pairs a check needs are scored in batches, not one by one (a batch's per-call cost is what
clustering spent its time on at 100k mentions: bench/fusion.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence, Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from .atoms import Atom
from .names import UNRESOLVED_TYPES, tokens


@dataclass(frozen=True)
class Link:
    a: str  # a < b
    b: str
    score: float
    method: str  # "model" | "grounding" | "manual"


def resolvable(atom: Atom) -> bool:
    return not atom.detected and atom.entity_type not in UNRESOLVED_TYPES


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


# A greedy join's unscored pairs are scored in batches of FIRST, then GROWTH times more each
# time: a conflict, when there is one, is mostly among the first pairs (a join refused after
# 4 pairs), and a join accepted scores all of them in a few batches, not one by one (a batch
# costs ~0.5 ms whatever its size up to ~100 pairs). Measured at 100k mentions (bench/fusion.py):
# 4 and 4 scored 56k pairs in 11.6k batches; 64 and 2 scored 216k in 10.2k, one by one 200k.
FIRST, GROWTH = 4, 4


class Clustering:
    """The clustering half of :class:`.resolver.Resolver`, which scores pairs (``scored``,
    ``score``) and sets ``clash`` and ``batch``."""

    clash: float
    batch: int

    def scored(self, atoms: dict[str, Atom], pairs: Iterable[tuple[str, str]]
               ) -> Iterator[tuple[Sequence[tuple[str, str]], np.ndarray, np.ndarray]]:
        raise NotImplementedError

    def score(self, atoms: dict[str, Atom], pairs: Iterable[tuple[str, str]]
              ) -> Iterator[tuple[str, str, float, np.ndarray]]:
        raise NotImplementedError

    def cluster(self, atoms: dict[str, Atom], links: Iterable[Link],
                cannot: AbstractSet[tuple[str, str]] = frozenset(),
                scores: dict[tuple[str, str], float] | None = None) -> dict[str, str]:
        """atom IRI -> canonical IRI for every atom in ``atoms``.

        Accepted links join atoms into connected groups; a group that holds a conflict — two
        named members (written, heard or read alike) scoring below ``clash``, two boxes of
        one picture, a pair split by hand — is cut in two by the minimum cut (sum of link
        scores) between the worst conflicting pair, and the parts are checked again. So one
        early link does not decide: a 0.98 link is kept and the weak link that chained two
        people together is the one cut. Groups larger than ``max_cut`` are clustered
        greedily, best link first, refusing a join that would bring in a conflict.
        ``scores``: probabilities :meth:`links` computed for pairs of these same atoms (it
        is added to): a conflict check does not score a candidate pair twice."""
        links = [k for k in links if k.a in atoms and k.b in atoms and k.a != k.b]
        cache: dict[tuple[str, str], float] = scores if scores is not None else {}

        def same_thing(x: str, y: str) -> float:
            key = pair(x, y)
            if key not in cache:
                cache[key] = next(self.score(atoms, [key]))[2]
            return cache[key]

        same_thing.cache = cache  # type: ignore[attr-defined]
        parent = {iri: iri for iri in atoms}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for link in links:
            ra, rb = find(link.a), find(link.b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        groups: dict[str, list[str]] = defaultdict(list)
        for iri in sorted(atoms):
            groups[find(iri)].append(iri)
        by_group: dict[str, list[Link]] = defaultdict(list)
        for link in links:
            by_group[find(link.a)].append(link)
        # every named pair of every group the cut will check, scored in one batch: one table of
        # label pairs for all groups, not one per group (.parallel)
        self._prime(atoms, [pair(x, y) for members in groups.values() if 1 < len(members) <= self.max_cut
                            for named in [[m for m in members if resolvable(atoms[m])]]
                            for i, x in enumerate(named) for y in named[i + 1:]], same_thing)
        canonical: dict[str, str] = {}
        for root, members in groups.items():
            if len(members) == 1:
                parts = [members]
            elif len(members) > self.max_cut:
                parts = self._greedy(atoms, members, by_group[root], cannot, same_thing)
            else:
                parts = self._cut(atoms, members, by_group[root], cannot, same_thing)
            for part in parts:
                head = min(part, key=lambda iri: _representative(atoms[iri]))
                canonical.update((iri, head) for iri in part)
        return canonical

    max_cut = 30  # above this, greedy: the cut scores every named pair of a group

    def _conflict(self, atoms, x: str, y: str, cannot, same_thing) -> float | None:
        """How strongly x and y must stay apart (lower: stronger), or None when they may join."""
        if pair(x, y) in cannot:
            return -2.0
        ax, ay = atoms[x], atoms[y]
        if ax.detected and ay.detected and ax.sources & ay.sources:  # two boxes of one picture: two things
            return -1.0
        if resolvable(ax) and resolvable(ay):  # heard and read names too: one early link must not decide
            score = same_thing(x, y)
            if score < self.clash:
                return score
        return None

    def _cut(self, atoms, members: list[str], links: list[Link], cannot, same_thing) -> list[list[str]]:
        import networkx as nx

        # every named pair of the group was scored beforehand in one batch (cluster: _prime)
        todo, done = [sorted(members)], []
        while todo:
            part = todo.pop()
            inside = set(part)
            worst = None
            for i, x in enumerate(part):
                for y in part[i + 1:]:
                    c = self._conflict(atoms, x, y, cannot, same_thing)
                    if c is not None and (worst is None or (c, x, y) < worst):
                        worst = (c, x, y)
            if worst is None:
                done.append(part)
                continue
            graph = nx.Graph()
            graph.add_nodes_from(part)
            for k in sorted(links, key=lambda k: (k.a, k.b)):
                if k.a in inside and k.b in inside:
                    old = graph.get_edge_data(k.a, k.b, {}).get("capacity", 0.0)
                    graph.add_edge(k.a, k.b, capacity=max(old, k.score))
            _, (side_a, side_b) = nx.minimum_cut(graph, worst[1], worst[2])
            for side in (side_a, side_b):  # a side may fall apart into pieces no link joins
                sub = graph.subgraph(side)
                todo.extend(sorted(c) for c in nx.connected_components(sub))
        return sorted(done)

    def _prime(self, atoms, pairs: list[tuple[str, str]], same_thing) -> None:
        cache = getattr(same_thing, "cache", None)
        if cache is None:
            return
        for chunk, _, probs in self.scored(atoms, [k for k in pairs if k not in cache]):
            cache.update(zip(chunk, probs.tolist()))

    def _greedy(self, atoms, members: list[str], links: list[Link], cannot, same_thing) -> list[list[str]]:
        group = {iri: [iri] for iri in members}
        root = {iri: iri for iri in members}
        # groups found to hold a conflicting pair between them: groups only grow, so they stay
        # apart, and the next link between them is refused without looking at their members again
        apart: dict[str, set[str]] = defaultdict(set)
        ordered = sorted(links, key=lambda k: (-k.score, k.a, k.b))
        for link in ordered:
            ra, rb = root[link.a], root[link.b]
            if ra == rb or rb in apart[ra]:
                continue
            if self._clashes(atoms, group[ra], group[rb], cannot, same_thing):
                apart[ra].add(rb)
                apart[rb].add(ra)
                continue
            big, small = (ra, rb) if len(group[ra]) >= len(group[rb]) else (rb, ra)
            for iri in group[small]:
                root[iri] = big
            group[big].extend(group.pop(small))
            for other in apart.pop(small, set()):
                apart[other].discard(small)
                apart[other].add(big)
                apart[big].add(other)
        return sorted(sorted(g) for g in group.values())

    def _clashes(self, atoms, xs: list[str], ys: list[str], cannot, same_thing) -> bool:
        """Whether any x of ``xs`` and y of ``ys`` conflict (:meth:`_conflict`): first the
        pairs decided without scoring (a conflict scored earlier is the common refusal), then
        the unscored ones in growing batches (FIRST), not one by one."""
        cache, clash, todo = same_thing.cache, self.clash, []
        others = [(y, atoms[y], resolvable(atoms[y])) for y in ys]
        for x in xs:
            ax = atoms[x]
            named = resolvable(ax)
            for y, ay, named_y in others:
                key = (x, y) if x < y else (y, x)
                if cannot and key in cannot or ax.detected and ay.detected and ax.sources & ay.sources:
                    return True
                if named and named_y:
                    if key not in cache:
                        todo.append(key)
                    elif cache[key] < clash:
                        return True
        start, size = 0, FIRST
        while start < len(todo):
            part = todo[start:start + size]
            self._prime(atoms, part, same_thing)
            if any(cache[key] < clash for key in part):
                return True
            start, size = start + size, min(GROWTH * size, self.batch)
        return False


def _representative(atom: Atom) -> tuple:
    """Order of preference for the canonical member: a name over a box, written over heard,
    a full name over a bare one ("Anna Kowalczyk" over "Kowalczyk"), most mentioned, longest
    label, then the IRI. It depends only on the cluster's own members, never on ingest
    order or unrelated documents."""
    return (atom.detected, atom.noisy, len(tokens(atom.label)) < 2, -atom.mentions, -len(atom.label), atom.iri)


