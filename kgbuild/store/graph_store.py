"""The one store interface the build, fusion, query, export and check use, whichever store
holds the graph: the embedded Oxigraph database (:class:`~.oxigraph_store.KGStore`) or a
SPARQL server (:class:`~.server_store.ServerStore`).

Both keep what is not RDF — the ingest state, stage snapshots, fusion's state — in a local
folder (``path``), so a build into a server is planned, resumed and repaired exactly as one
into the embedded store. Query results are pyoxigraph's own types in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox


@runtime_checkable
class GraphStore(Protocol):
    path: Path  # local folder: the ingest state, stage cache, fusion state
    state_path: Path
    cache_path: Path
    read_only: bool

    def query(self, sparql: str, *, prefixes: bool = True, default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, union: bool = True) -> Any: ...

    def update(self, sparql: str) -> None: ...

    def rows(self, sparql: str) -> Iterator[dict[str, str | None]]: ...

    def __len__(self) -> int: ...

    def named_graphs(self) -> list[str]: ...

    def has_graph(self, graph: str) -> bool: ...

    def replace_graph(self, graph: str, quads: list[ox.Quad]) -> None: ...

    def drop_graph(self, graph: str, *, even_unlisted: bool = False) -> None: ...

    def add(self, quads: Iterable[ox.Quad]) -> None: ...

    def remove(self, quads: Iterable[ox.Quad]) -> None: ...

    def add_path(self, graph: str, path: str) -> None: ...

    def remove_path(self, graph: str, path: str) -> None: ...

    def export(self, fmt: str, out: str | Path) -> int: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...
