"""A corpus of hostile files mixed with good ones: a build must survive it.

    python tests/fuzz_corpus.py OUTDIR [--big-mb N] [--seed S]

writes the corpus and prints what each file is expected to become (``good``: ingested;
``bad``: recorded as failed, with the error codes that are acceptable; ``unsupported``:
listed as skipped). ``tests/test_fuzz_ingest.py`` builds it and checks exactly that.

Unreadable files: tests run as root, and root reads a ``chmod 000`` file anyway, so
unreadability is made in ways root cannot get around — a FIFO (opening it would block
forever), a dangling symlink, a symlink loop, a link to a file outside the corpus (in a
sibling folder ``OUTDIR-outside``) and a file deeper than PATH_MAX. A ``chmod 000`` file is added too and is
expected to be refused only when not running as root. A folder named like a media file
(``folder.jpg/``) is simply walked into.

Every byte is derived from ``data/sample`` and a seeded random generator, so a corpus is
reproducible; nothing here is committed as a binary.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import tarfile
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"

INPUT_ERRORS = ("E301", "E302", "E303", "E304")  # any coded input error is a clear reason
EMPTY, DECODE, UNREADABLE = ("E302",), ("E302", "E303"), ("E301",)


@dataclass
class FuzzCorpus:
    root: Path
    good: list[str] = field(default_factory=list)  # relpaths that must be ingested
    bad: dict[str, tuple[str, ...]] = field(default_factory=dict)  # relpath -> acceptable failure codes
    unsupported: list[str] = field(default_factory=list)  # relpaths listed as skipped
    skipped: list[str] = field(default_factory=list)  # relpaths not read on purpose (links out of the corpus)
    big: str = ""  # the large text file's relpath (over the test pipeline's max_bytes)

    def summary(self) -> dict:
        return {"root": str(self.root), "good": self.good, "bad": self.bad, "unsupported": self.unsupported,
                "skipped": self.skipped, "big": self.big}


class _Writer:
    def __init__(self, root: Path, rng: random.Random) -> None:
        self.corpus, self.rng = FuzzCorpus(root), rng

    def path(self, rel: str) -> Path:
        path = self.corpus.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def good(self, rel: str, data: bytes) -> None:
        self.path(rel).write_bytes(data)
        self.corpus.good.append(rel)

    def bad(self, rel: str, data: bytes, codes: tuple[str, ...] = INPUT_ERRORS) -> None:
        self.path(rel).write_bytes(data)
        self.corpus.bad[rel] = codes

    def noise(self, n: int) -> bytes:
        return self.rng.randbytes(n)


def sample(name: str) -> bytes:
    return (SAMPLE / name).read_bytes()


def tiny_mp4() -> bytes:
    """One second of moving colour, H.264 in MP4 (moov written last, as ffmpeg does)."""
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(10):
            pixels = np.full((120, 160, 3), (i * 25) % 256, np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buf.getvalue()


def bomb_png(width: int = 40_000, height: int = 40_000) -> bytes:
    """A valid PNG header claiming 1.6 gigapixels over a few bytes of data."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def write_big_text(path: Path, megabytes: int) -> None:
    """Plain sentences in 1 MB writes: the generator never holds the file either."""
    line = "Ada Lovelace wrote to Charles Babbage from London about the Analytical Engine.\n"
    block = (line * (1_000_000 // len(line) + 1))[:1_000_000].encode()
    with path.open("wb") as fh:
        for _ in range(megabytes):
            fh.write(block)


def make_corpus(root: str | Path, *, big_mb: int = 20, seed: int = 0) -> FuzzCorpus:
    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    w = _Writer(root, random.Random(seed))
    c = w.corpus

    for src in sorted(SAMPLE.iterdir()):  # every sample file, as is
        w.good(f"good/{src.name}", src.read_bytes())
    w.good("good/png_named.jpg", sample("chelsea_cat.png"))  # wrong extension, valid image: Pillow sniffs it
    w.good("good/whitespace_only.txt", b"   \n\t\n")

    for ext in ("txt", "md", "jpg", "png", "webp", "wav", "flac", "mp3", "mp4"):
        w.bad(f"empty/empty.{ext}", b"", EMPTY)

    jpg, png, wav, mp4 = sample("coffee.jpg"), sample("chelsea_cat.png"), sample("whitfield_interview.wav"), tiny_mp4()
    w.bad("truncated/coffee_half.jpg", jpg[: len(jpg) // 2], DECODE)
    w.bad("truncated/coffee_header_only.jpg", jpg[:200], DECODE)
    w.bad("truncated/cat_half.png", png[: len(png) // 2], DECODE)
    w.bad("truncated/cat_header_only.png", png[:40], DECODE)
    w.bad("truncated/interview_header_only.wav", wav[:30], DECODE)
    w.bad("truncated/interview_half.wav", wav[: len(wav) // 2], DECODE)  # the header promises twice the samples
    w.bad("truncated/clip_half.mp4", mp4[: len(mp4) // 2], DECODE)
    w.bad("truncated/clip_head.mp4", mp4[:64], DECODE)
    w.bad("truncated/bomb.png", bomb_png(), DECODE)

    for ext in ("jpg", "png", "webp", "wav", "flac", "mp3", "ogg", "m4a", "mp4", "mkv"):
        w.bad(f"random/noise.{ext}", w.noise(w.rng.randrange(2_000, 40_000)), DECODE)
    w.bad("random/text_named.wav", b"This is a text file, not audio.\n" * 50, DECODE)
    w.bad("random/binary.txt", w.noise(5_000) + b"\x00" + w.noise(100), DECODE)

    w.bad("text/latin1.txt", "Marie Curie lived in Paris. Café, Zürich, Ångström.\n".encode("latin-1"), DECODE)
    w.bad("text/utf16.txt", "Marie Curie lived in Paris.\n".encode("utf-16"), DECODE)
    w.bad("text/mixed.md", b"Niels Bohr visited Copenhagen. " * 20 + "Søren in Århus.".encode("cp1252"),
          DECODE)
    w.bad("text/lone_continuation.txt", b"Alan Turing " + b"\x80\x81" + b" in Manchester.", DECODE)
    w.good("text/bom_utf8.txt", "\ufeffGrace Hopper worked for the United States Navy in Arlington.\n".encode())

    words = "Grace Hopper met Alan Turing in Manchester on a Tuesday afternoon and".split()
    # ~45 KB without a newline: long enough to be pathological for per-sentence models (the
    # whole line is one "sentence"), short enough for a test on 2 cores.
    w.good("long/one_line.txt", " ".join(words[i % len(words)] for i in range(8_000)).encode())
    w.good("long/no_spaces.txt", b"x" * 150_000)  # one 150 KB token
    c.big = "long/big.txt"
    write_big_text(w.path(c.big), big_mb)
    c.bad[c.big] = ("E303",)  # over max_bytes: refused before it is read

    for i, name in enumerate(("with spaces and 'quotes'.txt", "ünïcødé – 名前.md", "new\nline.txt", "tab\tname.txt",
                              "title\x1b]0;pwned\x07.txt", "ansi\x1b[31mred\x1b[0m.txt")):  # terminal escapes
        w.good(f"names/{name}", f"Katherine Johnson{i} calculated trajectories for NASA in Hampton.\n".encode())
    w.good("names/dir with space/inner.txt", b"Dorothy Vaughan led the West Area Computers at Langley.\n")
    bad_name = os.fsdecode(b"names/latin1-\xe9t\xe9.txt")  # not valid UTF-8: surrogate-escaped by Python
    w.good(bad_name, b"Mary Jackson became an engineer at Langley.\n")

    links = w.path("links/x").parent
    os.symlink("loop_b.txt", links / "loop_a.txt")
    os.symlink("loop_a.txt", links / "loop_b.txt")
    os.symlink("nowhere.jpg", links / "dangling.jpg")
    os.symlink(".", links / "self_dir")  # a folder loop: not followed
    os.symlink("../good/tucson_arrest.txt", links / "alias.txt")  # same bytes, a second path
    c.bad.update({"links/loop_a.txt": UNREADABLE, "links/loop_b.txt": UNREADABLE, "links/dangling.jpg": UNREADABLE})
    c.good.append("links/alias.txt")

    # A link to a file outside the corpus is not followed (it could be /etc/passwd).
    outside = root.with_name(root.name + "-outside")
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_bytes(b"root:x:0:0:Margaret Hamilton:/root:/bin/bash\n")
    os.symlink(outside / "secret.txt", links / "outside.txt")
    c.skipped.append("links/outside.txt")  # skipped with the reason, not a failure (--follow-links ingests it)

    # Deeper than PATH_MAX: made relative to open folders; found and reported, not skipped.
    deep = w.path("deep/x").parent
    fd = os.open(deep, os.O_RDONLY)
    parts = ["deep"]
    try:
        for i in range(18):
            name = f"{i:02d}" + "d" * 240
            os.mkdir(name, dir_fd=fd)
            fd, parent = os.open(name, os.O_RDONLY, dir_fd=fd), fd
            os.close(parent)
            parts.append(name)
        out = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, b"Katherine Johnson worked at Langley.\n")
        os.close(out)
    finally:
        os.close(fd)
    c.bad["/".join([*parts, "deep.txt"])] = UNREADABLE

    os.mkfifo(w.path("unreadable/pipe.wav"))
    c.bad["unreadable/pipe.wav"] = UNREADABLE
    w.good("unreadable/folder.jpg/inside.txt", b"Hedy Lamarr patented frequency hopping in Los Angeles.\n")
    locked = w.path("unreadable/locked.txt")
    locked.write_bytes(b"Rosalind Franklin worked at King's College London.\n")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads it regardless of its mode
        c.good.append("unreadable/locked.txt")
    else:
        c.bad["unreadable/locked.txt"] = UNREADABLE

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("deep/coffee.jpg", jpg)
    with zipfile.ZipFile(w.path("archives/nested.zip"), "w") as z:
        z.writestr("tucson_arrest.txt", sample("tucson_arrest.txt"))
        z.writestr("inner.zip", inner.getvalue())
    with tarfile.open(w.path("archives/bundle.tar.gz"), "w:gz") as t:
        t.add(SAMPLE / "eileen_collins.md", arcname="eileen_collins.md")
        t.add(w.path("archives/nested.zip"), arcname="nested.zip")
    w.path("misc/README").write_bytes(b"no extension")
    w.path("misc/report.numbers").write_bytes(w.noise(3_000))
    c.unsupported += ["archives/bundle.tar.gz", "archives/nested.zip", "misc/README", "misc/report.numbers"]
    w.path(".hidden/secret.txt").write_bytes(b"never looked at")  # hidden: not even listed
    return c


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--big-mb", type=int, default=20, help="size of the large text file (MB)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    corpus = make_corpus(args.outdir, big_mb=args.big_mb, seed=args.seed)
    print(json.dumps(corpus.summary(), indent=2))


if __name__ == "__main__":
    main()
