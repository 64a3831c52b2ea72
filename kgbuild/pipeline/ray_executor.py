"""Running batches on Ray Data: one actor pool per model stage, one writer here.

The pipeline is cut into *segments*: each stage that runs a model (and applies to a
modality present) starts one, and the cheap stages after it ride along, so items cross a
process boundary once per model rather than once per stage. Each segment is a
``map_batches`` over an actor pool whose actors load that segment's models once; a pool
requests a GPU share when the cluster has GPUs, so only model stages hold them. Ray
Data streams items from pool to pool, so decoding and every model run at the same time
on different batches. A Ray row is one of the runner's batches (pickled items, as in the
worker pool, with the fingerprints the planner computed): every model sees exactly the
batches it sees locally, so even a stage whose scores depend on what else is in its batch
(padding) gives the same graph, and snapshot keys match. Into a server store the last
segment's actors write their rows' sources themselves (:mod:`.worker_writes`); this process
keeps the ingest state, and otherwise writes.

Per-file limits (``file_timeout_s`` → E304, ``max_memory_mb`` → E305) are the worker pool's,
per actor: with either set, an actor runs its segment's stages in a one-worker
:class:`~.executors.ProcessPoolExecutor` (the pool's code, limited to the segment's stages)
instead of in itself. A file that overruns gets that worker killed and replaced; the batch
is retried file by file, and the file that overruns alone comes back failed, naming the
segment's stages, the file and the limit; the other files of the batch come through and go
on to the next actor. Why a child process and not a watchdog thread in the actor: Python
cannot stop a thread, and a stage stuck in native code (a decoder, ONNX Runtime) does not
even see a signal; the actor itself would have to die, and Ray Data then retries the whole
row on a restarted actor, where the same file hangs again, with no record of which file did
it. Only a separate process can be stopped without losing the actor or the batch, and its
resident memory can be read like a pool worker's. The cost is one more process per actor
(the models live in the child; the actor holds only Ray and the pipeline) and a pipe copy
of each batch; ``file_timeout_s`` 0 and no memory limit run the stages in the actor.

The plan is streamed: the rows are made by Ray Data read tasks, a window of batches each
(:func:`plan_source`), which resume items from their snapshots as Ray pulls them, so this
process never holds the resumed items of the whole corpus, only the plan's source records.
Read tasks reserve no CPU and prefer this node, where the store's snapshots are.
"""

from __future__ import annotations

import json
import logging
import pickle
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import islice
from typing import Any

import numpy as np

from ..datamodel import Item
from ..errors import ExecutorError, KGBuildError, MissingDependencyError
from ..threads import available_cores, limit_cpu_threads
from .batches import Batch, process_batch, warm_up
from .config import Pipeline
from .executors import ProcessPoolExecutor
from .options import BuildOptions
from .stage_cache import StageCache, applies_to_modality, caches_output


def segments(pipeline: Pipeline, modalities: set[str]) -> list[range]:
    """Stage index ranges, each starting at a model stage that applies to ``modalities``."""
    starts = [0] + [i for i, stage in enumerate(pipeline.stages)
                    if i > 0 and caches_output(stage) and any(applies_to_modality(stage, m) for m in modalities)]
    return [range(a, b) for a, b in zip(starts, starts[1:] + [len(pipeline.stages)])]


class SegmentActor:
    """Holds one segment's stages, warm, in a Ray actor. Each row is one batch of items.

    With a time or memory limit the stages run in a one-worker :class:`ProcessPoolExecutor`
    owned by the actor (the worker pool's own code), which stops and replaces its worker
    when a file overruns; without one they run here."""

    def __init__(self, config: dict, origin: str, cache_root: str, stages: range, modalities: list[str],
                 threads: int, file_timeout_s: float | None = None, max_memory_mb: float | None = None) -> None:
        self.pipeline = Pipeline.from_config(config, origin=origin)
        self.cache, self.stages = StageCache(cache_root), stages
        self.pool: ProcessPoolExecutor | None = None
        if file_timeout_s or max_memory_mb:
            self.pool = ProcessPoolExecutor(self.pipeline, self.cache, workers=1,
                                            file_timeout_s=file_timeout_s or float("inf"),
                                            max_memory_mb=max_memory_mb, threads=threads, stages=stages)
            self.pool.start(set(modalities))  # a missing model, or models over the memory limit, stop us here
            return
        limit_cpu_threads(threads)  # before a model library starts its thread pools
        warm_up(self.pipeline, set(modalities), stages)

    def __call__(self, rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out, spent = [], []
        for blob, fps, before, sink in zip(rows["items"], rows["fps"], rows["seconds"], rows["sink"]):
            seconds = Counter(json.loads(before))
            items = pickle.loads(blob)
            # The sink (a worker write into a server store) runs in the last segment's actor.
            batch = Batch([item.source for item in items], json.loads(fps), items, self.stages,
                          pickle.loads(sink) if sink else None)
            if self.pool is None:
                items = process_batch(self.pipeline, self.cache, batch, seconds)
            else:
                self.pool.stage_seconds = seconds  # the pool adds its worker's stage times here
                done = {item.source.iri: item for result in self.pool.run([batch]) for item in result}
                items = [done[item.source.iri] for item in items]  # a batch retried file by file comes back whole
            out.append(pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL))
            spent.append(json.dumps(seconds))
        return {"items": _column(out), "fps": rows["fps"], "seconds": _column(spent), "sink": rows["sink"]}

    def __del__(self) -> None:
        pool = getattr(self, "pool", None)  # unset if __init__ failed
        if pool is not None:
            pool.close()


def _column(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise MissingDependencyError("the Ray executor needs Ray Data, which is not installed",
                                     hint="pip install 'kgbuild[ray]'") from None
    return ray


WINDOW = 8  # the runner's batches per read task


def _read_window(batches: list[Batch], cache_root: str) -> Iterator:
    """A read task's rows, built where it runs: each batch's items resumed from their
    snapshots and pickled, one row (one block) per batch."""
    import pyarrow as pa

    cache = StageCache(cache_root)
    for batch in batches:
        items = cache.resume_all(batch.sources, batch.fingerprints)
        sink = pickle.dumps(batch.sink, protocol=pickle.HIGHEST_PROTOCOL) if batch.sink is not None else b""
        yield pa.Table.from_pydict({"items": [pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)],
                                    "fps": [json.dumps(batch.fingerprints)], "seconds": ["{}"], "sink": [sink]})


def plan_source(batches: Iterable[Batch], cache_root: str, window: int = WINDOW):
    """The plan as a Ray Data source: one read task per ``window`` batches, holding only
    their source records. Rows (the items, resumed from snapshots: a transcript, OCR lines)
    are made by the read tasks as Ray Data pulls them, under its backpressure, never all at
    once in this process."""
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    class PlanSource(Datasource):
        def __init__(self) -> None:
            super().__init__()
            it = iter(batches)
            self.windows = list(iter(lambda: list(islice(it, window)), []))

        def estimate_inmemory_data_size(self) -> None:
            return None

        def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                           data_context=None) -> list[ReadTask]:
            return [ReadTask(partial(_read_window, w, cache_root),
                             BlockMetadata(num_rows=len(w), size_bytes=None, exec_stats=None, input_files=None))
                    for w in self.windows]

    return PlanSource()


class RayExecutor:
    """``workers`` actors per model stage. ``address`` None starts a Ray on this machine
    with its cores; "auto" or "ray://host:10001" joins a cluster."""

    writes_in_workers = True

    def __init__(self, pipeline: Pipeline, cache: StageCache, *, address: str | None = None, workers: int = 1,
                 object_store_mb: int = 1024, file_timeout_s: float | None = None,
                 max_memory_mb: float | None = None) -> None:
        self.pipeline, self.cache = pipeline, cache
        self.file_timeout_s, self.max_memory_mb = file_timeout_s, max_memory_mb
        self.address, self.workers, self.object_store_mb = address, workers, object_store_mb
        self.stage_seconds: Counter[str] = Counter()
        self._started_ray = False

    @classmethod
    def from_options(cls, pipeline: Pipeline, cache: StageCache, options: BuildOptions) -> RayExecutor:
        return cls(pipeline, cache, address=options.ray_address, workers=options.workers,
                   file_timeout_s=options.file_timeout_s, max_memory_mb=options.max_memory_mb)

    def lend_to(self, encoder) -> None:
        """This process mostly waits for batches: fusion's encoder loads here meanwhile."""
        encoder.warm_up_in_background()

    def start(self, modalities: set[str]) -> None:
        ray = _ray()
        self.modalities = sorted(modalities)
        if not modalities:  # nothing to do: no cluster to start
            return
        if not ray.is_initialized():
            options: dict[str, Any] = dict(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
            if self.address is None:
                # A local Ray listens on loopback only, and need not look for this host's address.
                options.update(num_cpus=available_cores(), object_store_memory=self.object_store_mb << 20,
                               _node_ip_address="127.0.0.1")
            ray.init(address=self.address, **options)
            self._started_ray = True
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.execution_options.preserve_order = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        self.segments = segments(self.pipeline, modalities)
        resources = ray.cluster_resources()
        pools = len(self.segments) * self.workers
        # Ray's CPU numbers are reservations, not limits: the shares add up to the cluster's
        # cores and each actor runs as many threads as it reserved, so no core is oversubscribed.
        self.cpus = min(1.0, resources.get("CPU", 1.0) / pools)
        self.threads = max(1, int(resources.get("CPU", 1.0) // pools))
        self.gpus = min(1.0, resources.get("GPU", 0.0) / pools)

    def _dataset(self, batches: Iterable[Batch]):
        ray = _ray()
        source = plan_source(batches, str(self.cache.root))
        if not source.windows:
            return None
        # Read tasks reserve no CPU (the actors' shares add up to the cluster; a CPU-reserving
        # read would wait for one forever) and run where this process is, as far as Ray can
        # (soft), so they find the snapshots in this store's stage-cache/ as the driver would.
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=True)
        ds = ray.data.read_datasource(source, num_cpus=0, concurrency=2,
                                      ray_remote_args={"scheduling_strategy": here})
        for seg in self.segments:
            models = any(caches_output(self.pipeline.stages[i]) for i in seg)
            ds = ds.map_batches(
                SegmentActor, batch_size=1, batch_format="numpy",  # one row: one of the runner's batches
                compute=ray.data.ActorPoolStrategy(size=self.workers),
                num_cpus=self.cpus, num_gpus=self.gpus if models else 0,
                fn_constructor_kwargs=dict(config=self.pipeline.to_config(), origin=self.pipeline.origin,
                                           cache_root=str(self.cache.root), stages=seg,
                                           modalities=self.modalities, threads=self.threads,
                                           file_timeout_s=self.file_timeout_s, max_memory_mb=self.max_memory_mb),
            )
        return ds

    def run(self, batches: Iterable[Batch]) -> Iterator[list[Item]]:
        ds = self._dataset(batches)
        if ds is None:
            return
        try:
            for row in ds.iter_rows():
                self.stage_seconds.update(json.loads(row["seconds"]))
                yield pickle.loads(row["items"])  # one modality, as the runner batched them
        except Exception as exc:  # noqa: BLE001 - Ray's and Ray Data's own errors: what a user can act on
            raise _unwrap(exc) from None

    def close(self) -> None:
        if self._started_ray:
            _ray().shutdown()
            self._started_ray = False


def _unwrap(exc: BaseException) -> KGBuildError:
    """The kgbuild error behind a Ray error (a missing model in an actor's constructor).
    Ray keeps only its text, so the code, message and hint are read back from it."""
    texts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        texts.append(getattr(seen, "error_msg", "") or str(seen))
        seen = seen.__cause__ or seen.__context__
    for text in texts:
        found = re.search(r"\[(E\d{3})\] (.*?)(?:\n  hint: (.*?))?(?:\n\S|\Z)", text, re.S)
        if found:  # the actor's own coded error, rebuilt with its code
            error = ExecutorError(found[2].strip(), hint=found[3].strip() if found[3] else None)
            error.code = found[1]
            return error
    first = str(exc).strip().splitlines()
    return ExecutorError(f"the Ray executor failed: {first[0] if first else type(exc).__name__}")
