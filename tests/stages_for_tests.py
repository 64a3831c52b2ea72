"""Stages used by tests, referenced from pipelines by import path (``stages_for_tests:Sleepy``)
so that worker processes can load them too."""

from __future__ import annotations

import time

from kgbuild.stages import Stage, StageParams


class SleepyParams(StageParams):
    seconds: float = 3600.0


class Sleepy(Stage):
    """Hangs on files whose name starts with "hang", as a pathological decoder would."""

    modalities = frozenset({"text"})
    Params = SleepyParams

    def process(self, items):
        for item in items:
            if item.source.relpath.startswith("hang"):
                time.sleep(self.params.seconds)


class HogParams(StageParams):
    megabytes: int = 800
    seconds: float = 3.0


class Hog(Stage):
    """Holds a lot of memory for a while on files whose name starts with "hog", as a
    decoder handed a decompression bomb would."""

    modalities = frozenset({"text"})
    Params = HogParams

    def process(self, items):
        for item in items:
            if item.source.relpath.startswith("hog"):
                block = bytearray(self.params.megabytes << 20)  # zero-filled: every page is touched
                time.sleep(self.params.seconds)
                del block


class RewriterParams(StageParams):
    text: str = "Rewritten by Grace Hopper."


class Rewriter(Stage):
    """Rewrites (once) or deletes files while the build reads them, as another program
    writing into the corpus would: "rewrite*" files get new content after they were read,
    "vanish*" files are deleted."""

    modalities = frozenset({"text"})
    Params = RewriterParams

    def process(self, items):
        for item in items:
            path = item.source.path
            marker = path.with_name("." + path.name + ".rewritten")
            if item.source.relpath.startswith("rewrite") and not marker.exists():
                marker.touch()
                path.write_text(self.params.text)
            elif item.source.relpath.startswith("vanish"):
                path.unlink(missing_ok=True)
