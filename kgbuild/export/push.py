"""What every push shares: the report, the callbacks that drive a progress bar, and the
choice of target by URL scheme (``http(s)://`` a Graph Store Protocol endpoint,
``falkordb://`` a FalkorDB server)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from ..store import KGStore
from .push_state import STATE_FILE, PushState

OnStart = Callable[[int], None]     # total units of work (triples or rows) about to be sent
OnProgress = Callable[[int], None]  # that many more were acknowledged


@dataclass
class PushReport:
    target: str
    unit: str                       # what `sent`/`skipped` count: "graphs" or "nodes and edges"
    sent: int = 0
    skipped: int = 0                # unchanged since the last push to this target
    deleted: int = 0                # gone from the store, so removed from the target
    items: int = 0                  # triples (GSP) or rows (FalkorDB) sent
    reset: bool = False             # the target had lost what the state said it had: all was re-sent
    details: dict = field(default_factory=dict)


def push(store: KGStore, url: str, *, state_path: Path | None = None, full: bool = False, batch: int | None = None,
         user: str | None = None, password: str | None = None, auth: str = "digest",
         on_start: OnStart | None = None, on_progress: OnProgress | None = None) -> PushReport:
    """Push the store to the target named by ``url``; see :mod:`.push_gsp` and :mod:`.push_falkordb`."""
    state = PushState(state_path or store.path / STATE_FILE)
    callbacks = {"on_start": on_start or (lambda n: None), "on_progress": on_progress or (lambda n: None)}
    try:
        if url.startswith(("http://", "https://")):
            from .push_gsp import push_gsp

            return push_gsp(store, url, state, full=full, batch=batch or 5000, user=user, password=password,
                            auth=auth, **callbacks)
        if url.startswith("falkordb://"):
            from .push_falkordb import push_falkordb

            return push_falkordb(store, url, state, full=full, batch=batch or 500, password=password, **callbacks)
        raise ConfigError(f"cannot push to '{url}'",
                          hint="a Graph Store Protocol URL (http://HOST:PORT/PATH) or falkordb://HOST:PORT/GRAPH (GRAPH optional)")
    finally:
        state.close()
