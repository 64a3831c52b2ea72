"""Where batches run: in this process, or in a pool of worker processes.

Both executors take batches of sources and yield processed items; the caller (the runner)
writes them to the store, except into a server store, where pool workers write their own
batches' sources (:mod:`.worker_writes`). Both enforce the limits of :mod:`.limits`: a batch past
its deadline is retried one file at a time, and the file that overruns alone is recorded as
failed (E304) — one pathological file cannot hang a build; a file that takes the process
over its memory limit fails (E305). In this process the deadline is an alarm and the memory
limit an rlimit; the pool gives each worker its own models and a share of the cores, kills
and replaces a worker that overruns, and also watches its resident memory. The Ray executor
(:mod:`.ray_executor`) enforces its limits with this same pool, one worker per actor,
running only the actor's stages.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import multiprocessing.util
import os
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import entry_points
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

from ..datamodel import Item
from ..errors import (
    ConfigError,
    DiskFull,
    ExecutorError,
    InputError,
    InputMemoryLimit,
    InputTimeout,
    KGBuildError,
    StageFailure,
)
from ..store.disk_full import disk_full_error, is_disk_full
from ..threads import available_cores, limit_cpu_threads
from .batches import Batch, process_batch, warm_up
from .config import Pipeline
from .limits import Deadline, deadline, heap_cap, name_memory_failures, resident_mb
from .options import BuildOptions
from .stage_cache import StageCache


class Executor(Protocol):
    """Runs batches of sources through the pipeline's stages and yields the processed items.
    The caller (the runner) keeps the ingest state and writes what workers did not."""

    stage_seconds: Counter  # stage name -> seconds in it, all workers together
    # True: batches run in other processes, which can write their own sources into a server
    # store (:mod:`.worker_writes`); an executor without it is written for by the runner.
    writes_in_workers: bool

    def start(self, modalities: set[str]) -> None:
        """Load the models the ``modalities`` need: a missing model fails here, before any file."""

    def run(self, batches: Iterable[Batch]) -> Iterator[list[Item]]: ...

    def lend_to(self, encoder: Any) -> None:
        """Offer spare capacity to fusion's context ``encoder`` before the build ends."""

    def close(self) -> None: ...


ExecutorFactory = Callable[[Pipeline, StageCache, BuildOptions], Executor]

# Executor kinds by name: "module:callable" taking (pipeline, cache, options). Imported only
# when asked for (Ray is an optional extra); third parties add kinds through the
# ``kgbuild.executors`` entry-point group.
EXECUTORS = {
    "local": "kgbuild.pipeline.executors:local_executor",
    "ray": "kgbuild.pipeline.ray_executor:RayExecutor.from_options",
}


def make_executor(pipeline: Pipeline, cache: StageCache, options: BuildOptions) -> Executor:
    target = EXECUTORS.get(options.executor) or next(
        (ep.value for ep in entry_points(group="kgbuild.executors") if ep.name == options.executor), None)
    if target is None:
        raise ConfigError(f"unknown executor '{options.executor}'",
                          hint=f"known executors: {', '.join(sorted(EXECUTORS))}")
    module, _, attr = target.partition(":")
    factory: Any = importlib.import_module(module)
    for part in attr.split("."):
        factory = getattr(factory, part)
    return factory(pipeline, cache, options)


def local_executor(pipeline: Pipeline, cache: StageCache, options: BuildOptions) -> Executor:
    """This process, or a pool of worker processes when there are several workers or a
    memory limit was given (a separate process can be killed, and its resident memory watched)."""
    file_s, batch_s = options.file_timeout_s or float("inf"), options.batch_deadline_s or float("inf")  # 0: none
    if options.workers > 1 or options.max_memory_mb:
        return ProcessPoolExecutor(pipeline, cache, workers=options.workers, file_timeout_s=file_s,
                                   batch_timeout_s=batch_s, max_memory_mb=options.memory_limit_mb,
                                   memory_given=bool(options.max_memory_mb), threads=options.threads)
    return InProcessExecutor(pipeline, cache, options.threads, file_timeout_s=file_s, batch_timeout_s=batch_s,
                             max_memory_mb=options.memory_limit_mb)


class InProcessExecutor:
    """Runs batches here, model libraries using ``threads`` cores (all this process may use),
    under an alarm per batch (then per file) and a data rlimit (:mod:`.limits`)."""

    label = "executor"
    writes_in_workers = False

    def __init__(self, pipeline: Pipeline, cache: StageCache, threads: int | None = None, *,
                 file_timeout_s: float = float("inf"), batch_timeout_s: float | None = None,
                 max_memory_mb: float | None = None) -> None:
        self.pipeline, self.cache = pipeline, cache
        self.threads = threads or available_cores()
        self.file_timeout_s = file_timeout_s
        self.batch_timeout_s = batch_timeout_s if batch_timeout_s is not None else file_timeout_s
        self.max_memory_mb = max_memory_mb
        self.stage_seconds: Counter[str] = Counter()

    def start(self, modalities: set[str]) -> None:
        limit_cpu_threads(self.threads)
        warm_up(self.pipeline, modalities)
        # Only the default limit comes here (one given runs a pool): at least 1 GB above the models.
        self.max_memory_mb = _effective_limit(self.max_memory_mb, False, resident_mb())

    def run(self, batches: Iterable[Batch]) -> Iterator[list[Item]]:
        pending: deque[Batch] = deque(batches)
        while pending:
            batch = pending.popleft()
            alone = len(batch.sources) == 1
            seconds = self.file_timeout_s if alone else self.batch_timeout_s
            try:
                with heap_cap(self.max_memory_mb), deadline(seconds if seconds != float("inf") else None):
                    items = process_batch(self.pipeline, self.cache, batch, self.stage_seconds)
            except OSError as exc:  # stages' own errors are isolated per file: this is a snapshot's
                if is_disk_full(exc):
                    raise disk_full_error(exc, self.cache.root, "a stage snapshot") from None
                raise
            except (Deadline, MemoryError) as exc:  # out of the stages' reach: the whole batch stopped
                if not alone:  # find the file that did it: each alone, from its snapshots
                    pending.extendleft(reversed(batch.one_by_one()))
                    continue
                cause: InputError = (
                    InputTimeout(f"it took longer than the per-file limit of {self.file_timeout_s:g} s")
                    if isinstance(exc, Deadline) else
                    InputMemoryLimit(f"it needed more memory than allowed, over the memory limit of "
                                     f"{self.max_memory_mb:g} MB"))
                src = batch.sources[0]
                item = Item(src)
                item.failure = StageFailure(_stage_running(exc) or self.label, src.iri, src.relpath, cause)
                items = [item]
            name_memory_failures(items, self.max_memory_mb)
            yield items

    def lend_to(self, encoder: Any) -> None:
        pass  # fusion encodes here, after the batches: there is no one else to lend to

    def close(self) -> None:
        pass


def _stage_running(exc: BaseException) -> str | None:
    """The stage :func:`~.batches.run_batch` was in when ``exc`` stopped it: the
    innermost frame of the traceback that holds a ``stage`` (an alarm lands anywhere)."""
    name = None
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_name == "run_batch" and hasattr(frame.f_locals.get("stage"), "name"):
            name = frame.f_locals["stage"].name
    return name


def _worker(conn: Connection, config: dict, origin: str, cache_root: str, modalities: set[str], threads: int,
            only: range | None, memory: tuple[float | None, bool] = (None, False), running: Any = None) -> None:
    limit_cpu_threads(threads)  # before any model is loaded: each worker gets its share of the cores
    pipeline = Pipeline.from_config(config, origin=origin)
    if running is not None:
        _announce_stages(pipeline, running)
    try:
        warm_up(pipeline, modalities, only)
    except KGBuildError as exc:
        conn.send(("error", exc))
        return
    conn.send(("ready", None))
    limit = _effective_limit(*memory, resident_mb())
    with heap_cap(limit):  # an allocation past the limit fails at once: no overshoot between polls
        _serve(conn, pipeline, StageCache(cache_root), limit)


def _announce_stages(pipeline: Pipeline, running: Any) -> None:
    """Each stage writes its index to ``running`` (shared memory) as it starts, so that the
    parent, killing a worker at a limit, can say which stage the file was in."""
    for index, stage in enumerate(pipeline.stages):
        def process(items, _process=stage.process, _index=index):
            running.value = _index
            return _process(items)
        stage.process = process  # type: ignore[method-assign]  # this worker's copy only


def _effective_limit(limit_mb: float | None, given: bool, loaded_mb: float) -> float | None:
    """A limit the user gave holds as given (models over it are a usage error); the default
    one leaves at least a gigabyte above the loaded models, so a default never stops a build."""
    if limit_mb is None or given:
        return limit_mb
    return max(limit_mb, loaded_mb + 1024)


def _serve(conn: Connection, pipeline: Pipeline, cache: StageCache, limit: float | None) -> None:
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the parent is gone (a Ray actor stopped): nothing more will come
            return
        if message is None:
            # Nothing is buffered here (snapshots are written per batch): skip unloading the
            # models, which takes a second or two of the build's end. Multiprocessing's own
            # exit work still runs: it releases the semaphores libraries made (tqdm's lock).
            conn.close()
            multiprocessing.util._exit_function()  # type: ignore[attr-defined]  # private: typeshed omits it
            os._exit(0)
        if message[0] == "call":
            conn.send(("called", _call(*message[1:])))
            continue
        task_id, batch = message
        seconds: Counter[str] = Counter()
        try:
            items = process_batch(pipeline, cache, batch, seconds)
        except OSError as exc:  # a stage snapshot on a full disk: the build stops (E410), as in one process
            if not is_disk_full(exc):
                raise
            full = disk_full_error(exc, cache.root, "a stage snapshot")
            conn.send(("full", (full.message, full.hint)))
            continue
        name_memory_failures(items, limit)
        conn.send(("done", (task_id, items, seconds)))


def _call(target: str, args: tuple) -> tuple[bool, object]:
    module, _, name = target.partition(":")
    try:
        return True, getattr(importlib.import_module(module), name)(*args)
    except Exception as exc:  # noqa: BLE001 - handed back to the caller, who decides
        return False, exc


MEMORY_POLL_S = 0.2


def _rss_mb(pid: int) -> float:
    """Resident memory of a worker (Linux /proc; 0 where that is not available)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class _Slot:
    def __init__(self, ctx, args: tuple) -> None:
        self.parent, child = ctx.Pipe()
        self.running = ctx.Value("i", -1, lock=False)  # the stage the worker is in (index), -1: none yet
        self.process = ctx.Process(target=_worker, args=(child, *args, self.running), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, Batch] | None = None
        self.deadline = 0.0

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.parent.close()


class ProcessPoolExecutor:
    """``workers`` processes with their models. ``stages`` limits them to some stages (a Ray
    actor's segment): they load only those and run only those; a failure the pool records
    (time, memory, a dead worker) is then named after them (``label``)."""

    writes_in_workers = True

    def __init__(self, pipeline: Pipeline, cache: StageCache, *, workers: int, file_timeout_s: float = 600.0,
                 batch_timeout_s: float | None = None, startup_timeout_s: float = 600.0,
                 max_memory_mb: float | None = None, memory_given: bool = True, threads: int | None = None,
                 stages: range | None = None) -> None:
        self.pipeline, self.cache = pipeline, cache
        self.max_memory_mb = max_memory_mb
        self.memory_given = memory_given  # False: the default limit, which the models may push up
        self.workers = workers
        self.file_timeout_s = file_timeout_s
        # Not file_timeout_s × files: a slow file is isolated after this, then gets its own limit.
        self.batch_timeout_s = batch_timeout_s if batch_timeout_s is not None else file_timeout_s
        self.startup_timeout_s = startup_timeout_s
        self.threads = threads or max(1, available_cores() // workers)
        self.stages = stages
        self.label = "executor" if stages is None else "+".join(pipeline.stages[i].name for i in stages)
        self.ctx = mp.get_context("spawn")  # fork after torch/onnxruntime threads exist is unsafe
        self.slots: list[_Slot] = []
        self.stage_seconds: Counter[str] = Counter()

    def _launch(self) -> _Slot:
        return _Slot(self.ctx, (self.pipeline.to_config(), self.pipeline.origin, str(self.cache.root),
                                self.modalities, self.threads, self.stages, (self.max_memory_mb, self.memory_given)))

    def _await_ready(self, slot: _Slot) -> _Slot:
        if not slot.parent.poll(self.startup_timeout_s):
            slot.kill()
            raise ExecutorError(f"a worker did not start within {self.startup_timeout_s:g} s")
        try:
            kind, payload = slot.parent.recv()
        except EOFError:
            raise ExecutorError(f"a worker died while loading models (exit code {slot.process.exitcode})") from None
        if kind == "error":
            slot.kill()
            raise payload
        if self.max_memory_mb and not self.memory_given:
            self.max_memory_mb = _effective_limit(self.max_memory_mb, False, _rss_mb(slot.process.pid))
        if self.max_memory_mb and (loaded := _rss_mb(slot.process.pid)) > self.max_memory_mb:
            slot.kill()
            raise ConfigError(f"a worker takes {loaded:.0f} MB with its models loaded, over the memory limit "
                              f"of {self.max_memory_mb:g} MB", hint="raise --max-memory-mb")
        return slot

    def start(self, modalities: set[str]) -> None:
        self.modalities = modalities
        launched = [self._launch() for _ in range(self.workers)]  # all load their models at the same time
        try:
            self.slots = [self._await_ready(slot) for slot in launched]
        except BaseException:
            for slot in launched:
                slot.kill()
            raise

    def run(self, batches: Iterable[Batch]) -> Iterator[list[Item]]:
        pending: deque[Batch] = deque(batches)
        next_id = 0
        while pending or any(s.task for s in self.slots):
            for slot in self.slots:
                if slot.task is None and pending:
                    batch = pending.popleft()
                    slot.task = (next_id, batch)
                    next_id += 1
                    seconds = self.file_timeout_s if len(batch.sources) == 1 else self.batch_timeout_s
                    slot.deadline = time.monotonic() + seconds
                    slot.running.value = -1
                    slot.parent.send(slot.task)
            busy = [s for s in self.slots if s.task]
            soonest = min(s.deadline for s in busy)
            timeout: float | None = max(0.0, soonest - time.monotonic()) if soonest != float("inf") else None
            if self.max_memory_mb:  # memory is sampled: a file has to hold it for a poll to see it
                timeout = MEMORY_POLL_S if timeout is None else min(timeout, MEMORY_POLL_S)
            ready = wait([s.parent for s in busy], timeout=timeout)
            for slot in list(busy):
                if slot.parent in ready:
                    try:
                        kind, payload = slot.parent.recv()
                        if kind == "full":  # the disk: no file's fault, and the next would fail too
                            raise DiskFull(*payload[:1], hint=payload[1])
                        _, items, seconds = payload
                        slot.task = None
                        self.stage_seconds.update(seconds)
                        yield items
                        continue
                    except EOFError:
                        cause = InputError(f"its worker died (exit code {slot.process.exitcode}), e.g. out of memory")
                elif time.monotonic() >= slot.deadline:
                    cause = InputTimeout(f"it took longer than the per-file limit of {self.file_timeout_s:g} s")
                elif self.max_memory_mb and (used := _rss_mb(slot.process.pid)) > self.max_memory_mb:
                    cause = InputMemoryLimit(f"its worker used {used:.0f} MB, over the memory limit of "
                                             f"{self.max_memory_mb:g} MB")
                else:
                    continue
                yield from self._recover(slot, pending, cause)

    def lend_to(self, encoder: Any) -> None:
        """The warm workers encode fusion's contexts, in parallel, before the pool closes."""
        encoder.spread_over(self.call_each, self.workers)

    def call_each(self, target: str, calls: list[tuple]) -> list:
        """``module:function(*args)`` for each ``args`` in ``calls``, spread over the idle
        workers, warm as they are; the results in order. Only between runs. A worker that dies
        or a function that raises fails the whole call (KGBuildError): the caller can do the
        work itself instead (a dead worker is not replaced: close the pool after that)."""
        results: list = [None] * len(calls)
        todo = deque(enumerate(calls))
        while todo:
            wave = [(slot, todo.popleft()) for slot in self.slots if todo]
            for slot, (_, args) in wave:
                slot.parent.send(("call", target, args))
            failure = None
            for slot, (index, _) in wave:  # every answer read, so the pool stays usable
                try:
                    _, (ok, value) = slot.parent.recv()
                except (EOFError, OSError):
                    ok, value = False, InputError(f"the worker died (exit code {slot.process.exitcode})")
                if ok:
                    results[index] = value
                else:
                    failure = failure or ExecutorError(f"{target} failed in a worker: {type(value).__name__}: {value}")
            if failure:
                raise failure
        return results

    def _recover(self, slot: _Slot, pending: deque, cause: Exception) -> Iterator[list[Item]]:
        """Replace the worker; retry a batch file by file, or fail the one file that did it."""
        assert slot.task is not None  # only a busy slot is recovered
        _, batch = slot.task
        running = slot.running.value
        slot.kill()
        self.slots[self.slots.index(slot)] = self._await_ready(self._launch())
        if len(batch.sources) > 1:
            pending.extendleft(reversed(batch.one_by_one()))
            return
        src = batch.sources[0]
        item = Item(src)
        # A Ray segment keeps its own label (its stages joined), as its reports have always said.
        stage = (self.pipeline.stages[running].name if self.stages is None and 0 <= running < len(self.pipeline.stages)
                 else self.label)
        item.failure = StageFailure(stage, src.iri, src.relpath, cause)
        yield [item]

    def close(self) -> None:
        for slot in self.slots:  # all told first: they stop at the same time
            try:
                slot.parent.send(None)
            except OSError:
                pass
        for slot in self.slots:
            slot.process.join(10)
            if slot.process.is_alive():
                slot.kill()
        self.slots = []
