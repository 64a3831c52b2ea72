"""``kgbuild serve``: the SPARQL endpoint and graph API over HTTP."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from ..errors import ConfigError, MissingDependencyError
from .main import app
from .store_option import STATE_OPTION, STORE_LOCATION_OPTION


@app.command()
def serve(
    store: str = STORE_LOCATION_OPTION,
    state: Path = STATE_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (loopback by default)."),
    port: int = typer.Option(7878, "--port"),
    allow_update: bool = typer.Option(False, "--allow-update",
                                      help="Accept SPARQL Update (needs --token or $KGBUILD_TOKEN)."),
    token: str = typer.Option(None, "--token", envvar="KGBUILD_TOKEN", help="Bearer token for updates."),
    timeout: float = typer.Option(30.0, "--timeout", help="Per-query time limit in seconds; the query is stopped."),
    max_rows: int = typer.Option(100_000, "--max-rows", help="Largest result a query may return."),
    max_result_mb: int = typer.Option(128, "--max-result-mb", help="Largest serialised result, in MB."),
    query_workers: int = typer.Option(0, "--query-workers",
                                      help="Queries evaluated at once, each in its own process (0: half the cores, 2 to 4)."),
    query_memory_mb: int = typer.Option(1024, "--query-memory-mb", help="Memory cap of each query worker, in MB."),
    allowed_host: list[str] = typer.Option([], "--allowed-host",
                                           help="Another name the server may be reached by (a reverse proxy's); "
                                           "repeatable. Default: the --host address and localhost. '*' turns the check off."),
    service: list[str] = typer.Option([], "--service",
                                      help="A SPARQL endpoint queries may call with SERVICE (repeatable; "
                                      "a trailing '/' allows everything under it). Default: none, federation off."),
    load: list[str] = typer.Option([], "--load", help="An IRI (or prefix ending in '/') updates may LOAD. Default: none."),
    max_connections: int = typer.Option(256, "--max-connections",
                                        help="Concurrent connections before new ones get 503."),
) -> None:
    """Serve the store: the web explorer at /, SPARQL 1.1 Protocol at /sparql, graph queries at /api/*.

    Results follow the Accept header: SPARQL JSON (default), XML, CSV, TSV; CONSTRUCT and
    DESCRIBE as Turtle (default), N-Triples or JSON-LD. Read-only unless --allow-update.
    --store is a store folder or a SPARQL server's URL (a build with --store URL): the explorer
    and the endpoint then read the server.
    The server fetches no URL for a query (SERVICE) or update (LOAD) unless allowed, and
    answers only the Host names it is known by; see docs/security.md to expose it.

      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 5' http://127.0.0.1:7878/sparql
    """
    try:
        import uvicorn

        from ..server.app import create_app
        from ..server.sparql import Limits
    except ImportError as exc:
        raise MissingDependencyError(f"the server needs FastAPI and uvicorn ({exc})",
                                     hint="pip install 'kgbuild[server]'") from exc
    if allow_update and not token:
        raise ConfigError("--allow-update needs a bearer token", hint="pass --token or set KGBUILD_TOKEN")
    limits = Limits(timeout_s=timeout, max_rows=max_rows, max_result_mb=max_result_mb, workers=query_workers,
                    worker_memory_mb=query_memory_mb, services=tuple(service), loads=tuple(load))
    application = create_app(store, allow_update=allow_update, token=token, limits=limits, host=host,
                             allowed_hosts=tuple(allowed_host), warm=True, state_dir=state)
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    typer.echo(f"kgbuild: serving {application.state.kg.label} (pid {os.getpid()})\n"
               f"  explorer  {base}/\n"
               f"  SPARQL    {base}/sparql\n"
               f"  graph API {base}/api", err=True)
    uvicorn.run(application, host=host, port=port, log_level="warning", limit_concurrency=max_connections)
