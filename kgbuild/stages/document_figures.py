"""Detects objects in the figures of documents with the image stage's YOLO detector.

Each figure the document reader found (:class:`~kgbuild.media.document.Figure`) goes through
the same detector, settings and weights code as a photo (:mod:`kgbuild.vision.yolo`). A
detection is a mention of the document with two anchors: its box in the picture's pixels,
with the page and figure it is in (``page=N&figure=K&xywh=pixel:...``), and where that box
is on the page (``page=N&viewrect=...``). A figure with a caption also anchors its detections
at the caption's characters in the document's text (:class:`~kgbuild.media.document.CaptionAt`): that is how fusion's grounding
(:mod:`kgbuild.fusion.grounding`, group ``document:``) pairs each caption with the boxes of
its own figure, exactly as it pairs a caption file with its picture.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import Field

from ..datamodel import Item, Mention, Provenance
from ..media.document import FIGURES_META, CaptionAt, Figure, FigureBox
from ..vision.labels import entity_type_for
from ..vision.yolo import detections
from .detector_stage import DetectorParams, DetectorStage
from .registry import register_stage


class DocumentFiguresParams(DetectorParams):
    min_side: int = Field(48, ge=1)  # figures smaller than this (pixels) are not searched


@register_stage("document_figures")
class DocumentFigures(DetectorStage):
    produces = frozenset({"mentions"})
    modalities = frozenset({"document"})
    Params = DocumentFiguresParams
    params: DocumentFiguresParams

    def process(self, items: list[Item]) -> None:
        for _item, _ in self.each(items, self._detect):
            pass

    def _detect(self, item: Item) -> None:
        figures: list[Figure] = [f for f in item.meta.get(FIGURES_META, [])
                                 if f.array is not None and min(f.width, f.height) >= self.params.min_side]
        counts: Counter[str] = Counter()
        # One figure per call: a picture's boxes must not depend on the other pictures of its batch
        # (Ultralytics letterboxes a mixed batch differently), as in the image stage.
        for figure in figures:
            assert figure.array is not None  # figures without pixels were left out above
            result = self.detector.predict([figure.array])[0]
            for name, conf, box in detections(result, figure.width, figure.height):
                inside = FigureBox(box.x, box.y, box.w, box.h, figure.page, figure.index)
                on_page = figure.on_page(box)
                # Any: CaptionAt is not one of the datamodel's Anchor kinds, which readers dispatch
                # on by isinstance; a reader that does not know an anchor passes it by.
                anchors: tuple[Any, ...] = (inside, on_page) if on_page else (inside,)
                if figure.caption:  # the figure's place in the text: fusion grounds its caption to its boxes
                    anchors = (CaptionAt(*figure.caption), *anchors)
                item.mentions.append(Mention(
                    text=name, label=entity_type_for(name)[0], modality="image", confidence=conf,
                    provenance=Provenance(item.source.iri, anchors, self.name)))
                counts[name] += 1
        if counts:
            item.meta["object_counts"] = dict(sorted(counts.items()))
