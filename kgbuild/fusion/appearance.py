"""The same object seen in copies of one picture: a photo, its resized copy in an article,
a video made from it.

Detected objects have no names to compare, so two boxes are matched by where they sit in
which picture: each picture gets a 64-bit difference hash (dHash) — robust to resizing and
re-encoding, blind to anything else — and each box its position relative to the picture.
Two boxes of the same class whose pictures' hashes differ in at most ``max_bits`` bits and
whose relative boxes overlap (IoU >= ``min_iou``) are the same object. Blocking is by hash
bands (four 16-bit bands: near-identical hashes share at least one), so this stays linear.
It is a rule, not the trained model: picture identity is not a question of degree.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..datamodel import Box
from ..vision.tracking import iou

MAX_BITS = 10
MIN_IOU = 0.5


def dhash(gray: np.ndarray) -> int:
    from PIL import Image

    small = np.asarray(Image.fromarray(gray).resize((9, 8), Image.Resampling.LANCZOS), dtype=np.int16)
    bits = (small[:, 1:] > small[:, :-1]).reshape(-1)
    return int("".join("1" if b else "0" for b in bits), 2)


def picture(path: Path, modality: str, at: float | None = None) -> tuple[int, int, int] | None:
    """(dHash, width, height) of an image, or of a video's frame at ``at`` seconds; None for a
    video without frames. A picture that cannot be decoded raises (InputError, OSError)."""
    if modality == "image":
        from ..media.image_io import decode_image

        image = decode_image(path, max_pixels=40_000_000)
        gray = image.array.mean(axis=2).astype(np.uint8) if image.array.ndim == 3 else image.array
        return dhash(gray), image.width, image.height
    from ..media.video import sample_frames

    chosen = None
    for frame in sample_frames(path, every_seconds=0.25, cut_threshold=None):
        chosen = frame
        if at is None or frame.end > at:
            break
    if chosen is None:
        return None
    h, w = chosen.image.shape[:2]
    return dhash(chosen.image.mean(axis=2).astype(np.uint8)), w, h


def look(pic: tuple[int, int, int], box: tuple[float, float, float, float]) -> tuple:
    """The signature stored on a detected atom: hash as hex and the box relative to the picture."""
    h, w, hh = pic
    x, y, bw, bh = box
    return (f"{h:016x}", round(x / w, 4), round(y / hh, 4), round(bw / w, 4), round(bh / hh, 4))


def look_keys(label: str, sig: tuple) -> set[str]:
    return {f"LOOK|{label}|{band}|{sig[0][band * 4:band * 4 + 4]}" for band in range(4)}


def same_object(a: tuple, b: tuple) -> float | None:
    """Confidence that two signatures are one object in copies of one picture, or None."""
    bits = bin(int(a[0], 16) ^ int(b[0], 16)).count("1")
    if bits > MAX_BITS:
        return None
    overlap = iou(Box(*a[1:]), Box(*b[1:]))
    if overlap < MIN_IOU:
        return None
    return round(0.95 * overlap ** 0.5 * (1 - bits / 64), 4)
