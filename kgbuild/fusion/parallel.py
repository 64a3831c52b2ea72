"""Candidate pairs scored in a process pool: the pair features of each batch in a worker.

Blocking already partitions the work: every candidate pair is scored on its own two atoms,
so batches of the sorted, de-duplicated pair list are independent (blocks themselves
overlap — a pair shares several keys — and scoring block by block would score it several
times). Workers compute the feature rows of a batch (the costly part) and the parent runs
the model on the rows in the same batches and order as a serial run, so links, clusters and
canonical IRIs are the same whatever the number of workers (tests/fusion/test_bulk_features.py).

The pool is forked: the workers see the atoms (labels, neighbours, context vectors) without
pickling them, and only pair ranges and feature rows cross between processes. Its size is
:func:`kgbuild.threads.cpu_budget`; below ``MIN_PARALLEL_PAIRS`` (or where fork is not
available) the batches are computed here, as starting workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence

import numpy as np

from ..threads import cpu_budget
from .atoms import Atom
from .bulk_features import context_cosines, pair_feature_rows

MIN_PARALLEL_PAIRS = 32_768  # four batches of 8192: a forked pool starts in ~0.1 s, a batch scores in ~0.1 s

_shared: tuple[dict[str, Atom], Sequence[tuple[str, str]]] | None = None  # what forked workers read


def feature_rows(atoms: dict[str, Atom], pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """All pair features of one batch, the context cosines included."""
    return pair_feature_rows(atoms, pairs, context_cosines(atoms, pairs))


def _rows_of(span: tuple[int, int]) -> np.ndarray:
    assert _shared is not None, "a scoring worker runs only in a pool forked by feature_batches"
    atoms, pairs = _shared
    return feature_rows(atoms, pairs[span[0]:span[1]])


def pool_size(n_pairs: int, batch: int, workers: int | None) -> int:
    """How many worker processes feature_batches uses (0: none, the batches are computed here)."""
    wanted = cpu_budget() if workers is None else workers
    wanted = min(wanted, -(-n_pairs // batch))
    if wanted < 2 or n_pairs < MIN_PARALLEL_PAIRS or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return wanted


def feature_batches(atoms: dict[str, Atom], pairs: Sequence[tuple[str, str]], batch: int,
                    workers: int | None = None) -> Iterator[tuple[Sequence[tuple[str, str]], np.ndarray]]:
    """(batch of pairs, its feature rows) in order; ``workers``: None for the cpu budget."""
    spans = [(start, min(start + batch, len(pairs))) for start in range(0, len(pairs), batch)]
    size = pool_size(len(pairs), batch, workers)
    if not size:
        for start, end in spans:
            yield pairs[start:end], feature_rows(atoms, pairs[start:end])
        return
    global _shared
    _shared = (atoms, pairs)
    try:
        with multiprocessing.get_context("fork").Pool(size) as pool:
            for (start, end), rows in zip(spans, pool.imap(_rows_of, spans)):
                yield pairs[start:end], rows
    finally:
        _shared = None
