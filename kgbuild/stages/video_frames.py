"""Detects objects in the frames of a video and follows them through time.

Frames are sampled every ``every_seconds`` and on shot changes (:mod:`kgbuild.media.video`), go
through the same YOLO model and settings as the image stage, and detections of one class
that overlap across consecutive samples become one track (:mod:`kgbuild.vision.tracking`). A
track is one mention: its time range, and its box at each sampled time — not one mention
per frame, which would bury a five-minute shot of one person under 300 "person" mentions.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import Field

from ..datamodel import Anchor, Item, Mention, Provenance, TimeRange
from ..media.video import Frame, probe_video, sample_frames
from ..vision.labels import entity_type_for
from ..vision.tracking import Detection, IouTracker, Track
from ..vision.yolo import detections
from .detector_stage import DetectorParams, DetectorStage
from .registry import register_stage


class VideoObjectsParams(DetectorParams):  # batch_size: frames per detector call
    every_seconds: float = Field(1.0, gt=0.0)
    cut_threshold: float | None = Field(0.4, gt=0.0, le=1.0)  # shot-change sensitivity; None: off
    track_iou: float = Field(0.3, ge=0.0, le=1.0)  # overlap that continues a track
    max_gap: int = Field(1, ge=0)  # sampled frames a track may miss and go on
    max_seconds: float = Field(4 * 3600, gt=0)  # longer videos are refused


@register_stage("video_objects")
class VideoObjects(DetectorStage):
    produces = frozenset({"mentions"})
    modalities = frozenset({"video"})
    Params = VideoObjectsParams
    params: VideoObjectsParams

    def process(self, items: list[Item]) -> None:
        for item, (mentions, meta) in self.each(items, self._track):
            item.mentions.extend(mentions)
            for key, value in meta.items():
                if key == "duration":
                    item.meta.setdefault(key, value)  # the speech stage may have set it first
                elif value is not None:
                    item.meta[key] = value

    def _track(self, item: Item) -> tuple[list[Mention], dict]:
        p = self.params
        info = probe_video(item.source.path)
        meta: dict[str, Any] = {"has_video": info.has_video, "width": info.width, "height": info.height,
                "frame_rate": info.frame_rate}
        if info.duration is not None:
            meta["duration"] = round(info.duration, 3)
        tracker = IouTracker(p.track_iou, p.max_gap)
        batch: list[Frame] = []
        sampled = 0
        for frame in sample_frames(item.source.path, every_seconds=p.every_seconds,
                                   cut_threshold=p.cut_threshold, max_seconds=p.max_seconds):
            batch.append(frame)
            sampled += 1
            if len(batch) == p.batch_size:
                self._detect(batch, tracker)
                batch = []
        if batch:
            self._detect(batch, tracker)
        tracks = tracker.finish()
        meta["sampled_frames"] = sampled
        meta["object_counts"] = dict(sorted(Counter(t.label for t in tracks).items()))
        return [self._mention(item, t) for t in tracks], meta

    def _detect(self, frames: list[Frame], tracker: IouTracker) -> None:
        results = self.detector.predict([f.image for f in frames])
        for frame, result in zip(frames, results, strict=True):
            height, width = frame.image.shape[:2]
            found = [Detection(*d) for d in detections(result, width, height)]
            tracker.update(frame.start, frame.end, found, cut=frame.cut)

    def _mention(self, item: Item, track: Track) -> Mention:
        anchors: tuple[Anchor, ...] = (TimeRange(track.start, track.end), *track.boxes)
        return Mention(text=track.label, label=entity_type_for(track.label)[0], modality="video",
                       confidence=track.confidence,
                       provenance=Provenance(item.source.iri, anchors, self.name))
