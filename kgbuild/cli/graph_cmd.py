"""``kgbuild path | neighbors | rank | communities``: graph queries beyond SPARQL."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer

from .main import STORE_OPTION, app

JSON_OPTION = typer.Option(False, "--json", help="Print JSON (the same as the server's /api endpoints).")


class RankBy(str, Enum):
    pagerank = "pagerank"
    degree = "degree"


def _graph(store: Path):
    from ..graph import load_entity_graph
    from ..store import KGStore

    return load_entity_graph(KGStore(store, read_only=True))


def _print_table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    from rich.table import Table

    from .render import console

    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _hop_line(hop: dict) -> str:
    what = hop["predicate"].rsplit("#", 1)[-1].rsplit("/", 1)[-1] if hop["predicate"] else hop["kind"]
    arrow = f"-[{what}]->" if hop["direction"] == "forward" else f"<-[{what}]-"
    flag = " (inferred)" if hop["inferred"] else ""
    where = "; ".join(f"{s}" for s in hop["sources"]) + (" @ " + " ".join(hop["selectors"]) if hop["selectors"] else "")
    return f"  {hop['from']['label']} {arrow} {hop['to']['label']}{flag}   [{where}]"


@app.command()
def path(
    a: str = typer.Argument(..., help="Entity label or IRI."),
    b: str = typer.Argument(..., help="Entity label or IRI."),
    store: Path = STORE_OPTION,
    k: int = typer.Option(3, "--k", help="How many shortest paths."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Shortest evidence-bearing paths between two entities, each hop with its source and selector.

    Stated relations count as stronger links than names mentioned near each other.
    """
    from ..graph.queries import paths

    found = paths(_graph(store), a, b, k=k)
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    if not found:
        typer.echo(f"no path between '{a}' and '{b}'")
        raise typer.Exit(1)
    for i, hops in enumerate(found, 1):
        typer.echo(f"path {i} ({len(hops)} hop{'s' if len(hops) != 1 else ''}):")
        for hop in hops:
            typer.echo(_hop_line(hop))


@app.command()
def neighbors(
    entity: str = typer.Argument(..., help="Entity label or IRI."),
    store: Path = STORE_OPTION,
    hops: int = typer.Option(1, "--hops", help="Neighbourhood radius."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Entities within N hops of an entity, with the evidence linking them."""
    from ..graph.queries import neighbors as find

    result = find(_graph(store), entity, hops=hops)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    _print_table(f"within {hops} hop(s) of {result['center']['label']}", ("distance", "label", "type"),
                 [(str(n["distance"]), n["label"], n["type"]) for n in result["nodes"][1:]])


@app.command()
def rank(
    store: Path = STORE_OPTION,
    by: RankBy = typer.Option(RankBy.pagerank, "--by", help="pagerank or degree."),
    top: int = typer.Option(20, "--top"),
    as_json: bool = JSON_OPTION,
) -> None:
    """The most central entities."""
    from ..graph.queries import rank as do_rank

    result = do_rank(_graph(store), by=by.value, top=top)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    _print_table(f"entities by {by.value}", ("score", "label", "type"),
                 [(f"{r['score']:.4g}", r["label"], r["type"]) for r in result])


@app.command()
def communities(
    store: Path = STORE_OPTION,
    min_size: int = typer.Option(2, "--min-size"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Groups of densely connected entities (Louvain, fixed seed)."""
    from ..graph.queries import communities as find

    result = find(_graph(store), min_size=min_size)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    for i, group in enumerate(result, 1):
        names = ", ".join(n["label"] or n["iri"].rsplit("/", 1)[-1] for n in group[:12])
        typer.echo(f"{i:>3}. ({len(group)}) {names}{' …' if len(group) > 12 else ''}")
