"""Damaged documents (seeded byte flips, truncations, spliced garbage) each either read or
fail alone with a coded input error: never an exception that is not ours (E310), never a
failure that takes the rest of the batch down."""

from __future__ import annotations

import random
import shutil
import zipfile

from documents.make_documents import write_docx, write_html
from kgbuild.datamodel import Item, Source
from kgbuild.ids import sha256_file
from kgbuild.media.discovery import discover
from kgbuild.media.docx import DOCX
from kgbuild.stages.document_reader import DocumentReader

CASES = 24  # per kind


def _mutate(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(3)
    if kind == 0:  # flip bytes
        out = bytearray(data)
        for _ in range(rng.randint(1, 40)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if kind == 1:  # truncate
        return data[: rng.randrange(1, len(data))]
    cut = rng.randrange(len(data))  # splice garbage in
    return data[:cut] + rng.randbytes(rng.randint(1, 2000)) + data[cut:]


def _outcomes(items: list[Item]) -> dict[str, str]:
    DocumentReader(ocr_scans=False, max_pages=50)(items)  # OCR off: damaged pages without text are not read
    return {it.source.relpath: (it.failure.cause_code if it.failure else "ok") for it in items}


def _assert_coded(outcomes: dict[str, str]) -> None:
    bad = {name: code for name, code in outcomes.items() if code != "ok" and not code.startswith("E3") or code == "E310"}
    assert not bad, bad
    assert outcomes["intact"] == "ok"  # the undamaged file in the same batch still reads


def test_damaged_pdfs_fail_alone_with_codes(tmp_path, documents):
    rng = random.Random(19)
    data = documents["report"].read_bytes()
    shutil.copy(documents["report"], tmp_path / "intact")
    for i in range(CASES):
        (tmp_path / f"case{i:02d}").write_bytes(_mutate(data, rng))
    items = [Item(Source(p, p.name, sha256_file(p), p.stat().st_size, "application/pdf", "document"))
             for p in sorted(tmp_path.iterdir())]
    _assert_coded(_outcomes(items))


def test_damaged_web_pages_fail_alone_with_codes(tmp_path):
    rng = random.Random(20)
    data = write_html(tmp_path).read_bytes()
    (tmp_path / "intact.html").write_bytes(data)
    for i in range(CASES):
        (tmp_path / f"case{i:02d}.html").write_bytes(_mutate(data, rng))
    items = [Item(s) for s in discover(tmp_path).sources if s.modality == "document"]
    outcomes = {k.removesuffix(".html"): v for k, v in _outcomes(items).items()}
    _assert_coded(outcomes)


def test_damaged_word_files_fail_alone_with_codes(tmp_path):
    rng = random.Random(21)
    original = write_docx(tmp_path / "intact")
    data = original.read_bytes()
    for i in range(CASES):
        (tmp_path / f"case{i:02d}").write_bytes(_mutate(data, rng))
    with zipfile.ZipFile(tmp_path / "case_xml", "w") as zf:  # a zip whose document part is not XML
        with zipfile.ZipFile(original) as src:
            for info in src.infolist():
                zf.writestr(info, b"<<not xml" if info.filename == "word/document.xml" else src.read(info))
    items = [Item(Source(p, p.name, sha256_file(p), p.stat().st_size, DOCX, "document"))
             for p in sorted(tmp_path.iterdir())]
    outcomes = _outcomes(items)
    _assert_coded(outcomes)
    assert outcomes["case_xml"] == "E321"
