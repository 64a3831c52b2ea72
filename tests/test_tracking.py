"""kgbuild.vision.tracking: IoU tracks across sampled frames."""

from __future__ import annotations

from kgbuild.datamodel import Box
from kgbuild.vision.tracking import Detection, IouTracker, iou


def det(label: str, x: float, conf: float = 0.9) -> Detection:
    return Detection(label, conf, Box(x, 10, 100, 100))


def test_iou():
    assert iou(Box(0, 0, 10, 10), Box(0, 0, 10, 10)) == 1.0
    assert iou(Box(0, 0, 10, 10), Box(5, 0, 10, 10)) == 50 / 150
    assert iou(Box(0, 0, 10, 10), Box(10, 0, 10, 10)) == 0.0


def test_overlapping_detections_of_one_class_become_one_track():
    tracker = IouTracker(min_iou=0.3)
    for second in range(4):
        tracker.update(second, second + 0.04, [det("person", 20 * second), det("car", 400, conf=0.5)])
    tracks = tracker.finish()
    assert [(t.label, len(t.boxes), t.start, t.end) for t in tracks] == [("car", 4, 0, 3.04), ("person", 4, 0, 3.04)]
    person = tracks[1]
    assert [b.box.x for b in person.boxes] == [0, 20, 40, 60] and person.confidence == 0.9
    assert person.boxes[1].fragment() == "t=1.00,1.04&xywh=pixel:20,10,100,100"


def test_classes_never_merge_and_far_boxes_start_new_tracks():
    tracker = IouTracker(min_iou=0.3)
    tracker.update(0, 0.04, [det("cat", 0)])
    tracker.update(1, 1.04, [det("dog", 0), det("cat", 300)])
    assert sorted((t.label, len(t.boxes)) for t in tracker.finish()) == [("cat", 1), ("cat", 1), ("dog", 1)]


def test_a_missed_frame_within_the_gap_does_not_split_a_track():
    for gap, expected in ((1, [3]), (0, [1, 2])):
        tracker = IouTracker(min_iou=0.3, max_gap=gap)
        tracker.update(0, 0.04, [det("person", 0)])
        tracker.update(1, 1.04, [])
        tracker.update(2, 2.04, [det("person", 10)])
        tracker.update(3, 3.04, [det("person", 20)])
        assert sorted(len(t.boxes) for t in tracker.finish()) == expected


def test_a_shot_change_ends_every_track():
    tracker = IouTracker(min_iou=0.3)
    tracker.update(0, 0.04, [det("person", 0)])
    tracker.update(1, 1.04, [det("person", 0)], cut=True)
    assert [len(t.boxes) for t in tracker.finish()] == [1, 1]


def test_greedy_matching_takes_the_best_overlap_first():
    tracker = IouTracker(min_iou=0.1)
    tracker.update(0, 0.04, [det("person", 0), det("person", 60)])
    tracker.update(1, 1.04, [det("person", 55)])  # overlaps both; the one at 60 more
    tracks = tracker.finish()
    grown = [t for t in tracks if len(t.boxes) == 2]
    assert len(grown) == 1 and grown[0].boxes[0].box.x == 60
