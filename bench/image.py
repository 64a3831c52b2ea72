"""Images/second of the image stage (YOLO detection + linking + scene relations, OCR off)
against bare ``ultralytics.YOLO(...).predict`` on the same images, in one run; and the
OCR stage's latency per image, separately.

    .venv/bin/python bench/image.py [--repeat N] [--rounds R] [--weights W]

The images are the sample photos (data/sample) and the two Ultralytics ships (bus.jpg,
zidane.jpg), each repeated N times. Both sides are warmed up first, then timed in
alternating rounds (bare, stage, bare, stage, ...) so that a busy machine slows both
alike; the medians are reported. Writes bench/results/image.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("YOLO_AUTOINSTALL", "False")
os.environ.setdefault("YOLO_OFFLINE", "True")

from kgbuild.datamodel import Item, Source  # noqa: E402
from kgbuild.ids import sha256_file  # noqa: E402
from kgbuild.media.image_io import decode_image  # noqa: E402
from kgbuild.models import find_model_file  # noqa: E402

CONF, IOU, IMGSZ = 0.25, 0.7, 640
PHOTOS = ("astronaut_eileen_collins.jpg", "camera_grayscale.jpg", "chelsea_cat.png", "coffee.jpg")


def images() -> list[Path]:
    import ultralytics

    assets = Path(ultralytics.__file__).parent / "assets"
    return [REPO / "data" / "sample" / name for name in PHOTOS] + [assets / "bus.jpg", assets / "zidane.jpg"]


def sources(paths: list[Path]) -> list[Source]:
    return [Source(p, p.name, sha256_file(p), p.stat().st_size, "image/jpeg", "image") for p in paths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="copies of each image per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--weights", default="yolov8n_int8.onnx")
    args = parser.parse_args()

    from ultralytics import YOLO

    from kgbuild.pipeline.batches import run_batch
    from kgbuild.pipeline.config import Pipeline
    from kgbuild.stages.entity_linker import EntityLinker
    from kgbuild.stages.ocr import OcrReader
    from kgbuild.stages.scene_relations import SceneRelations
    from kgbuild.stages.yolo_detector import YoloDetector

    weights = find_model_file(args.weights)
    if weights is None:
        sys.exit(f"weights {args.weights} not found (see README, Models)")
    paths = images() * args.repeat
    srcs = sources(paths)
    bare = YOLO(str(weights), task="detect")
    detector = YoloDetector(weights=str(weights), conf=CONF, iou=IOU, imgsz=IMGSZ, device="cpu")
    pipeline = Pipeline("bench", [detector, EntityLinker(), SceneRelations()], batch_size=16)

    def run_bare() -> int:
        found = 0
        for result in bare.predict([str(p) for p in paths], conf=CONF, iou=IOU, imgsz=IMGSZ, device="cpu",
                                   verbose=False, stream=True):
            found += len(result.boxes)
        return found

    def run_stage() -> tuple[int, int]:
        mentions = relations = 0
        for start in range(0, len(srcs), pipeline.batch_size):
            items = [Item(s) for s in srcs[start:start + pipeline.batch_size]]
            run_batch(pipeline, items)
            assert all(it.ok for it in items), [it.failure for it in items if not it.ok]
            mentions += sum(len(it.mentions) for it in items)
            relations += sum(len(it.relations) for it in items)
        return mentions, relations

    run_bare()  # warm-up: sessions created, first-call costs paid
    detector.warm_up()
    run_stage()
    bare_ips, stage_ips = [], []
    for _ in range(args.rounds):
        t = time.perf_counter()
        boxes = run_bare()
        bare_ips.append(len(paths) / (time.perf_counter() - t))
        t = time.perf_counter()
        mentions, relations = run_stage()
        stage_ips.append(len(paths) / (time.perf_counter() - t))
    assert mentions == boxes, (mentions, boxes)  # the same detections on both sides

    ocr = OcrReader()
    ocr.warm_up()
    latency = []
    for path in [*images(), REPO / "data" / "sample" / "scanned_page.png"]:
        src = sources([path])[0]
        ocr([Item(src)])  # warm
        times = []
        for _ in range(args.rounds):
            item = Item(src)
            t = time.perf_counter()
            ocr([item])
            times.append(time.perf_counter() - t)
        lines = len(item.layout.regions) if item.layout else 0
        # gate False: the small detector pass found no text region, nothing else ran;
        # gate True with 0 lines: full detection ran but nothing was read surely enough
        gate = bool(ocr._has_text(decode_image(path, ocr.params.max_pixels).array))
        latency.append({"image": path.name, "ms_median": round(1000 * statistics.median(times), 1),
                        "gate": gate, "lines": lines})

    bare_m, stage_m = statistics.median(bare_ips), statistics.median(stage_ips)
    result = {
        "images_per_round": len(paths), "rounds": args.rounds, "weights": weights.name, "imgsz": IMGSZ,
        "bare_yolo_predict_ips": round(bare_m, 2), "stage_ips": round(stage_m, 2),
        "ratio_stage_over_bare": round(stage_m / bare_m, 3),
        "detections_per_round": boxes, "relations_per_round": relations,
        "ocr_latency": latency,
        "machine": f"{platform.machine()} cpus={os.cpu_count()} load1={os.getloadavg()[0]:.1f}",
    }
    out = REPO / "bench" / "results" / "image.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'':32} {'images/s':>9}")
    print(f"{'bare YOLO.predict':32} {bare_m:9.2f}")
    print(f"{'stage (detect+link+relations)':32} {stage_m:9.2f}   ratio {stage_m / bare_m:.3f}")
    print(f"\n{'OCR, per image':32} {'ms':>9} {'gate':>5} lines")
    for row in latency:
        print(f"{row['image']:32} {row['ms_median']:9.1f} {str(row['gate']):>5} {row['lines']:5d}")


if __name__ == "__main__":
    main()
