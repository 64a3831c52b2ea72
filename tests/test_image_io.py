"""Image decoding shared by the image stages: EXIF time and GPS, and memory on huge images."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from kgbuild.errors import DecodeError
from kgbuild.media.image_io import GEO_WKT, decode_image

HOUSTON = {"lat": 29.7604, "lon": -95.3698}


def exif_with(*, when: str | None = None, offset: str | None = None, gps: dict | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 1  # Pillow writes no EXIF block to a PNG whose first IFD is empty
    if when:
        ifd = exif.get_ifd(0x8769)
        ifd[0x9003] = when
        if offset:
            ifd[0x9011] = offset
    if gps:
        ifd = exif.get_ifd(0x8825)
        for tag, value in gps.items():
            ifd[tag] = value
    return exif


HOUSTON_GPS = {1: "N", 2: (29.0, 45.0, 37.44), 3: "W", 4: (95.0, 22.0, 11.28)}


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_exif_time_and_gps_become_facts(tmp_path, suffix):
    path = tmp_path / f"photo{suffix}"
    Image.new("RGB", (64, 48), "gray").save(path, exif=exif_with(when="2023:05:14 09:30:12", offset="-05:00",
                                                                 gps=HOUSTON_GPS))
    facts = decode_image(path, 10**6).facts
    assert facts["captured_at"] == "2023-05-14T09:30:12-05:00"
    assert facts["gps_lat"] == pytest.approx(HOUSTON["lat"]) and facts["gps_lon"] == pytest.approx(HOUSTON["lon"])
    assert facts["location"] == ("POINT(-95.369800 29.760400)", GEO_WKT)  # WKT: longitude first


def test_no_exif_no_facts_and_bad_exif_values_are_dropped(tmp_path):
    plain = tmp_path / "plain.jpg"
    Image.new("RGB", (32, 32)).save(plain)
    assert decode_image(plain, 10**6).facts == {}
    odd = tmp_path / "odd.jpg"
    unset_clock = exif_with(when="0000:00:00 00:00:00", gps={1: "N", 2: (91.0, 0.0, 0.0), 3: "E", 4: (10.0, 0.0, 0.0)})
    Image.new("RGB", (32, 32)).save(odd, exif=unset_clock)
    dec = decode_image(odd, 10**6)
    assert dec.facts == {} and dec.array.shape == (32, 32, 3)  # the image itself is fine
    local = tmp_path / "local.jpg"
    Image.new("RGB", (32, 32)).save(local, exif=exif_with(when="2001:02:03 04:05:06"))
    assert decode_image(local, 10**6).facts == {"captured_at": "2001-02-03T04:05:06"}


def test_exif_facts_reach_the_graph(tmp_path):
    from kgbuild.datamodel import Item, Source
    from kgbuild.store.rdf import source_quads

    path = tmp_path / "photo.jpg"
    Image.new("RGB", (64, 48)).save(path, exif=exif_with(when="2023:05:14 09:30:12", gps=HOUSTON_GPS))
    item = Item(Source(path, "photo.jpg", "cd" * 32, path.stat().st_size, "image/jpeg", "image"))
    item.meta.update(decode_image(path, 10**6).facts)
    facts = {q.predicate.value.rsplit("#", 1)[1]: q.object for q in source_quads(item, pipeline="p",
             pipeline_fingerprint="f", paths=["photo.jpg"]) if q.subject.value == item.source.iri}
    assert facts["capturedAt"].value == "2023-05-14T09:30:12"
    assert facts["location"].value == "POINT(-95.369800 29.760400)" and facts["location"].datatype.value == GEO_WKT
    assert float(facts["gpsLat"].value) == pytest.approx(29.7604, abs=1e-4)


_PEAK = """
import json, resource, sys
from pathlib import Path
from PIL import Image, ImageOps
from kgbuild.media.image_io import decode_image
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
dec = decode_image(Path(sys.argv[1]), int(sys.argv[2]))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"shape": dec.array.shape, "size": [dec.width, dec.height], "peak_kb": after - before}))
"""


def test_huge_jpeg_is_decoded_small_with_bounded_memory(tmp_path):
    """An 8000x8000 photo (192 MB as pixels) decoded under a 4 MP budget: libjpeg reads it
    at 1/4 size, so the process never holds the full-size pixels."""
    path = tmp_path / "huge.jpg"
    img = Image.new("RGB", (8000, 8000), (120, 90, 60))
    img.paste((20, 200, 40), (1000, 1000, 7000, 3000))
    img.save(path, quality=60)
    del img
    proc = subprocess.run([sys.executable, "-c", _PEAK, str(path), "4000000"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["size"] == [8000, 8000]
    assert out["shape"][0] * out["shape"][1] <= 4_000_000
    assert out["peak_kb"] < 100_000, out  # the full-size pixels alone are 192 000 kB (880 000 kB peak)


def test_decompression_bomb_is_a_decode_error(tmp_path):
    """A PNG header claiming 30000x30000 pixels is refused before any pixel is decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path = tmp_path / "bomb.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    with pytest.raises(DecodeError, match="too large to decode safely"):
        decode_image(path, 40_000_000)
