"""A batch of sources and how it passes through a pipeline's stages, wherever it runs.

Every executor (in this process, a worker process, a Ray actor) runs batches with
:func:`process_batch`, so resuming from stage snapshots and isolating a failing file work
the same everywhere.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..datamodel import Item, Source
from .config import Pipeline
from .stage_cache import StageCache, applies_to_modality, caches_output


@dataclass
class Batch:
    sources: list[Source]
    fingerprints: list[str]  # cumulative per stage, for these sources' modality
    items: list[Item] | None = None  # already under way (Ray: from an earlier segment); None: resume from snapshots
    only: range | None = None  # the stages to run (Ray: one segment); None: all of them
    # Called as sink(items, fingerprints) after the last stage, where the batch ran: a worker
    # writing its sources into a server store (:mod:`.worker_writes`). Picklable.
    sink: Callable[[list[Item], list[str]], Any] | None = None

    def one_by_one(self) -> list[Batch]:
        """One batch per file, for retrying a batch whose worker was stopped."""
        if self.items is None:
            return [Batch([src], self.fingerprints, None, self.only, self.sink) for src in self.sources]
        return [Batch([item.source], self.fingerprints, [item], self.only, self.sink) for item in self.items]


def warm_up(pipeline: Pipeline, modalities: set[str], only: range | None = None) -> None:
    for index, stage in enumerate(pipeline.stages):
        if (only is None or index in only) and any(applies_to_modality(stage, m) for m in modalities):
            stage.warm_up()


def process_batch(pipeline: Pipeline, cache: StageCache, batch: Batch, seconds: Counter[str] | None = None) -> list[Item]:
    items = batch.items if batch.items is not None else cache.resume_all(batch.sources, batch.fingerprints)

    def snapshot(index: int, done_items: list[Item]) -> None:
        stage = pipeline.stages[index]
        if caches_output(stage):
            for item in done_items:
                if stage.applies_to(item):  # ok, and a stage that did something to it
                    cache.save(item, batch.fingerprints[index])

    items = run_batch(pipeline, items, after_stage=snapshot, seconds=seconds, only=batch.only)
    if batch.sink is not None and (batch.only is None or batch.only.stop >= len(pipeline.stages)):
        started = time.perf_counter()
        batch.sink(items, batch.fingerprints)
        if seconds is not None:
            seconds["(write)"] += time.perf_counter() - started  # type: ignore[assignment]
    return items


def run_batch(pipeline: Pipeline, items: list[Item],
              after_stage: Callable[[int, list[Item]], None] | None = None,
              seconds: Counter[str] | None = None, only: range | None = None) -> list[Item]:
    """Every stage in order (or the stages ``only`` indexes), skipping the stages an item
    has already been through. A stage that raises on a whole batch is retried item by
    item, so the failure lands on the file that caused it. Time spent in each stage is
    added to ``seconds`` (by stage name)."""
    for index, stage in enumerate(pipeline.stages):
        batch = [item for item in items if item.completed <= index]
        if not batch or (only is not None and index not in only):
            continue
        started = time.perf_counter()
        try:
            stage(batch)
        except Exception:  # noqa: BLE001 - isolated below, per item
            for item in batch:
                if item.ok:
                    try:
                        stage([item])
                    except Exception as exc:  # noqa: BLE001
                        stage.fail(item, exc)
        if seconds is not None:
            # float seconds in a Counter (most_common, update add): typeshed types Counter values as int
            seconds[stage.name] += time.perf_counter() - started  # type: ignore[assignment]
        for item in batch:
            item.completed = index + 1
        if after_stage:
            after_stage(index, batch)
    return items
