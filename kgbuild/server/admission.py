"""Who gets the next free query worker.

There are a few workers (each a process with a memory cap), so under a flood of expensive
queries something has to wait. First come, first served would put a normal client behind
every query of the flood; here the waiting query of the client that has used the least
worker time lately goes first, so one client (one address) sending heavy queries slows
down itself, not everyone. A client may also hold at most ``per_client`` workers at once,
which keeps a worker free for others when one client floods, and may have only a few
queries waiting; beyond that it gets 429, and everyone gets 503 when the queue is full.

Runs on the event loop (no locks): ``acquire`` is awaited by the request, ``release`` is
called by it when its query is done.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import Counter


class Busy(Exception):
    """No worker for this query: ``status`` is 429 (this client has too many queries in
    flight) or 503 (the server's queue is full, or no worker came free in time)."""

    def __init__(self, status: int, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


class Scheduler:
    def __init__(self, slots: int, *, per_client: int | None = None, waiting_per_client: int | None = None,
                 max_waiting: int | None = None, half_life_s: float = 60.0) -> None:
        self.slots = slots
        self.per_client = per_client or max(1, slots - 1)
        self.waiting_per_client = waiting_per_client if waiting_per_client is not None else slots
        self.max_waiting = max_waiting if max_waiting is not None else 8 * slots
        self._decay = math.log(2) / half_life_s
        self._usage: dict[str, tuple[float, float]] = {}  # client -> (worker seconds, when)
        self._running: Counter = Counter()
        self._waiting: list[tuple[str, int, asyncio.Future]] = []
        self._seq = itertools.count()

    @property
    def running(self) -> int:
        return sum(self._running.values())

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def usage(self, client: str, now: float | None = None) -> float:
        """Worker seconds this client used, halved every ``half_life_s``."""
        seconds, when = self._usage.get(client, (0.0, 0.0))
        now = time.monotonic() if now is None else now
        return seconds * math.exp(-self._decay * (now - when))

    async def acquire(self, client: str, deadline: float) -> None:
        """Wait for a worker slot until ``deadline`` (time.monotonic), or raise Busy."""
        mine = sum(1 for key, _, _ in self._waiting if key == client)
        if mine >= self.waiting_per_client:
            raise Busy(429, f"too many queries from {client} in flight ({self._running[client]} running, "
                            f"{mine} waiting); wait for their answers")
        if len(self._waiting) >= self.max_waiting:
            raise Busy(503, f"the server is busy ({len(self._waiting)} queries waiting for a worker); retry later")
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((client, next(self._seq), future))
        self._dispatch()
        if future.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(future), max(0.0, deadline - time.monotonic()))
        except (TimeoutError, asyncio.CancelledError) as exc:
            if future.done() and not future.cancelled():
                self.release(client, 0.0)  # granted just as the wait ended: hand it on
            else:
                future.cancel()
                self._waiting = [w for w in self._waiting if w[2] is not future]
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise Busy(503, "no query worker came free within the time limit; the server is busy, retry later",
                       retry_after=2) from None

    def release(self, client: str, seconds: float) -> None:
        now = time.monotonic()
        self._usage[client] = (self.usage(client, now) + seconds, now)
        self._running[client] -= 1
        if self._running[client] <= 0:
            del self._running[client]
        if len(self._usage) > 10_000:  # forget the lightest clients, keep the heavy ones
            for key, _ in sorted(self._usage.items(), key=lambda kv: kv[1][0])[:5_000]:
                del self._usage[key]
        self._dispatch()

    def _dispatch(self) -> None:
        now = time.monotonic()
        while self.running < self.slots and self._waiting:
            eligible = [w for w in self._waiting if self._running[w[0]] < self.per_client]
            if not eligible:
                return
            chosen = min(eligible, key=lambda w: (self.usage(w[0], now), w[1]))
            self._waiting.remove(chosen)
            self._running[chosen[0]] += 1
            chosen[2].set_result(None)
