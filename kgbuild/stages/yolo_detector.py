"""Detects objects in images with an Ultralytics YOLO model; each box becomes a mention.

Images are decoded by :mod:`kgbuild.media.image_io` with Pillow rather than by Ultralytics, so
that a file that is empty, truncated or not an image fails on its own with a clear reason
instead of taking its batch down, and so that odd-but-valid images (CMYK, palette, 16-bit,
animated) are handled the same way whatever the weights format. Decoding follows what
Ultralytics does when given a path, so the stage finds the same boxes as
``YOLO(weights).predict(path)``. The image's size and EXIF time and GPS go on the source.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from ..datamodel import Box, Item, Mention, Provenance
from ..errors import ConfigError, ModelLoadError, ModelNotFoundError
from ..ids import sha256_file
from ..media.image_io import DecodedImage, decode_image
from ..models import find_model_file, require_model_file, require_module
from ..vision.labels import entity_type_for
from .base import Stage, StageParams
from .registry import register_stage

HOW_TO_GET = (
    "the default yolov8n_int8.onnx lives in ../shared/models of a kgbuild checkout; "
    "any Ultralytics weights file (e.g. yolov8n.pt) also works"
)
# Names Ultralytics can fetch from its release page; anything else must exist locally.
_RELEASE_NAME = re.compile(r"^yolo[a-z0-9._-]*\.pt$", re.IGNORECASE)


class YoloParams(StageParams):
    weights: str = "yolov8n_int8.onnx"
    conf: float = Field(0.25, ge=0.0, le=1.0)
    iou: float = Field(0.7, ge=0.0, le=1.0)
    imgsz: int = Field(640, ge=32)
    classes: list[str] | None = None  # keep only these class names; None keeps all
    device: str | None = None  # None: CUDA when the weights can use it, else CPU
    batch_size: int = Field(8, ge=1)
    max_pixels: int = Field(40_000_000, ge=1024)  # larger images are downscaled first


@register_stage("yolo")
class YoloDetector(Stage):
    produces = frozenset({"mentions"})
    modalities = frozenset({"image"})
    has_model = True
    Params = YoloParams

    # Filled by _load, so that __init__ stays cheap.
    _model: Any = None
    _weights_path: Path | None = None
    _device: str | None = None
    _class_ids: list[int] | None = None
    _info: tuple[str, str] | None = None

    # loading ------------------------------------------------------------------------

    def _load(self) -> None:
        # Ultralytics would otherwise pip-install missing packages and probe the network
        # on import; a user can still opt in by setting these variables themselves.
        os.environ.setdefault("YOLO_AUTOINSTALL", "False")
        os.environ.setdefault("YOLO_OFFLINE", "True")
        ultralytics = require_module("ultralytics", extra="vision", purpose="the image stage")
        name = self.params.weights
        path = find_model_file(name)
        if path is None and not _RELEASE_NAME.match(name):
            require_model_file(name, what="YOLO weights", how_to_get=HOW_TO_GET)  # raises
        self._device = self.params.device or _default_device(path)
        try:
            self._model = ultralytics.YOLO(str(path) if path else name, task="detect")
            # Exported formats load lazily; one tiny prediction loads them now, on the chosen
            # device, so a broken file fails at warm-up rather than on the first image.
            names = self._predict([np.zeros((64, 64, 3), np.uint8)])[0].names
        except Exception as exc:  # noqa: BLE001 - re-raised with the weights named
            self._model = None
            if path is None:  # a release name Ultralytics could not fetch: say where we looked
                try:
                    require_model_file(name, what="YOLO weights", how_to_get=HOW_TO_GET)
                except ModelNotFoundError as missing:
                    raise ModelNotFoundError(
                        f"{missing.message}\nUltralytics could not download it either: {type(exc).__name__}: {exc}",
                        hint=missing.hint) from exc
            raise ModelLoadError(f"cannot load YOLO weights {path}: {type(exc).__name__}: {exc}",
                                 hint="re-export or re-download the weights file") from exc
        ckpt = getattr(self._model, "ckpt_path", None)
        self._weights_path = path or (Path(ckpt).resolve() if ckpt and Path(ckpt).exists() else None)
        self._class_ids = self._resolve_classes(dict(names))

    def _resolve_classes(self, names: dict[int, str]) -> list[int] | None:
        if self.params.classes is None:
            return None
        index = {n: i for i, n in names.items()}
        unknown = [c for c in self.params.classes if c not in index]
        if unknown:
            raise ConfigError(
                f"stage '{self.name}': the YOLO weights have no class named {', '.join(map(repr, unknown))}",
                hint="classes the weights know: " + ", ".join(names.values()),
            )
        return [index[c] for c in self.params.classes]

    def model_info(self) -> tuple[str | None, str | None]:
        # Hashes the file, not the name, so swapped weights change every fingerprint.
        if self._info is None:
            path = self._weights_path or find_model_file(self.params.weights)
            if path is None:
                return self.params.weights, _ultralytics_version()
            self._info = (path.name, f"{_ultralytics_version()}+sha256:{sha256_file(path)[:12]}")
        return self._info

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
            results = self._predict([dec.array for _, dec in chunk])
            done = [(item, (dec, res)) for (item, dec), res in zip(chunk, results, strict=True)]
        except Exception:  # noqa: BLE001 - retried one by one so only the culprit fails
            by_item = {id(item): dec for item, dec in chunk}
            done = self.each([item for item, _ in chunk],
                             lambda it: (by_item[id(it)], self._predict([by_item[id(it)].array])[0]))
        for item, (dec, result) in done:
            self._record(item, dec, result)

    def _predict(self, arrays: list[np.ndarray]) -> list[Any]:
        p = self.params
        return self._model.predict(arrays, conf=p.conf, iou=p.iou, imgsz=p.imgsz, device=self._device,
                                   classes=self._class_ids, verbose=False)

    def _record(self, item: Item, dec: DecodedImage, result: Any) -> None:
        width, height = item.meta["width"], item.meta["height"]
        boxes = result.boxes.cpu()
        counts: Counter[str] = Counter()
        for (x1, y1, x2, y2), conf, cls in zip(boxes.xyxy.tolist(), boxes.conf.tolist(), boxes.cls.tolist()):
            name = result.names[int(cls)]
            x1, x2 = (min(max(v * dec.scale_x, 0.0), width) for v in (x1, x2))
            y1, y2 = (min(max(v * dec.scale_y, 0.0), height) for v in (y1, y2))
            box = Box(round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2))
            item.mentions.append(Mention(
                text=name, label=entity_type_for(name)[0], modality="image",
                confidence=round(conf, 4),
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


def _default_device(weights: Path | None) -> str:
    import torch

    if not torch.cuda.is_available():
        return "cpu"
    if weights is not None and weights.suffix == ".onnx":
        # The CPU build of onnxruntime cannot use the GPU; asking for it only adds warnings.
        import onnxruntime

        if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
            return "cpu"
    return "cuda:0"


def _ultralytics_version() -> str:
    try:
        return version("ultralytics")
    except PackageNotFoundError:
        return "unknown"
