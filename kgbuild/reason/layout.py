"""Where model runs and their inferred links live — without importing torch, so that listing
runs and removing inferred links stay instant."""

from __future__ import annotations

from pathlib import Path

from ..ids import ID_BASE

RUNS_DIR = "reason"
INFERRED_PREFIX = ID_BASE + "graph/inferred/"


def runs_dir(store: Path) -> Path:
    return Path(store) / RUNS_DIR


def list_runs(store: Path) -> list[str]:
    """Run ids, oldest first (ids start with the UTC time)."""
    folder = runs_dir(store)
    return sorted(p.name for p in folder.iterdir() if (p / "model.pt").is_file()) if folder.is_dir() else []


def inferred_graph(run_id: str) -> str:
    return INFERRED_PREFIX + run_id


def inferred_graphs(store) -> list[str]:
    return [g for g in store.named_graphs() if g.startswith(INFERRED_PREFIX)]


def remove_inferred(store, run_id: str | None = None) -> list[str]:
    """Drop one run's inferred graph, or every run's when ``run_id`` is None."""
    graphs = [inferred_graph(run_id)] if run_id else inferred_graphs(store)
    dropped = [g for g in graphs if store.has_graph(g)]
    for g in dropped:
        store.drop_graph(g)
    store.flush()
    return dropped
