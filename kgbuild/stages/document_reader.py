"""Reads documents (PDF, web pages, Word) into the item's text, with the page and box of every word, and
collects the pictures in them as figures for the figure stage.

The text layer of each page is read in PDFium's order (lines as the content stream draws
them); a page without a text layer (a scan) is rendered and read by the OCR stage's engine,
so its lines keep their boxes too. Boxes are in points from the page's top-left corner and
become RFC 8118 fragments (``page=N&viewrect=x,y,w,h``) on every mention and segment.

A picture becomes a :class:`~kgbuild.media.document.Figure` of the item, with its page,
its placement and its caption: the lines just below it (else just above it) on its page,
within ``caption_gap`` points. The full-page picture of a scanned page is the page, not a
figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from ..datamodel import Item, TextView
from ..errors import DecodeError, EmptyInputError
from ..media.document import FIGURES_META, Figure, PageBox, TextBuilder
from ..media.docx import DOCX, docx_document
from ..media.html import html_document
from ..media.pdf import PdfLimits, PdfPage, open_pdf, read_page
from .base import Stage, StageParams
from .ocr import OcrReader
from .registry import register_stage

SCAN_COVER = 0.5  # a picture covering this share of a page without text is the scanned page itself


class DocumentReaderParams(StageParams):
    batch_size: int = 4
    password: str | None = None  # for encrypted PDFs (one password for the corpus)
    max_pages: int = Field(2000, ge=1)
    max_image_pixels: int = Field(50_000_000, ge=1024)  # one embedded picture; more: the document fails
    render_dpi: int = Field(200, ge=50, le=600)  # scanned pages are rendered at this resolution for OCR
    ocr_scans: bool = True  # read pages without a text layer with OCR
    caption_gap: float = Field(24.0, ge=0.0)  # points between a figure and the first line of its caption
    figure_side: int = Field(1280, ge=64)  # figures are kept at most this many pixels on their longer side
    max_html_bytes: int = Field(20_000_000, ge=1024)


@register_stage("document_reader")
class DocumentReader(Stage):
    produces = frozenset({"text", "layout"})
    modalities = frozenset({"document"})
    has_model = True  # OCR of scanned pages
    Params = DocumentReaderParams
    params: DocumentReaderParams

    _ocr: OcrReader | None = None

    def _load(self) -> None:
        if self.params.ocr_scans:
            self._ocr = OcrReader(name=f"{self.name}.ocr")
            self._ocr.warm_up()

    def model_info(self) -> tuple[str | None, str | None]:
        return OcrReader().model_info() if self.params.ocr_scans else (None, None)

    def process(self, items: list[Item]) -> None:
        for item, (text, layout, figures) in self.each(items, self._read):
            item.add_view(TextView(item.primary_view, text, "text", layout=layout))
            item.meta[FIGURES_META] = figures
            item.meta["figures"] = len(figures)

    def _read(self, item: Item) -> tuple[str, Any, list[Figure]]:
        if item.source.size == 0:
            raise EmptyInputError("file is empty")
        if item.source.media_type == "text/html":
            return html_document(item.source.path, self.params.max_html_bytes, self.params.max_image_pixels)
        if item.source.media_type == DOCX:
            return docx_document(item.source.path, self.params.max_image_pixels)
        if item.source.media_type != "application/pdf":
            raise DecodeError(f"no document reader for {item.source.media_type}")
        return self._read_pdf(item)

    def _read_pdf(self, item: Item) -> tuple[str, Any, list[Figure]]:
        p = self.params
        limits = PdfLimits(p.max_pages, p.max_image_pixels, p.render_dpi)
        built, figures = TextBuilder(), list[Figure]()
        with open_pdf(item.source.path, p.password, limits) as pdf:
            item.meta["pages"] = len(pdf)
            scanned = 0
            for index in range(len(pdf)):
                page = read_page(pdf, index, limits)
                first_line = len(built.lines)
                if page.has_text:
                    for line in page.lines:
                        for word in line:
                            built.word(word.text, word.box)
                        built.end_line()
                elif page.scan is not None and self._ocr is not None:
                    scanned += 1
                    self._read_scan(page, built)
                page_lines = built.lines[first_line:]
                built.end_page()
                for placement, pixels in page.pictures:
                    if not page.has_text and placement.w * placement.h >= SCAN_COVER * page.width * page.height:
                        continue
                    figure = Figure(len(figures), page.number, placement, _shrink(pixels, p.figure_side))
                    figure.caption = _caption(placement, page_lines, p.caption_gap)
                    figures.append(figure)
            item.meta["scanned_pages"] = scanned
        text = built.text
        if not text.strip() and not figures:
            raise EmptyInputError("the document has no text and no pictures", position="document")
        return text, built.layout(), figures

    def _read_scan(self, page: PdfPage, built: TextBuilder) -> None:
        assert self._ocr is not None and page.scan is not None  # only called for a scan with OCR on
        to_points = 72.0 / self.params.render_dpi
        for text, score, quad in self._ocr._lines(page.scan):  # noqa: SLF001 - the OCR stage's own reading steps
            xs, ys = quad[:, 0] * to_points, quad[:, 1] * to_points
            box = PageBox(round(float(xs.min()), 2), round(float(ys.min()), 2),
                          round(float(xs.max() - xs.min()), 2), round(float(ys.max() - ys.min()), 2), page.number)
            for word in text.split():
                built.word(word, box, round(score, 4))  # OCR reads lines: each word keeps its line's box
            built.end_line()


def _caption(figure: PageBox, lines: list[tuple[int, int, PageBox]], gap: float) -> tuple[int, int] | None:
    """The caption of a figure: the block of lines starting just below it, else the block
    ending just above it, overlapping it horizontally."""
    def beside(box: PageBox) -> bool:
        return box.x < figure.x + figure.w and figure.x < box.x + box.w

    bottom = figure.y + figure.h
    below = [ln for ln in lines if beside(ln[2]) and 0 <= ln[2].y - bottom <= gap]
    if below:
        block = _block(below[0], [ln for ln in lines if ln[0] > below[0][0]], forward=True)
    else:
        above = [ln for ln in lines if beside(ln[2]) and 0 <= figure.y - (ln[2].y + ln[2].h) <= gap]
        if not above:
            return None
        block = _block(above[-1], [ln for ln in reversed(lines) if ln[0] < above[-1][0]], forward=False)
    return min(ln[0] for ln in block), max(ln[1] for ln in block)


def _block(first: tuple[int, int, PageBox], rest: list[tuple[int, int, PageBox]], forward: bool):
    """``first`` and the lines that follow it without a paragraph gap (half a line's height)."""
    block = [first]
    for line in rest:
        prev = block[-1][2]
        space = line[2].y - (prev.y + prev.h) if forward else prev.y - (line[2].y + line[2].h)
        if not 0 <= space <= 0.6 * max(prev.h, line[2].h):
            break
        block.append(line)
    return block


def _shrink(pixels: np.ndarray, side: int) -> np.ndarray:
    height, width = pixels.shape[:2]
    if max(height, width) <= side:
        return pixels
    from PIL import Image

    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR))
