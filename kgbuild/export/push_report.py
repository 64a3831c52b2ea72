"""What a push reports, and the callbacks that drive its progress bar (shared by every target)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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
