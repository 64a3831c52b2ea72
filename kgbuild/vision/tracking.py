"""Joining per-frame detections into object tracks.

A detection continues a track when it has the same class and its box overlaps the
track's last box (IoU) in the previous sampled frame (or up to ``max_gap`` sampled frames
before, so one missed detection does not split an object in two). A shot change ends
every track: the same class at the same place after a cut is, as a rule, another thing.
Matching is greedy by IoU, best pairs first, which is what IoU trackers such as
Bochinski et al.'s do; with frames a second apart there is no motion model to gain from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..datamodel import Box, BoxAt


@dataclass(frozen=True)
class Detection:
    label: str
    confidence: float
    box: Box


@dataclass
class Track:
    label: str
    boxes: list[BoxAt] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    last_sample: int = -1  # index of the sampled frame it was last seen in

    @property
    def start(self) -> float:
        return self.boxes[0].start

    @property
    def end(self) -> float:
        return self.boxes[-1].end

    @property
    def confidence(self) -> float:
        return round(sum(self.confidences) / len(self.confidences), 4)


def iou(a: Box, b: Box) -> float:
    w = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    h = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a.w * a.h + b.w * b.h - inter)


class IouTracker:
    def __init__(self, min_iou: float = 0.3, max_gap: int = 1) -> None:
        self.min_iou = min_iou
        self.max_gap = max_gap
        self._active: list[Track] = []
        self._done: list[Track] = []
        self._sample = -1

    def update(self, start: float, end: float, detections: list[Detection], *, cut: bool = False) -> None:
        """The detections in the next sampled frame, shown from ``start`` to ``end``."""
        self._sample += 1
        if cut:
            self._done += self._active
            self._active = []
        # Tracks not seen for longer than the allowed gap are over.
        alive = [t for t in self._active if self._sample - t.last_sample <= self.max_gap + 1]
        self._done += [t for t in self._active if t not in alive]
        pairs = sorted(
            ((iou(t.boxes[-1].box, d.box), ti, di) for ti, t in enumerate(alive)
             for di, d in enumerate(detections) if t.label == d.label),
            key=lambda p: (-p[0], p[1], p[2]),
        )
        used_t: set[int] = set()
        used_d: set[int] = set()
        for overlap, ti, di in pairs:
            if overlap < self.min_iou:
                break
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            self._extend(alive[ti], start, end, detections[di])
        for di, d in enumerate(detections):
            if di not in used_d:
                track = Track(d.label)
                self._extend(track, start, end, d)
                alive.append(track)
        self._active = alive

    def _extend(self, track: Track, start: float, end: float, d: Detection) -> None:
        track.boxes.append(BoxAt(start, end, d.box))
        track.confidences.append(d.confidence)
        track.last_sample = self._sample

    def finish(self) -> list[Track]:
        """Every track, in order of first appearance (then class, then place)."""
        tracks = self._done + self._active
        self._done, self._active = [], []
        return sorted(tracks, key=lambda t: (t.start, t.label, t.boxes[0].box.x, t.boxes[0].box.y))
