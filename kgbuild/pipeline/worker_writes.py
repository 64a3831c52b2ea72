"""Worker processes and Ray actors that write their own sources into a server store.

With a server store, each source is its own named graph, so the processes that ran a batch
can ``PUT`` its graphs themselves, in parallel, instead of sending every item back for the
build process to turn into quads and send one by one: the write path grows with the workers.
The ingest state stays with the build process and keeps its protocol
(:mod:`kgbuild.store.gsp_writer`): sources are recorded as ``writing`` before any worker
gets them, a worker reports per source whether the server acknowledged its graph, and only
then does the build process mark it done. A worker that never reached the write (killed at
a limit, a batch retried file by file) reports nothing, and the build process writes that
item itself; a kill anywhere leaves the sources in ``writing``, and the next build's repair
deletes their graphs and redoes them.

A :class:`WorkerWrite` rides on a :class:`~.batches.Batch` and runs after its last stage,
wherever that stage ran (:func:`~.batches.process_batch`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..datamodel import Item
from ..store.gsp_writer import GraphStoreClient, GraphStoreTarget, appended_by_graph, ntriples
from ..store.rdf import entity_quads, source_quads
from .limits import cap_mentions

WRITTEN = "_written"  # item.meta: None once the server acknowledged the source's graph, else what went wrong

_clients: dict[GraphStoreTarget, GraphStoreClient] = {}  # one connection per target, per process


@dataclass(frozen=True)
class WorkerWrite:
    """Writes one batch's sources' graphs from wherever the batch ran. ``paths``: every
    relative path holding each source's bytes (sha256 -> paths), for the batch's sources."""

    target: GraphStoreTarget
    pipeline: str
    paths: dict[str, list[str]]
    max_mentions: int | None = None

    def __call__(self, items: list[Item], fingerprints: list[str]) -> None:
        cap_mentions(items, self.max_mentions)  # as the build process would before writing
        client = _clients.get(self.target) or _clients.setdefault(self.target, self.target.connect())
        entities = [entity for item in items if item.ok for entity in item.entities.values()]
        shared = None
        for graph, body in appended_by_graph(entity_quads(entities)).items():
            shared = client.send("POST", graph, body) or shared
        for item in items:
            if shared is not None:  # their entities are not all there: none of them is done
                item.meta[WRITTEN] = f"the entities graph: {shared}"
                continue
            try:
                quads = source_quads(item, pipeline=self.pipeline, pipeline_fingerprint=fingerprints[-1],
                                     paths=self.paths[item.source.sha256])
                item.meta[WRITTEN] = client.send("PUT", item.source.iri, ntriples(quads))
            except Exception as exc:  # noqa: BLE001 - reported per source; the build process decides
                item.meta[WRITTEN] = f"{type(exc).__name__}: {exc}"


def written_by_worker(item: Item) -> bool:
    return WRITTEN in item.meta


def worker_outcome(item: Item) -> str | None:
    """What the worker reported for ``item`` (None: acknowledged), and forget it."""
    return item.meta.pop(WRITTEN)
