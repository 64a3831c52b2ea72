"""Decoding image files for the image stages, and the facts their EXIF block holds.

Every image stage (detection, OCR) decodes through :func:`decode_image`, so a file that is
empty, truncated or not an image fails in each with the same clear reason, odd-but-valid
images (CMYK, palette, 16-bit, alpha, animated) are read the same way, and a huge image is
downscaled while it is decoded instead of after. Decoding follows what Ultralytics does
when given a path (EXIF orientation applied, alpha dropped, 16-bit reduced to its high
byte), so the detector finds the same boxes as ``YOLO(weights).predict(path)``.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DecodeError, EmptyInputError

GEO_WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9011


@dataclass
class DecodedImage:
    array: np.ndarray  # HxWx3 uint8, BGR: the order Ultralytics and OpenCV assume for arrays
    width: int  # displayed size of the original (after EXIF rotation), in pixels
    height: int
    facts: dict[str, Any] = field(default_factory=dict)  # EXIF time and GPS, for item.meta

    @property
    def scale_x(self) -> float:
        """Original pixels per decoded pixel."""
        return self.width / self.array.shape[1]

    @property
    def scale_y(self) -> float:
        return self.height / self.array.shape[0]


def decode_image(path: Path, max_pixels: int) -> DecodedImage:
    """The first frame of ``path`` as BGR pixels, at most ``max_pixels`` of them."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if path.stat().st_size == 0:
        raise EmptyInputError("image file is empty (0 bytes)")
    try:
        img = _pil_open(path)
    except UnidentifiedImageError:
        raise DecodeError(f"not an image Pillow can read{_sniff(path)}",
                          hint="check that the file's extension matches its content") from None
    except Image.DecompressionBombError as exc:
        raise DecodeError(f"image too large to decode safely: {exc}",
                          hint="downscale the file before ingesting it") from None
    except (OSError, SyntaxError, ValueError) as exc:  # cut off inside its header: Pillow's "Truncated File Read"
        raise DecodeError(f"image header is truncated or corrupt ({type(exc).__name__}: {exc})") from None
    with img:
        # Only the first frame of an animated GIF/WebP/APNG is looked at; Image.open is
        # already positioned on it.
        exif = _exif(img)
        stored_w, stored_h = img.size
        rotated = _orientation(exif) in (5, 6, 7, 8)  # EXIF says: display with w and h swapped
        width, height = (stored_h, stored_w) if rotated else (stored_w, stored_h)
        scale = min(1.0, math.sqrt(max_pixels / max(1, width * height)))
        if scale < 1.0 and img.format == "JPEG":
            # Lets libjpeg decode at 1/2, 1/4 or 1/8 size: a 100 MP photo never sits in memory whole.
            img.draft("RGB", (math.ceil(stored_w * scale), math.ceil(stored_h * scale)))
        try:
            img.load()
            rgb = _to_rgb(ImageOps.exif_transpose(img))
        except Exception as exc:  # noqa: BLE001 - Pillow raises OSError, SyntaxError, ValueError...
            raise DecodeError(f"image data is truncated or corrupt ({type(exc).__name__}: {exc})") from None
        if scale < 1.0:
            target = (max(1, round(width * scale)), max(1, round(height * scale)))
            rgb = rgb.resize(target, Image.Resampling.BILINEAR, reducing_gap=2.0)
        array = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])
    return DecodedImage(array, width, height, exif_facts(exif))


# EXIF ----------------------------------------------------------------------------------


def exif_facts(exif: Any) -> dict[str, Any]:
    """``captured_at`` (ISO 8601, the camera's local time, with its UTC offset when the
    camera wrote one), ``gps_lat``/``gps_lon`` (WGS 84 degrees) and ``location`` (the
    same point as a GeoSPARQL WKT literal) — each only when the file has it."""
    facts: dict[str, Any] = {}
    if exif is None:
        return facts
    try:
        when = _captured_at(exif.get_ifd(_EXIF_IFD))
        if when:
            facts["captured_at"] = when
        point = _gps(exif.get_ifd(_GPS_IFD))
    except Exception:  # noqa: BLE001 - a malformed EXIF block costs its facts, never the image
        return facts
    if point:
        lat, lon = point
        facts["gps_lat"], facts["gps_lon"] = lat, lon
        # WKT puts longitude first; a typed literal lets GeoSPARQL stores index it.
        facts["location"] = (f"POINT({lon:.6f} {lat:.6f})", GEO_WKT)
    return facts


def _captured_at(ifd: Any) -> str | None:
    raw = ifd.get(_DATETIME_ORIGINAL)
    if not isinstance(raw, str):
        return None
    raw = raw.strip("\x00 ")
    try:
        date, time = raw.split(" ", 1)
        year, month, day = (int(p) for p in date.split(":"))
        hour, minute, second = (int(float(p)) for p in time.split(":")[:3])
        from datetime import datetime

        # Cameras write "0000:00:00 00:00:00" or blanks when the clock was never set: not a time.
        stamp = datetime(year, month, day, hour, minute, second).isoformat()
    except (ValueError, TypeError):
        return None
    offset = ifd.get(_OFFSET_TIME_ORIGINAL)
    if isinstance(offset, str) and len(offset.strip("\x00 ")) == 6 and offset[0] in "+-" and offset[3] == ":":
        stamp += offset.strip("\x00 ")
    return stamp


def _gps(ifd: Any) -> tuple[float, float] | None:
    lat = _degrees(ifd.get(2), ifd.get(1), "S")
    lon = _degrees(ifd.get(4), ifd.get(3), "W")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, 7), round(lon, 7)


def _degrees(dms: Any, ref: Any, negative: str) -> float | None:
    try:
        d, m, s = (float(v) for v in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    if not math.isfinite(value):  # a 0 denominator reads as NaN
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    return -value if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative else value


def _exif(img: Any) -> Any:
    try:
        return img.getexif()
    except Exception:  # noqa: BLE001 - a broken EXIF block means "no EXIF"
        return None


def _orientation(exif: Any) -> int:
    try:
        return int(exif.get(0x0112, 1)) if exif is not None else 1
    except Exception:  # noqa: BLE001 - a broken EXIF block means "no rotation"
        return 1


# pixels --------------------------------------------------------------------------------


def _to_rgb(img: Any) -> Any:
    from PIL import Image

    if img.mode.startswith("I;16") or img.mode == "I":
        # convert() would clip 16-bit values at 255 (a white image); keep the high byte as cv2 does.
        values = np.asarray(img).astype(np.int64)
        if img.mode != "I" or values.max() > 255:
            values >>= 8
        img = Image.fromarray(np.clip(values, 0, 255).astype(np.uint8))
    # Alpha is dropped, not composited, to match how Ultralytics reads the same file.
    return img if img.mode == "RGB" else img.convert("RGB")


def _pil_open(path: Path) -> Any:
    from PIL import Image

    # Importing Ultralytics replaces Image.open process-wide with a wrapper that, on a file
    # Pillow cannot identify, tries to pip-install pi-heif and then raises ImportError
    # instead of UnidentifiedImageError; the original keeps "not an image" a clean failure.
    patches = sys.modules.get("ultralytics.utils.patches")
    return getattr(patches, "_image_open", Image.open)(path)


def _sniff(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head and all(b in b"\t\n\r" or 32 <= b < 127 for b in head):
        return ": its bytes are plain text"
    return ""
