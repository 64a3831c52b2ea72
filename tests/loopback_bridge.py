"""A server on this host's loopback, reached from inside a fresh network namespace.

Ray runs in tests inside ``unshare -n`` (loopback only: nothing it starts can reach out), and
that namespace's loopback is not this host's, so a server started by a fixture (Virtuoso) is
out of its reach. A Unix socket is a file, not a network address, so it is seen from both
sides: :func:`unix_to_tcp` (here, in the test's process) relays each connection made to a
Unix socket to the server's TCP port; ``python loopback_bridge.py PORT SOCKET -- COMMAND...``
(run inside the namespace) listens on that namespace's 127.0.0.1:PORT, relays each
connection to the Unix socket, and runs COMMAND, exiting with its status. The server is then
at the same URL inside the namespace as outside, and nothing but it is reachable.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def _pipe(a: socket.socket, b: socket.socket) -> None:
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _relay(listener: socket.socket, connect: Callable[[], socket.socket]) -> None:
    """Accept until the listener is closed; each connection piped both ways to ``connect()``."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:  # closed
            return
        try:
            upstream = connect()
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


@contextmanager
def unix_to_tcp(path: Path, port: int) -> Iterator[Path]:
    """Relay connections to the Unix socket ``path`` to 127.0.0.1:``port`` while open."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(64)
    thread = threading.Thread(target=_relay, daemon=True,
                              args=(listener, lambda: socket.create_connection(("127.0.0.1", port))))
    thread.start()
    try:
        yield path
    finally:
        listener.close()
        path.unlink(missing_ok=True)


def _unix(path: str) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def main(argv: list[str]) -> int:
    port, path, sep, *command = argv
    assert sep == "--" and command, "usage: loopback_bridge.py PORT SOCKET -- COMMAND..."
    listener = socket.create_server(("127.0.0.1", int(port)), backlog=64)
    threading.Thread(target=_relay, args=(listener, lambda: _unix(path)), daemon=True).start()
    try:
        return subprocess.run(command).returncode
    finally:
        listener.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
