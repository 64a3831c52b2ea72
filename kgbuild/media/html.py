"""Reading a saved web page: its main text, block by block, each block with the CSS selector
of its element, and its pictures with their captions.

The rule (Python's own ``html.parser``, no dependency, no network):

* the main content is the first ``<main>``, else every ``<article>``, else ``<body>``;
* boilerplate is left out: ``script style noscript template head nav header footer aside form
  button select iframe svg`` and any element with ``role`` navigation/banner/contentinfo/
  complementary/search, ``aria-hidden="true"`` or ``hidden``;
* block elements (paragraphs, headings, list items, cells, captions ...) end a line; spaces
  are collapsed as a browser does (but in ``<pre>``);
* an ``<img>`` is a figure; its caption is the ``<figcaption>`` of its ``<figure>``, else its
  ``alt`` text, which is part of the page's text as a screen reader reads it. The picture is
  the file the ``src`` names beside the page (under the page's folder; nothing is fetched).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from ..errors import DocumentCorrupt, DocumentTooLarge, InputError
from .document import Figure, PageLayout
from .image_io import decode_image

SKIP = {"script", "style", "noscript", "template", "head", "nav", "header", "footer", "aside", "form",
        "button", "select", "iframe", "svg", "title"}
SKIP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search"}
BLOCKS = {"p", "div", "section", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "tr", "dt", "dd",
          "figcaption", "blockquote", "pre", "caption", "figure", "ul", "ol", "table", "article", "main", "br", "hr"}
VOID = {"img", "br", "hr", "meta", "link", "input", "source", "wbr", "area", "base", "col", "embed", "param", "track"}
CLOSES = {"p": {"p"}, "li": {"li"}, "td": {"td", "th"}, "th": {"td", "th"}, "tr": {"tr"}, "dt": {"dt", "dd"},
          "dd": {"dt", "dd"}}  # a start tag that implicitly ends an open element of these kinds
CLOSE_P = {"address", "article", "aside", "blockquote", "div", "dl", "figure", "footer", "form", "h1", "h2", "h3",
           "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "pre", "section", "table", "ul"}  # end an open <p>
CSS_SELECTORS = "https://www.w3.org/TR/selectors-3/"


@dataclass(frozen=True)
class ElementPath:
    """Where a block of a page's text comes from: a W3C Web Annotation ``oa:CssSelector``."""

    css: str
    selector_class = "CssSelector"
    conforms_to = CSS_SELECTORS

    def fragment(self) -> str:
        return self.css

    def key(self) -> str:
        return f"css={self.css}"


@dataclass
class HtmlImage:
    src: str
    alt: str
    css: str
    caption: tuple[int, int] | None = None  # characters of the page's text


@dataclass
class HtmlPage:
    text: str
    blocks: list[tuple[int, int, ElementPath]] = field(default_factory=list)
    images: list[HtmlImage] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self, only: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        # tag, children seen by tag, skipped; with ``only``, everything outside those elements is skipped
        self.stack: list[tuple[str, dict[str, int], bool]] = [("", {}, only is not None)]
        self.only, self.seen_only = only, False
        self.path: list[str] = []
        self.parts: list[str] = []
        self.end = 0
        self.block: list[str] = []
        self.block_css = ""
        self.blocks: list[tuple[int, int, ElementPath]] = []
        self.images: list[HtmlImage] = []
        self.figures: list[list[HtmlImage]] = []  # open <figure>s: their images
        self.caption_start: int | None = None
        self.tags = 0

    @property
    def skipping(self) -> bool:
        return self.stack[-1][2]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        if (tag in CLOSES and self.stack[-1][0] in CLOSES[tag]) or (tag in CLOSE_P and self.stack[-1][0] == "p"):
            self.handle_endtag(self.stack[-1][0])
        a = dict(attrs)
        counts = self.stack[-1][1]
        counts[tag] = counts.get(tag, 0) + 1
        step = f"{tag}:nth-of-type({counts[tag]})"
        skip = self.skipping or tag in SKIP or (a.get("role") or "") in SKIP_ROLES \
            or a.get("aria-hidden") == "true" or "hidden" in a
        if tag == self.only and (tag == "article" or not self.seen_only):  # the main content
            skip, self.seen_only = False, True
        if tag in BLOCKS:
            self.flush()
        if tag == "img":
            if not skip:
                self.image(a, " > ".join([*self.path, step]))
            return
        if tag in VOID:
            return
        self.stack.append((tag, {}, skip))
        self.path.append(step)
        if tag in BLOCKS:
            self.block_css = " > ".join(self.path)
        if tag == "figure":
            self.figures.append([])
        elif tag == "figcaption" and not skip:
            self.caption_start = self.end

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not any(t == tag for t, _, _ in self.stack):
            return
        while self.stack[-1][0] != tag:
            self.handle_endtag(self.stack[-1][0])
        if tag in BLOCKS:
            self.flush()
        if tag == "figcaption" and self.caption_start is not None and self.figures:
            for img in self.figures[-1]:
                img.caption = (self.caption_start, self.end - 1)  # less the newline
            self.caption_start = None
        elif tag == "figure" and self.figures:
            self.figures.pop()
        self.stack.pop()
        self.path.pop()
        self.block_css = " > ".join(self.path)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.block.append(data)  # spaces are collapsed when the block ends

    def image(self, attrs: dict[str, str | None], css: str) -> None:
        img = HtmlImage((attrs.get("src") or "").strip(), " ".join((attrs.get("alt") or "").split()), css)
        self.images.append(img)
        if self.figures:
            self.figures[-1].append(img)
        if img.alt:  # read as a screen reader reads it; the caption until a figcaption says otherwise
            self.flush()
            start = self.end
            self.put_block(img.alt, css)
            img.caption = (start, start + len(img.alt))

    def flush(self) -> None:
        text = " ".join("".join(self.block).split()) if not any(t == "pre" for t, _, _ in self.stack) \
            else "".join(self.block).strip("\n")
        self.block = []
        if text:
            self.put_block(text, self.block_css or "html")

    def put_block(self, text: str, css: str) -> None:
        self.blocks.append((self.end, self.end + len(text), ElementPath(css)))
        self.parts.append(text + "\n")
        self.end += len(text) + 1


def read_html(data: bytes) -> HtmlPage:
    """The page's main text and pictures; raises :class:`DocumentCorrupt` for bytes that are
    not an HTML page."""
    if b"\x00" in data[:8192]:
        nul = data.index(b"\x00")
        raise DocumentCorrupt("not HTML: binary data (NUL bytes)", position=f"byte {nul}")
    try:
        source = data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        source = data.decode("cp1252", errors="replace")  # the web's most common legacy encoding
    whole = _parse(source)
    if not whole.tags or "<" not in source:
        raise DocumentCorrupt("not HTML: no markup", position="byte 0")
    for main in ("main", "article"):
        if f"<{main}" in source.lower():
            part = _parse(source, only=main)
            if part.parts:
                return HtmlPage("".join(part.parts), part.blocks, part.images)
    return HtmlPage("".join(whole.parts), whole.blocks, whole.images)


def _parse(source: str, only: str | None = None) -> _Reader:
    reader = _Reader(only)
    reader.feed(source)
    reader.close()
    reader.flush()
    return reader


def html_document(path: Path, max_bytes: int, max_pixels: int) -> tuple[str, PageLayout, list[Figure]]:
    """A saved web page as a document: its text, the element of each block, and its pictures
    that are files beside it (a ``src`` that is a URL, or leaves the page's folder, is not read)."""
    if path.stat().st_size > max_bytes:
        raise DocumentTooLarge(f"the page is over the {max_bytes:,}-byte limit", position="document",
                               hint="raise max_html_bytes in the document_reader stage params")
    page = read_html(path.read_bytes())
    folder = path.parent.resolve()
    figures: list[Figure] = []
    for img in page.images:
        src = unquote(img.src.split("#", 1)[0].split("?", 1)[0])
        if not src or "://" in src or src.startswith(("//", "data:", "/")):
            continue
        file = (folder / src).resolve()
        if not file.is_relative_to(folder) or not file.is_file():
            continue
        try:
            pixels = decode_image(file, max_pixels).array
        except InputError:  # not a picture we can decode: the page still reads
            continue
        figures.append(Figure(len(figures), 0, None, pixels, img.caption, name=src))
    return page.text, PageLayout((), (), tuple(page.blocks)), figures
