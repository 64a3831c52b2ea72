"""How a build runs: the choices a caller makes, gathered in one object."""

from __future__ import annotations

from dataclasses import dataclass

from .limits import DEFAULT_FILE_TIMEOUT_S, DEFAULT_MAX_MENTIONS, default_memory_mb


@dataclass(frozen=True)
class BuildOptions:
    """``workers`` > 1 runs batches in that many worker processes (each with its own models
    and share of the cores); 1 runs in this process. ``executor="ray"`` runs the stages on
    Ray (``ray_address`` None starts a local Ray; each actor enforces ``file_timeout_s`` per
    file, 0 for none); the build process still writes. ``threads``: CPU threads per worker
    (or for this process), by default the cores this process may use, divided among the
    workers. ``force`` reprocesses sources that are already up to date; ``rehash`` reads
    every file to hash it (by default an unchanged stat reuses its hash).

    Limits (:mod:`.limits`), on by default in every local executor: ``file_timeout_s`` per
    file (E304) and ``batch_timeout_s`` per batch (None: the per-file limit), after which the
    batch's files are retried one by one; ``max_memory_mb`` per process (E305): None is the
    default (half the machine's memory, shared by the workers), 0 none, and a number given
    runs the work in worker processes, even for ``workers=1`` (resident memory is then
    watched as well); ``max_mentions`` per file (E308, 0: no cap). ``follow_links`` ingests
    files that links in the corpus point to outside it (by default they are skipped).
    ``store_writers``: how many graphs are written at once into a server store
    (:mod:`kgbuild.store.gsp_writer`); the embedded store has one bulk writer. ``fuse_every``:
    run fusion after every that many written batches too (0: only at the end), so a large
    corpus's entities are resolved while it lands; fusion is incremental and order-independent,
    so the end result is the same."""

    force: bool = False
    workers: int = 1
    file_timeout_s: float = DEFAULT_FILE_TIMEOUT_S
    executor: str = "local"
    ray_address: str | None = None
    max_memory_mb: float | None = None
    threads: int | None = None
    rehash: bool = False  # hash every file again, not only those whose size/time/inode moved
    retry_failed: bool = False  # process again files that failed and have not changed since
    batch_timeout_s: float | None = None
    max_mentions: int = DEFAULT_MAX_MENTIONS
    follow_links: bool = False
    store_writers: int | None = None  # parallel graph writes into a server store (None: its default, 4)
    fuse_every: int = 0  # fuse after every N written batches as well as at the end (0: at the end only)

    @property
    def memory_limit_mb(self) -> float | None:
        """The memory limit in force per process: the one given, the default, or None (0: off)."""
        if self.max_memory_mb is not None:
            return self.max_memory_mb or None
        return default_memory_mb(self.workers)

    @property
    def batch_deadline_s(self) -> float:
        return self.batch_timeout_s if self.batch_timeout_s is not None else self.file_timeout_s
