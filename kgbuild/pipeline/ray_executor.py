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
(padding) gives the same graph, and snapshot keys match. This process stays the only writer.

Not (yet) here: the per-file time limit of the worker pool (a hanging file holds its
actor), and memory limits; see docs/scaling.md.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import re
from collections import Counter
from collections.abc import Iterable, Iterator

import numpy as np

from ..datamodel import Item
from ..errors import KGBuildError, MissingDependencyError
from .config import Pipeline
from .executors import Batch
from .stage_cache import StageCache, applies_to_modality, caches_output

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def segments(pipeline: Pipeline, modalities: set[str]) -> list[range]:
    """Stage index ranges, each starting at a model stage that applies to ``modalities``."""
    starts = [0] + [i for i, stage in enumerate(pipeline.stages)
                    if i > 0 and caches_output(stage) and any(applies_to_modality(stage, m) for m in modalities)]
    return [range(a, b) for a, b in zip(starts, starts[1:] + [len(pipeline.stages)])]


class SegmentActor:
    """Holds one segment's stages, warm, in a Ray actor. Each row is one batch of items."""

    def __init__(self, config: dict, origin: str, cache_root: str, stages: range, modalities: list[str],
                 threads: int) -> None:
        for var in THREAD_VARS:  # before a model library starts its thread pools
            os.environ[var] = str(threads)
        self.pipeline = Pipeline.from_config(config, origin=origin)
        self.cache, self.stages = StageCache(cache_root), stages
        try:
            import torch

            torch.set_num_threads(threads)
        except ImportError:
            pass
        for index in stages:
            stage = self.pipeline.stages[index]
            if any(applies_to_modality(stage, m) for m in modalities):
                stage.warm_up()

    def __call__(self, rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out, spent = [], []
        for blob, fps, before in zip(rows["items"], rows["fps"], rows["seconds"]):
            seconds = Counter(json.loads(before))
            items = self._run(pickle.loads(blob), json.loads(fps), seconds)
            out.append(pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL))
            spent.append(json.dumps(seconds))
        return {"items": _column(out), "fps": rows["fps"], "seconds": _column(spent)}

    def _run(self, items: list[Item], fps: list[str], seconds: Counter) -> list[Item]:
        from .runner import run_batch

        def snapshot(index: int, done: list[Item]) -> None:
            stage = self.pipeline.stages[index]
            if caches_output(stage):
                for item in done:
                    if stage.applies_to(item):
                        self.cache.save(item, fps[index])

        return run_batch(self.pipeline, items, after_stage=snapshot, seconds=seconds, only=self.stages)


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


class RayExecutor:
    """``workers`` actors per model stage. ``address`` None starts a Ray on this machine
    with its cores; "auto" or "ray://host:10001" joins a cluster."""

    def __init__(self, pipeline: Pipeline, cache: StageCache, *, address: str | None = None, workers: int = 1,
                 object_store_mb: int = 1024) -> None:
        self.pipeline, self.cache = pipeline, cache
        self.address, self.workers, self.object_store_mb = address, workers, object_store_mb
        self.stage_seconds: Counter = Counter()
        self._started_ray = False

    def start(self, modalities: set[str]) -> None:
        ray = _ray()
        self.modalities = sorted(modalities)
        if not modalities:  # nothing to do: no cluster to start
            return
        if not ray.is_initialized():
            options = dict(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
            if self.address is None:
                # A local Ray listens on loopback only, and need not look for this host's address.
                options.update(num_cpus=os.cpu_count() or 1, object_store_memory=self.object_store_mb << 20,
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
        rows = []
        for batch in batches:
            items = []
            for src in batch.sources:
                item, done = self.cache.resume(src, batch.fingerprints)
                item.completed = done
                items.append(item)
            rows.append({"items": pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL),
                         "fps": json.dumps(batch.fingerprints), "seconds": "{}"})
        if not rows:
            return None
        ds = ray.data.from_items(rows)
        for seg in self.segments:
            models = any(caches_output(self.pipeline.stages[i]) for i in seg)
            ds = ds.map_batches(
                SegmentActor, batch_size=1, batch_format="numpy",  # one row: one of the runner's batches
                compute=ray.data.ActorPoolStrategy(size=self.workers),
                num_cpus=self.cpus, num_gpus=self.gpus if models else 0,
                fn_constructor_kwargs=dict(config=self.pipeline.to_config(), origin=self.pipeline.origin,
                                           cache_root=str(self.cache.root), stages=seg,
                                           modalities=self.modalities, threads=self.threads),
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
    texts, seen = [], exc
    while seen is not None:
        texts.append(getattr(seen, "error_msg", "") or str(seen))
        seen = seen.__cause__ or seen.__context__
    for text in texts:
        found = re.search(r"\[(E\d{3})\] (.*?)(?:\n  hint: (.*?))?(?:\n\S|\Z)", text, re.S)
        if found:
            error = KGBuildError(found[2].strip(), hint=found[3].strip() if found[3] else None)
            error.code = found[1]
            return error
    first = str(exc).strip().splitlines()
    return KGBuildError(f"the Ray executor failed: {first[0] if first else type(exc).__name__}")
