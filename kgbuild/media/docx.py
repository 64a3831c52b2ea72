"""Reading Word files (.docx) with python-docx (MIT): paragraphs and table cells in the
body's order, each with the XPath of its paragraph in ``word/document.xml`` (a W3C Web
Annotation ``oa:XPathSelector``), and the pictures in them as figures, captioned by the
paragraph after the picture (Word's own "Insert Caption" puts it there).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DocumentCorrupt, DocumentTooLarge, MissingDependencyError
from .document import Figure, PageLayout

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
MAX_UNZIPPED = 500_000_000  # bytes, all parts together: a zip bomb is refused before it is read


@dataclass(frozen=True)
class XmlPath:
    """Where a paragraph of a Word file is: an XPath into ``word/document.xml``."""

    xpath: str
    selector_class = "XPathSelector"
    conforms_to = "https://www.w3.org/TR/xpath-31/"

    def fragment(self) -> str:
        return self.xpath

    def key(self) -> str:
        return f"xpath={self.xpath}"


def docx_document(path: Path, max_pixels: int) -> tuple[str, PageLayout, list[Figure]]:
    doc = _open(path)
    parts: list[str] = []
    blocks: list[tuple[int, int, XmlPath]] = []
    figures: list[Figure] = []
    waiting: list[Figure] = []  # pictures whose caption is the next paragraph with text
    end = 0
    for xpath, para in _paragraphs(doc.element.body):
        text = " ".join("".join(t.text or "" for t in para.iter(W + "t")).split())
        for blip in para.iter(BLIP):
            picture = _picture(doc, blip.get(EMBED), max_pixels)
            if picture is not None:
                figure = Figure(len(figures), 0, None, picture, name=xpath)
                figures.append(figure)
                waiting.append(figure)
        if not text:
            continue
        blocks.append((end, end + len(text), XmlPath(xpath)))
        parts.append(text + "\n")
        for figure in waiting:
            figure.caption = (end, end + len(text))
        waiting = []
        end += len(text) + 1
    return "".join(parts), PageLayout((), (), tuple(blocks)), figures


def _open(path: Path) -> Any:
    try:
        import docx
    except ImportError as exc:
        raise MissingDependencyError(f"reading .docx needs the Python package 'python-docx' ({exc})",
                                     hint="pip install python-docx (a kgbuild dependency)") from None
    try:
        with zipfile.ZipFile(path) as zf:
            unzipped = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise DocumentCorrupt(f"not a .docx: not a zip archive ({exc})", position="byte 0") from None
    if unzipped > MAX_UNZIPPED:
        raise DocumentTooLarge(f"the .docx unpacks to {unzipped:,} bytes, over the {MAX_UNZIPPED:,}-byte limit",
                               position="document")
    try:
        return docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - python-docx raises KeyError, ValueError, lxml errors ...
        raise DocumentCorrupt(f"not a readable .docx: {type(exc).__name__}: {exc}", position="document") from None


def _paragraphs(body: Any):
    """(XPath, w:p element) for every paragraph of the body, table cells included, in order."""
    counts: dict[str, int] = {}
    for child in body.iterchildren():
        tag = child.tag.removeprefix(W)
        if tag not in ("p", "tbl"):
            continue
        counts[tag] = counts.get(tag, 0) + 1
        here = f"/w:document/w:body/w:{tag}[{counts[tag]}]"
        if tag == "p":
            yield here, child
            continue
        for r, row in enumerate(child.iterchildren(W + "tr"), 1):
            for c, cell in enumerate(row.iterchildren(W + "tc"), 1):
                for n, para in enumerate(cell.iterchildren(W + "p"), 1):
                    yield f"{here}/w:tr[{r}]/w:tc[{c}]/w:p[{n}]", para


def _picture(doc: Any, rel: str | None, max_pixels: int) -> np.ndarray | None:
    from PIL import Image, UnidentifiedImageError

    part = doc.part.related_parts.get(rel) if rel else None
    if part is None:
        return None
    try:
        with Image.open(io.BytesIO(part.blob)) as img:
            if img.width * img.height > max_pixels:
                raise DocumentTooLarge(f"a picture is {img.width:,} x {img.height:,} pixels, over the "
                                       f"{max_pixels:,}-pixel limit", position=rel)
            rgb = np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError):  # a format Pillow cannot read (EMF, WMF): not searched
        return None
    return np.ascontiguousarray(rgb[:, :, ::-1])
