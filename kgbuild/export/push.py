"""The choice of push target by URL scheme (``http(s)://`` a Graph Store Protocol endpoint,
``falkordb://`` a FalkorDB server)."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError
from ..store import KGStore
from .push_falkordb import push_falkordb
from .push_gsp import push_gsp
from .push_report import OnProgress, OnStart, PushReport
from .push_state import STATE_FILE, PushState

__all__ = ["OnProgress", "OnStart", "PushReport", "push"]


def push(store: KGStore, url: str, *, state_path: Path | None = None, full: bool = False, batch: int | None = None,
         user: str | None = None, password: str | None = None, auth: str = "digest",
         on_start: OnStart | None = None, on_progress: OnProgress | None = None,
         entities: str = "canonical") -> PushReport:
    """Push the store to the target named by ``url``; see :mod:`.push_gsp` and :mod:`.push_falkordb`.
    ``entities`` (a property-graph target): ``canonical`` (one node per real thing) or ``members``
    (:mod:`.property_graph`); a Graph Store Protocol endpoint gets every graph as it is."""
    state = PushState(state_path or store.path / STATE_FILE)
    callbacks = {"on_start": on_start or (lambda n: None), "on_progress": on_progress or (lambda n: None)}
    try:
        if url.startswith(("http://", "https://")):
            return push_gsp(store, url, state, full=full, batch=batch or 5000, user=user, password=password,
                            auth=auth, **callbacks)
        if url.startswith("falkordb://"):
            return push_falkordb(store, url, state, full=full, batch=batch or 500, password=password,
                                 entities=entities, **callbacks)
        raise ConfigError(f"cannot push to '{url}'",
                          hint="a Graph Store Protocol URL (http://HOST:PORT/PATH) or falkordb://HOST:PORT/GRAPH (GRAPH optional)")
    finally:
        state.close()
