"""Running a pipeline over a corpus into a store.

Work is planned before anything is loaded: sources whose content and pipeline are
unchanged since the last build are skipped, so a re-build of the same corpus is a
no-op. Models are warmed up front for the modalities present, so a missing model stops
the build before any file is processed. Each batch is written as soon as it is done:
an interrupted build keeps everything finished so far.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from ..datamodel import Item, Source
from ..errors import StageFailure
from ..media import discover
from ..store.oxigraph_store import KGStore
from ..store.rdf import corpus_root_quads, entity_quads, source_quads, unreadable_quads
from .config import Pipeline


@dataclass
class Failure:
    path: str
    stage: str
    code: str
    reason: str


@dataclass
class BuildReport:
    files: Counter = field(default_factory=Counter)  # by modality: everything discovered
    ingested: Counter = field(default_factory=Counter)  # by modality: processed now
    unchanged: int = 0
    mentions: Counter = field(default_factory=Counter)  # by mention modality
    entities: set = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 3 if self.failures else 0


ProgressFn = Callable[[int], None]


def plan(sources: list[Source], store: KGStore, fingerprint: str, force: bool) -> tuple[list[Source], list[Source]]:
    """Split sources into (to process, unchanged) and detach paths whose content changed."""
    known = store.sources()
    by_path = {p: state for state in known.values() for p in state.paths}
    todo, unchanged, seen = [], [], set()
    for src in sources:
        old = by_path.get(src.relpath)
        if old is not None and old.sha256 != src.sha256:
            store.remove_path(old.graph, src.relpath)
        if src.sha256 in seen:  # same bytes under another path: one source, several paths
            continue
        seen.add(src.sha256)
        state = known.get(src.sha256)
        if not force and state and state.status == "ok" and state.fingerprint == fingerprint:
            unchanged.append(src)
        else:
            todo.append(src)
    return todo, unchanged


def build(corpus: str | Path, store: KGStore, pipeline: Pipeline, *, force: bool = False,
          on_start: Callable[[int], None] | None = None, on_progress: ProgressFn | None = None) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport()
    found = discover(corpus)
    store.add(corpus_root_quads(found.root))
    report.unsupported = found.unsupported
    report.files.update(src.modality for src in found.sources)
    paths: dict[str, list[str]] = {}
    for src in found.sources:
        paths.setdefault(src.sha256, []).append(src.relpath)

    for relpath, reason in found.unreadable:
        quads = unreadable_quads(relpath, reason)
        store.replace_graph(quads[0].graph_name.value, quads)
        report.failures.append(Failure(relpath, "discover", "E301", reason))

    fingerprint = pipeline.fingerprint()
    todo, unchanged = plan(found.sources, store, fingerprint, force)
    report.unchanged = len(unchanged)
    known = store.sources() if unchanged else {}
    for src in unchanged:  # a new copy of known content only gains a path
        for path in set(paths[src.sha256]) - set(known[src.sha256].paths):
            store.add_path(src.iri, path)
    if on_start:
        on_start(len(todo))
    _warm_up(pipeline, {src.modality for src in todo})

    # Homogeneous batches keep each model's batch full of inputs it can use.
    todo.sort(key=lambda s: (s.modality, s.relpath))
    for _, group in groupby(todo, key=lambda s: s.modality):
        group = list(group)
        for start in range(0, len(group), pipeline.batch_size):
            items = [Item(src) for src in group[start:start + pipeline.batch_size]]
            run_batch(pipeline, items)
            _write(store, pipeline, items, paths, fingerprint, report)
            if on_progress:
                on_progress(len(items))
    store.flush()
    report.seconds = time.perf_counter() - started
    return report


def _warm_up(pipeline: Pipeline, modalities: set[str]) -> None:
    for stage in pipeline.stages:
        if stage.modalities & modalities or (not stage.modalities and modalities):
            stage.warm_up()


def run_batch(pipeline: Pipeline, items: list[Item]) -> list[Item]:
    """Every stage in order. A stage that raises on a whole batch is retried item by
    item, so the failure lands on the file that caused it."""
    for stage in pipeline.stages:
        try:
            stage(items)
        except Exception:  # noqa: BLE001 - isolated below, per item
            for item in items:
                if item.ok:
                    try:
                        stage([item])
                    except Exception as exc:  # noqa: BLE001
                        stage.fail(item, exc)
    return items


def _write(store: KGStore, pipeline: Pipeline, items: list[Item], paths: dict[str, list[str]],
           fingerprint: str, report: BuildReport) -> None:
    entities = []
    for item in items:
        quads = source_quads(item, pipeline=pipeline.name, pipeline_fingerprint=fingerprint,
                             paths=paths[item.source.sha256])
        store.replace_graph(item.source.iri, quads)
        report.ingested[item.source.modality] += 1
        if item.failure is not None:
            f: StageFailure = item.failure
            report.failures.append(Failure(item.source.relpath, f.stage, f.cause_code, f.reason))
            continue
        report.mentions.update(m.modality for m in item.mentions)
        report.entities.update(item.entities)
        entities.extend(item.entities.values())
    store.add(entity_quads(entities))
