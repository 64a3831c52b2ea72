"""A query worker: a process that evaluates the endpoint's SPARQL queries, one at a time.

    python -m kgbuild.server.query_worker STORE MEMORY_MB [STATE_DIR]

pyoxigraph cannot cancel a query, and a thread cannot be stopped, so a query that ran
past its deadline used to keep running (and growing) after its 503. In a process of its
own it is simply killed. Its memory is capped with RLIMIT_DATA (heap and anonymous maps,
not the store's files): an allocation past the cap aborts the worker, which the pool sees
as a query that ran out of memory.

Protocol on stdin/stdout, each frame an 8-byte big-endian length then that many bytes:
the worker sends a JSON "ready" frame once the store is open; then for each JSON request
frame it answers a JSON header frame and a body frame (empty unless status is 200).
"""

from __future__ import annotations

import json
import signal
import struct
import sys

HEADER = struct.Struct(">Q")


def read_frame(stream) -> bytes | None:
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    size = HEADER.unpack(head)[0]
    data = stream.read(size)
    return data if len(data) == size else None


def write_frame(stream, data: bytes) -> None:
    stream.write(HEADER.pack(len(data)))
    stream.write(data)


def _limit_memory(megabytes: int) -> None:
    if megabytes <= 0:
        return
    try:
        import resource

        limit = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ImportError, ValueError, OSError):  # not Linux: the deadline still stops the query
        pass


def _alarm(seconds: float) -> None:
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, seconds)


def evaluate(store, job: dict) -> tuple[dict, bytes]:
    """(header, body) for one request."""
    from ..errors import KGBuildError
    from .results import NotAcceptable, TooLarge, TooManyRows, materialise, negotiate, offered_for
    from .sparql_policy import has_dataset_clause, query_form

    try:
        # Negotiate before evaluating: a 406 then holds no pyoxigraph result at all.
        offered = offered_for(query_form(job["query"]))
        if offered is not None:
            negotiate(job.get("accept"), offered)
        # The protocol's default-graph-uri / named-graph-uri first, then the query's FROM;
        # with neither, the union of the store's graphs (as `kgbuild query`).
        result = store.query(job["query"], default_graph=job.get("default_graph"),
                             named_graphs=job.get("named_graphs"), union=not has_dataset_clause(job["query"]))
        body, media = materialise(result, job.get("accept"), max_rows=job["max_rows"], max_bytes=job["max_bytes"])
    except KGBuildError as exc:
        message = exc.message + (f" (hint: {exc.hint})" if exc.hint else "")
        return {"status": 400, "code": exc.code, "message": message}, b""
    except NotAcceptable as exc:
        return {"status": 406, "message": str(exc)}, b""
    except TooManyRows:
        return {"status": 413, "code": "E408", "message": f"result exceeds the limit of {job['max_rows']} rows; "
                "add LIMIT or start the server with a larger --max-rows"}, b""
    except TooLarge as exc:
        return {"status": 413, "code": "E408", "message": f"result is larger than {job['max_bytes'] // 2**20} MB "
                f"({exc.args[0] // 2**20} MB); add LIMIT or start the server with a larger --max-result-mb"}, b""
    except MemoryError:
        return {"status": 503, "code": "E408", "message": "memory"}, b""
    except (RuntimeError, OSError, ValueError, TypeError) as exc:
        # Raised while the results are read: an evaluation error (a SERVICE that failed, a
        # bad regex...), which is the query's fault, not the server's.
        return {"status": 400, "code": "E402", "message": f"query failed: {exc}"}, b""
    return {"status": 200, "media": media}, body


def main(argv: list[str]) -> int:
    location, memory_mb, state_dir = argv[0], int(argv[1]), (argv[2] if len(argv) > 2 else "") or None
    _limit_memory(memory_mb)
    out, inp = sys.stdout.buffer, sys.stdin.buffer
    sys.stdout = sys.stderr  # nothing but frames on the protocol stream
    from ..errors import KGBuildError
    from ..store.open import open_store as open_location

    def open_store():  # a folder, or a SPARQL server (its credentials in the environment)
        return open_location(location, read_only=True, state_dir=state_dir)

    try:
        store, generation = open_store(), 0
    except KGBuildError as exc:
        write_frame(out, json.dumps({"ready": False, "message": str(exc)}).encode())
        out.flush()
        return 1
    write_frame(out, json.dumps({"ready": True}).encode())
    out.flush()
    while (frame := read_frame(inp)) is not None:
        job = json.loads(frame)
        if job.get("generation", 0) != generation:
            # A read-only store sees the database as it was when opened: reopen after an update.
            store, generation = open_store(), job["generation"]
        # A second stop besides the pool's kill, for a worker whose server died mid-query:
        # SIGALRM has no Python handler here, so the kernel ends the process at the deadline
        # even while pyoxigraph holds the interpreter.
        _alarm(job["deadline_s"] + 2.0 if "deadline_s" in job else 0)
        header, body = evaluate(store, job)
        _alarm(0)
        write_frame(out, json.dumps(header).encode())
        write_frame(out, body)
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
