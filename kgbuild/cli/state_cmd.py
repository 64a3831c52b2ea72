"""``kgbuild check`` and ``kgbuild prune``: store integrity and clean-up."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..errors import ConfigError
from .main import STORE_OPTION, app
from .store_option import STATE_OPTION, STORE_LOCATION_OPTION, open_location


@app.command()
def check(
    store: str = STORE_LOCATION_OPTION,
    state: Path = STATE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Verify a store: every ingested source has exactly its graph, paths and status agree
    between the RDF store and the ingest state, and every mention's entity exists.

    Exit status 0 when healthy, 1 when problems were found (they are listed).
    """
    from ..pipeline.maintenance import check as run_check

    report = run_check(open_location(store, read_only=True, state=state))
    if as_json:
        typer.echo(json.dumps({"ok": report.ok, "sources": report.sources, "problems": report.problems}, indent=2))
    else:
        for problem in report.problems:
            typer.echo(f"problem: {problem}")
        typer.echo(f"{report.sources} sources checked: {'ok' if report.ok else f'{len(report.problems)} problems'}")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def prune(
    corpus: Path = typer.Argument(..., help="The corpus folder the store was built from."),
    store: Path = STORE_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would go; change nothing."),
) -> None:
    """Remove sources whose files are no longer in CORPUS, and entities left without mentions."""
    from ..pipeline.maintenance import prune as run_prune
    from ..store import KGStore

    if not corpus.is_dir():
        raise ConfigError(f"corpus folder '{corpus}' does not exist")
    report = run_prune(KGStore(store), corpus, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    for path in report.removed_paths:
        typer.echo(f"{verb} path {path}")
    typer.echo(f"{verb} {len(report.removed_paths)} paths, {len(report.removed_sources)} sources, "
               f"{report.removed_entities} orphan entities")
