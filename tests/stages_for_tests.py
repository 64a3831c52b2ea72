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
