"""Gives a picture or a video the caption written beside it, as its "caption" text view.

A caption sidecar is a text file with the same stem (``photo.jpg`` + ``photo.caption.txt``).
The caption becomes a text view of the picture itself, so the text stages that follow find
its names in the picture's own graph, with character offsets into the caption (the mention
points at the caption through ``kg:transcript``), beside the boxes the detectors found.

The sidecar is still a file of the corpus, read as a text source of its own as well; fusion
merges the names found in both. Not in the default pipeline, whose grounding reads
same-stem ``.txt``/``.md`` captions from the store (docs/fusion.md); add it with one line:
``- type: caption_sidecar`` before the text stages.
"""

from __future__ import annotations

from pathlib import Path

from ..datamodel import Item, TextView
from ..errors import InputError
from .base import Stage, StageParams
from .registry import register_stage


class CaptionSidecarParams(StageParams):
    suffixes: list[str] = [".caption.txt", ".caption.md"]
    max_bytes: int = 100_000  # a caption is a sentence or a paragraph, not a book


@register_stage("caption_sidecar")
class CaptionSidecar(Stage):
    produces = frozenset({"view:caption"})
    modalities = frozenset({"image", "video"})
    Params = CaptionSidecarParams
    params: CaptionSidecarParams

    def process(self, items: list[Item]) -> None:
        for item, caption in self.each(items, self._read):
            if caption:
                item.add_view(TextView("caption", caption, "caption"))

    def sidecar(self, item: Item) -> Path | None:
        path = Path(item.source.path)
        stem = path.name[: -len(path.suffix)] if path.suffix else path.name
        for suffix in self.params.suffixes:
            candidate = path.with_name(stem + suffix)
            if candidate.is_file():
                return candidate
        return None

    def _read(self, item: Item) -> str | None:
        path = self.sidecar(item)
        if path is None:
            return None
        data = path.read_bytes()[: self.params.max_bytes + 1]
        if len(data) > self.params.max_bytes:
            raise InputError(f"caption {path.name} is over {self.params.max_bytes} bytes", position="byte 0")
        try:
            return data.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            raise InputError(f"caption {path.name} is not UTF-8 text", position=f"byte {exc.start}") from None
