"""The embedded store: an on-disk Oxigraph database, one named graph per source.

SPARQL queries see the union of all named graphs as their default graph, so users never
need ``GRAPH ?g`` unless they want to know which source a fact came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..errors import QueryError, StoreError
from ..ids import NS
from .rdf import PREFIXES

_PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())

EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class SourceState:
    graph: str
    sha256: str
    status: str
    fingerprint: str | None
    paths: tuple[str, ...]


class KGStore:
    """A store folder: ``oxigraph/`` (the RDF database), ``state.sqlite`` (what has been
    ingested, see :mod:`kgbuild.store.ingest_state`) and ``stage-cache/`` (item snapshots)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.db_path = self.path / "oxigraph"
        self.state_path = self.path / "state.sqlite"
        self.cache_path = self.path / "stage-cache"
        self.read_only = read_only
        try:
            if read_only:
                if not (self.db_path / "CURRENT").exists():
                    raise StoreError(f"no kgbuild store at {self.path}",
                                     hint="build one first: kgbuild build DATA --store DIR")
                self._store = ox.Store.read_only(str(self.db_path))
            else:
                self.db_path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.db_path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}",
                             hint="another kgbuild process may be writing to it") from None

    # reading ------------------------------------------------------------------------

    def query(self, sparql: str, *, prefixes: bool = True, default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, union: bool = True):
        """Run SPARQL 1.1 over the union of all graphs. Common prefixes (kg, rdfs, oa,
        prov, schema, xsd, ...) are predeclared unless ``prefixes=False``.

        ``default_graph`` and ``named_graphs`` (graph IRIs) set the dataset as the SPARQL
        Protocol's ``default-graph-uri`` and ``named-graph-uri`` do, over any FROM in the
        query: the default graph is the merge of the first (empty when only the second is
        given), and GRAPH sees only the second (every graph when only the first is given).
        ``union=False`` keeps the query's own dataset (FROM, FROM NAMED) or the store's
        empty default graph."""
        text = _PROLOGUE + sparql if prefixes else sparql
        dataset: dict = {}
        if default_graph is not None or named_graphs is not None:
            dataset["default_graph"] = [ox.NamedNode(g) for g in default_graph or ()]
            if named_graphs is not None:
                dataset["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        elif union:
            dataset["use_default_graph_as_union"] = True
        try:
            return self._store.query(text, **dataset)
        except SyntaxError as exc:
            raise _syntax_error(str(exc), sparql, _PROLOGUE.count("\n") if prefixes else 0) from None
        except OSError as exc:
            raise QueryError(f"query failed: {exc}") from None

    def update(self, sparql: str) -> None:
        """SPARQL 1.1 Update (only on a store opened for writing)."""
        try:
            self._store.update(_PROLOGUE + sparql)
        except SyntaxError as exc:
            raise _syntax_error(str(exc), sparql, _PROLOGUE.count(chr(10))) from None
        except OSError as exc:
            raise QueryError(f"update failed: {exc}") from None

    def rows(self, sparql: str):
        """SELECT results as dicts of plain strings (None where unbound), for code that
        reads the graph rather than shows it."""
        result = self.query(sparql)
        names = [v.value for v in result.variables]
        for row in result:
            yield {n: (row[n].value if row[n] is not None else None) for n in names}

    def sources(self) -> dict[str, SourceState]:
        """Known sources by sha256."""
        return source_states(self)

    def __len__(self) -> int:
        return len(self._store)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs())

    # writing ------------------------------------------------------------------------

    def replace_graph(self, graph: str, quads: list[ox.Quad]) -> None:
        """Swap a source's graph for new content. Each step is atomic; a crash between
        them leaves the source absent, and the next build simply redoes it."""
        node = ox.NamedNode(graph)
        if self._store.contains_named_graph(node):
            self._store.remove_graph(node)
        self._store.extend(quads)

    def has_graph(self, graph: str) -> bool:
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def drop_graph(self, graph: str, *, even_unlisted: bool = False) -> None:
        """Remove a named graph. ``even_unlisted`` removes its quads even when the graph's
        name is not listed, as an interrupted bulk write may leave them (the loader writes
        the quads and the list of graph names as separate files)."""
        if even_unlisted or self.has_graph(graph):
            self._store.remove_graph(ox.NamedNode(graph))

    def add(self, quads: Iterable[ox.Quad]) -> None:
        self._store.extend(quads)

    def bulk_add(self, quads: Iterable[ox.Quad]) -> None:
        """Add many quads through Oxigraph's bulk loader: new sorted files handed to the
        database whole, with no write-ahead log — about 3× faster than :meth:`add` — but not
        transactional: an interrupted call may leave some of the quads in. Callers make that
        repairable (:mod:`kgbuild.store.bulk_writer`). An OSError (a full disk) passes
        through as from :meth:`add`, for the build to report it."""
        self._store.bulk_extend(quads)

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        for quad in quads:
            self._store.remove(quad)

    def add_path(self, graph: str, path: str) -> None:
        g = ox.NamedNode(graph)
        self._store.add(ox.Quad(g, ox.NamedNode(NS + "path"), ox.Literal(path), g))

    def remove_path(self, graph: str, path: str) -> None:
        """Detach a path from a source whose file at that path has changed; drop the
        source when no path is left."""
        g = ox.NamedNode(graph)
        self._store.remove(ox.Quad(g, ox.NamedNode(NS + "path"), ox.Literal(path), g))
        if not list(self._store.quads_for_pattern(g, ox.NamedNode(NS + "path"), None, g)):
            self._store.remove_graph(g)

    def flush(self) -> None:
        if not self.read_only:  # a read-only store has nothing to write
            self._store.flush()

    def close(self) -> None:
        self.flush()
        del self._store

    # export ---------------------------------------------------------------------------

    def export(self, fmt: str, out: str | Path) -> int:
        """Write the store. Graph-aware formats (nquads, trig) keep one graph per source;
        triple formats (turtle, ntriples) write the union, each triple once."""
        if fmt not in EXPORT_FORMATS:
            raise StoreError(f"unknown export format '{fmt}'", hint=f"one of: {', '.join(EXPORT_FORMATS)}")
        rdf_format = EXPORT_FORMATS[fmt]
        if rdf_format.supports_datasets:
            self._store.dump(str(out), rdf_format, prefixes=PREFIXES if fmt == "trig" else None)
            return len(self._store)
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in self._store.quads_for_pattern(None, None, None)}
        ordered = sorted(triples, key=str)
        ox.serialize(ordered, str(out), rdf_format, prefixes=PREFIXES if fmt == "turtle" else None)
        return len(ordered)


def source_states(store) -> dict[str, SourceState]:
    """Known sources by sha256, as the graph records them (any store with ``query``)."""
    rows = store.query(
        """SELECT ?g ?sha ?status ?fp (GROUP_CONCAT(?path; separator="\\u0000") AS ?paths) WHERE {
             GRAPH ?g { ?g a kg:Source ; kg:sha256 ?sha ; kg:status ?status .
                        OPTIONAL { ?g kg:pipelineFingerprint ?fp } OPTIONAL { ?g kg:path ?path } } }
           GROUP BY ?g ?sha ?status ?fp"""
    )
    out = {}
    for row in rows:
        paths = tuple(p for p in (row["paths"].value if row["paths"] else "").split("\u0000") if p)
        fp = row["fp"].value if row["fp"] else None
        out[row["sha"].value] = SourceState(row["g"].value, row["sha"].value, row["status"].value, fp, paths)
    return out


def _shift_lines(message: str, shift: int) -> str:
    """Parser positions ("error at LINE:COL") count our predeclared prefixes; report
    them in the user's own line numbers."""
    return re.sub(r"at (\d+):(\d+)", lambda m: f"at line {max(1, int(m.group(1)) - shift)}, column {m.group(2)}",
                  message, count=1)


_AT = re.compile(r"at line (\d+), column (\d+)")
_PNAME_BEFORE = re.compile(r"(?<![\w:?$<\"'\\])([A-Za-z][\w.\-]*)?:[\w.\-%]*$")
_PNAMES = re.compile(r"(?<![\w:?$\\])([A-Za-z][\w.\-]*)?:(?=[\w%]|\s|$)")
_IRIS_STRINGS = re.compile(r"<[^<>\s]*>|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|#[^\n]*")
_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.\-]*)?:", re.I)


def _syntax_error(message: str, sparql: str, shift: int) -> QueryError:
    """A parser error in the user's line numbers; an undeclared prefix is named, with the
    predeclared ones (oxigraph's own message lists every character it expected)."""
    message = _shift_lines(message, shift)
    if "Prefix not found" not in message:
        return QueryError(f"SPARQL syntax error: {message}")
    where = _AT.search(message)
    declared = set(_DECLARED.findall(sparql)) | set(PREFIXES)
    prefix = None
    if where:
        lines = sparql.splitlines() or [""]
        line = lines[min(int(where.group(1)), len(lines)) - 1]
        col = int(where.group(2))
        for end in (col, col - 1, col + 1):
            m = _PNAME_BEFORE.search(line[:max(0, end)])
            if m and m.group(1) not in declared:
                prefix = m.group(1) or ""
                break
    if prefix is None:
        used = _PNAMES.findall(_IRIS_STRINGS.sub(" ", sparql))
        prefix = next((p for p in used if p not in declared), None)
    at = f" at line {where.group(1)}, column {where.group(2)}" if where else ""
    name = f"'{prefix}:'" if prefix is not None else "a prefix"
    return QueryError(f"SPARQL syntax error{at}: unknown prefix {name}",
                      hint=f"declare it (PREFIX {prefix or 'ex'}: <http://...>) or use a predeclared one: "
                           + ", ".join(f"{p}:" for p in PREFIXES))
