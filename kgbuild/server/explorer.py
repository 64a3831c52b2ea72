"""The web explorer: its front-end at ``/``, the entity API it reads, and the media it shows.

    GET /                       the single-page front-end (built from explorer/ by `make explorer`)
    GET /static/{file}          its assets
    GET /api/entity?iri=...     an entity with its evidence by modality, relations and events
    GET /api/entity-sources     the source paths each of some entities is mentioned in (fused members' too)
    GET /api/overview           the store at a glance: sources by modality, failures, entities, last build
    GET /api/top-things         the most connected things (values not ranked: listed under their things)
    GET /api/prefixes           the prefixes the server predeclares in every query (for the SPARQL editor)
    GET /media/{sha256}         a source file, Range requests supported (players seek with them)

The front-end is a build output kept out of git; when it is missing, ``/`` says how to
build it and everything else still works.
"""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse

from ..errors import AmbiguousEntity, KGBuildError
from ..graph.entity_graph import resolve_entity
from ..store.rdf import PREFIXES
from ..store.source_files import SourceFiles
from .entity_view import EntityView
from .overview import StoreOverview, event_values, top_things

STATIC = Path(__file__).resolve().parent / "static"
ASSET_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html",
               ".json": "application/json", ".txt": "text/plain"}

# Unstyled on purpose: the Content-Security-Policy (security.py) allows no inline style.
NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>kgbuild explorer: not built</title>
<body>
<h1>The explorer's front-end is not built</h1>
<p>Its assets are missing from <code>{static}</code>. Build them from the repository root with</p>
<pre>make explorer</pre>
<p>(this needs Node.js and npm: it runs <code>npm ci</code> and <code>npm run build</code> in
<code>explorer/</code>), then reload this page.</p>
<p>Meanwhile the SPARQL endpoint at <a href="/sparql">/sparql</a> and the JSON API at
<a href="/api">/api</a> work without it.</p></body>"""


# Types a browser renders without running anything. The builder records only these today
# (kgbuild.media.discovery), but a store can be written by others (SPARQL Update, push).
INLINE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "text/plain", "text/markdown")
INLINE_PREFIXES = ("audio/", "video/")
# A source file is shown, never run: even if one is rendered as a document, it runs no script
# and reaches nothing (sandbox), and cannot be framed.
MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"


def inline_safe(media_type: str) -> bool:
    base = media_type.split(";")[0].strip().lower()
    return base in INLINE_TYPES or base.startswith(INLINE_PREFIXES)


def ambiguous(exc: AmbiguousEntity) -> HTTPException:
    """409: the name fits several entities; the detail lists them for the client to choose."""
    return HTTPException(409, {"message": f"[{exc.code}] {exc.message}", "candidates": exc.candidates})


def _http(exc: KGBuildError) -> HTTPException:
    if isinstance(exc, AmbiguousEntity):
        return ambiguous(exc)
    status = 404 if exc.code in ("E403", "E404", "E405") else 400
    return HTTPException(status, f"[{exc.code}] {exc.message}")


def make_router(state) -> APIRouter:
    router = APIRouter()
    files = SourceFiles(state.store())
    view = EntityView(state.store(), files)
    overview = StoreOverview(state.store())
    cached: dict = {}  # what is derived from the entity graph, with the graph it came from
    cache_lock = threading.Lock()

    def derived(name: str, compute):
        """``compute(graph)``, kept until the entity graph is rebuilt (the store changed)."""
        graph = state.graph()
        with cache_lock:
            if cached.get("graph") is not graph:
                cached.clear()
                cached["graph"] = graph
            if name not in cached:
                cached[name] = compute(graph)
            return graph, cached[name]

    @router.get("/", include_in_schema=False)
    def index():
        page = STATIC / "index.html"
        if not page.is_file():
            return HTMLResponse(NOT_BUILT.format(static=STATIC), status_code=503)
        return FileResponse(page, media_type="text/html", headers={"Cache-Control": "no-cache"})

    @router.get("/static/{name:path}", include_in_schema=False)
    def static(name: str):
        target = (STATIC / name).resolve()
        if not target.is_relative_to(STATIC) or not target.is_file():
            raise HTTPException(404, f"no asset '{name}'" + ("" if STATIC.is_dir() else "; run `make explorer`"))
        # Module scripts must be served as JavaScript; the platform's MIME table may not know .mjs.
        return FileResponse(target, media_type=ASSET_TYPES.get(target.suffix), headers={"Cache-Control": "no-cache"})

    @router.get("/api/entity-sources")
    def entity_sources(iri: list[str] = Query(..., max_length=200)) -> dict[str, list[str]]:
        """Where each entity is mentioned (source paths), to tell apart same-named results."""
        try:
            return view.source_paths(iri)
        except KGBuildError as exc:
            raise _http(exc) from None

    @router.get("/api/overview")
    def store_overview() -> dict:
        """Sources by modality (ok, failed), each failure with its stage, code and reason,
        entities counted once per fused entity (things and values apart), relations, events
        and when the last build wrote a source."""
        return derived("overview", overview.collect)[1]

    @router.get("/api/top-things")
    def most_connected(top: int = Query(25, ge=1, le=500), values: int = Query(6, ge=0, le=100)) -> list[dict]:
        """The most connected things (people, organisations, places, objects...), each with
        the values (dates, numbers, amounts) connected to it and the files of all its fused
        members. Unlike ``/api/rank``, values are not ranked."""
        graph, events = derived("event-values", lambda g: event_values(state.store(), g))
        found = top_things(graph, top=top, values_per=values, events=events)
        if found:
            iris = [t["iri"] for t in found]
            try:
                where, members = view.source_paths(iris), view.member_details(iris)
            except KGBuildError as exc:
                raise _http(exc) from None
            for t in found:
                t["files"], t["members"] = where[t["iri"]], members[t["iri"]]
        return found

    @router.get("/api/prefixes")
    def prefixes() -> dict[str, str]:
        """The prefixes every query may use undeclared (as in `kgbuild query`)."""
        return dict(PREFIXES)

    @router.get("/api/entity")
    def entity(iri: str = Query(..., min_length=1, description="entity IRI, or a label to look up"),
               limit: int = Query(200, ge=1, le=5000, description="most mentions to return")) -> dict:
        try:
            if not (iri.startswith(("http://", "https://", "urn:")) and view.entity(iri) is not None):
                # Not an entity IRI: take it as a label, as `kgbuild neighbors "Eileen Collins"` does.
                iri = resolve_entity(state.graph(), iri)
            return view.describe(iri, limit=limit)
        except KGBuildError as exc:
            raise _http(exc) from None

    @router.get("/media/{sha256}")
    def media(sha256: str):
        try:
            info = files.info(sha256)
            path = files.locate(info)  # a regular file inside a corpus root, checked now
        except KGBuildError as exc:
            raise _http(exc) from None
        media_type = info.media_type or "application/octet-stream"
        headers = {"Cache-Control": "private, max-age=3600", "Content-Security-Policy": MEDIA_CSP}
        if inline_safe(media_type):
            # No filename: a browser should show the file inline, not download it.
            return FileResponse(path, media_type=media_type, headers=headers)
        # HTML, SVG, XML and anything unknown could run script in this origin if rendered.
        return FileResponse(path, media_type=media_type, headers=headers, filename=path.name,
                            content_disposition_type="attachment")

    return router
