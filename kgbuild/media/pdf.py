"""Reading PDF files with pypdfium2: words with their boxes, pictures with their placement,
and pages rendered for OCR when they have no text layer.

pypdfium2 (Apache-2.0/BSD-3, PDFium's own licence) is used rather than PyMuPDF (AGPL-3.0,
which would bind the Apache-2.0 core) or pdfminer.six (MIT, pure Python and several times
slower); PDFium is the engine Chrome renders PDFs with, it repairs damaged cross-reference
tables as Chrome does, and it renders scanned pages for OCR from the same library.

Coordinates are PDF points with the origin at the top-left corner of the page (PDF's own
origin is bottom-left), which is what RFC 8118's ``viewrect`` uses.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DocumentCorrupt, DocumentEncrypted, DocumentTooLarge, MissingDependencyError
from .document import PageBox

MIN_FIGURE_SIDE = 32  # pixels: smaller pictures are rules, bullets and icons, not figures


@dataclass(frozen=True)
class PdfLimits:
    max_pages: int = 2000
    max_image_pixels: int = 50_000_000  # one embedded picture, before it is decoded
    render_dpi: int = 200  # pages without a text layer are rendered at this resolution for OCR


@dataclass
class PdfWord:
    text: str
    box: PageBox


@dataclass
class PdfPage:
    number: int  # 1-based
    width: float  # points
    height: float
    lines: list[list[PdfWord]] = field(default_factory=list)  # in the text layer's order
    pictures: list[tuple[PageBox, np.ndarray]] = field(default_factory=list)  # placement, BGR pixels
    scan: np.ndarray | None = None  # the page rendered (BGR), when it has no text layer

    @property
    def has_text(self) -> bool:
        return any(self.lines)


def _pdfium() -> Any:
    try:
        import pypdfium2
    except ImportError as exc:
        raise MissingDependencyError(f"reading PDF needs the Python package 'pypdfium2' ({exc})",
                                     hint="pip install pypdfium2 (a kgbuild dependency)") from None
    return pypdfium2


@contextmanager
def open_pdf(path: Path, password: str | None = None, limits: PdfLimits = PdfLimits()) -> Iterator[Any]:
    """The open document; closed on exit. Encrypted, unreadable and over-limit files raise
    coded input errors."""
    pdfium = _pdfium()
    try:
        pdf = pdfium.PdfDocument(str(path), password=password)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            raise DocumentEncrypted(
                "the PDF is encrypted" + (": the password given does not open it" if password else ""),
                position="document", hint="set `password` in the pdf_reader stage params") from None
        raise DocumentCorrupt(f"not a readable PDF: {exc}", position="document") from None
    try:
        if len(pdf) > limits.max_pages:
            raise DocumentTooLarge(f"the PDF has {len(pdf):,} pages, over the {limits.max_pages:,}-page limit",
                                   position="document", hint="raise max_pages in the pdf_reader stage params")
        yield pdf
    finally:
        pdf.close()


def read_page(pdf: Any, index: int, limits: PdfLimits = PdfLimits()) -> PdfPage:
    pdfium = _pdfium()
    page = pdf[index]
    try:
        width, height = page.get_size()
        out = PdfPage(index + 1, float(width), float(height))
        textpage = page.get_textpage()
        try:
            out.lines = _lines(pdfium.raw, textpage, out)
        finally:
            textpage.close()
        out.pictures = list(_pictures(pdfium, page, out, limits))
        if not out.has_text:
            bitmap = page.render(scale=limits.render_dpi / 72)
            out.scan = _bgr(bitmap.to_pil())
        return out
    finally:
        page.close()


_WORD = re.compile(r"[^\s\x00-\x1f\ufffe\uffff]+|\r\n|\n|\r")


def _lines(raw: Any, textpage: Any, page: PdfPage) -> list[list[PdfWord]]:
    """Words grouped into lines, in the order PDFium gives the characters (the content
    stream's order, with the line breaks and spaces PDFium infers from the glyph positions).
    A word's box is the union of the rectangles PDFium gives for its characters: one call
    per word rather than one per character (most of the reader's time otherwise)."""
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count)
    if len(text) != count:  # PDFium gives one UTF-16 unit per character; anything else: be safe
        text = "".join(chr(raw.FPDFText_GetUnicode(textpage, i) or 0xFFFE) for i in range(count))
    left, top, right, bottom = (ctypes.c_double() for _ in range(4))
    lines: list[list[PdfWord]] = [[]]
    for match in _WORD.finditer(text):
        word = match.group()
        if word in ("\r\n", "\n", "\r"):
            if lines[-1]:
                lines.append([])
            continue
        x0 = y0 = float("inf")
        x1 = y1 = float("-inf")
        for r in range(raw.FPDFText_CountRects(textpage, match.start(), len(word))):
            raw.FPDFText_GetRect(textpage, r, left, top, right, bottom)
            x0, x1 = min(x0, left.value), max(x1, right.value)
            y0, y1 = min(y0, bottom.value), max(y1, top.value)
        if x1 < x0:  # no rectangle: a character PDFium generated, not drawn
            continue
        lines[-1].append(PdfWord(word, PageBox(round(x0, 2), round(page.height - y1, 2), round(x1 - x0, 2),
                                               round(y1 - y0, 2), page.number)))
    return [line for line in lines if line]


def _pictures(pdfium: Any, page: Any, out: PdfPage, limits: PdfLimits) -> Iterator[tuple[PageBox, np.ndarray]]:
    for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,)):
        w, h = obj.get_px_size()
        if w * h > limits.max_image_pixels:
            raise DocumentTooLarge(f"a picture on page {out.number} is {w:,} x {h:,} pixels, over the "
                                   f"{limits.max_image_pixels:,}-pixel limit", position=f"page {out.number}",
                                   hint="raise max_image_pixels in the pdf_reader stage params")
        if min(w, h) < MIN_FIGURE_SIDE:
            continue
        left, bottom, right, top = obj.get_bounds()
        try:
            pixels = _bgr(obj.get_bitmap(render=False).to_pil())
        except (pdfium.PdfiumError, OSError, ValueError):  # a format PDFium cannot decode alone (JBIG2 ...)
            continue
        yield PageBox(round(left, 2), round(out.height - top, 2), round(right - left, 2), round(top - bottom, 2),
                      out.number), pixels


def _bgr(image: Any) -> np.ndarray:
    rgb = np.asarray(image.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])
