"""How a build runs: the choices a caller makes, gathered in one object."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuildOptions:
    """``workers`` > 1 runs batches in that many worker processes (each with its own models
    and share of the cores) and enforces ``file_timeout_s`` per file; 1 runs in this process.
    ``executor="ray"`` runs the stages on Ray (``ray_address`` None starts a local Ray; each
    actor enforces ``file_timeout_s`` per file, 0 for none); the build process still writes.
    ``max_memory_mb`` limits each worker process (one is started even for ``workers=1``: only
    a separate process can be stopped) and fails the file that crossed it. ``threads``: CPU
    threads per worker (or for this process), by default the cores this process may use,
    divided among the workers. ``force`` reprocesses sources that are already up to date;
    ``rehash`` reads every file to hash it (by default an unchanged stat reuses its hash)."""

    force: bool = False
    workers: int = 1
    file_timeout_s: float = 600.0
    executor: str = "local"
    ray_address: str | None = None
    max_memory_mb: float | None = None
    threads: int | None = None
    rehash: bool = False  # hash every file again, not only those whose size/time/inode moved
    retry_failed: bool = False  # process again files that failed and have not changed since
