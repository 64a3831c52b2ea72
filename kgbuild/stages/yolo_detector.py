"""Detects objects in images with an Ultralytics YOLO model; each box becomes a mention.

Images are decoded by :mod:`kgbuild.media.image_io` with Pillow rather than by Ultralytics, so
that a file that is empty, truncated or not an image fails on its own with a clear reason
instead of taking its batch down, and so that odd-but-valid images (CMYK, palette, 16-bit,
animated) are handled the same way whatever the weights format. Decoding follows what
Ultralytics does when given a path, so the stage finds the same boxes as
``YOLO(weights).predict(path)``. The image's size and EXIF time and GPS go on the source.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import Field

from ..datamodel import Item, Mention, Provenance
from ..media.image_io import DecodedImage, decode_image
from ..vision.labels import entity_type_for
from ..vision.yolo import detections
from .detector_stage import DetectorParams, DetectorStage
from .registry import register_stage


class YoloParams(DetectorParams):
    max_pixels: int = Field(40_000_000, ge=1024)  # larger images are downscaled first


@register_stage("yolo")
class YoloDetector(DetectorStage):
    produces = frozenset({"mentions"})
    modalities = frozenset({"image"})
    Params = YoloParams
    params: YoloParams

    # processing -------------------------------------------------------------------

    def process(self, items: list[Item]) -> None:
        decoded = self.each(items, self._decode)
        # Same-shape groups: Ultralytics letterboxes a mixed batch differently from a
        # single image, and an image's boxes must not depend on which batch it came in.
        groups: dict[tuple[int, ...], list[tuple[Item, DecodedImage]]] = {}
        for item, dec in decoded:
            groups.setdefault(dec.array.shape, []).append((item, dec))
        size = self.params.batch_size
        for group in groups.values():
            for start in range(0, len(group), size):
                self._detect(group[start:start + size])

    def _detect(self, chunk: list[tuple[Item, DecodedImage]]) -> None:
        try:
            results = self.detector.predict([dec.array for _, dec in chunk])
            done = [(item, (dec, res)) for (item, dec), res in zip(chunk, results, strict=True)]
        except Exception:  # noqa: BLE001 - retried one by one so only the culprit fails
            by_item = {id(item): dec for item, dec in chunk}
            done = self.each([item for item, _ in chunk],
                             lambda it: (by_item[id(it)], self.detector.predict([by_item[id(it)].array])[0]))
        for item, (dec, result) in done:
            self._record(item, dec, result)

    def _record(self, item: Item, dec: DecodedImage, result: Any) -> None:
        counts: Counter[str] = Counter()
        for name, conf, box in detections(result, item.meta["width"], item.meta["height"], dec.scale_x, dec.scale_y):
            item.mentions.append(Mention(
                text=name, label=entity_type_for(name)[0], modality="image",
                confidence=conf,
                provenance=Provenance(item.source.iri, (box,), self.name),
            ))
            counts[name] += 1
        item.meta["object_counts"] = dict(sorted(counts.items()))

    # decoding ---------------------------------------------------------------------

    def _decode(self, item: Item) -> DecodedImage:
        dec = decode_image(item.source.path, self.params.max_pixels)
        item.meta["width"], item.meta["height"] = dec.width, dec.height
        item.meta.update(dec.facts)
        return dec

