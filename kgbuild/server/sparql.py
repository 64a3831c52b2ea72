"""The SPARQL 1.1 Protocol at ``/sparql``: query by GET or POST, update by POST.

Results are negotiated from ``Accept``. Queries are evaluated by a small pool of worker
processes (:mod:`kgbuild.server.query_pool`): a query that passes the time limit is
stopped by killing its worker, one that passes the memory cap stops itself, and the
server process never holds an evaluation, so its memory stays bounded under any flood of
queries. Before anything is evaluated, the text is checked for SERVICE and LOAD
(:mod:`kgbuild.server.sparql_policy`): the server fetches no URL the operator did not allow.

Updates (only with ``--allow-update`` and a token) run in the server process, on the
store it holds open for writing; the workers reopen their read-only view after each one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import anyio
import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from ..errors import QueryError
from . import sparql_policy
from .admission import Busy
from .query_pool import WorkerFailed


def default_workers() -> int:
    return max(2, min(4, (os.cpu_count() or 2) // 2))


@dataclass
class Limits:
    timeout_s: float = 30.0
    max_rows: int = 100_000
    max_result_mb: int = 128  # a serialised result larger than this is a 413
    max_query_kb: int = 1024  # a query or update text (or form body) larger than this is a 413
    workers: int = 0  # query worker processes (0: default_workers())
    worker_memory_mb: int = 1024  # each worker's heap cap
    services: tuple[str, ...] = ()  # SERVICE endpoints a query may call (none: federation off)
    loads: tuple[str, ...] = ()  # IRIs (or prefixes, ending in '/') an update may LOAD

    def __post_init__(self) -> None:
        self.workers = self.workers or default_workers()


def client_key(request: Request) -> str:
    """Who sent the request, for fair sharing of the workers. Behind a reverse proxy this is
    the address the proxy forwarded (uvicorn trusts X-Forwarded-For from loopback only)."""
    return request.client.host if request.client else "unknown"


def _refused(exc: QueryError) -> HTTPException:
    return HTTPException(400, f"[{exc.code}] {exc.message}" + (f" (hint: {exc.hint})" if exc.hint else ""))


async def _body(request: Request, limit_kb: int) -> bytes:
    """The request body, refused with 413 once it passes the limit (not read whole first)."""
    limit = limit_kb * 1024
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body larger than {limit_kb} KB")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"request body larger than {limit_kb} KB")
        chunks.append(chunk)
    return b"".join(chunks)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"the request body is not valid UTF-8 (byte {exc.start})") from None


DATASET_PARAMS = {"default-graph-uri": "default_graph", "named-graph-uri": "named_graphs"}


def _dataset(*sources: Any) -> dict[str, list[str] | None]:
    """The RDF dataset a request names (SPARQL 1.1 Protocol 2.1.4): ``default-graph-uri``
    and ``named-graph-uri``, each repeatable, from the URL's query string and a form body.
    They override FROM and FROM NAMED in the query; absent, the query's own or the union."""
    out: dict[str, list[str] | None] = {}
    for param, key in DATASET_PARAMS.items():
        values: list[str] = []
        for source in sources:
            values += source.getlist(param) if hasattr(source, "getlist") else source.get(param, [])
        for value in values:
            try:
                ox.NamedNode(value)
            except ValueError:
                raise HTTPException(400, f"{param} {value!r} is not an IRI") from None
        if values:
            out[key] = list(dict.fromkeys(values))
    return out


def make_router(app_state) -> APIRouter:
    router = APIRouter()

    async def run_query(request: Request, sparql: str, dataset: dict[str, list[str] | None] | None = None) -> Response:
        limits: Limits = app_state.limits
        if len(sparql) > limits.max_query_kb * 1024:
            raise HTTPException(413, f"query longer than {limits.max_query_kb} KB")
        try:
            sparql_policy.check(sparql, services=limits.services)
        except QueryError as exc:
            raise _refused(exc) from None
        job = {"query": sparql, "accept": request.headers.get("accept"), "max_rows": limits.max_rows,
               "max_bytes": limits.max_result_mb * 2**20, **(dataset or {})}
        try:
            header, body = await app_state.pool().run(client_key(request), job, limits.timeout_s)
        except Busy as exc:
            raise HTTPException(exc.status, f"[E408] {exc.message}", headers={"Retry-After": str(exc.retry_after)}) from None
        except WorkerFailed as exc:
            if exc.reason == "timeout":
                raise HTTPException(503, f"[E408] query exceeded the {limits.timeout_s:g} s time limit and was "
                                         "stopped; narrow it or add LIMIT") from None
            if exc.reason == "memory":
                raise HTTPException(503, f"[E408] query needed more than the {limits.worker_memory_mb} MB memory "
                                         "limit and was stopped; narrow it or add LIMIT") from None
            raise HTTPException(500, f"the query worker failed: {exc.detail}") from None
        if header["status"] != 200:
            code = f"[{header['code']}] " if header.get("code") else ""
            raise HTTPException(header["status"], code + header["message"])
        return Response(body, media_type=header["media"])

    async def run_update(request: Request, update: str) -> Response:
        if not app_state.allow_update:
            raise HTTPException(403, "this endpoint is read-only; start it with --allow-update and a token")
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {app_state.token}":
            raise HTTPException(401, "SPARQL Update needs 'Authorization: Bearer <token>'",
                                headers={"WWW-Authenticate": "Bearer"})
        limits: Limits = app_state.limits
        try:
            sparql_policy.check(update, services=limits.services, loads=limits.loads)
        except QueryError as exc:
            raise _refused(exc) from None

        def work() -> None:
            try:
                app_state.store().update(update)
            except (RuntimeError, ValueError) as exc:  # a LOAD of something that is not RDF, ...
                raise QueryError(f"update failed: {exc}") from None

        try:
            await anyio.to_thread.run_sync(work)
        except QueryError as exc:
            raise HTTPException(400, f"[{exc.code}] {exc.message}") from None
        finally:
            app_state.pool().generation += 1  # the workers' read-only view predates this update
        return Response(status_code=204)

    @router.get("/sparql")
    async def sparql_get(request: Request, query: str | None = None) -> Response:
        if not query:
            raise HTTPException(400, "missing 'query' parameter")
        return await run_query(request, query, _dataset(request.query_params))

    @router.post("/sparql")
    async def sparql_post(request: Request) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        limit = app_state.limits.max_query_kb
        if ctype == "application/sparql-query":  # the dataset in the URL's query string
            return await run_query(request, _text(await _body(request, limit)), _dataset(request.query_params))
        if ctype == "application/sparql-update":
            return await run_update(request, _text(await _body(request, limit)))
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = parse_qs(_text(await _body(request, limit)), keep_blank_values=True, errors="strict")
            except UnicodeDecodeError:
                raise HTTPException(400, "the form is not valid UTF-8 once percent-decoded") from None
            if "query" in form:
                return await run_query(request, form["query"][0], _dataset(request.query_params, form))
            if "update" in form:
                return await run_update(request, form["update"][0])
            raise HTTPException(400, "form must have a 'query' or 'update' field")
        raise HTTPException(415, f"unsupported content type '{ctype}'; use application/sparql-query, "
                                 "application/sparql-update or application/x-www-form-urlencoded")

    return router
