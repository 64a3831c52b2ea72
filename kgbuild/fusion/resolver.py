"""Entity resolution in memory: blocking, scoring, and clustering under constraints.

Candidate pairs come only from shared blocking keys (:func:`.names.blocking_keys`), so the
work grows with the number of names, not its square. A block is compared all-pairs only
while that costs no more than the window would (at most ``2 * window + 1`` members, and never
above ``max_block``); a larger one (a very common surname, a first name, "East", "Logistics")
is compared within a sliding window over its sorted names. Blocks keyed on such common tokens
grow with the corpus: compared all-pairs up to ``max_block`` members they made candidates
(and scoring) grow almost with the square of the mentions (docs/fusion.md, "Scale"; bench/fusion.py).
Clustering joins atoms along accepted links, then cuts every group holding a conflict — two
named members (written, heard or read) that clash (score below ``clash``, e.g. "Anna
Kowalczyk" and "Adam Kowalczyk" brought together by a bare "Kowalczyk"), two boxes of one
picture, a pair split by hand — at the minimum cut between the worst conflicting pair, so no
single early link decides. Everything is ordered by score then IRI, so the result does not
depend on ingest order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from .atoms import Atom
from .candidates import best_window_pairs
from .features import FEATURES
from .names import UNRESOLVED_TYPES, blocking_keys, tokens
from .parallel import feature_batches
from .scorer import FusionScorer


@dataclass(frozen=True)
class Link:
    a: str  # a < b
    b: str
    score: float
    method: str  # "model" | "grounding" | "manual"


# The least score of one name written the same way, with the same type, in two documents, for
# names other than people's: the linker scopes every name to its document, and "Leeds",
# "United Nations" or "Sursock Museum" in two documents is one thing however unlike the two
# texts are (the pair model, which leans on context, scores such pairs 0.1-0.7 when the
# documents are about other things). A person's full name is left to the model: one name, two
# people is the common homonym. A link at this score is still cut when its cluster holds a clash.
SAME_NAME = 0.9


# One person's full name in two documents is one person when the documents corroborate it
# (company in common, or related contexts: MiniLM cosine at least UNRELATED, the lower part of
# the training's "related but different context" band, 0.3-0.65), and scores SAME_NAME; when
# they share no company and their contexts are unrelated, the two identical names tell nothing
# about which of the people so called is meant, and the pair is kept under the link threshold
# (another document may still join them). The pair model alone scores both kinds 0.1-0.7.
UNRELATED = 0.4
UNCORROBORATED = 0.45
_CONTEXT, _NEIGHBOURS = FEATURES.index("context_cosine"), FEATURES.index("neighbour_jaccard")


def same_name(a: Atom, b: Atom) -> bool:
    return (a.entity_type == b.entity_type and a.entity_type != "PERSON" and not (a.detected or b.detected)
            and a.label.casefold() == b.label.casefold())


def resolvable(atom: Atom) -> bool:
    return not atom.detected and atom.entity_type not in UNRESOLVED_TYPES


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


class Resolver:
    def __init__(self, scorer: FusionScorer, *, threshold: float = 0.5, clash: float = 0.3,
                 max_block: int = 200, window: int = 10, keep: int | None = None, batch: int = 8192,
                 workers: int | None = None, same_name: float = SAME_NAME) -> None:
        self.scorer, self.threshold, self.clash, self.same_name = scorer, threshold, clash, same_name
        self.max_block, self.window, self.keep, self.batch = max_block, window, keep, batch
        self.workers = workers  # scoring processes; None: the cpu budget (kgbuild.threads), 1: none

    # candidates ------------------------------------------------------------------------

    def candidate_pairs(self, atoms: dict[str, Atom], focus: Iterable[str] | None = None,
                        index: dict[str, list[str]] | None = None) -> set[tuple[str, str]]:
        """Pairs sharing a blocking key; with ``focus``, only pairs that involve a focus atom."""
        index = index if index is not None else block_index(atoms.values())
        focus_set = set(focus) if focus is not None else None
        out: set[tuple[str, str]] = set()
        keys: dict[str, frozenset[str]] = {}

        def keys_of(iri: str) -> frozenset[str]:
            if iri not in keys:
                keys[iri] = frozenset(blocking_keys(atoms[iri].label, atoms[iri].entity_type))
            return keys[iri]

        all_pairs = min(self.max_block, 2 * self.window + 1)  # beyond this, all pairs cost more than the window
        for _key, members in index.items():
            if len(members) < 2:
                continue
            if len(members) <= all_pairs:
                todo = members if focus_set is None else [m for m in members if m in focus_set]
                for a in todo:
                    out.update(pair(a, b) for b in members if b != a)
            else:  # sorted neighbourhood: names that sort near each other (with ``keep``: each its best few)
                ordered = sorted(members, key=lambda iri: (atoms[iri].label.lower(), iri))
                out.update(p for p in best_window_pairs(ordered, atoms, keys_of, self.window, self.keep)
                           if focus_set is None or p[0] in focus_set or p[1] in focus_set)
        return out

    # scoring ---------------------------------------------------------------------------

    def score(self, atoms: dict[str, Atom], pairs: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str, float, np.ndarray]]:
        # features a batch at a time (.bulk_features), in a pool of ``workers`` when large (.parallel)
        for chunk, feats in feature_batches(atoms, sorted(pairs), self.batch, self.workers):
            for (a, b), f, p in zip(chunk, feats, self.scorer.probability(feats)):
                yield a, b, self.name_prior(atoms[a], atoms[b], float(p), f), f

    def name_prior(self, a: Atom, b: Atom, p: float, f: np.ndarray) -> float:
        """What one name written the same way in two documents is worth (see SAME_NAME)."""
        if same_name(a, b):
            return max(p, self.same_name)
        if (a.entity_type == b.entity_type == "PERSON" and len(tokens(a.label)) > 1
                and a.label.casefold() == b.label.casefold() and not a.sources & b.sources):
            if f[_NEIGHBOURS] == 0 and f[_CONTEXT] < UNRELATED:
                return min(p, UNCORROBORATED)  # not a link, not a clash: another document may bridge them
            return max(p, self.same_name)  # one full name, and company or context in common
        return p

    def links(self, atoms: dict[str, Atom], pairs: Iterable[tuple[str, str]],
              scores: dict[tuple[str, str], float] | None = None) -> list[Link]:
        """Accepted links; ``scores``, when given, receives every pair's probability, which
        :meth:`cluster` can reuse for its conflict checks (the same atoms only)."""
        out = []
        for a, b, p, _ in self.score(atoms, pairs):
            if scores is not None:
                scores[(a, b)] = p
            if p >= self.threshold:
                out.append(Link(a, b, round(p, 4), "model"))
        return out

    # clustering ------------------------------------------------------------------------

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

        # score every named pair of the group in one batch (pair by pair is the slow part)
        named = [m for m in sorted(members) if resolvable(atoms[m])]
        todo_pairs = [pair(x, y) for i, x in enumerate(named) for y in named[i + 1:]]
        self._prime(atoms, todo_pairs, same_thing)
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
        for a, b, p, _ in self.score(atoms, [k for k in pairs if k not in cache]):
            cache[(a, b)] = p

    def _greedy(self, atoms, members: list[str], links: list[Link], cannot, same_thing) -> list[list[str]]:
        group = {iri: [iri] for iri in members}
        root = {iri: iri for iri in members}
        for link in sorted(links, key=lambda k: (-k.score, k.a, k.b)):
            ra, rb = root[link.a], root[link.b]
            if ra == rb or any(self._conflict(atoms, x, y, cannot, same_thing) is not None
                               for x in group[ra] for y in group[rb]):
                continue
            big, small = (ra, rb) if len(group[ra]) >= len(group[rb]) else (rb, ra)
            for iri in group[small]:
                root[iri] = big
            group[big].extend(group.pop(small))
        return sorted(sorted(g) for g in group.values())


def _representative(atom: Atom) -> tuple:
    """Order of preference for the canonical member: a name over a box, written over heard,
    a full name over a bare one ("Anna Kowalczyk" over "Kowalczyk"), most mentioned, longest
    label, then the IRI. It depends only on the cluster's own members, never on ingest
    order or unrelated documents."""
    return (atom.detected, atom.noisy, len(tokens(atom.label)) < 2, -atom.mentions, -len(atom.label), atom.iri)


def block_index(atoms: Iterable[Atom]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for atom in atoms:
        if resolvable(atom):
            for key in blocking_keys(atom.label, atom.entity_type):
                index[key].append(atom.iri)
    return index
