"""YOLO detection as the image and the video stages both run it: the detector settings, the
weights loaded offline on a chosen device, prediction, and boxes clamped into the picture.

One piece of code for both, so that a video frame gets exactly the boxes the same picture
would get as a photo, and a new setting or a fix reaches both stages at once.
"""

from __future__ import annotations

import os
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from ..datamodel import Box
from ..errors import ConfigError, ModelLoadError, ModelNotFoundError
from ..ids import sha256_file
from ..models import find_model_file, require_model_file, require_module

HOW_TO_GET = (
    "the default yolov8n_int8.onnx lives in ../shared/models of a kgbuild checkout; "
    "any Ultralytics weights file (e.g. yolov8n.pt) also works"
)
# Names Ultralytics can fetch from its release page; anything else must exist locally.
_RELEASE_NAME = re.compile(r"^yolo[a-z0-9._-]*\.pt$", re.IGNORECASE)


class YoloSettings(BaseModel):
    """The detector settings a stage's parameters include (``class P(YoloSettings, StageParams)``)."""

    weights: str = "yolov8n_int8.onnx"
    conf: float = Field(0.25, ge=0.0, le=1.0)
    iou: float = Field(0.7, ge=0.0, le=1.0)  # the detector's own non-maximum suppression
    imgsz: int = Field(640, ge=32)
    classes: list[str] | None = None  # keep only these class names; None keeps all
    device: str | None = None  # None: CUDA when the weights can use it, else CPU
    batch_size: int = Field(8, ge=1)  # pictures per detector call


class YoloModel:
    """The weights named by ``settings``, loaded by :meth:`load` (never in ``__init__``).
    ``owner`` (the stage's name) is named in configuration errors."""

    def __init__(self, settings: YoloSettings, owner: str) -> None:
        self.settings, self.owner = settings, owner
        self.model: Any = None
        self.weights_path: Path | None = None
        self.device: str | None = None
        self.class_ids: list[int] | None = None
        self._info: tuple[str, str] | None = None

    def load(self) -> None:
        # Ultralytics would otherwise pip-install missing packages and probe the network
        # on import; a user can still opt in by setting these variables themselves.
        os.environ.setdefault("YOLO_AUTOINSTALL", "False")
        os.environ.setdefault("YOLO_OFFLINE", "True")
        ultralytics = require_module("ultralytics", extra="vision", purpose="the image stage")
        name = self.settings.weights
        path = find_model_file(name)
        if path is None and not _RELEASE_NAME.match(name):
            require_model_file(name, what="YOLO weights", how_to_get=HOW_TO_GET)  # raises
        self.device = self.settings.device or _default_device(path)
        try:
            self.model = ultralytics.YOLO(str(path) if path else name, task="detect")
            # Exported formats load lazily; one tiny prediction loads them now, on the chosen
            # device, so a broken file fails at warm-up rather than on the first image.
            names = self.predict([np.zeros((64, 64, 3), np.uint8)])[0].names
        except Exception as exc:  # noqa: BLE001 - re-raised with the weights named
            self.model = None
            if path is None:  # a release name Ultralytics could not fetch: say where we looked
                try:
                    require_model_file(name, what="YOLO weights", how_to_get=HOW_TO_GET)
                except ModelNotFoundError as missing:
                    raise ModelNotFoundError(
                        f"{missing.message}\nUltralytics could not download it either: {type(exc).__name__}: {exc}",
                        hint=missing.hint) from exc
            raise ModelLoadError(f"cannot load YOLO weights {path}: {type(exc).__name__}: {exc}",
                                 hint="re-export or re-download the weights file") from exc
        ckpt = getattr(self.model, "ckpt_path", None)
        self.weights_path = path or (Path(ckpt).resolve() if ckpt and Path(ckpt).exists() else None)
        self.class_ids = self._resolve_classes(dict(names))

    def _resolve_classes(self, names: dict[int, str]) -> list[int] | None:
        if self.settings.classes is None:
            return None
        index = {n: i for i, n in names.items()}
        unknown = [c for c in self.settings.classes if c not in index]
        if unknown:
            raise ConfigError(
                f"stage '{self.owner}': the YOLO weights have no class named {', '.join(map(repr, unknown))}",
                hint="classes the weights know: " + ", ".join(names.values()),
            )
        return [index[c] for c in self.settings.classes]

    def info(self) -> tuple[str | None, str | None]:
        """(weights file name, Ultralytics version + the file's hash) for provenance. Hashes
        the file, not the name, so swapped weights change every fingerprint."""
        if self._info is None:
            path = self.weights_path or find_model_file(self.settings.weights)
            if path is None:
                return self.settings.weights, _ultralytics_version()
            self._info = (path.name, f"{_ultralytics_version()}+sha256:{sha256_file(path)[:12]}")
        return self._info

    def predict(self, arrays: list[np.ndarray]) -> list[Any]:
        """One Ultralytics result per picture (HxWx3 uint8, BGR)."""
        s = self.settings
        return self.model.predict(arrays, conf=s.conf, iou=s.iou, imgsz=s.imgsz, device=self.device,
                                  classes=self.class_ids, verbose=False)


def detections(result: Any, width: float, height: float, scale_x: float = 1.0,
               scale_y: float = 1.0) -> list[tuple[str, float, Box]]:
    """(class name, confidence, box) per detection of one result: corners scaled back to the
    picture's own pixels (when it was downscaled for the detector), clamped into its
    ``width`` x ``height``, rounded to 0.01 px; the confidence to 4 decimals."""
    boxes = result.boxes.cpu()
    out = []
    for (x1, y1, x2, y2), conf, cls in zip(boxes.xyxy.tolist(), boxes.conf.tolist(), boxes.cls.tolist()):
        x1, x2 = (min(max(v * scale_x, 0.0), width) for v in (x1, x2))
        y1, y2 = (min(max(v * scale_y, 0.0), height) for v in (y1, y2))
        box = Box(round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2))
        out.append((result.names[int(cls)], round(conf, 4), box))
    return out


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
