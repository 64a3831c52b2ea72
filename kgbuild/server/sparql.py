"""The SPARQL 1.1 Protocol at ``/sparql``: query by GET or POST, update by POST.

Results are negotiated from ``Accept``. Each query runs in a worker thread (pyoxigraph
releases the GIL while it evaluates), so concurrent queries do not block each other. The
row limit and the deadline are checked while results are streamed out of the store, which
is where a big query spends its time; a query that is still planning when the deadline
passes is answered with 503 and its thread is left to finish on its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import anyio
import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from ..errors import QueryError

SOLUTION_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


@dataclass
class Limits:
    timeout_s: float = 30.0
    max_rows: int = 100_000


class QueryTimeout(Exception):
    pass


class TooManyRows(Exception):
    pass


def negotiate(accept: str | None, offered: dict) -> str:
    """The first offered media type the client accepts, by q-value then order."""
    default = next(iter(offered))
    if not accept:
        return default
    ranges = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        ranges.append((-q, i, media.lower()))
    for _, _, media in sorted(ranges):
        if media in offered:
            return media
        if media in ("*/*", "application/*", "text/*"):
            prefix = media.split("/")[0]
            for candidate in offered:
                if media == "*/*" or candidate.startswith(prefix + "/"):
                    return candidate
    raise HTTPException(406, f"none of the accepted types ({accept}) is offered; offered: {', '.join(offered)}")


def _materialise(result, accept: str | None, limits: Limits, started: float) -> tuple[bytes, str]:
    def check(count: int) -> None:
        if count > limits.max_rows:
            raise TooManyRows(count)
        if count % 256 == 0 and time.monotonic() - started > limits.timeout_s:
            raise QueryTimeout()

    if isinstance(result, ox.QueryBoolean):
        media = negotiate(accept, {k: v for k, v in SOLUTION_TYPES.items() if v in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML)})
        return result.serialize(format=SOLUTION_TYPES[media]), media
    if isinstance(result, ox.QueryTriples):
        media = negotiate(accept, GRAPH_TYPES)
        triples = []
        for triple in result:
            triples.append(triple)
            check(len(triples))
        return ox.serialize(triples, format=GRAPH_TYPES[media]), media
    media = negotiate(accept, SOLUTION_TYPES)
    variables = result.variables
    rows = []
    for row in result:
        rows.append(row)
        check(len(rows))
    return _serialize_solutions(variables, rows, SOLUTION_TYPES[media]), media


def _serialize_solutions(variables, rows, fmt) -> bytes:
    # pyoxigraph serialises only live QuerySolutions; re-run through a tiny in-memory store
    # would cost a second evaluation, so the four formats are written here from the rows.
    import csv
    import io
    import json
    from xml.sax.saxutils import escape, quoteattr

    names = [v.value for v in variables]
    if fmt == ox.QueryResultsFormat.JSON:
        def term(t):
            if isinstance(t, ox.NamedNode):
                return {"type": "uri", "value": t.value}
            if isinstance(t, ox.BlankNode):
                return {"type": "bnode", "value": t.value}
            out = {"type": "literal", "value": t.value}
            if t.language:
                out["xml:lang"] = t.language
            elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                out["datatype"] = t.datatype.value
            return out
        bindings = [{n: term(r[n]) for n in names if r[n] is not None} for r in rows]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}).encode()
    if fmt in (ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV):
        buf = io.StringIO()
        if fmt == ox.QueryResultsFormat.CSV:
            writer = csv.writer(buf, lineterminator="\r\n")
            writer.writerow(names)
            for r in rows:
                writer.writerow(["" if r[n] is None else r[n].value for n in names])
        else:
            buf.write("\t".join("?" + n for n in names) + "\n")
            for r in rows:
                buf.write("\t".join("" if r[n] is None else str(r[n]) for n in names) + "\n")
        return buf.getvalue().encode()
    parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    parts += [f"<variable name={quoteattr(n)}/>" for n in names]
    parts.append("</head><results>")
    for r in rows:
        parts.append("<result>")
        for n in names:
            t = r[n]
            if t is None:
                continue
            if isinstance(t, ox.NamedNode):
                inner = f"<uri>{escape(t.value)}</uri>"
            elif isinstance(t, ox.BlankNode):
                inner = f"<bnode>{escape(t.value)}</bnode>"
            elif t.language:
                inner = f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
            else:
                inner = f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
            parts.append(f"<binding name={quoteattr(n)}>{inner}</binding>")
        parts.append("</result>")
    parts.append("</results></sparql>")
    return "".join(parts).encode()


def make_router(app_state) -> APIRouter:
    router = APIRouter()

    async def run_query(sparql: str, accept: str | None) -> Response:
        limits: Limits = app_state.limits
        started = time.monotonic()

        def work():
            result = app_state.store().query(sparql)
            return _materialise(result, accept, limits, started)

        try:
            with anyio.fail_after(limits.timeout_s):
                body, media = await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
        except QueryError as exc:
            raise HTTPException(400, exc.message) from None
        except (TimeoutError, QueryTimeout):
            raise HTTPException(503, f"query exceeded the {limits.timeout_s:g} s time limit; "
                                     "narrow it or add LIMIT") from None
        except TooManyRows:
            raise HTTPException(413, f"result exceeds the limit of {limits.max_rows} rows; add LIMIT or "
                                     "start the server with a larger --max-rows") from None
        return Response(body, media_type=media)

    async def run_update(request: Request, update: str) -> Response:
        if not app_state.allow_update:
            raise HTTPException(403, "this endpoint is read-only; start it with --allow-update and a token")
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {app_state.token}":
            raise HTTPException(401, "SPARQL Update needs 'Authorization: Bearer <token>'",
                                headers={"WWW-Authenticate": "Bearer"})
        try:
            await anyio.to_thread.run_sync(lambda: app_state.store().update(update))
        except QueryError as exc:
            raise HTTPException(400, exc.message) from None
        return Response(status_code=204)

    @router.get("/sparql")
    async def sparql_get(request: Request, query: str | None = None) -> Response:
        if not query:
            raise HTTPException(400, "missing 'query' parameter")
        return await run_query(query, request.headers.get("accept"))

    @router.post("/sparql")
    async def sparql_post(request: Request) -> Response:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        accept = request.headers.get("accept")
        if ctype == "application/sparql-query":
            return await run_query((await request.body()).decode("utf-8"), accept)
        if ctype == "application/sparql-update":
            return await run_update(request, (await request.body()).decode("utf-8"))
        if ctype == "application/x-www-form-urlencoded":
            form = await request.form()
            if "query" in form:
                return await run_query(str(form["query"]), accept)
            if "update" in form:
                return await run_update(request, str(form["update"]))
            raise HTTPException(400, "form must have a 'query' or 'update' field")
        raise HTTPException(415, f"unsupported content type '{ctype}'; use application/sparql-query, "
                                 "application/sparql-update or application/x-www-form-urlencoded")

    return router
