"""Limits a build applies to each file by default: time, memory and mentions.

A file is untrusted input: one megabyte on a single line once took 13.5 minutes and 4.75 GB
and became a 1.4 GB store. So every executor, the in-process one included, bounds:

* **time**: a batch gets ``batch_timeout_s``; past it, its files are retried one at a time,
  each with ``file_timeout_s``, and the file that overruns alone fails (E304). In this
  process the deadline is a ``SIGALRM`` that raises :class:`Deadline` in the main thread
  (Python code stops at once; a native call stops when it returns); worker processes are
  killed instead.
* **memory**: ``RLIMIT_DATA`` (heap and anonymous memory), set to what the process holds
  now plus the room left under the limit, so an allocation past the limit fails at once
  (no polling overshoot); the file gets E305, the process carries on.
* **mentions**: a file with more than ``max_mentions`` fails (E308) rather than being written.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
from collections.abc import Iterator

from ..datamodel import Item
from ..errors import InputMemoryLimit, StageFailure, TooManyMentions

try:  # POSIX only: elsewhere the limits that need it are not applied
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]  # optional module

DEFAULT_FILE_TIMEOUT_S = 600.0
DEFAULT_MAX_MENTIONS = 250_000
DEFAULT_MEMORY_SHARE = 0.5  # of the machine's memory, for all workers together
MIN_DEFAULT_MEMORY_MB = 2048.0


class Deadline(BaseException):  # noqa: N818 - a signal, not an error
    """Raised in the main thread when a batch's time is up. A BaseException, so that the
    stages' and the batch runner's ``except Exception`` (which isolate failing files) let
    it through to the executor."""


def total_memory_mb() -> float | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    except (ValueError, OSError, AttributeError):
        return None


def default_memory_mb(workers: int) -> float | None:
    """Half the machine's memory, shared by the workers (at least 2 GB each); None where the
    memory cannot be read."""
    total = total_memory_mb()
    if total is None:
        return None
    return max(MIN_DEFAULT_MEMORY_MB, total * DEFAULT_MEMORY_SHARE / max(1, workers))


def _status_mb(field: str) -> float:
    """A ``VmRSS``/``VmData`` figure of this process (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def resident_mb() -> float:
    return _status_mb("VmRSS")


@contextlib.contextmanager
def heap_cap(limit_mb: float | None) -> Iterator[None]:
    """Within the block, this process's resident memory may grow to about ``limit_mb``: the
    data limit is set to the data size now plus the room left under the limit. The soft
    limit only, restored after (the block may be a batch, the rest of the build is not capped)."""
    if not limit_mb or resource is None or not hasattr(resource, "RLIMIT_DATA"):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    room = max(0.0, limit_mb - resident_mb())
    cap = int((_status_mb("VmData") + room) * 2**20)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    except (ValueError, OSError):  # a sandbox that forbids it: no cap rather than no build
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`Deadline` in this (main) thread after ``seconds``. An alarm someone
    else set (pytest-timeout) is kept: it still fires when it is due, and is re-armed after
    with the time it had left. Off the main thread, or for no limit, nothing is armed."""
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return
    started = time.monotonic()
    ours = started + seconds
    other_due = [False]  # the other alarm is still to fire (re-armed after the block)

    def on_alarm(signum, frame):
        now = time.monotonic()
        if now >= ours - 0.01:
            raise Deadline()
        other_due[0] = False  # the other alarm, due first: its handler runs, ours is armed again
        signal.setitimer(signal.ITIMER_REAL, max(0.001, ours - now))
        if callable(previous):
            previous(signum, frame)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    other_left, _ = signal.getitimer(signal.ITIMER_REAL)
    other_due[0] = other_left > 0
    signal.setitimer(signal.ITIMER_REAL, min(seconds, other_left) if other_left else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if other_due[0]:
            signal.setitimer(signal.ITIMER_REAL, max(0.001, other_left - (time.monotonic() - started)))


# A cap met inside a library: Python's MemoryError, or a native allocator's own words.
_OUT_OF_MEMORY = re.compile(r"MemoryError|bad_alloc|can't allocate memory|cannot allocate memory|"
                            r"out of memory|failed to allocate", re.I)


def name_memory_failures(items: list[Item], limit_mb: float | None) -> None:
    """A stage that failed for want of memory under the cap failed because of the file:
    record it as such (E305, with the limit) rather than as a stage bug (E310)."""
    if not limit_mb:
        return
    for item in items:
        failure = item.failure
        if failure is None or failure.cause_code != StageFailure.code or not _OUT_OF_MEMORY.search(failure.detail or ""):
            continue
        detail = (failure.detail or "").replace("MemoryError: MemoryError", "MemoryError")  # an empty message
        item.failure = StageFailure(failure.stage, failure.source_uri, failure.path, InputMemoryLimit(
            f"it needed more memory than allowed, over the memory limit of {limit_mb:g} MB ({detail})",
            hint="raise --max-memory-mb, or split the file"))


def cap_mentions(items: list[Item], limit: int | None, stage: str = "limits") -> None:
    """Fail the files with more than ``limit`` mentions (E308), dropping what they hold:
    they are recorded, not written."""
    if not limit:
        return
    for item in items:
        if item.failure is None and len(item.mentions) > limit:
            count = len(item.mentions)
            item.mentions.clear()
            item.entities.clear()
            item.relations.clear()
            item.failure = StageFailure(stage, item.source.iri, item.source.relpath, TooManyMentions(
                f"it gave {count:,} mentions, over the per-file cap of {limit:,}",
                hint="raise --max-mentions (0: no cap), or split the file"))
