"""What the security tests attack with and measure by: requests to a loopback server (from
another loopback source address when asked), a listener that records whatever connects
to it, a hostile corpus, and the server's process tree as /proc sees it.

Imported as ``security.hostile`` (``tests/`` is on sys.path).
"""

from __future__ import annotations

import http.client
import os
import socket
import threading
import urllib.parse
from pathlib import Path

SECRET = "root:x:0:0:Margaret Hamilton:/root:/bin/bash\n"
ESCAPES = "Ada\x01 \x1b]0;pwned\x07 \x1b[31mLovelace\x1b[0m"  # a label that tries to drive a terminal


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def request(url: str, path: str = "/sparql", *, query: str | None = None, method: str | None = None,
            body: bytes | None = None, headers: dict | None = None, source: str | None = None,
            timeout: float = 60) -> tuple[int, dict, bytes]:
    """(status, headers (lower-case names), body) of one request; ``query`` is sent as a
    form POST. ``source`` binds the client side to another loopback address."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    headers = dict(headers or {})
    if query is not None:
        body = urllib.parse.urlencode({"query": query}).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    try:
        conn.request(method or ("POST" if body is not None else "GET"), path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection and what it was sent."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.received: list[bytes] = []
        self.answer = b""
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(65536))
                    conn.sendall(self.answer)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


def make_hostile_corpus(root: Path) -> dict:
    """A corpus with a link to a file outside it, a file name with terminal escapes and a
    file deeper than PATH_MAX. Returns what each is."""
    root.mkdir(parents=True)
    outside = root.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (root / "ok.txt").write_text("Ada Lovelace met Charles Babbage in London.\n")
    (root / "copy_of_ok.txt").symlink_to("ok.txt")  # a link inside the corpus is fine
    (root / "secret.txt").symlink_to(outside / "secret.txt")
    evil = "evil\x1b]0;pwned\x07\x1b[31mname.txt"
    (root / evil).write_text("Grace Hopper met Alan Turing in Paris.\n")
    (root / "dangling.txt").symlink_to("nowhere.txt")
    os.mkfifo(root / "pipe.txt")  # opening it would block forever
    (root / "notes.numbers").write_bytes(b"PK")
    fd = os.open(root, os.O_RDONLY)
    parts = []
    try:  # 18 folders of 242 bytes: past PATH_MAX (4096), made relative to open folders
        for i in range(18):
            name = f"{i:02d}" + "d" * 240
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
            parts.append(name)
        out = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, b"Katherine Johnson worked at Langley.\n")
        os.close(out)
    finally:
        os.close(fd)
    return {"secret": "secret.txt", "evil": evil, "deep": "/".join([*parts, "deep.txt"]),
            "outside": outside / "secret.txt"}
