"""A stage that fills the disk under the stage cache, for tests/security/test_coded_failures.py.
Referenced by import path (``security.disk_stages:FillsTheDisk``) so worker processes load it too."""

from __future__ import annotations

import errno

from kgbuild.stages import Stage


class FillsTheDisk(Stage):
    """From the moment it runs, in the process it runs in, writing a stage snapshot fails as
    on a full disk (its own output is snapshotted: it has a "model")."""

    modalities = frozenset({"text"})
    has_model = True

    def model_info(self):
        return "fills-the-disk", "1"

    def process(self, items):
        from kgbuild.pipeline.stage_cache import StageCache

        def full(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        StageCache.save = full  # type: ignore[method-assign]
