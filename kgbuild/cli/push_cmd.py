"""``kgbuild push``: send a store to a SPARQL Graph Store Protocol endpoint or to FalkorDB."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from .main import STORE_OPTION, app


class AuthScheme(str, Enum):
    digest = "digest"
    basic = "basic"


class EntityMode(str, Enum):
    """What an entity node is in a property graph (kgbuild/export/property_graph.py)."""
    canonical = "canonical"
    members = "members"


ENTITIES_HELP = ("Property graphs: 'canonical' (one node per real thing: fusion's canonical entity, its aliases and "
                 "members as properties, every member's edges on it) or 'members' (one node per entity the linker "
                 "made, each with its 'canonical' IRI, and SAME_AS edges between merged ones).")


@app.command()
def push(
    store: Path = STORE_OPTION,
    to: str = typer.Option(..., "--to", help="http(s)://HOST:PORT/PATH: a SPARQL 1.1 Graph Store Protocol endpoint "
                           "(Virtuoso: http://127.0.0.1:8890/sparql-graph-crud-auth). "
                           "falkordb://HOST:PORT/GRAPH: a FalkorDB server (GRAPH optional, 'kgbuild' by default)."),
    user: str = typer.Option(None, "--user", "-u", help="User for the HTTP endpoint (Virtuoso: dba)."),
    password: str = typer.Option(None, "--password", envvar="KGBUILD_PUSH_PASSWORD",
                                 help="Password (HTTP endpoint or FalkorDB); better passed in $KGBUILD_PUSH_PASSWORD."),
    auth: AuthScheme = typer.Option(AuthScheme.digest, "--auth", help="HTTP authentication scheme, with --user."),
    batch: int = typer.Option(None, "--batch", min=1,
                              help="Triples per HTTP request (default 5000) or rows per Cypher statement (default 500)."),
    full: bool = typer.Option(False, "--full", help="Send everything, ignoring what earlier pushes recorded."),
    state: Path = typer.Option(None, "--state", help="Push state file (default STORE/push-state.sqlite)."),
    entities: EntityMode = typer.Option(EntityMode.canonical, "--entities", help=ENTITIES_HELP + " FalkorDB only."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Push the store to a graph database: every named graph over the Graph Store Protocol,
    or the property graph (entities, sources, events, transcripts; relations, mentions) to FalkorDB.

    Resumable: what the target acknowledged is recorded in STORE/push-state.sqlite, so a
    second run sends only what changed (and deletes what the store no longer has), and a
    run that failed half-way picks up where it stopped. Examples:

      kgbuild push --store out/kg --to http://127.0.0.1:8890/sparql-graph-crud-auth --user dba --password dba

      kgbuild push --store out/kg --to falkordb://127.0.0.1:6379/kgbuild
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..export.push import push as run_push
    from ..store import KGStore
    from .render import console

    kg = KGStore(store, read_only=True)
    progress = Progress(TextColumn("[bold]pushing[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, disable=quiet)
    with progress:
        task = progress.add_task("push", total=None)
        report = run_push(kg, to, state_path=state, full=full, batch=batch, user=user, password=password,
                          auth=auth.value, entities=entities.value, on_start=lambda n: progress.update(task, total=n),
                          on_progress=lambda n: progress.advance(task, n))
    what = "triples" if report.unit == "graphs" else "rows"
    reset = " (the target had lost earlier pushes: everything was sent again)" if report.reset else ""
    console.print(f"pushed to {report.target}: {report.sent} {report.unit} sent ({report.items} {what}), "
                  f"{report.skipped} unchanged, {report.deleted} deleted{reset}", highlight=False)
