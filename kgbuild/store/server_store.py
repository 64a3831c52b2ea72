"""A SPARQL server as the store: the same interface as the embedded one
(:class:`~.graph_store.GraphStore`), over HTTP.

Three endpoints: SPARQL 1.1 query, SPARQL 1.1 update and the Graph Store Protocol (GSP).
Given a query endpoint ending in ``/sparql`` the other two follow Virtuoso's layout
(``/sparql-auth`` and ``/sparql-graph-crud-auth``, HTTP digest auth), as started by
``scripts/virtuoso-server.sh``; other servers pass them explicitly. Credentials come from the
URL (``http://dba:dba@127.0.0.1:8890/sparql``) or ``$KGBUILD_STORE_USER`` and
``$KGBUILD_STORE_PASSWORD``.

What is not RDF stays local, in ``path`` (by default a folder per server under the user's
state directory): the ingest state, the stage snapshots and fusion's state. Source graphs are
written by :class:`~.gsp_writer.GraphStoreWriter` (several at once, see :meth:`writer`); this
class writes everything else (fusion's graph, paths, unreadable files).

Only graphs under ``kgid:`` are the store's: a server has graphs of its own (Virtuoso's
``virtrdf:``), which :meth:`named_graphs`, :meth:`__len__` and :meth:`export` leave out.
Queries without a dataset see the server's default graph, which on Virtuoso is the union of
all graphs, as on the embedded store.
"""

from __future__ import annotations

import os
import re
import tempfile
import urllib.parse
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from ..errors import MissingDependencyError, QueryError, ServerStoreUnavailable, StoreError
from ..ids import ID_BASE
from .gsp_writer import TIMEOUT_S, GraphStoreWriter, ntriples
from .ingest_state import IngestState
from .oxigraph_store import KGStore, source_states
from .rdf import PREFIXES

_PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
_DECLS = re.compile(r"\A(?:\s+|#[^\n]*\n?|(?:PREFIX\s+[\w.\-]*:\s*<[^>]*>)|(?:BASE\s+<[^>]*>))*", re.I)
_GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
UPDATE_CHUNK = 2000  # triples per DELETE DATA: Virtuoso parses a long update slowly


def is_server_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(("http://", "https://"))


def default_state_dir(url: str) -> Path:
    """One local folder per server endpoint, so two servers never share an ingest state."""
    from platformdirs import user_state_path

    parts = urllib.parse.urlsplit(url)
    slug = re.sub(r"[^\w.-]+", "-", f"{parts.hostname}-{parts.port or ''}{parts.path}").strip("-")
    return Path(user_state_path("kgbuild")) / "servers" / slug


class ServerStore:
    """The store on a SPARQL server; see the module's note."""

    def __init__(self, url: str, state_dir: str | Path | None = None, *, read_only: bool = False, writers: int = 4,
                 gsp_url: str | None = None, update_url: str | None = None, auth: str = "digest") -> None:
        try:
            import httpx
        except ImportError:
            raise MissingDependencyError("a server store needs httpx", hint="pip install 'kgbuild[push]'") from None
        self._httpx = httpx
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(f"'{url}' is not an http(s) URL of a SPARQL endpoint",
                             hint="e.g. http://dba:dba@127.0.0.1:8890/sparql (Virtuoso)")
        self.user = urllib.parse.unquote(parts.username) if parts.username else os.environ.get("KGBUILD_STORE_USER")
        self.password = (urllib.parse.unquote(parts.password) if parts.password
                         else os.environ.get("KGBUILD_STORE_PASSWORD"))
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))  # no credentials in messages
        base = self.url[: -len("/sparql")] if self.url.endswith("/sparql") else None
        if base is None and (gsp_url is None or update_url is None):
            raise StoreError(f"cannot tell the update and Graph Store endpoints of {self.url}",
                             hint="give a Virtuoso query endpoint (…/sparql), or gsp_url and update_url")
        self.gsp_url = gsp_url or f"{base}/sparql-graph-crud-auth"
        self.update_url = update_url or f"{base}/sparql-auth"
        self.auth_scheme = auth
        self.writers = writers
        self.read_only = read_only
        self.path = Path(state_dir) if state_dir is not None else default_state_dir(self.url)
        self.state_path = self.path / "state.sqlite"
        self.cache_path = self.path / "stage-cache"
        if not read_only:
            self.path.mkdir(parents=True, exist_ok=True)
        auth_obj = None if self.user is None else (httpx.DigestAuth if auth == "digest" else httpx.BasicAuth)(
            self.user, self.password or "")
        self._client = httpx.Client(auth=auth_obj, timeout=TIMEOUT_S)

    def __repr__(self) -> str:
        return f"ServerStore({self.url!r}, state at {str(self.path)!r})"

    # HTTP -----------------------------------------------------------------------------

    def _request(self, method: str, url: str, what: str, *, ok404: bool = False, **kwargs):
        try:
            resp = self._client.request(method, url, **kwargs)
        except self._httpx.HTTPError as exc:
            raise ServerStoreUnavailable(f"{what} on {url} failed: {type(exc).__name__}: {exc}",
                                         hint="is the server up? (scripts/virtuoso-server.sh DIR PORT)") from None
        if resp.status_code < 300 or (ok404 and resp.status_code == 404):
            return resp
        message = resp.text[:500].strip()
        if resp.status_code in (400, 500) and "SPARQL" in message.upper() and what.startswith(("query", "update")):
            raise QueryError(f"{what} failed on {self.url}: {message}")
        raise ServerStoreUnavailable(f"{what} on {url}: HTTP {resp.status_code}: {message}",
                                     hint="check the credentials (user:password@ in the URL, or "
                                     "$KGBUILD_STORE_USER/$KGBUILD_STORE_PASSWORD)")

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"the server store {self.url} was opened read-only")

    # reading ------------------------------------------------------------------------

    def query(self, sparql: str, *, prefixes: bool = True, default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, union: bool = True):
        """Run SPARQL on the server; results as pyoxigraph's types (as :meth:`KGStore.query`).
        ``union`` is the server's own default (Virtuoso: the union of all graphs)."""
        text = _PROLOGUE + sparql if prefixes else sparql
        form = _DECLS.sub("", text, count=1).lstrip()[:9].upper()
        graph_form = form.startswith(_GRAPH_FORMS)
        data: dict[str, str | list[str]] = {"query": text}
        if default_graph is not None or named_graphs is not None:
            data["default-graph-uri"] = list(default_graph or ())
            data["named-graph-uri"] = list(named_graphs or ())
        accept = "application/n-triples" if graph_form else "application/sparql-results+json"
        resp = self._request("POST", self.url, "query", data=data, headers={"Accept": accept})
        if not graph_form:
            return ox.parse_query_results(resp.content, format=ox.QueryResultsFormat.JSON)
        # A CONSTRUCT's triples, as the embedded store gives them (QueryTriples has no constructor).
        graph = ox.Store()
        graph.load(resp.content, format=ox.RdfFormat.N_TRIPLES)
        return graph.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")

    def update(self, sparql: str) -> None:
        self._writable()
        self._request("POST", self.update_url, "update", data={"update": _PROLOGUE + sparql})

    def rows(self, sparql: str):
        result = self.query(sparql)
        names = [v.value for v in result.variables]
        for row in result:
            yield {n: (row[n].value if row[n] is not None else None) for n in names}

    def sources(self) -> dict:
        return source_states(self)

    def __len__(self) -> int:
        rows = list(self.rows(f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                                     FILTER(STRSTARTS(STR(?g), "{ID_BASE}")) }}"""))
        return int(rows[0]["n"] or 0)

    def named_graphs(self) -> list[str]:
        rows = self.rows(f"""SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                               FILTER(STRSTARTS(STR(?g), "{ID_BASE}")) }}""")
        return sorted(r["g"] for r in rows if r["g"])

    def has_graph(self, graph: str) -> bool:
        return bool(self.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", prefixes=False))

    def graph_quads(self, graph: str) -> list[ox.Quad]:
        """A graph's quads as the server holds them (a CONSTRUCT through the query endpoint,
        which needs no credentials, unlike Virtuoso's Graph Store)."""
        node = ox.NamedNode(graph)
        triples = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", prefixes=False)
        return [ox.Quad(t.subject, t.predicate, t.object, node) for t in triples]

    # writing ------------------------------------------------------------------------

    def writer(self, state: IngestState, writers: int | None = None) -> GraphStoreWriter:
        """The writer of finished sources' graphs: ``writers`` parallel Graph Store PUTs."""
        self._writable()
        return GraphStoreWriter(self.gsp_url, state, writers=writers or self.writers, user=self.user,
                                password=self.password, auth=self.auth_scheme)

    def replace_graph(self, graph: str, quads: list[ox.Quad]) -> None:
        self._writable()
        self._request("PUT", self.gsp_url, "writing a graph", params={"graph": graph}, content=ntriples(quads),
                      headers={"Content-Type": "text/turtle; charset=utf-8"})

    def drop_graph(self, graph: str, *, even_unlisted: bool = False) -> None:
        """DELETE the graph (one the server does not have is fine). ``even_unlisted`` is for the
        embedded store's bulk loader; a server's graph is there or not."""
        self._writable()
        self._request("DELETE", self.gsp_url, "deleting a graph", ok404=True, params={"graph": graph})

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Append quads to their graphs (a Graph Store POST per graph)."""
        self._writable()
        for graph, members in _by_graph(quads).items():
            self._request("POST", self.gsp_url, "adding to a graph", params={"graph": graph},
                          content=ntriples(members), headers={"Content-Type": "text/turtle; charset=utf-8"})

    def bulk_add(self, quads: Iterable[ox.Quad]) -> None:
        self.add(quads)

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        self._writable()
        for graph, members in _by_graph(quads).items():
            for start in range(0, len(members), UPDATE_CHUNK):
                body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in members[start:start + UPDATE_CHUNK])
                self.update(f"DELETE DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")

    def add_path(self, graph: str, path: str) -> None:
        g = ox.NamedNode(graph)
        self.add([ox.Quad(g, ox.NamedNode(PREFIXES["kg"] + "path"), ox.Literal(path), g)])

    def remove_path(self, graph: str, path: str) -> None:
        """Detach a path from a source; drop the source when no path is left (as the embedded store)."""
        g = ox.NamedNode(graph)
        self.remove([ox.Quad(g, ox.NamedNode(PREFIXES["kg"] + "path"), ox.Literal(path), g)])
        if not self.query(f"ASK {{ GRAPH <{graph}> {{ <{graph}> kg:path ?p }} }}"):
            self.drop_graph(graph)

    def flush(self) -> None:
        pass  # every write is on the server when its request returns

    def close(self) -> None:
        self._client.close()

    # export ---------------------------------------------------------------------------

    def export(self, fmt: str, out: str | Path) -> int:
        """Write the store's graphs as the embedded store does: they are copied, one Graph
        Store GET each, into a temporary embedded database, which writes the file."""
        with tempfile.TemporaryDirectory(prefix="kgbuild-export-") as tmp:
            local = KGStore(tmp)
            try:
                for graph in self.named_graphs():
                    local.bulk_add(self.graph_quads(graph))
                return local.export(fmt, out)
            finally:
                local.close()


def _by_graph(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Quad]]:
    out: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise StoreError("a server store keeps every quad in a named graph; got one in the default graph")
        out.setdefault(quad.graph_name.value, []).append(quad)
    return out
