"""A text view added by one stage module and one pipeline line: a picture's caption sidecar
is read into the picture's "caption" view, and the text stages find its names with
selectors into the caption."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kgbuild.datamodel import CharSpan
from kgbuild.pipeline.config import Pipeline
from kgbuild.pipeline.runner import build
from kgbuild.store import KGStore

PIPELINE = {"name": "captions", "stages": [
    {"type": "text_reader"},
    {"type": "caption_sidecar"},  # the one line that gives pictures their caption view
    {"type": "spacy_ner"},
    {"type": "entity_linker"},
]}
CAPTION = "Astronaut Eileen Collins waves from the hatch at Kennedy Space Center."


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus")
    Image.fromarray(np.full((32, 48, 3), 200, np.uint8)).save(corpus / "launch.png")
    (corpus / "launch.caption.txt").write_text(CAPTION + "\n")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(corpus / "plain.png")  # no sidecar: no view
    kg = KGStore(tmp_path_factory.mktemp("kg") / "kg")
    report = build(corpus, kg, Pipeline.from_config(PIPELINE))
    assert not report.failures, report.failures
    return kg


def test_caption_names_are_mentions_of_the_picture_with_offsets_into_the_caption(store):
    rows = list(store.query("""
        SELECT ?text ?modality ?start ?end ?view ?captionText WHERE {
          GRAPH ?g {
            ?src kg:path "launch.png" .
            ?m a kg:Mention ; kg:text ?text ; kg:modality ?modality ; kg:transcript ?t ;
               oa:hasSelector [ a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end ] .
            ?t kg:view ?view ; kg:text ?captionText .
          }
        }"""))
    found = {(r["text"].value, r["modality"].value, int(r["start"].value), int(r["end"].value), r["view"].value)
             for r in rows}
    assert any(text.endswith("Eileen Collins") for text, *_ in found), found
    for text, modality, start, end, view in found:
        assert modality == "caption" and view == "caption"
        assert CAPTION[start:end] == text  # offsets are into the caption, not into any file
    assert {r["captionText"].value for r in rows} == {CAPTION}


def test_the_sidecar_is_still_a_text_source_and_the_plain_picture_has_no_view(store):
    paths = {r["p"].value for r in store.query(
        'SELECT ?p WHERE { GRAPH ?g { ?s a kg:Source ; kg:path ?p } }')}
    assert {"launch.png", "launch.caption.txt", "plain.png"} <= paths
    views = list(store.query('SELECT ?t WHERE { GRAPH ?g { ?s kg:path "plain.png" . ?t kg:view ?v } }'))
    assert views == []


def test_char_spans_into_a_view_get_their_own_key():
    assert CharSpan(3, 9).key() == "char=3,9"  # the item's own text: IRIs as before views
    assert CharSpan(3, 9, "caption").key() == "caption:char=3,9"
