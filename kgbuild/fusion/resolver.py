"""Entity resolution in memory: blocking, scoring, and clustering under constraints.

Candidate pairs come only from shared blocking keys (:func:`.names.blocking_keys`), so the
work grows with the number of names, not its square. A block is compared all-pairs only
while that costs no more than the window would (at most ``2 * window + 1`` members, and never
above ``max_block``); a larger one (a very common surname, a first name, "East", "Logistics")
is compared within a sliding window over its sorted names. Blocks keyed on such common tokens
grow with the corpus: compared all-pairs up to ``max_block`` members they made candidates
(and scoring) grow almost with the square of the mentions (docs/fusion.md, "Scale"; bench/fusion.py).
Clustering (:mod:`.clustering`, the base class) joins atoms along accepted links, then cuts
every group holding a conflict at the minimum cut between the worst conflicting pair.
Everything is ordered by score then IRI, so the result does not depend on ingest order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from .atoms import Atom
from .candidates import block_pairs
from .clustering import Clustering, Link, pair, resolvable  # noqa: F401 - pair: imported from here too
from .features import FEATURES
from .names import blocking_keys, tokens
from .pair_set import PairSet
from .pair_table import SAME_NAME as _SAME_NAME, SAME_PERSON as _SAME_PERSON
from .parallel import feature_batches
from .scorer import FusionScorer

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
_SOURCE = FEATURES.index("same_source")


def same_name(a: Atom, b: Atom) -> bool:
    return (a.entity_type == b.entity_type and a.entity_type != "PERSON" and not (a.detected or b.detected)
            and a.label.casefold() == b.label.casefold())



class Resolver(Clustering):
    """Candidates, scores and links here; clustering under constraints in .clustering."""

    def __init__(self, scorer: FusionScorer, *, threshold: float = 0.5, clash: float = 0.3,
                 max_block: int = 200, window: int = 10, keep: int | None = None, batch: int = 8192,
                 workers: int | None = None, same_name: float = SAME_NAME) -> None:
        self.scorer, self.threshold, self.clash, self.same_name = scorer, threshold, clash, same_name
        self.max_block, self.window, self.keep, self.batch = max_block, window, keep, batch
        self.workers = workers  # scoring processes; None: the cpu budget (kgbuild.threads), 1: none

    # candidates ------------------------------------------------------------------------

    def candidate_pairs(self, atoms: dict[str, Atom], focus: Iterable[str] | None = None,
                        index: dict[str, list[str]] | None = None) -> PairSet:
        """Pairs sharing a blocking key; with ``focus``, only pairs that involve a focus atom.
        A set of (a, b) tuples, a < b, held as integer arrays (.pair_set)."""
        index = index if index is not None else block_index(atoms.values())
        keys: dict[str, frozenset[str]] = {}

        def keys_of(iri: str) -> frozenset[str]:
            if iri not in keys:
                keys[iri] = frozenset(blocking_keys(atoms[iri].label, atoms[iri].entity_type))
            return keys[iri]

        all_pairs = min(self.max_block, 2 * self.window + 1)  # beyond this, all pairs cost more than the window
        # beyond it, a sorted neighbourhood: names that sort near each other (with ``keep``: each its best few)
        return block_pairs(index, atoms, keys_of, all_pairs=all_pairs, window=self.window, keep=self.keep,
                           focus=focus)

    # scoring ---------------------------------------------------------------------------

    def scored(self, atoms: dict[str, Atom], pairs: Iterable[tuple[str, str]]
               ) -> Iterator[tuple[Sequence[tuple[str, str]], np.ndarray, np.ndarray]]:
        """(batch of pairs, feature rows, probabilities as float64) over the sorted pairs."""
        # features a batch at a time (.bulk_features), in a pool of ``workers`` when large (.parallel);
        # the name rule applied to the whole batch (.priors), not pair by pair: ~2 µs a pair in Python
        given = pairs if isinstance(pairs, PairSet) else list(pairs)
        for chunk, feats, codes in feature_batches(atoms, given, self.batch, self.workers):
            yield chunk, feats, self.priors(self.scorer.probability(feats).astype(np.float64), codes, feats)

    def score(self, atoms: dict[str, Atom], pairs: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str, float, np.ndarray]]:
        for chunk, feats, probs in self.scored(atoms, pairs):
            for (a, b), f, p in zip(chunk, feats, probs.tolist()):
                yield a, b, p, f

    def priors(self, p: np.ndarray, codes: np.ndarray, f: np.ndarray) -> np.ndarray:
        """:meth:`name_prior` of a batch: ``p`` the model's probabilities (float64), ``codes``
        the pairs' spelling codes (.pair_table.spelling), ``f`` their feature rows."""
        person = (codes == _SAME_PERSON) & (f[:, _SOURCE] == 0)
        apart = person & (f[:, _NEIGHBOURS] == 0) & (f[:, _CONTEXT] < UNRELATED)
        up = (codes == _SAME_NAME) | (person & ~apart)
        return np.where(up, np.maximum(p, self.same_name), np.where(apart, np.minimum(p, UNCORROBORATED), p))

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
        out: list[Link] = []
        for chunk, _, probs in self.scored(atoms, pairs):
            values = probs.tolist()
            if scores is not None:
                scores.update(zip(chunk, values))
            out.extend(Link(*chunk[i], round(values[i], 4), "model") for i in np.flatnonzero(probs >= self.threshold).tolist())
        return out


def block_index(atoms: Iterable[Atom]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = defaultdict(list)
    for atom in atoms:
        if resolvable(atom):
            for key in blocking_keys(atom.label, atom.entity_type):
                index[key].append(atom.iri)
    return index
