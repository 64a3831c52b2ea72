"""``kgbuild query``, ``export`` and ``stats``: reading a store."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer

from ..errors import ConfigError
from .main import app
from .push_cmd import ENTITIES_HELP, EntityMode
from .render import cell, visible
from .store_option import STORE_LOCATION_OPTION, open_location


class ResultFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"


SOLUTION_FORMATS = ("table", "json", "csv", "tsv")
GRAPH_FORMATS = ("table", "json", "turtle", "ntriples", "jsonld")


class ExportFormat(str, Enum):
    turtle = "turtle"
    ntriples = "ntriples"
    nquads = "nquads"
    trig = "trig"
    jsonld = "jsonld"
    graphml = "graphml"
    gexf = "gexf"
    neo4j_csv = "neo4j-csv"
    cypher = "cypher"


RDF_EXPORTS = {"turtle", "ntriples", "nquads", "trig", "jsonld"}


def _open(store: str):
    return open_location(store, read_only=True)


@app.command()
def query(
    sparql: str = typer.Argument(..., help="A SPARQL 1.1 query, '-' to read it from stdin, or @FILE."),
    store: str = STORE_LOCATION_OPTION,
    fmt: ResultFormat = typer.Option(ResultFormat.table, "--format", "-f",
                                     help="SELECT/ASK: table (terminal), json (SPARQL 1.1 JSON results), csv or "
                                     "tsv. CONSTRUCT/DESCRIBE: table or turtle (Turtle), json or jsonld (JSON-LD), "
                                     "ntriples."),
) -> None:
    """Run SPARQL over the union of all graphs in the store.

    The prefixes kg, rdf, rdfs, xsd, prov, oa, dcterms, schema and kgid are predeclared.
    Use GRAPH ?g { ... } to see which source (graph) a fact comes from. Example:

      kgbuild query "SELECT ?text ?label WHERE { ?m a kg:Mention ; kg:text ?text ; kg:label ?label } LIMIT 10"
    """
    import pyoxigraph as ox

    from .result_table import print_result_table

    if sparql == "-":
        sparql = sys.stdin.read()
    elif sparql.startswith("@"):
        sparql = Path(sparql[1:]).read_text(encoding="utf-8")
    kg = _open(store)
    result = kg.query(sparql)
    out = _TerminalSafe(sys.stdout.buffer)
    if isinstance(result, ox.QueryBoolean):
        if fmt is ResultFormat.table:
            typer.echo("true" if bool(result) else "false")
        else:
            out.write(_returned(result.serialize(format=_results_format(fmt))))
    elif isinstance(result, ox.QueryTriples):
        out.write(_returned(result.serialize(format=_graph_format(fmt))))
    elif fmt is ResultFormat.table:  # streamed: a large result prints as fast as CSV
        print_result_table([v.value for v in result.variables], result, rich_cell=cell, plain_cell=visible)
    else:
        out.write(_returned(result.serialize(format=_results_format(fmt))))
    out.flush()


def _returned(data: bytes | None) -> bytes:
    assert data is not None  # serialize() without an output file returns the bytes
    return data


class _TerminalSafe:
    def __init__(self, stream) -> None:
        self._stream = stream
        self._tty = sys.stdout.isatty()

    def write(self, data: bytes) -> None:
        if self._tty:
            data = visible(data.decode("utf-8", "replace")).encode("utf-8")
        self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()


def _graph_format(fmt: ResultFormat):
    """The RDF format to print a CONSTRUCT or DESCRIBE in (json is JSON-LD for a graph)."""
    import pyoxigraph as ox

    if fmt.value not in GRAPH_FORMATS:
        raise ConfigError(f"--format {fmt.value} is for SELECT results, and a CONSTRUCT or DESCRIBE gives a graph",
                          hint="use --format turtle (the default), jsonld (or json) or ntriples")
    return {"table": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
            "json": ox.RdfFormat.JSON_LD, "jsonld": ox.RdfFormat.JSON_LD}[fmt.value]


def _results_format(fmt: ResultFormat):
    import pyoxigraph as ox

    if fmt.value not in SOLUTION_FORMATS:
        raise ConfigError(f"--format {fmt.value} is for graphs (CONSTRUCT, DESCRIBE), and a SELECT or ASK gives "
                          "solutions", hint="use --format table, json, csv or tsv")
    return {ResultFormat.json: ox.QueryResultsFormat.JSON, ResultFormat.csv: ox.QueryResultsFormat.CSV,
            ResultFormat.tsv: ox.QueryResultsFormat.TSV}[fmt]


@app.command()
def export(
    store: str = STORE_LOCATION_OPTION,
    fmt: ExportFormat = typer.Option(
        ExportFormat.turtle, "--format", "-f",
        help="RDF: turtle/ntriples (union graph), nquads/trig/jsonld (a named graph per source). "
        "Property graph: graphml, gexf, neo4j-csv (a folder for neo4j-admin import), cypher (idempotent MERGE script)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file (a folder for neo4j-csv)."),
    entities: EntityMode = typer.Option(EntityMode.canonical, "--entities", help=ENTITIES_HELP),
) -> None:
    """Write the graph to a file: RDF, or a property graph for graph databases and tools."""
    kg = _open(store)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt.value in RDF_EXPORTS:
        n = kg.export(fmt.value, out)
        summary = f"{n} {'quads' if fmt.value in ('nquads', 'trig', 'jsonld') else 'triples'}"
    else:
        from ..export import load_property_graph, writers

        pg = load_property_graph(kg, entities=entities.value)
        writer = {"graphml": writers.write_graphml, "gexf": writers.write_gexf,
                  "neo4j-csv": writers.write_neo4j_csv, "cypher": writers.write_cypher}[fmt.value]
        writer(pg, out)
        summary = pg.summary()
    typer.echo(f"wrote {summary} to {out}", err=True)


@app.command()
def stats(
    store: str = STORE_LOCATION_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Counts by modality, entity type and source, and the files that failed."""
    from ..store.stats import collect

    data = collect(_open(store))
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    from rich.table import Table

    from .render import console

    for key, title, cols in (
        ("sources_by_modality", "sources", ("modality", "sources", "ok", "failed")),
        ("mentions_by_modality", "mentions", ("modality", "mentions")),
        ("entities_by_type", "entities", ("type", "entities")),
        ("sources", "per source", ("path", "modality", "mentions", "status")),
        ("failures", "failures", ("path", "stage", "code", "reason")),
    ):
        table = Table(title=title)
        for col in cols:
            table.add_column(col, overflow="fold")
        for row in data[key]:
            table.add_row(*(cell(row[c]) for c in cols))  # paths and reasons come from the corpus
        if data[key]:
            console.print(table)
    console.print(f"triples: {data['triples']}   entities: {data['entities']}   mentions: {data['mentions']}")
