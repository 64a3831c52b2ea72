"""A few query worker processes (:mod:`kgbuild.server.query_worker`) and the admission of
queries to them (:mod:`kgbuild.server.admission`).

A query that passes its deadline is stopped by killing its worker, and one that passes
its memory cap kills its own worker; either way a spare worker, started ahead, takes its
place, a new spare is started in the background, and the server's own memory never holds
the evaluation. So the endpoint's memory is bounded
by ``size`` workers of ``memory_mb`` each, plus the server, under any flood of queries.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import anyio

from .admission import Scheduler
from .query_worker import HEADER

START_TIMEOUT_S = 60.0


class WorkerFailed(Exception):
    """The worker died or was killed: ``reason`` is "timeout", "memory" or "crash"."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class WorkerStore:
    """What a query worker opens: a store folder, or a SPARQL server's URL (no credentials)
    with its local state folder; ``env`` carries the server's credentials, so they never
    appear on a command line."""

    location: str
    state_dir: str = ""
    env: dict[str, str] = field(default_factory=dict)


class Worker:
    """One worker process, used by one request thread at a time."""

    def __init__(self, store: WorkerStore, memory_mb: int) -> None:
        env = {**os.environ, "RUST_BACKTRACE": "0", "PYTHONUNBUFFERED": "1", **store.env}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kgbuild.server.query_worker", store.location, str(memory_mb), store.state_dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0, env=env)
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are pipes
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        ready = json.loads(self._read_frame(time.monotonic() + START_TIMEOUT_S))
        if not ready.get("ready"):
            self.kill()
            raise WorkerFailed("crash", ready.get("message", "the query worker did not start"))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _read_exact(self, size: int, deadline: float) -> bytes:
        fd = self.stdout.fileno()
        chunks, got = [], 0
        while got < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WorkerFailed("timeout")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, min(size - got, 1 << 20))
            if not chunk:
                raise self._died()
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _read_frame(self, deadline: float) -> bytes:
        size = HEADER.unpack(self._read_exact(HEADER.size, deadline))[0]
        return self._read_exact(size, deadline)

    def _died(self) -> WorkerFailed:
        try:
            code = self.proc.wait(2)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        # An allocation past RLIMIT_DATA aborts (Rust) or is killed by the kernel's OOM killer.
        if code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV):
            return WorkerFailed("memory", f"exit status {code}")
        return WorkerFailed("crash", f"exit status {code}")

    def run(self, job: dict, deadline: float) -> tuple[dict, bytes]:
        data = json.dumps(job).encode()
        frame = memoryview(HEADER.pack(len(data)) + data)
        try:
            while frame:  # an unbuffered pipe may take part of a large query per write
                frame = frame[self.stdin.write(frame):]
        except (BrokenPipeError, OSError):
            raise self._died() from None
        header = json.loads(self._read_frame(deadline))
        body = self._read_frame(deadline)
        if header.get("status") == 503:  # a MemoryError inside Python: do not trust this worker again
            raise WorkerFailed("memory", "MemoryError")
        return header, body

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.stdin, self.stdout):
            try:
                stream.close()
            except OSError:
                pass


class QueryPool:
    def __init__(self, store: WorkerStore, *, size: int, memory_mb: int, scheduler: Scheduler | None = None) -> None:
        self.store = store
        self.size = size
        self.memory_mb = memory_mb
        self.scheduler = scheduler or Scheduler(size)
        self.generation = 0  # bumped after each update: workers reopen the store
        self._slots: queue.Queue[Worker | None] = queue.Queue()
        for _ in range(size):
            self._slots.put(None)
        self._spare: Worker | None = None  # started ahead, to replace a killed worker at once
        self._lock = threading.Lock()
        self._closed = False

    def warm_up(self) -> None:
        """Start the workers (and the spare) in the background, so the first queries do not
        wait for them."""
        for _ in range(self.size):
            self._slots.get()
            self._start(spare=False)
        self._start(spare=True)

    def _replace(self, worker: Worker | None) -> None:
        """Kill a worker that failed or ran out of time; the spare takes its place at once
        (a new one takes a fraction of a second to start, longer on a busy machine)."""
        if worker is not None:
            worker.kill()
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None and spare.alive():
            self._slots.put(spare)
            self._start(spare=True)
        else:
            if spare is not None:
                spare.kill()
            self._start(spare=False)

    def _start(self, *, spare: bool) -> None:
        def start() -> None:
            try:
                fresh = None if self._closed else Worker(self.store, self.memory_mb)
            except (WorkerFailed, OSError, ValueError):
                fresh = None  # the next query tries again and reports why
            if not spare:
                self._slots.put(fresh)
                return
            with self._lock:
                if fresh is not None and self._spare is None and not self._closed:
                    self._spare, fresh = fresh, None
            if fresh is not None:
                fresh.kill()

        threading.Thread(target=start, name="kgbuild-query-worker-start", daemon=True).start()

    def _run_blocking(self, job: dict, deadline: float) -> tuple[dict, bytes]:
        try:
            worker = self._slots.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise WorkerFailed("timeout") from None
        try:
            if worker is None or not worker.alive():
                if worker is not None:
                    worker.kill()
                worker = None
                worker = Worker(self.store, self.memory_mb)
            result = worker.run(job, deadline)
        except BaseException:
            self._replace(worker)
            raise
        self._slots.put(worker)
        return result

    async def run(self, client: str, job: dict, timeout_s: float) -> tuple[dict, bytes]:
        """(header, body) from a worker; raises admission.Busy or WorkerFailed."""
        deadline = time.monotonic() + timeout_s
        await self.scheduler.acquire(client, deadline)
        started = time.monotonic()
        try:
            job = {**job, "generation": self.generation, "deadline_s": max(0.0, deadline - time.monotonic())}
            return await anyio.to_thread.run_sync(self._run_blocking, job, deadline)
        finally:
            self.scheduler.release(client, time.monotonic() - started)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.kill()
        while True:
            try:
                worker = self._slots.get_nowait()
            except queue.Empty:
                return
            if worker is not None:
                worker.kill()
