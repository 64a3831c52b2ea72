"""The document reader on generated PDFs: the text in reading order, each word's page box
where reportlab drew it, scanned pages read by OCR with their boxes, figures with their
placement and caption, and bad documents failing alone with their codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents.make_documents import AFTER, CAPTION, CAPTION_AT, PHOTO_AT, SCANNED, TEXT_LINES, draw_report
from kgbuild.datamodel import CharSpan, Item
from kgbuild.media.discovery import discover
from kgbuild.media.document import RFC_8118, PageBox
from kgbuild.stages.document_reader import DocumentReader
from kgbuild.store.rdf import source_quads


def read(*paths: Path, **params) -> list[Item]:
    items = [Item(s) for p in paths for s in discover(p).sources]
    DocumentReader(**params)(items)
    return items


@pytest.fixture(scope="module")
def report(documents) -> Item:
    (item,) = read(documents["report"])
    assert item.ok, item.failure
    return item


def _box_of(item: Item, word: str, nth: int = 0) -> PageBox:
    start = -1
    for _ in range(nth + 1):
        start = item.text.index(word, start + 1)
    view = item.views[item.primary_view]
    anchors, _ = view.anchors(CharSpan(start, start + len(word)))
    box = anchors[1]
    assert isinstance(box, PageBox)
    return box


def test_text_layer_in_reading_order(report):
    lines = [t for _, _, t in TEXT_LINES] + [CAPTION, AFTER[2]]
    assert report.text.split("\n")[:4] == lines
    assert report.meta["pages"] == 1 and report.meta["scanned_pages"] == 0


def test_each_word_has_its_box_on_its_page(report):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    x, top, line = TEXT_LINES[0]
    left = x + stringWidth(line[: line.index("Columbia")], "Helvetica", 12)
    box = _box_of(report, "Columbia")
    assert box.page == 1
    assert abs(box.x - left) < 1.5  # glyph boxes sit within a point of the advance
    assert box.y < top < box.y + box.h + 3  # the baseline is at the bottom of the box (+ descenders)
    assert abs(box.w - stringWidth("Columbia", "Helvetica", 12)) < 3
    assert box.fragment().startswith("page=1&viewrect=")
    # a name over two words: the box around both
    both = report.views["text"].layout.box(CharSpan(0, len("Eileen Collins")))
    assert both.x == _box_of(report, "Eileen").x and both.w > _box_of(report, "Collins").w


def test_figure_keeps_page_placement_and_caption(report):
    (figure,) = report.meta["_figures"]
    x, top, w, h = PHOTO_AT
    assert figure.page == 1
    assert (figure.placement.x, figure.placement.y, figure.placement.w, figure.placement.h) == pytest.approx((x, top, w, h), abs=0.5)
    assert figure.array is not None and figure.width >= 64
    assert report.text[slice(*figure.caption)] == CAPTION
    # a box in the picture's pixels, on the page: inside the placement
    on_page = figure.on_page(type(figure.placement)(0, 0, figure.width, figure.height, 1))
    assert on_page.x == pytest.approx(x) and on_page.w == pytest.approx(w)
    assert CAPTION_AT[1] - top - h < 24  # the fixture puts the caption within the caption gap


def test_scanned_page_is_read_with_ocr_and_keeps_line_boxes(documents):
    (item,) = read(documents["scan"])
    assert item.ok, item.failure
    assert item.meta["scanned_pages"] == 1
    assert item.text.split("\n")[:2] == SCANNED
    assert not item.meta["_figures"]  # the page picture is the page, not a figure
    box = _box_of(item, "Kennedy")
    assert box.page == 1
    assert box.x < 120 and box.y == pytest.approx(124 - 16, abs=12)  # second line: baseline 124 pt, 16-pt type


def test_rdf_writes_page_fragments_conforming_to_rfc_8118(report):
    quads = source_quads(report, pipeline="t", pipeline_fingerprint="f", paths=["report.pdf"])
    values = {str(q.object.value) for q in quads if q.predicate.value.endswith("#value")}
    conforms = {q.object.value for q in quads if q.predicate.value.endswith("conformsTo")}
    assert RFC_8118 in conforms
    assert any(v.startswith("page=1&viewrect=") for v in values)  # the lines, as segments
    text = [q.object.value for q in quads if q.predicate.value.endswith("#text")]
    assert report.text in text  # the document's text is a transcript: offsets point into it


def test_bad_documents_fail_alone_with_their_codes(tmp_path, documents):
    good = tmp_path / "good.pdf"
    good.write_bytes(documents["report"].read_bytes())
    locked = draw_report(tmp_path / "locked.pdf", encrypt="s3cret")
    long = draw_report(tmp_path / "long.pdf", pages=3)
    (tmp_path / "garbage.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    (tmp_path / "empty.pdf").write_bytes(b"")
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(documents["report"].read_bytes()[:600])
    items = {it.source.relpath: it for it in read(tmp_path, max_pages=2, max_image_pixels=100_000)}
    codes = {name: (it.failure.cause_code if it.failure else None) for name, it in items.items()}
    assert codes["locked.pdf"] == "E320"
    assert codes["long.pdf"] == "E322" and "3 pages" in items["long.pdf"].failure.reason
    assert codes["good.pdf"] == "E322" and "pixels" in items["good.pdf"].failure.reason  # the photo: 512x512
    assert codes["garbage.pdf"] == "E321"
    assert codes["empty.pdf"] == "E302"
    assert codes["truncated.pdf"] in ("E321", "E302")  # nothing left to read: refused, never a crash
    (opened,) = read(locked, password="s3cret")
    assert opened.ok and opened.text.startswith(TEXT_LINES[0][2])
    (wrong,) = read(locked, password="wrong")
    assert wrong.failure.cause_code == "E320" and "password" in wrong.failure.reason
    assert long.exists()
