"""Web pages and Word files: the main text without navigation or boilerplate, each block with
its element (oa:CssSelector / oa:XPathSelector), pictures beside the page or inside the file
as figures with their captions, and files that are not what they claim failing with codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents.make_documents import DOCX_TEXT, HTML_CAPTION, write_docx, write_html
from kgbuild.datamodel import Item, Source
from kgbuild.ids import sha256_file
from kgbuild.media.discovery import discover
from kgbuild.media.docx import DOCX
from kgbuild.media.html import read_html
from kgbuild.stages.document_reader import DocumentReader
from kgbuild.store.rdf import source_quads


def _read(item: Item) -> Item:
    DocumentReader()([item])
    return item


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Item:
    root = tmp_path_factory.mktemp("site")
    (root / "outside.jpg").write_bytes(b"not a picture either")
    folder = root / "site"
    folder.mkdir()
    (item,) = [Item(s) for s in discover(write_html(folder)).sources]
    return _read(item)


def _blocks(item: Item) -> dict[str, str]:
    return {item.text[s:e]: where.fragment() for s, e, where in item.views["text"].layout.lines}


def test_main_text_without_navigation_scripts_or_footer(page):
    assert page.ok, page.failure
    assert page.text.startswith("Columbia lands safely\nEileen Collins commanded the Space Shuttle Columbia in 1999.")
    for boilerplate in ("Home", "Orbital Media Group", "Acme Analytics", "Mission report"):
        assert boilerplate not in page.text


def test_each_block_has_its_css_selector(page):
    blocks = _blocks(page)
    assert blocks[HTML_CAPTION] == ("html:nth-of-type(1) > body:nth-of-type(1) > main:nth-of-type(1) > "
                                    "figure:nth-of-type(1) > figcaption:nth-of-type(1)")
    assert blocks["Hubble was launched from Kennedy Space Center in 1990."].endswith("main:nth-of-type(1) > p:nth-of-type(2)")
    quads = source_quads(page, pipeline="t", pipeline_fingerprint="f", paths=["mission.html"])
    types = {q.object.value for q in quads if q.predicate.value.endswith("#type")}
    assert "http://www.w3.org/ns/oa#CssSelector" in types


def test_the_picture_beside_the_page_is_a_figure_with_its_figcaption(page):
    (figure,) = page.meta["_figures"]  # ../outside.jpg leaves the page's folder: not read
    assert figure.name == "photos/commander.jpg" and figure.page == 0 and figure.placement is None
    assert figure.width == 512 and page.text[slice(*figure.caption)] == HTML_CAPTION


def test_alt_text_is_the_caption_without_a_figcaption():
    html = read_html(b'<html><body><p>Intro.</p><img src="a.png" alt="A horse in a field"><p>After.</p></body></html>')
    (img,) = html.images
    assert html.text[slice(*img.caption)] == "A horse in a field"
    assert html.text.split("\n")[:3] == ["Intro.", "A horse in a field", "After."]


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00binary", b"just words, no markup at all"])
def test_a_file_that_is_not_html_fails_with_e321(tmp_path, data):
    path = tmp_path / "fake.html"
    path.write_bytes(data)
    (item,) = [Item(s) for s in discover(path).sources]
    assert _read(item).failure.cause_code == "E321"


def _docx_item(path: Path) -> Item:
    return Item(Source(path, path.name, sha256_file(path), path.stat().st_size, DOCX, "document"))


def test_word_paragraphs_tables_and_picture_with_its_caption(tmp_path):
    item = _read(_docx_item(write_docx(tmp_path / "report.docx")))
    assert item.ok, item.failure
    blocks = _blocks(item)
    assert blocks[DOCX_TEXT[0]] == "/w:document/w:body/w:p[2]"
    assert blocks["Orbiter"] == "/w:document/w:body/w:tbl[1]/w:tr[2]/w:tc[1]/w:p[1]"
    (figure,) = item.meta["_figures"]
    assert figure.name == "/w:document/w:body/w:p[3]" and figure.width == 512
    assert item.text[slice(*figure.caption)] == DOCX_TEXT[1]  # the paragraph after the picture


def test_a_docx_that_is_not_a_zip_fails_with_e321(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04 truncated")
    assert _read(_docx_item(path)).failure.cause_code == "E321"
