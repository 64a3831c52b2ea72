"""Writes data/fusion-eval2/{dev,heldout}/ and gold-{dev,heldout}.json from corpus.py.

    .venv/bin/python data/fusion-eval2/make.py --skimage-data DIR   # texts, photos, gold
    .venv/bin/python data/fusion-eval2/make.py --gold-only          # texts and gold only

Photos come from scikit-image's data files (``--skimage-data``: pip install
scikit-image==0.26.0 in any venv) and matplotlib's sample data (grace_hopper.jpg, shipped
with matplotlib, a kgbuild dependency). Boxes are kgbuild's own YOLOv8n detections on these
files (default pipeline), checked by eye and listed in BOXES with their entity. Offsets come
from the markup (corpus.py), never typed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus as C  # noqa: E402

MARK = re.compile(r"\[([^\[\]|]+)\|([a-z0-9-]+)\]")

# path within the half -> [(detector label, (x, y, w, h), entity)]
BOXES: dict[str, dict[str, list[tuple[str, tuple[int, int, int, int], str]]]] = {
    "dev": {
        "photos/hopper.jpg": [("person", (2, 22, 509, 578), "hopper")],
        "photos/camera.jpg": [("person", (1, 63, 299, 449), "camera-man")],
        "photos/chelsea.jpg": [("cat", (0, 2, 426, 294), "mochi")],
        "articles/hopper-lecture/portrait.jpg": [("person", (5, 9, 315, 364), "hopper")],
    },
    "heldout": {
        "photos/collins.jpg": [("person", (7, 14, 353, 495), "collins")],
        "photos/flat_white.jpg": [("cup", (170, 17, 253, 309), "flat-white-cup"),
                                  ("dining table", (0, 1, 587, 397), "cafe-table")],
        "photos/motorbike.jpg": [("motorcycle", (101, 70, 576, 377), "garage-motorbike")],
        "articles/darkroom/field.jpg": [("person", (1, 49, 242, 351), "ferreira")],
    },
}

HALVES = {
    "dev": (C.DEV_ENTITIES, C.DEV_NEWS, C.DEV_PHOTOS, C.DEV_ARTICLES),
    "heldout": (C.HELDOUT_ENTITIES, C.HELDOUT_NEWS, C.HELDOUT_PHOTOS, C.HELDOUT_ARTICLES),
}


def strip_marks(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    out, spans, pos, length = [], [], 0, 0
    for m in MARK.finditer(marked):
        before = marked[pos:m.start()]
        out.append(before)
        length += len(before)
        spans.append((length, length + len(m.group(1)), m.group(2)))
        out.append(m.group(1))
        length += len(m.group(1))
        pos = m.end()
    out.append(marked[pos:])
    text = "".join(out)
    if "[" in text or "|" in text:
        raise ValueError(f"unbalanced markup in: {marked[:60]}...")
    return text, spans


def source_file(spec: str, skimage_data: Path | None) -> Path:
    pkg, name = spec.split(":")
    if pkg == "skimage":
        if skimage_data is None:
            sys.exit("--skimage-data DIR is needed for the photos")
        return skimage_data / name
    if pkg == "matplotlib":
        import matplotlib

        return Path(matplotlib.get_data_path()) / "sample_data" / name
    raise ValueError(spec)


def save_photo(src: Path, dest: Path, width: int | None = None) -> None:
    from PIL import Image

    dest.parent.mkdir(parents=True, exist_ok=True)
    if width is None and src.suffix.lower() in (".jpg", ".jpeg"):
        shutil.copyfile(src, dest)
        return
    img = Image.open(src).convert("RGB")
    if width:
        img = img.resize((width, round(img.height * width / img.width)), Image.Resampling.LANCZOS)
    img.save(dest, quality=88, optimize=True)


def write_text(path: Path, marked: str, rel: str, refs: list) -> None:
    text, spans = strip_marks(marked)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    refs.extend((ent, {"path": rel, "char": [s, e]}) for s, e, ent in spans)


def scene(path: str) -> str:
    parts = path.split("/")
    if parts[0] == "photos":
        return "photos/" + parts[1].rsplit(".", 1)[0]
    return "/".join(parts[:2]) if parts[0] == "articles" else path


def build_gold(half: str, entities_decl: dict, refs: list) -> dict:
    for path, boxes in BOXES[half].items():
        refs.extend((ent, {"path": path, "label": label, "box": list(box)}) for label, box, ent in boxes)
    unknown = sorted({e for e, _ in refs} - set(entities_decl))
    if unknown:
        raise ValueError(f"{half}: entity ids used but not declared: {unknown}")
    entities = []
    for ent, (typ, note) in entities_decl.items():
        mentions = [r for e, r in refs if e == ent]
        if not mentions:
            raise ValueError(f"{half}: entity {ent} has no mention")
        entities.append({"id": ent, "type": typ, "note": note, "mentions": mentions})
    groundings = [{"text": t, "image": i} for e in entities
                  for t in e["mentions"] if "label" not in t
                  for i in e["mentions"] if "label" in i and scene(t["path"]) == scene(i["path"])]
    return {"corpus": half, "entities": entities, "groundings": groundings}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--skimage-data", type=Path, default=None)
    ap.add_argument("--gold-only", action="store_true", help="texts and gold files only (no pictures)")
    args = ap.parse_args()
    for half, (entities, news, photos, articles) in HALVES.items():
        out = args.out / half
        refs: list = []
        for name, (src, caption) in photos.items():
            if not args.gold_only:
                save_photo(source_file(src, args.skimage_data), out / "photos" / name)
            stem = name.rsplit(".", 1)[0]
            write_text(out / "photos" / f"{stem}.txt", caption, f"photos/{stem}.txt", refs)
        for folder, (article, images) in articles.items():
            write_text(out / "articles" / folder / "article.txt", article, f"articles/{folder}/article.txt", refs)
            if not args.gold_only:
                for img, (src, width) in images.items():
                    save_photo(source_file(src, args.skimage_data), out / "articles" / folder / img, width)
        for name, marked in news.items():
            write_text(out / "news" / name, marked, f"news/{name}", refs)
        gold = build_gold(half, entities, refs)
        (args.out / f"gold-{half}.json").write_text(json.dumps(gold, indent=1, ensure_ascii=False) + "\n",
                                                    encoding="utf-8")
        n = sum(len(e["mentions"]) for e in gold["entities"])
        print(f"{half}: {len(gold['entities'])} entities, {n} mentions, {len(gold['groundings'])} groundings")


if __name__ == "__main__":
    if importlib.util.find_spec("PIL") is None:
        sys.exit("Pillow is needed")
    main()
