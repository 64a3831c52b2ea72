"""Writing sources' named graphs into a SPARQL server over the Graph Store Protocol, several
at a time.

Every source is its own named graph, so writers never touch the same graph and need no
coordination: each graph is one ``PUT`` (which replaces it whole on the server), sent by one
of ``writers`` threads with its own connection. The ingest state stays the record of what
is done, with the protocol of :mod:`.bulk_writer`: a batch's sources are recorded as
``writing`` (durably) before the first request, and a source is marked done only once the
server has acknowledged its ``PUT``. Whatever a kill or a refused request leaves in
``writing`` is ``DELETE``d on the server by :meth:`GraphStoreWriter.repair` and redone.

Quads outside any source's graph (the entities graph, shared by all sources) are appended
with ``POST``: adding a triple twice leaves one, so a repeated append after a kill is harmless.

When the build runs its batches in worker processes or Ray actors, those write their own
sources (:mod:`kgbuild.pipeline.worker_writes`, with this module's :class:`GraphStoreTarget`):
the build process records them as ``writing`` first (:meth:`GraphStoreWriter.expect`) and
marks done those whose ``PUT`` the worker reports acknowledged (:meth:`GraphStoreWriter.confirm`).

Tested against Virtuoso 7 (``/sparql-graph-crud-auth``, digest auth); bodies are N-Triples
sent as ``text/turtle``, as :mod:`kgbuild.export.push_gsp` does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import MissingDependencyError, ServerWriteFailed
from .bulk_writer import SourceWrite
from .ingest_state import DoneMark, IngestState

TIMEOUT_S = 120


def ntriples(quads: Iterable[ox.Quad]) -> bytes:
    data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
    return data or b""


@dataclass(frozen=True)
class GraphStoreTarget:
    """Where graphs are written, and as whom. Picklable: a worker process or a Ray actor
    opens its own connection from it and writes its sources itself
    (:mod:`kgbuild.pipeline.worker_writes`)."""

    url: str
    user: str | None = None
    password: str | None = None
    auth: str = "digest"

    def connect(self) -> GraphStoreClient:
        return GraphStoreClient(self)


def _httpx():
    try:
        import httpx
    except ImportError:
        raise MissingDependencyError("writing to a server store needs httpx",
                                     hint="pip install 'kgbuild[push]'") from None
    return httpx


class GraphStoreClient:
    """One connection to a Graph Store Protocol endpoint."""

    def __init__(self, target: GraphStoreTarget) -> None:
        self._httpx = httpx = _httpx()
        self.url = target.url
        auth = None if target.user is None else (httpx.DigestAuth if target.auth == "digest" else httpx.BasicAuth)(
            target.user, target.password or "")
        self._client = httpx.Client(auth=auth, timeout=TIMEOUT_S)

    def send(self, method: str, graph: str, body: bytes | None = None) -> str | None:
        """None when the server acknowledged, else what went wrong."""
        headers = {"Content-Type": "text/turtle; charset=utf-8"} if body is not None else {}
        try:
            resp = self._client.request(method, self.url, params={"graph": graph}, content=body, headers=headers)
        except self._httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if resp.status_code in (200, 201, 204) or (method == "DELETE" and resp.status_code == 404):
            return None
        return f"HTTP {resp.status_code}: {resp.text[:300].strip()}"

    def close(self) -> None:
        self._client.close()


def appended_by_graph(shared: Iterable[ox.Quad]) -> dict[str, bytes]:
    """Shared quads (the entities graph) as one N-Triples body per named graph, for ``POST``:
    the default graph is never a target here."""
    by_graph: dict[str, list[ox.Quad]] = {}
    for quad in shared:
        if isinstance(quad.graph_name, ox.NamedNode):
            by_graph.setdefault(quad.graph_name.value, []).append(quad)
    return {graph: ntriples(quads) for graph, quads in by_graph.items()}


class GraphStoreWriter:
    """Parallel ``PUT`` of source graphs to a Graph Store Protocol endpoint; see the module's note."""

    def __init__(self, url: str, state: IngestState, *, writers: int = 4, user: str | None = None,
                 password: str | None = None, auth: str = "digest") -> None:
        self.target = GraphStoreTarget(url, user, password, auth)
        _httpx()  # missing, it fails here, before any file is read
        self.url = url
        self.state = state
        self.writers = max(1, writers)
        self._local = threading.local()
        self._clients: list[GraphStoreClient] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(self.writers, thread_name_prefix="gsp-writer")

    def _send(self, method: str, graph: str, body: bytes | None = None) -> str | None:
        client = getattr(self._local, "client", None)
        if client is None:  # one connection per writer thread
            client = self._local.client = self.target.connect()
            with self._lock:
                self._clients.append(client)
        return client.send(method, graph, body)

    def delete_graphs(self, graphs: Iterable[str]) -> list[str]:
        """DELETE graphs on the server (one already absent is fine); returns what went wrong."""
        return [e for e in self._pool.map(lambda g: self._send("DELETE", g), graphs) if e]

    def repair(self) -> list[str]:
        """Delete on the server the graphs of writes that did not finish, and forget their sources."""
        unfinished = self.state.unfinished_writes()
        errors = self.delete_graphs(unfinished.values())
        if errors:
            raise ServerWriteFailed(f"cannot delete half-written graphs on {self.url}: {errors[0]}",
                                    hint="check that the server is up and the credentials; then build again")
        self.state.abandon_writes(list(unfinished))
        return list(unfinished)

    def write(self, sources: list[SourceWrite], shared: Iterable[ox.Quad] = ()) -> None:
        """Write the sources' graphs in parallel; mark done those the server acknowledged."""
        self.state.begin_writing({w.mark.sha256: w.graph for w in sources})
        bodies = appended_by_graph(shared)
        appended = [e for e in self._pool.map(lambda g: self._send("POST", g, bodies[g]), bodies) if e]
        outcome = list(self._pool.map(lambda w: self._send("PUT", w.graph, ntriples(w.quads)), sources))
        self.confirm([(w.graph, w.mark, error) for w, error in zip(sources, outcome)],
                     appended[0] if appended else None)

    def remote_target(self) -> GraphStoreTarget:
        """What a worker needs to write its own sources' graphs (:mod:`kgbuild.pipeline.worker_writes`)."""
        return self.target

    def expect(self, graphs: dict[str, str]) -> None:
        """Record sources (sha256 -> graph) as being written before workers write them."""
        self.state.begin_writing(graphs)

    def confirm(self, outcome: list[tuple[str, DoneMark, str | None]], shared_error: str | None = None) -> None:
        """(graph, mark, error) per source: mark done those the server acknowledged (error
        None). Any error stops the build, naming the first; the sources not acknowledged stay
        in ``writing``, so the next build repairs and redoes them."""
        self.state.finish_writing([mark for _, mark, error in outcome if error is None])
        failed = [(graph, error) for graph, _, error in outcome if error is not None]
        if failed or shared_error:
            what = f"graph <{failed[0][0]}>: {failed[0][1]}" if failed else f"shared quads: {shared_error}"
            raise ServerWriteFailed(f"writing to {self.url} failed ({len(failed)} of {len(outcome)} sources); {what}",
                                    hint="the sources not acknowledged are redone by the next build")

    def discard(self, graphs: dict[str, str]) -> None:
        """Delete graphs workers wrote for sources the build then set aside (their file
        changed or went while it was read), and forget those writes."""
        if graphs:
            self.delete_graphs(graphs.values())
            self.state.abandon_writes(list(graphs))

    def flush(self) -> int:
        return 0  # nothing is buffered: every write() is on the server when it returns

    def close(self) -> None:
        self._pool.shutdown()
        for client in self._clients:
            client.close()
