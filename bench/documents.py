"""Pages/second of the document reader on text-layer PDFs against bare pypdfium2 giving the
same information (every character with its box, every picture's placement), in one run; and
the cost of a scanned page (rendering + OCR), separately.

    .venv/bin/python bench/documents.py [--pages N] [--rounds R] [--scans S]

The PDFs are generated with reportlab: N pages of 45 lines of prose each, and S scanned
pages (typeset text rendered at 150 dpi, the picture alone on the page). Both sides are
warmed up, then timed in alternating rounds (bare, reader, bare, reader, ...) so that a busy
machine slows both alike; the medians are reported. Writes bench/results/documents.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # helpers, for make_documents

from kgbuild.datamodel import Item, Source  # noqa: E402
from kgbuild.ids import sha256_file  # noqa: E402
from kgbuild.stages.document_reader import DocumentReader  # noqa: E402

WORDS = ("the shuttle crew commanded by Eileen Collins reached orbit after a launch from Kennedy Space "
         "Center where engineers of NASA and the European Space Agency had prepared the telescope").split()


def text_pdf(path: Path, pages: int) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for page in range(pages):
        c.setFont("Helvetica", 10)
        for line in range(45):
            words = [WORDS[(page * 7 + line * 3 + i) % len(WORDS)] for i in range(14)]
            c.drawString(60, 800 - 16 * line, " ".join(words).capitalize() + ".")
        c.showPage()
    c.save()
    return path


def bare(path: Path) -> int:
    """What the reader takes from PDFium, with nothing else: characters, their boxes, pictures."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    chars = 0
    for index in range(len(pdf)):
        page = pdf[index]
        textpage = page.get_textpage()
        for i in range(textpage.count_chars()):
            pypdfium2.raw.FPDFText_GetUnicode(textpage, i)
            textpage.get_charbox(i)
            chars += 1
        for obj in page.get_objects(filter=(pypdfium2.raw.FPDF_PAGEOBJ_IMAGE,)):
            obj.get_bounds()
        textpage.close()
        page.close()
    pdf.close()
    return chars


def bare_text(path: Path) -> int:
    """The least PDFium can be asked: each page's text, no boxes (a floor, for reference)."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    chars = 0
    for index in range(len(pdf)):
        page = pdf[index]
        textpage = page.get_textpage()
        chars += len(textpage.get_text_range())
        textpage.close()
        page.close()
    pdf.close()
    return chars


def reader_item(path: Path) -> Item:
    return Item(Source(path, path.name, sha256_file(path), path.stat().st_size, "application/pdf", "document"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scans", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kgbuild-bench-documents-"))
    pdf = text_pdf(work / "text.pdf", args.pages)
    reader = DocumentReader(ocr_scans=False)
    bare(pdf), reader([reader_item(pdf)])  # warm both
    times: dict[str, list[float]] = {"bare": [], "reader": [], "text_only": []}
    for _ in range(args.rounds):
        start = time.perf_counter()
        bare(pdf)
        times["bare"].append(time.perf_counter() - start)
        start = time.perf_counter()
        bare_text(pdf)
        times["text_only"].append(time.perf_counter() - start)
        item = reader_item(pdf)
        start = time.perf_counter()
        reader([item])
        times["reader"].append(time.perf_counter() - start)
        assert item.ok, item.failure
    rate = {k: args.pages / statistics.median(v) for k, v in times.items()}

    import importlib.util  # tests/documents/make_documents.py: this script is itself named "documents"

    spec = importlib.util.spec_from_file_location("make_documents", REPO / "tests" / "documents" / "make_documents.py")
    assert spec is not None and spec.loader is not None
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    draw_scan = make.draw_scan
    ocr_reader = DocumentReader()
    ocr_reader.warm_up()
    scan_times = []
    for i in range(args.scans):
        scan = draw_scan(work / f"scan{i}.pdf", work)
        item = reader_item(scan)
        start = time.perf_counter()
        ocr_reader([item])
        scan_times.append(time.perf_counter() - start)
        assert item.ok and item.meta["scanned_pages"] == 1, item.failure
    result = {
        "pages": args.pages, "rounds": args.rounds,
        "bare_pages_per_s": round(rate["bare"], 1), "reader_pages_per_s": round(rate["reader"], 1),
        "ratio": round(rate["reader"] / rate["bare"], 3), "text_only_pages_per_s": round(rate["text_only"], 1),
        "scanned_page_s_median": round(statistics.median(scan_times), 2), "scans": args.scans,
        "machine": f"{platform.machine()} {os.cpu_count()} cores", "load": os.getloadavg()[0],
    }
    print(f"text-layer PDF, {args.pages} pages, median of {args.rounds} rounds")
    print(f"  bare pypdfium2 (chars + boxes + pictures): {result['bare_pages_per_s']:8.1f} pages/s")
    print(f"  document_reader (words, lines, layout):    {result['reader_pages_per_s']:8.1f} pages/s"
          f"   ratio {result['ratio']:.2f}")
    print(f"  bare pypdfium2, text only (no boxes):      {result['text_only_pages_per_s']:8.1f} pages/s (a floor)")
    print(f"scanned page (render 200 dpi + OCR): {result['scanned_page_s_median']:.2f} s/page (median of {args.scans})")
    print(f"load average {result['load']:.1f}")
    if not args.no_write:
        (REPO / "bench" / "results" / "documents.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
