"""The ``--store`` of the commands that read or build a graph: a folder (the embedded store)
or the URL of a SPARQL server (:mod:`kgbuild.store.server_store`), and the local folder that
holds a server store's ingest state."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

if TYPE_CHECKING:
    from ..store import KGStore

STORE_LOCATION_OPTION = typer.Option(
    "out/kg", "--store", "-s",
    help="Store folder (an Oxigraph database), or the URL of a SPARQL server's query endpoint "
    "(Virtuoso: http://USER:PASSWORD@127.0.0.1:8890/sparql; the password also in $KGBUILD_STORE_PASSWORD).")
STATE_OPTION = typer.Option(
    None, "--state",
    help="With --store URL: the local folder of the ingest state, stage snapshots and fusion state "
    "(default: one per server under the user's state directory).")


def open_location(store: str, *, read_only: bool = False, state: Path | None = None) -> KGStore:
    """The store ``--store`` names. A server store has every method of the embedded one that
    the commands' helpers use (:class:`kgbuild.store.graph_store.GraphStore`); they are
    annotated with the embedded store's class, hence the cast."""
    from ..store.open import open_store

    return cast("KGStore", open_store(store, read_only=read_only, state_dir=state))
