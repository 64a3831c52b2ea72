"""Snapshots of items after model stages, so a changed stage re-runs only itself and what
follows it.

After each stage that runs a model, the item is pickled under the *cumulative*
fingerprint of the stages so far (only those that apply to the item's modality). When
the NER stage's parameters change, the snapshot taken after Whisper still matches its
key, so the transcript is reused and only NER and later stages run again; a change to a
stage that does not apply to images leaves every image untouched.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import replace
from pathlib import Path

from ..datamodel import Item, Source
from ..ids import sha256_text
from .config import Pipeline


def applies_to_modality(stage, modality: str) -> bool:
    return not stage.modalities or modality in stage.modalities


def chain_fingerprints(pipeline: Pipeline, modality: str) -> list[str]:
    """One cumulative fingerprint per pipeline stage, for items of ``modality``."""
    out, acc = [], "start"
    for stage in pipeline.stages:
        if applies_to_modality(stage, modality):
            acc = sha256_text(acc, stage.name, stage.fingerprint())[:20]
        out.append(acc)
    return out


def caches_output(stage) -> bool:
    """Snapshot after stages that run a model: their output is what is costly to redo."""
    return stage.has_model


# Bumped when Item's pickled shape changes (2: text views), so older snapshots are not read.
SNAPSHOT_FORMAT = 2


class StageCache:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _file(self, sha256: str, fingerprint: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}-{fingerprint}-v{SNAPSHOT_FORMAT}.pickle"

    def save(self, item: Item, fingerprint: str) -> None:
        path = self._file(item.source.sha256, fingerprint)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(item, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)  # atomic: a kill leaves the old snapshot or the new one, never half

    def resume(self, source: Source, fingerprints: list[str]) -> tuple[Item, int]:
        """The most advanced snapshot for this source: (item, number of stages it has done).
        The item gets the current Source (its path may have changed; the bytes have not)."""
        for index in range(len(fingerprints) - 1, -1, -1):
            path = self._file(source.sha256, fingerprints[index])
            if path.exists():
                try:
                    with path.open("rb") as fh:
                        item = pickle.load(fh)
                except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
                    continue  # a snapshot from an older kgbuild: ignore, recompute
                if item.ok:
                    return replace(item, source=source), index + 1
        return Item(source), 0

    def resume_all(self, sources: list[Source], fingerprints: list[str]) -> list[Item]:
        """Items for a batch of sources, each from its most advanced snapshot, marked with the
        number of stages it has already been through."""
        items = []
        for source in sources:
            item, done = self.resume(source, fingerprints)
            item.completed = done
            items.append(item)
        return items

    def drop(self, sha256: str) -> None:
        folder = self.root / sha256[:2]
        for path in folder.glob(f"{sha256}-*") if folder.exists() else ():
            path.unlink(missing_ok=True)
