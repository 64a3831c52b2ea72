"""Candidate pairs scored in batches, the name features in a process pool when there are many.

Every candidate pair is scored on its own two atoms, so batches of the sorted, de-duplicated
pair list are independent (blocks overlap — a pair shares several keys — and scoring block by
block would score it several times). The name features, the costly part, are computed once
per distinct pair of labels (:mod:`.pair_table`), by workers when there are many; the parent
adds the atoms' features and runs the model in the same batches and order as a serial run,
so links, clusters and canonical IRIs are the same whatever the number of workers
(tests/fusion/test_bulk_features.py).

The pool is forked: the workers see the label pairs without pickling them, and only ranges
and feature rows cross between processes. Its size is
:func:`kgbuild.threads.cpu_budget`; below ``MIN_PARALLEL_PAIRS`` (or where fork is not
available) the batches are computed here, as starting workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from ..threads import cpu_budget
from .atoms import Atom
from .bulk_features import SMALL_BATCH, context_cosines, pair_feature_rows
from .pair_set import PairSet
from .pair_table import PairTable, spelling

MIN_PARALLEL_PAIRS = 32_768  # four batches of 8192: a forked pool starts in ~0.1 s, a batch scores in ~0.1 s

# Label pairs featurised at a time here: each batch profiles its labels and words again, so a
# larger one is cheaper (bench/fusion.py at 100k mentions, 631k label pairs: 10.5 s in batches
# of 8192, 8.5 in 32768, ~8 in 65536); its word arrays grow with it (pairs x words x words, per
# batch), hence not all of them at once.
NAME_BATCH = 32_768

_shared: PairTable | None = None  # what forked workers read


def feature_rows(atoms: dict[str, Atom], pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """All pair features of one batch, the context cosines included."""
    return pair_feature_rows(atoms, pairs, context_cosines(atoms, pairs))


def _name_rows_of(span: tuple[int, int]) -> np.ndarray:
    assert _shared is not None, "a scoring worker runs only in a pool forked by feature_batches"
    return _shared.name_rows(*span)


def pool_size(n_pairs: int, batch: int, workers: int | None) -> int:
    """How many worker processes feature_batches uses (0: none, the batches are computed here)."""
    wanted = cpu_budget() if workers is None else workers
    wanted = min(wanted, -(-n_pairs // batch))
    if wanted < 2 or n_pairs < MIN_PARALLEL_PAIRS or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return wanted


def feature_batches(atoms: dict[str, Atom], pairs: Iterable[tuple[str, str]] | PairSet, batch: int,
                    workers: int | None = None) -> Iterator[tuple[Sequence[tuple[str, str]], np.ndarray, np.ndarray]]:
    """(batch of pairs, its feature rows, its spelling codes (.pair_table.spelling)), the pairs
    in sorted order; ``workers``: None for the cpu budget.

    The name features are computed once per distinct pair of labels (.pair_table), in the
    pool when there are many; the rest of each row comes from per-atom arrays, here."""
    pairs = pairs if isinstance(pairs, (list, PairSet)) else list(pairs)
    if len(pairs) < SMALL_BATCH:  # clustering asks a pair or a few at a time: no tables
        pairs = sorted(pairs)
        if len(pairs):
            codes = np.array([spelling(atoms[a], atoms[b]) for a, b in pairs], dtype=np.int8)
            yield pairs, feature_rows(atoms, pairs), codes
        return
    table = PairTable(atoms, pairs)
    n_labels = len(table.label_a)
    spans = [(start, min(start + batch, n_labels)) for start in range(0, n_labels, batch)]
    size = pool_size(n_labels, batch, workers)
    if not size:
        table.compute_name_rows(max(batch, NAME_BATCH))
    else:
        global _shared
        _shared = table
        try:
            with multiprocessing.get_context("fork").Pool(size) as pool:
                table.set_name_rows(np.concatenate(list(pool.imap(_name_rows_of, spans))))
        finally:
            _shared = None
    for start in range(0, len(table.ia), batch):
        end = min(start + batch, len(table.ia))
        yield table.chunk(start, end), table.rows(start, end), table.spellings(start, end)
