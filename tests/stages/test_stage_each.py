"""Stage.each: one failure per file, in order, and files at once when a stage asks."""

from __future__ import annotations

import threading

from kgbuild.datamodel import Item
from kgbuild.errors import InputError
from kgbuild.media.discovery import discover
from kgbuild.stages.text_reader import TextReader


def items(tmp_path, n):
    for i in range(n):
        (tmp_path / f"f{i}.txt").write_text(f"file {i}")
    return [Item(src) for src in sorted(discover(tmp_path).sources, key=lambda s: s.relpath)]


def test_files_at_once_keep_their_order_and_their_own_failures(tmp_path):
    batch = items(tmp_path, 6)
    running, most, lock = [0], [0], threading.Lock()
    together = threading.Barrier(3, timeout=10)  # passes only if three files run at the same time

    def work(item):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            if item.source.relpath in ("f0.txt", "f1.txt", "f2.txt"):
                together.wait()
            if item.source.relpath == "f4.txt":
                raise InputError("unreadable on purpose", position="byte 3")
            return item.source.relpath.upper()
        finally:
            with lock:
                running[0] -= 1

    stage = TextReader(name="reader")
    done = stage.each(batch, work, concurrency=3)
    assert [result for _, result in done] == ["F0.TXT", "F1.TXT", "F2.TXT", "F3.TXT", "F5.TXT"]
    assert most[0] == 3
    failed = [it for it in batch if it.failure is not None]
    assert [it.source.relpath for it in failed] == ["f4.txt"]
    assert "stage 'reader' failed on f4.txt at byte 3" in failed[0].failure.reason


def test_one_at_a_time_by_default(tmp_path):
    batch = items(tmp_path, 4)
    seen = []
    TextReader().each(batch, lambda item: seen.append(threading.current_thread().name))
    assert seen == [threading.current_thread().name] * 4
