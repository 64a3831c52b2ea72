"""What every stage that runs the YOLO detector shares: the detector made on first use (so
``__init__`` stays cheap), loaded by ``warm_up()``, and its model identity for fingerprints.

The image, video and document-figure stages differ only in where their pictures come from;
going through one :class:`~kgbuild.vision.yolo.YoloModel` gives a frame or a figure exactly
the boxes the same picture would get as a photo.
"""

from __future__ import annotations

from ..vision.yolo import YoloModel, YoloSettings
from .base import Stage, StageParams


class DetectorParams(YoloSettings, StageParams):
    """The detector's settings as stage parameters; each detector stage adds its own."""


class DetectorStage(Stage):
    has_model = True
    params: DetectorParams

    _yolo: YoloModel | None = None

    @property
    def detector(self) -> YoloModel:
        """The weights, settings and device (loaded by warm_up)."""
        if self._yolo is None:
            self._yolo = YoloModel(self.params, self.name)
        return self._yolo

    @detector.setter
    def detector(self, model: YoloModel) -> None:  # a copy of a stage may share a loaded model
        self._yolo = model

    def _load(self) -> None:
        self.detector.load()

    def model_info(self) -> tuple[str | None, str | None]:
        return self.detector.info()
