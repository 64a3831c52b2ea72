"""The HTTP server: SPARQL 1.1 Protocol at ``/sparql`` and graph queries under ``/api``.

    kgbuild serve --store out/kg            # http://127.0.0.1:7878/sparql
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import cast

from fastapi import FastAPI, HTTPException, Query

from .. import __version__
from ..errors import AmbiguousEntity, KGBuildError
from ..store import KGStore
from ..store.open import open_store
from ..store.server_store import ServerStore
from . import explorer, sparql_policy
from .admission import Scheduler
from .explorer import ambiguous
from .query_pool import QueryPool, WorkerStore
from .security import HostPolicy, SecurityMiddleware
from .sparql import Limits, make_router


class AppState:
    """The open store and the cached entity graph, shared by request threads. The store is a
    folder (the embedded database) or a SPARQL server's URL (``state_dir``: its local state),
    as ``--store`` names it for every command."""

    def __init__(self, location: str | Path, *, allow_update: bool, token: str | None, limits: Limits,
                 state_dir: str | Path | None = None) -> None:
        self.allow_update = allow_update
        self.token = token
        self.limits = limits
        opened = open_store(location, read_only=not allow_update, state_dir=state_dir)
        # The explorer and the endpoint use only the methods both stores have (GraphStore).
        self._store = cast(KGStore, opened)
        if isinstance(opened, ServerStore):  # the workers get the credentials by environment, never argv
            self.label = opened.url
            self.worker_store = WorkerStore(opened.url, str(opened.path), {
                k: v for k, v in (("KGBUILD_STORE_USER", opened.user), ("KGBUILD_STORE_PASSWORD", opened.password))
                if v is not None})
        else:
            self.label = str(location)
            self.worker_store = WorkerStore(str(location))
        self._graph = None
        self._graph_checked = 0.0
        self._graph_fp = None
        self._lock = threading.Lock()
        self._pool: QueryPool | None = None
        self._pool_lock = threading.Lock()  # not _lock: that one is held while the graph is built

    def store(self) -> KGStore:
        return self._store

    def pool(self) -> QueryPool:
        """The query workers, started on first use (tests that never query start none)."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = QueryPool(self.worker_store, size=self.limits.workers,
                                       memory_mb=self.limits.worker_memory_mb,
                                       scheduler=Scheduler(self.limits.workers))
            return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def graph(self):
        """The entity graph, rebuilt when the store's content changes (checked every 2 s)."""
        from ..graph.entity_graph import build_entity_graph, store_fingerprint

        with self._lock:
            now = time.monotonic()
            if self._graph is None or now - self._graph_checked > 2.0:
                fp = store_fingerprint(self._store)
                if fp != self._graph_fp:
                    self._graph, self._graph_fp = build_entity_graph(self._store), fp
                self._graph_checked = now
            return self._graph


def create_app(store_path: str | Path, *, allow_update: bool = False, token: str | None = None,
               timeout_s: float = 30.0, max_rows: int = 100_000, limits: Limits | None = None,
               host: str = "127.0.0.1", allowed_hosts: tuple[str, ...] = (), warm: bool = False,
               state_dir: str | Path | None = None) -> FastAPI:
    """The application over the store at ``store_path`` (a folder, or a SPARQL server's URL
    with its local ``state_dir``). ``host`` is the address the server is bound to: with ``allowed_hosts``
    it makes the Host allow-list (see :mod:`kgbuild.server.security`). ``warm`` starts the
    query workers with the application instead of at the first query."""
    if allow_update and not token:
        raise ValueError("--allow-update needs a bearer token")
    limits = limits or Limits(timeout_s=timeout_s, max_rows=max_rows)
    limits.services = sparql_policy.validate(limits.services, "--service")
    limits.loads = sparql_policy.validate(limits.loads, "--load")
    timeout_s, max_rows = limits.timeout_s, limits.max_rows
    state = AppState(store_path, allow_update=allow_update, token=token, limits=limits, state_dir=state_dir)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        if warm:
            state.pool().warm_up()
        yield
        state.close()

    app = FastAPI(title="kgbuild", version=__version__, lifespan=lifespan,
                  description="SPARQL 1.1 endpoint and graph queries over a kgbuild store.")
    app.add_middleware(SecurityMiddleware, hosts=HostPolicy(host, allowed_hosts))
    app.state.kg = state
    app.include_router(make_router(state))
    app.include_router(explorer.make_router(state))  # the web explorer at /

    def guarded(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except AmbiguousEntity as exc:
            raise ambiguous(exc) from None
        except KGBuildError as exc:
            raise HTTPException(404 if exc.code == "E403" else 400, exc.message) from None

    @app.get("/api")
    def info() -> dict:
        return {"kgbuild": __version__, "store": state.label, "sparql": "/sparql",
                "read_only": not allow_update, "timeout_s": timeout_s, "max_rows": max_rows,
                "federation": list(limits.services)}

    @app.get("/api/search")
    def search(q: str = Query(..., min_length=1), limit: int = Query(20, ge=1, le=200),
               type: list[str] | None = Query(None, description="only entities of these types")) -> list[dict]:
        """Entities a name may mean, best first: by label, alias or a fused member's label, word
        order free, titles ignored, misspelt or misheard (kgbuild.graph.resolve). Each has its
        ``score`` (0-100), how it matched (``match``: exact, reordered, words, fuzzy) and the
        name that ``matched``."""
        from ..graph.resolve import EntityResolver

        resolver = EntityResolver.from_graph(state.graph())
        return [c.to_dict() for c in resolver.candidates(q, limit=limit, types=type)]

    @app.get("/api/path")
    def path(a: str, b: str, k: int = 3) -> list[list[dict]]:
        from ..graph.queries import paths

        return guarded(paths, state.graph(), a, b, k=k)

    @app.get("/api/neighbors")
    def neighbors(entity: str, hops: int = Query(1, ge=1, le=4)) -> dict:
        from ..graph.queries import neighbors as find

        return guarded(find, state.graph(), entity, hops=hops)

    @app.get("/api/rank")
    def rank(by: str = "pagerank", top: int = 20) -> list[dict]:
        from ..graph.queries import rank as do_rank

        if by not in ("pagerank", "degree"):
            raise HTTPException(400, "by must be pagerank or degree")
        return do_rank(state.graph(), by=by, top=top)

    @app.get("/api/communities")
    def communities(min_size: int = 2) -> list[list[dict]]:
        from ..graph.queries import communities as find

        return find(state.graph(), min_size=min_size)

    return app
