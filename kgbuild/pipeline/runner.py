"""Running a pipeline over a corpus into a store.

Work is planned before anything is loaded, from the store's ingest state
(:mod:`kgbuild.store.ingest_state`): sources whose content and pipeline are unchanged are skipped, so a
re-build of the same corpus is a no-op, and a source whose pipeline changed resumes from
the last stage snapshot that still matches (:mod:`.stage_cache`). Models are warmed up
front for the modalities present, so a missing model stops the build before any file is
processed. Each batch is written as soon as it is done: an interrupted build keeps
everything finished so far, and the next build redoes only the rest.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ..datamodel import Entity, Item, Source
from ..errors import InputChanged, InputGone, StageFailure
from ..ids import mint, source_iri
from ..media.discovery import Discovery, discover
from ..store.bulk_writer import SourceWrite
from ..store.disk_full import disk_full_error, is_disk_full
from ..store.graph_store import GraphStore
from ..store.gsp_writer import GraphStoreWriter
from ..store.hash_cache import HashCache
from ..store.ingest_state import DoneMark, IngestState
from ..store.open import SourceWriter, writer_for
from ..store.oxigraph_store import KGStore
from ..store.rdf import corpus_root_quads, entity_quads, source_quads, unreadable_quads
from .batches import Batch
from .config import Pipeline
from .executors import Executor, make_executor
from .integrity import CHANGED, SAME, on_disk, rehashed
from .limits import cap_mentions
from .options import BuildOptions
from .speech_bias import SpeechBias
from .stage_cache import StageCache, applies_to_modality, chain_fingerprints
from .worker_writes import WorkerWrite, worker_outcome, written_by_worker

if TYPE_CHECKING:
    from ..fusion.fuse import FusionReport


@dataclass
class Failure:
    path: str
    stage: str
    code: str
    reason: str


@dataclass
class BuildReport:
    files: Counter[str] = field(default_factory=Counter)  # by modality: everything discovered
    ingested: Counter[str] = field(default_factory=Counter)  # by modality: processed now
    unchanged: int = 0
    mentions: Counter[str] = field(default_factory=Counter)  # by source modality (text read in a picture: image)
    entities: set[str] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why): links out of the corpus
    seconds: float = 0.0
    stage_seconds: Counter[str] = field(default_factory=Counter)  # stage name -> seconds in it, all workers together
    fusion: FusionReport | None = None  # when the pipeline fuses

    @property
    def exit_code(self) -> int:
        return 3 if self.failures else 0


ProgressFn = Callable[[int], None]


@dataclass
class Plan:
    todo: list[Source]
    unchanged: list[Source]
    fingerprints: dict[str, list[str]]  # modality -> cumulative fingerprint per stage
    failed: list[tuple[Source, str]] = field(default_factory=list)  # unchanged since they failed: (source, reason)


def plan(found: Discovery, store: GraphStore, state: IngestState, cache: StageCache, pipeline: Pipeline,
         force: bool, retry_failed: bool = False) -> Plan:
    """Split sources into work to do and unchanged sources, and retire the old content of
    paths whose file has changed (its graph goes when no path holds those bytes any more)."""
    modalities = {src.modality for src in found.sources}
    fingerprints = {m: chain_fingerprints(pipeline, m) for m in modalities}
    known_paths = state.paths()
    todo: list[Source] = []
    unchanged: list[Source] = []
    failed: list[tuple[Source, str]] = []
    seen: set[str] = set()
    for src in found.sources:
        store.drop_graph(mint("unreadable", src.relpath))  # it was unreadable once; it is readable now
        old = known_paths.get(src.relpath)
        if old is not None and old != src.sha256:
            store.remove_path(source_iri(old), src.relpath)
            orphan = state.remove_path(src.relpath)
            if orphan:
                state.forget_source(orphan)
                cache.drop(orphan)
        if src.sha256 in seen:  # same bytes under another path: one source, several paths
            continue
        seen.add(src.sha256)
        record = state.source(src.sha256)
        same = (record is not None and record.fingerprint == fingerprints[src.modality][-1]
                and store.has_graph(src.iri) and not force)
        if same and record is not None and record.status == "failed" and not retry_failed:
            failed.append((src, record.reason or "failed"))  # the same bytes would fail the same way
        else:
            (unchanged if same and record is not None and record.status == "ok" else todo).append(src)
    return Plan(todo, unchanged, fingerprints, failed)


def build(corpus: str | Path, store: GraphStore, pipeline: Pipeline, options: BuildOptions | None = None, *,
          on_start: Callable[[int], None] | None = None, on_progress: ProgressFn | None = None) -> BuildReport:
    """Ingest ``corpus`` into ``store`` (how: :class:`~.options.BuildOptions`). ``on_start``
    is told how many sources will be processed, ``on_progress`` how many more are done.
    A full disk stops the build with one coded error (E410, :mod:`~kgbuild.store.disk_full`);
    what was written before it is consistent, and the next build redoes the rest."""
    try:
        return _build(corpus, store, pipeline, options or BuildOptions(), on_start, on_progress)
    except (OSError, sqlite3.OperationalError) as exc:
        if is_disk_full(exc):  # wherever it struck: a graph, the state, a snapshot, the hash cache
            raise disk_full_error(exc, store.path, "the store") from None
        raise


def _build(corpus: str | Path, store: GraphStore, pipeline: Pipeline, options: BuildOptions,
           on_start: Callable[[int], None] | None, on_progress: ProgressFn | None) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport()
    hashes = HashCache(store.path / "hashes.sqlite", rehash=options.rehash)
    try:
        found = discover(corpus, hashes=hashes, follow_outside_links=True if options.follow_links else None)
    finally:
        hashes.close()
    store.add(corpus_root_quads(found.root))
    report.unsupported = found.unsupported
    report.skipped = found.skipped
    for relpath, _ in found.skipped:  # an older build may have recorded it as unreadable
        store.drop_graph(mint("unreadable", relpath))
    report.files.update(src.modality for src in found.sources)
    paths: dict[str, list[str]] = {}
    for src in found.sources:
        paths.setdefault(src.sha256, []).append(src.relpath)

    for relpath, reason in found.unreadable:
        quads = unreadable_quads(relpath, reason)
        store.replace_graph(mint("unreadable", relpath), quads)
        report.failures.append(Failure(relpath, "discover", "E301", reason))

    state = IngestState(store.state_path)
    writer = writer_for(store, state, options.store_writers)  # bulk loads here, or parallel writes to a server
    writer.repair()  # sources a kill caught half-written are redone whole
    cache = StageCache(store.cache_path)
    work = plan(found, store, state, cache, pipeline, options.force, options.retry_failed)
    report.unchanged = len(work.unchanged)
    for src, reason in work.failed:
        code = re.search(r"\[(E\d{3})\]", reason)
        stage = re.search(r"stage '([^']+)'", reason)
        report.failures.append(Failure(src.relpath, stage[1] if stage else "?", code[1] if code else "E310",
                                       f"{reason} (unchanged since it failed: not retried; --retry-failed retries)"))
    for src in work.unchanged:  # a new copy of known content only gains a path
        for path in set(paths[src.sha256]) - set(state.paths_of(src.sha256)):
            store.add_path(src.iri, path)
            state.set_path(path, src.sha256)
    if on_start:
        on_start(len(work.todo))
    executor = make_executor(pipeline, cache, options)
    fuser = _fuser(pipeline, store) if work.todo or _fusion_behind(pipeline, store) else None
    bias = SpeechBias.for_build(pipeline, _as_read_by_fusion(store), state, found.sources, paths)  # the corpus lexicon, kept as sources land
    try:
        if work.todo:  # nothing to do loads nothing
            executor.start({src.modality for src in work.todo})  # a missing model stops us here
        if fuser is not None and fuser.encoder is not None:
            executor.lend_to(fuser.encoder)
        sink = _worker_sink(writer, executor, pipeline, paths, options.max_mentions)

        def run(todo: Plan, changed: list[Source] | None) -> None:
            if sink is not None:  # workers write these sources: on record as being written first
                cast(GraphStoreWriter, writer).expect({src.sha256: src.iri for src in todo.todo})
            for n, items in enumerate(executor.run(_batches(todo, pipeline.batch_size, sink)), 1):
                written = _as_read(items, cache, changed, report)
                if sink is not None:
                    _discard_set_aside(cast(GraphStoreWriter, writer), items, written)
                _write(writer, pipeline, written, paths, todo.fingerprints[items[0].source.modality], report,
                       options.max_mentions)
                if bias is not None:
                    bias.landed(written)
                if on_progress and changed is not None:  # a second try was counted the first time
                    on_progress(len(items))
                if fuser is not None and options.fuse_every and n % options.fuse_every == 0:
                    writer.flush()  # fusion reads what is in the store; the run at the end catches up
                    report.fusion = _then(report.fusion, fuser.run())

        changed: list[Source] = []
        run(work, changed)
        if changed:  # once more, with the bytes that are there now
            for src in changed:
                paths.setdefault(src.sha256, []).append(src.relpath)
            run(Plan(changed, [], {m: chain_fingerprints(pipeline, m) for m in {s.modality for s in changed}}), None)
        writer.flush()  # the lexicon below counts only sources marked done
        if bias is not None:
            # Recordings near names the lexicon gained or lost (or written now, after names it
            # had) are decoded again, only those: transcripts do not depend on ingest order.
            redone = BuildReport()
            batches = bias.batches(pipeline.batch_size)
            if batches and not work.todo:  # only recordings to decode again: load what they need now
                executor.start({src.modality for batch in batches for src in batch.sources})
            for items in executor.run(batches):
                _write(writer, pipeline, items, paths, bias.fingerprints(items[0]), redone, options.max_mentions)
                bias.landed(items)
            report.failures += redone.failures
        report.stage_seconds = executor.stage_seconds
        writer.flush()  # everything is in the store before fusion reads it
        if fuser is not None:
            # Corpus-level, after the writes: resolution needs every other document. It is incremental
            # and order-independent (kgbuild.fusion.fuse), so runs while batches land (--fuse-every)
            # end in the same graph (tests/pipeline/test_fuse_while_landing.py).
            report.fusion = _then(report.fusion, fuser.run())
    finally:
        executor.close()
        writer.flush()  # finished sources are kept even when the build stops on an error
        writer.close()
        store.flush()
        state.close()
    report.seconds = time.perf_counter() - started
    return report


def _as_read(items: list[Item], cache: StageCache, changed: list[Source] | None, report: BuildReport) -> list[Item]:
    """The items whose file is still the one that was hashed (:mod:`.integrity`). A changed
    file's snapshots are dropped and it goes to ``changed`` (processed again) or, on the
    second try, is reported; a file that is gone is reported. Neither is written."""
    kept = []
    for item in items:
        status = on_disk(item.source)
        if status == SAME:
            kept.append(item)
            continue
        cache.drop(item.source.sha256)  # they hold what was read from other bytes
        again = rehashed(item.source) if status == CHANGED else None
        if again is not None and changed is not None:
            changed.append(again)
            continue
        code, what = ((InputChanged.code, "changed while the build read it, twice; the next build reads it again")
                      if again is not None else (InputGone.code, "was deleted during the build"))
        report.failures.append(Failure(item.source.relpath, "read", code, f"{item.source.relpath} {what}"))
    return kept


def _then(earlier: FusionReport | None, later: FusionReport) -> FusionReport:
    return later if earlier is None else earlier.then(later)


def _fusion_behind(pipeline: Pipeline, store: GraphStore) -> bool:
    if pipeline.fusion is None or not pipeline.fusion.enabled:
        return False
    from ..fusion.pending import fusion_pending

    return fusion_pending(_as_read_by_fusion(store))


def _fuser(pipeline: Pipeline, store: GraphStore):
    if pipeline.fusion is None or not pipeline.fusion.enabled:
        return None
    from ..fusion.fuse import Fuser

    return Fuser(_as_read_by_fusion(store), pipeline.fusion)


def _as_read_by_fusion(store: GraphStore) -> KGStore:
    """Fusion and the speech lexicon use only :class:`GraphStore`'s methods (query, rows, add,
    remove, drop_graph, path), so a server store serves them as well; their annotations name
    the embedded store, which is the one they were written against."""
    return cast(KGStore, store)


def _batches(work: Plan, size: int, sink: Callable[[list[Source]], WorkerWrite] | None = None) -> Iterator[Batch]:
    """Homogeneous batches: each model gets a batch full of inputs it can use. ``sink``
    gives each batch the worker write of its sources (a server store, workers elsewhere)."""
    todo = sorted(work.todo, key=lambda s: (s.modality, s.relpath))
    for modality, members in groupby(todo, key=lambda s: s.modality):
        group = list(members)
        for start in range(0, len(group), size):
            sources = group[start:start + size]
            yield Batch(sources, work.fingerprints[modality], sink=sink(sources) if sink else None)


def _worker_sink(writer: SourceWriter, executor: Executor, pipeline: Pipeline, paths: dict[str, list[str]],
                 max_mentions: int | None) -> Callable[[list[Source]], WorkerWrite] | None:
    """Where batches run in other processes and the store is a server, those processes write
    their own sources' graphs (:mod:`.worker_writes`): a batch's write, given its sources."""
    # Duck-typed: a writer wrapped to be measured (bench/store_build.py) still qualifies.
    if not getattr(executor, "writes_in_workers", False) or not hasattr(writer, "remote_target"):
        return None
    target = cast(GraphStoreWriter, writer).remote_target()
    return lambda sources: WorkerWrite(target, pipeline.name, {s.sha256: paths[s.sha256] for s in sources},
                                       max_mentions)


def _discard_set_aside(writer: GraphStoreWriter, items: list[Item], kept: list[Item]) -> None:
    """Graphs workers wrote for files the build set aside (changed or gone while read) go again."""
    keep = {id(item) for item in kept}
    writer.discard({item.source.sha256: item.source.iri for item in items
                    if id(item) not in keep and written_by_worker(item)})


def _write(writer: SourceWriter, pipeline: Pipeline, items: list[Item],
           paths: dict[str, list[str]], fps: list[str], report: BuildReport, max_mentions: int | None) -> None:
    """Hand finished items to the writer, which writes graphs first and marks sources done
    after (:mod:`kgbuild.store.bulk_writer`, :mod:`kgbuild.store.gsp_writer`): a kill in
    between only means they are redone."""
    cap_mentions(items, max_mentions)  # a file over the cap is recorded as failed, nothing of it written
    by_worker = [item for item in items if written_by_worker(item)]
    here = [item for item in items if not written_by_worker(item)]
    if here:
        entities: list[Entity] = [e for item in here if item.ok for e in item.entities.values()]
        writer.write([SourceWrite(item.source.iri, source_quads(item, pipeline=pipeline.name,
                                                                pipeline_fingerprint=fps[-1],
                                                                paths=paths[item.source.sha256]),
                                  _done_mark(pipeline, item, paths, fps)) for item in here], entity_quads(entities))
    if by_worker:  # their graphs are on the server if the worker says so: marked done now
        cast(GraphStoreWriter, writer).confirm([(item.source.iri, _done_mark(pipeline, item, paths, fps),
                                                 worker_outcome(item)) for item in by_worker])
    for item in items:
        src = item.source
        report.ingested[src.modality] += 1
        if item.failure is not None:
            f: StageFailure = item.failure
            report.failures.append(Failure(src.relpath, f.stage, f.cause_code or "E310", f.reason))
            continue
        report.mentions[src.modality] += len(item.mentions)  # OCR's and captions' under their picture
        report.entities.update(item.entities)


def _done_mark(pipeline: Pipeline, item: Item, paths: dict[str, list[str]], fps: list[str]) -> DoneMark:
    src = item.source
    stages = {s.name: fp for s, fp in zip(pipeline.stages, fps) if applies_to_modality(s, src.modality)}
    reason = item.failure.reason if item.failure is not None else None
    return DoneMark(src.sha256, src.modality, "ok" if item.ok else "failed", fps[-1], list(paths[src.sha256]),
                    stages, reason)
