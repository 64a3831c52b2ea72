"""``kgbuild serve``: the SPARQL endpoint and graph API over HTTP."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from ..errors import ConfigError, MissingDependencyError
from .main import STORE_OPTION, app


@app.command()
def serve(
    store: Path = STORE_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (loopback by default)."),
    port: int = typer.Option(7878, "--port"),
    allow_update: bool = typer.Option(False, "--allow-update",
                                      help="Accept SPARQL Update (needs --token or $KGBUILD_TOKEN)."),
    token: str = typer.Option(None, "--token", envvar="KGBUILD_TOKEN", help="Bearer token for updates."),
    timeout: float = typer.Option(30.0, "--timeout", help="Per-query time limit in seconds."),
    max_rows: int = typer.Option(100_000, "--max-rows", help="Largest result a query may return."),
) -> None:
    """Serve the store: SPARQL 1.1 Protocol at /sparql, graph queries at /api/*.

    Results follow the Accept header: SPARQL JSON (default), XML, CSV, TSV; CONSTRUCT and
    DESCRIBE as Turtle (default), N-Triples or JSON-LD. Read-only unless --allow-update.

      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 5' http://127.0.0.1:7878/sparql
    """
    try:
        import uvicorn

        from ..server.app import create_app
    except ImportError as exc:
        raise MissingDependencyError(f"the server needs FastAPI and uvicorn ({exc})",
                                     hint="pip install 'kgbuild[server]'") from exc
    if allow_update and not token:
        raise ConfigError("--allow-update needs a bearer token", hint="pass --token or set KGBUILD_TOKEN")
    application = create_app(store, allow_update=allow_update, token=token, timeout_s=timeout, max_rows=max_rows)
    typer.echo(f"kgbuild: serving {store} at http://{host}:{port}/sparql (pid {os.getpid()})", err=True)
    uvicorn.run(application, host=host, port=port, log_level="warning")
