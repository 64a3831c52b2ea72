"""The figure stage: the YOLO detector on a document's figures, each box anchored to the
document, its page and figure, its place on the page, and its figure's caption."""

from __future__ import annotations

from documents.make_documents import CAPTION, PHOTO_AT
from helpers import need_yolo_weights
from kgbuild.datamodel import CharSpan, Item
from kgbuild.media.discovery import discover
from kgbuild.media.document import CaptionAt, FigureBox, PageBox
from kgbuild.stages.document_figures import DocumentFigures
from kgbuild.stages.document_reader import DocumentReader


def test_a_person_is_found_in_the_figure_with_page_figure_and_caption_anchors(documents):
    need_yolo_weights()
    (item,) = [Item(s) for s in discover(documents["report"]).sources]
    DocumentReader()([item])
    DocumentFigures()([item])
    assert item.ok, item.failure
    people = [m for m in item.mentions if m.text == "person"]
    assert people and all(m.modality == "image" and m.label == "PERSON" for m in people)
    best = max(people, key=lambda m: m.confidence or 0)
    inside, on_page = best.provenance.anchor(FigureBox), best.provenance.anchor(PageBox)
    span = best.provenance.anchor(CaptionAt)
    (figure,) = item.meta["_figures"]
    assert inside.page == 1 and inside.figure == 0
    assert inside.fragment().startswith("page=1&figure=0&xywh=pixel:")
    assert 0 <= inside.x and inside.x + inside.w <= figure.width + 0.01  # in the picture's pixels
    x, top, w, h = PHOTO_AT
    assert x - 0.5 <= on_page.x and on_page.x + on_page.w <= x + w + 0.5  # on the page: inside the placement
    assert top - 0.5 <= on_page.y and on_page.y + on_page.h <= top + h + 0.5
    assert inside.w * inside.h > 0.25 * figure.width * figure.height  # the astronaut fills the photo
    assert item.text[span.start:span.end] == CAPTION  # the figure's place in the text
    assert item.meta["object_counts"]["person"] == len(people)


def test_figures_too_small_are_not_searched(documents):
    need_yolo_weights()
    (item,) = [Item(s) for s in discover(documents["report"]).sources]
    DocumentReader()([item])
    DocumentFigures(min_side=100_000)([item])
    assert item.ok and not item.mentions


def test_the_caption_anchor_does_not_hide_the_caption_from_the_text_stages(documents):
    """A detection anchored at its caption is not text: the words of the caption are still
    found by the stages after it (here object nouns, which skip words already in a mention)."""
    need_yolo_weights()
    from kgbuild.stages.object_nouns import ObjectNouns

    (item,) = [Item(s) for s in discover(documents["report"]).sources]
    DocumentReader()([item])
    DocumentFigures()([item])
    ObjectNouns()([item])
    assert item.ok, item.failure
    (figure,) = item.meta["_figures"]
    start, end = figure.caption
    nouns = [m for m in item.mentions if m.label == "OBJECT_NOUN"
             and start <= m.provenance.anchor(CharSpan).start < end]
    assert "Commander" in {m.text for m in nouns}
    assert all(m.provenance.anchor(CharSpan) is None for m in item.mentions if m.modality == "image")
