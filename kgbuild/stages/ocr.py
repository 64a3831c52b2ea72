"""Reads the text in images with RapidOCR; the lines become the item's text, with their boxes.

The lines become the image's "ocr" text view (joined with newlines) with a
:class:`~kgbuild.datamodel.Layout` that maps each line's characters to its box, so the
text stages that follow (NER, linking) treat it like any text and every mention they make
keeps the box it was read from.

Most photos hold no text, so the stage first asks RapidOCR's text detector alone, on the
image shrunk to ``gate_side`` pixels on its longer side, whether any region holds text:
the detector's mean text probability inside a region must reach ``box_thresh``. A photo
without such a region costs that one small detector pass (about what the object detector
costs) and nothing else; only the others go through RapidOCR's full-resolution detection
and recognition.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from ..datamodel import Box, Item, Layout, RegionSpan, TextView
from ..errors import MissingDependencyError, ModelLoadError
from ..media.image_io import decode_image
from .base import Stage, StageParams
from .registry import register_stage

_PACKAGE = "rapidocr_onnxruntime"
_DISTRIBUTION = "rapidocr-onnxruntime"


class OcrParams(StageParams):
    box_thresh: float = Field(0.5, ge=0.0, le=1.0)  # detector: mean text probability a region needs
    # Longer side for the "is there text at all?" pass; 0 skips that pass (always read fully).
    # At 640 px a photo costs less than the object detector's pass and a half to a quarter of
    # RapidOCR's own detection (which enlarges to >= 736 px on the shorter side); no test image
    # with text is missed, but print much smaller than 1/100 of the image side can be.
    gate_side: int = Field(640, ge=0)
    text_score: float = Field(0.5, ge=0.0, le=1.0)  # recogniser: lines read less surely are dropped
    upscale_lines_to: int = Field(48, ge=0)  # line crops shorter than this (px) are enlarged; 0: never
    use_cls: bool = True  # turn upside-down lines before reading them
    max_pixels: int = Field(4_000_000, ge=1024)  # larger images are downscaled while decoded
    threads: int | None = Field(None, ge=1)  # onnxruntime threads per model; None: all cores


@dataclass
class _Line:
    text: str
    score: float
    box: Box  # in pixels of the original image


@register_stage("ocr")
class OcrReader(Stage):
    requires = frozenset({"source"})
    produces = frozenset({"text", "layout"})
    modalities = frozenset({"image"})
    has_model = True
    Params = OcrParams
    params: OcrParams

    _engine: Any = None
    _models_digest: ClassVar[dict[str, str]] = {}  # package folder -> digest of its ONNX files

    def _load(self) -> None:
        try:
            import rapidocr_onnxruntime as rapidocr
        except ImportError as exc:
            raise MissingDependencyError(f"the ocr stage needs the Python package '{_PACKAGE}' ({exc})",
                                         hint=f"pip install {_DISTRIBUTION}==1.4.4 (a kgbuild dependency)") from None
        options: dict[str, Any] = {"det_box_thresh": self.params.box_thresh, "text_score": self.params.text_score}
        if self.params.threads:
            options["intra_op_num_threads"] = self.params.threads
        try:
            self._engine = rapidocr.RapidOCR(**options)
        except Exception as exc:  # noqa: BLE001 - re-raised naming the package whose models failed
            raise ModelLoadError(f"cannot load RapidOCR's models: {type(exc).__name__}: {exc}",
                                 hint=f"reinstall {_DISTRIBUTION}==1.4.4") from exc

    def model_info(self) -> tuple[str | None, str | None]:
        # The models ship inside the package, so its version names them; the digest
        # catches a package whose model files were swapped.
        try:
            release = version(_DISTRIBUTION)
        except PackageNotFoundError:
            return "RapidOCR PP-OCRv4", None
        return "RapidOCR PP-OCRv4", f"{_DISTRIBUTION} {release}+sha256:{_digest()}"

    # processing -----------------------------------------------------------------------

    def process(self, items: list[Item]) -> None:
        # One image at a time: the recogniser pads each batch of lines to its widest, so
        # reading lines of several images together would make one image's text depend on
        # its batch companions. The lines of one image are still read as a batch.
        for item, lines in self.each(items, self._read):
            if lines:
                _fill(item, lines)

    def _read(self, item: Item) -> list[_Line]:
        dec = decode_image(item.source.path, self.params.max_pixels)
        item.meta["width"], item.meta["height"] = dec.width, dec.height
        item.meta.update(dec.facts)
        found = []
        for text, score, quad in self._lines(dec.array):
            xs, ys = quad[:, 0] * dec.scale_x, quad[:, 1] * dec.scale_y
            x0, y0 = max(0.0, float(xs.min())), max(0.0, float(ys.min()))
            x1, y1 = min(float(dec.width), float(xs.max())), min(float(dec.height), float(ys.max()))
            box = Box(round(x0, 2), round(y0, 2), round(x1 - x0, 2), round(y1 - y0, 2))
            found.append(_Line(text, round(score, 4), box))
        return found

    def _lines(self, image: np.ndarray) -> list[tuple[str, float, np.ndarray]]:
        """The steps of ``RapidOCR.__call__`` (1.4.4), with the text-presence gate before
        them and the line upscaling added."""
        eng = self._engine
        if self.params.gate_side and not self._has_text(image):
            return []
        raw_h, raw_w = image.shape[:2]
        img, ratio_h, ratio_w = eng.preprocess(image)
        record: dict[str, Any] = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
        img, record = eng.maybe_add_letterbox(img, record)
        boxes, _ = eng.auto_text_det(img)
        if boxes is None:  # the detector is sure of no region: no text, nothing to recognise
            return []
        crops = eng.get_crop_img_list(img, boxes)
        if self.params.use_cls:
            crops, _, _ = eng.text_cls(crops)
        crops = [self._upscale(c) for c in crops]
        recognised, _ = eng.text_rec(crops, False)
        quads = eng._get_origin_points(boxes, record, raw_h, raw_w)
        lines = []
        for quad, (text, score, *_) in zip(quads, recognised, strict=True):
            text = " ".join(str(text).split())
            if text and float(score) >= self.params.text_score:
                lines.append((text, float(score), quad))
        return lines

    def _has_text(self, image: np.ndarray) -> bool:
        from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

        det = self._engine.text_det
        tensor = DetPreProcess(self.params.gate_side, "max", det.mean, det.std)(image)
        if tensor is None:
            return False
        boxes, _ = det.postprocess_op(det.infer(tensor)[0], image.shape[:2])
        return len(boxes) > 0

    def _upscale(self, crop: np.ndarray) -> np.ndarray:
        # The recogniser stretches every line to 48 px high with bilinear interpolation;
        # small print loses the gaps between words that way ("ofgreyvalues"), while a
        # bicubic enlargement first keeps them.
        target = self.params.upscale_lines_to
        height = crop.shape[0]
        if not target or height >= target or height == 0:
            return crop
        import cv2

        factor = target / height
        return cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def _fill(item: Item, lines: list[_Line]) -> None:
    regions, parts, offset = [], [], 0
    for line in lines:
        regions.append(RegionSpan(offset, offset + len(line.text), line.box, line.score))
        parts.append(line.text)
        offset += len(line.text) + 1  # the "\n" between lines
    item.add_view(TextView(item.primary_view, "\n".join(parts), "ocr", layout=Layout(tuple(regions))))


def _digest() -> str:
    spec = importlib.util.find_spec(_PACKAGE)  # finds the package without importing OpenCV
    locations = spec.submodule_search_locations if spec else None  # a package: a list of folders
    folder = Path(next(iter(locations))) / "models" if locations is not None else None
    key = str(folder)
    if key not in OcrReader._models_digest:
        digest = hashlib.sha256()
        for path in sorted(folder.glob("*.onnx")) if folder and folder.is_dir() else ():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        OcrReader._models_digest[key] = digest.hexdigest()[:12]
    return OcrReader._models_digest[key]
