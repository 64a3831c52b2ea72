"""The document model: where a piece of a document's text or a picture in it sits on a page.

A document (PDF, ...) is one source and one named graph. Its text, in reading order, is the
item's primary view; the view's :class:`PageLayout` maps each word's characters to its box on
its page, so every mention made from the text gets the page and the box of its words as an
RFC 8118 PDF fragment (``page=N&viewrect=x,y,w,h``, points from the page's top-left corner).

Pictures embedded in a document are :class:`Figure` parts of the item (kept in
``item.meta["_figures"]``, working data that is not written as such): the figure stage
detects objects in them, and each detection keeps the document, the page, the figure's
placement and the box inside the picture (:class:`FigureBox`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..datamodel import Box, CharSpan, Layout, RegionSpan

RFC_8118 = "http://tools.ietf.org/rfc/rfc8118"  # "The application/pdf Media Type": #page=&viewrect=
FIGURES_META = "_figures"  # item.meta key of the document's figures (a leading "_": not a fact)


@dataclass(frozen=True)
class PageBox(Box):
    """A box on page ``page`` (1-based) of a document, in points from the page's top-left."""

    page: int = 1

    def fragment(self) -> str:
        return (f"page={self.page}&viewrect={round(self.x, 1):g},{round(self.y, 1):g},"
                f"{round(self.w, 1):g},{round(self.h, 1):g}")

    @property
    def conforms_to(self) -> str:
        return RFC_8118


@dataclass(frozen=True)
class FigureBox(Box):
    """A box in pixels of figure ``figure`` (0-based, in the document's order) on page ``page``.
    Its fragment ends with the Media Fragments box, which is what readers of picture boxes
    (fusion, the explorer) look for; the page and figure say which picture it is in."""

    page: int = 1
    figure: int = 0

    def fragment(self) -> str:
        page = f"page={self.page}&" if self.page else ""  # page 0: a document without pages (a web page)
        return f"{page}figure={self.figure}&{Box.fragment(self)}"


@dataclass(frozen=True)
class CaptionAt:
    """The characters of a figure's caption in the document's text, as an anchor of the
    figure's detections (written as an ``oa:TextPositionSelector``). Not a
    :class:`~kgbuild.datamodel.CharSpan` on purpose: a detection is not text, and the text
    stages, which take every CharSpan for words already spoken for, must not skip the caption."""

    start: int
    end: int
    selector_class = "TextPositionSelector"

    def key(self) -> str:
        return f"caption={self.start},{self.end}"


@dataclass(frozen=True)
class PageLayout(Layout):
    """A :class:`Layout` whose regions are words on pages: a span's box is the box around its
    words on the page where it starts (a span across a page break keeps its first page).
    ``lines`` are the larger pieces (a text line, an OCR line) written as the view's segments."""

    pages: tuple[int, ...] = ()  # page (1-based) of each region
    # (start char, end char, where): a box on a page, or an element (kgbuild.media.html.ElementPath)
    lines: tuple[tuple[int, int, Any], ...] = ()

    def box(self, span: CharSpan) -> PageBox | None:
        hit = [(r.box, p) for r, p in zip(self.regions, self.pages) if r.start_char < span.end and r.end_char > span.start]
        if not hit:
            return None
        page = hit[0][1]
        boxes = [b for b, p in hit if p == page]
        x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
        x1, y1 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
        return PageBox(x0, y0, x1 - x0, y1 - y0, page)


@dataclass
class Figure:
    """A picture in a document: its pixels (HxWx3 uint8, BGR, as the detectors take them),
    where it is placed (page and box in points) and the caption beside it, if any, as a
    character span of the document's text."""

    index: int
    page: int  # 0: the document has no pages
    placement: PageBox | None  # None: not placed on a page (a web page's picture)
    array: np.ndarray | None
    caption: tuple[int, int] | None = None
    name: str = ""  # where the picture came from inside the document (a file, an element)

    @property
    def width(self) -> int:
        return 0 if self.array is None else int(self.array.shape[1])

    @property
    def height(self) -> int:
        return 0 if self.array is None else int(self.array.shape[0])

    def on_page(self, box: Box) -> PageBox | None:
        """A box in the picture's pixels, as a box on its page (the picture is drawn stretched
        into its placement)."""
        if self.placement is None:
            return None
        sx = self.placement.w / (self.width or 1)
        sy = self.placement.h / (self.height or 1)
        return PageBox(self.placement.x + box.x * sx, self.placement.y + box.y * sy, box.w * sx, box.h * sy, self.page)


class TextBuilder:
    """Builds a document's text from words in reading order, with the layout that maps each
    word back to its box: words joined by a space, lines by a newline, pages by a blank line."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.regions: list[RegionSpan] = []
        self.pages: list[int] = []
        self.lines: list[tuple[int, int, PageBox]] = []
        self._line: list[RegionSpan] = []

    def word(self, text: str, box: PageBox, confidence: float | None = None) -> tuple[int, int]:
        if self._line:
            self._put(" ")
        start = self.offset
        self._put(text)
        region = RegionSpan(start, self.offset, box, confidence)
        self.regions.append(region)
        self.pages.append(box.page)
        self._line.append(region)
        return start, self.offset

    def end_line(self) -> None:
        if not self._line:
            return
        boxes = [r.box for r in self._line]
        x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
        x1, y1 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
        page = self.pages[-1]
        self.lines.append((self._line[0].start_char, self._line[-1].end_char, PageBox(x0, y0, x1 - x0, y1 - y0, page)))
        self._line = []
        self._put("\n")

    def end_page(self) -> None:
        self.end_line()
        if self.parts and self.parts[-2:] != ["\n", "\n"]:  # one blank line between pages
            self._put("\n")

    def _put(self, text: str) -> None:
        self.parts.append(text)
        self.offset += len(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def layout(self) -> PageLayout:
        return PageLayout(tuple(self.regions), tuple(self.pages), tuple(self.lines))
