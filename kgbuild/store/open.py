"""Opening a store by where it is — a folder (the embedded Oxigraph database) or the URL of a
SPARQL server — and the writer of finished sources that goes with it. Commands and the runner
go through these two functions, so neither needs to know which store it has."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from .bulk_writer import BulkWriter, SourceWrite
from .graph_store import GraphStore
from .ingest_state import IngestState
from .oxigraph_store import KGStore
from .server_store import ServerStore, is_server_url


class SourceWriter(Protocol):
    """What the runner writes finished sources with (:class:`BulkWriter`, :class:`GraphStoreWriter`)."""

    def repair(self) -> list[str]: ...

    def write(self, sources: list[SourceWrite], shared: Iterable[ox.Quad] = ()) -> None: ...

    def flush(self) -> int: ...

    def close(self) -> None: ...


def open_store(location: str | Path, *, read_only: bool = False, state_dir: str | Path | None = None) -> GraphStore:
    """The store at ``location``: an http(s) URL is a SPARQL server (its ingest state in
    ``state_dir``, by default a folder per server), anything else the folder of an embedded store."""
    if is_server_url(location):
        return ServerStore(str(location), state_dir, read_only=read_only)
    return KGStore(location, read_only=read_only)


def writer_for(store: GraphStore, state: IngestState, writers: int | None = None) -> SourceWriter:
    """How finished sources reach ``store``: bulk loads into the embedded database, ``writers``
    parallel Graph Store PUTs into a server (None: the store's default). Both keep the
    writing/done protocol of the ingest state, so a kill leaves nothing half-written for good."""
    if isinstance(store, ServerStore):
        return store.writer(state, writers)
    if isinstance(store, KGStore):
        return BulkWriter(store, state)
    raise TypeError(f"no writer for a {type(store).__name__}")
