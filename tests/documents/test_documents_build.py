"""End to end: a folder of documents built through the CLI with fusion; SPARQL finds each
mention with its page and box, the figure's detections, and the caption grounded to them."""

from __future__ import annotations

import shutil

import pytest

from documents.make_documents import CAPTION, DOCX_TEXT, HTML_CAPTION, write_docx, write_html
from helpers import need_yolo_weights, run_cli
from kgbuild.api import query

PIPELINE = """name: documents
stages:
  - {type: document_reader, name: documents}
  - {type: document_figures, name: figures}
  - {type: spacy_ner, name: ner}
  - {type: object_nouns, name: nouns}
  - {type: entity_linker, name: link}
fusion:
  threshold: 0.5
"""

MENTION_AT = """SELECT ?text ?frag ?start ?end WHERE { GRAPH ?g {
  ?g kg:path "%s" . ?m a kg:Mention ; kg:text ?text ; oa:hasSelector ?s1, ?s2 .
  ?s1 oa:start ?start ; oa:end ?end . ?s2 rdf:value ?frag ; dcterms:conformsTo <http://tools.ietf.org/rfc/rfc8118> .
  FILTER(?text = "%s") } }"""


@pytest.fixture(scope="module")
def built(documents, tmp_path_factory):
    need_yolo_weights()
    corpus = tmp_path_factory.mktemp("corpus")
    for path in documents.values():
        shutil.copy(path, corpus / path.name)
    write_html(corpus)  # mission.html and photos/commander.jpg
    write_docx(corpus / "mission.docx")
    pipeline = corpus.parent / "documents.yaml"
    pipeline.write_text(PIPELINE)
    store = tmp_path_factory.mktemp("kg") / "kg"
    done = run_cli("build", str(corpus), "--store", str(store), "--pipeline", str(pipeline))
    assert done.returncode == 0, done.stdout + done.stderr
    (store.parent / "build.out").write_text(done.stdout)
    return corpus, store, pipeline


@pytest.mark.slow
def test_mentions_of_a_text_page_and_a_scanned_page_carry_page_and_box(built):
    _, store, _ = built
    rows = {int(r["start"]): r["frag"] for r in query(store, MENTION_AT % ("report.pdf", "Eileen Collins"))}
    assert rows[0].startswith("page=1&viewrect=73")  # the first line, drawn at x = 72 pt (the glyph starts 1 pt in)
    assert len(rows) == 2 and len(set(rows.values())) == 2  # the caption's mention: its own box
    rows = query(store, MENTION_AT % ("scan.pdf", "Kennedy Space Center"))
    assert rows and rows[0]["frag"].startswith("page=1&viewrect=")  # read by OCR on a page without text


@pytest.mark.slow
def test_the_caption_is_grounded_to_the_person_in_its_figure(built):
    _, store, _ = built
    rows = query(store, """SELECT ?said ?start ?frag ?entity WHERE {
        GRAPH ?g { ?g kg:path "report.pdf" . ?w kg:text ?said ; oa:hasSelector ?ws . ?ws oa:start ?start }
        ?w kg:groundedIn ?b .
        ?b kg:text "person" ; oa:hasSelector ?bs . ?bs rdf:value ?frag . FILTER(CONTAINS(?frag, "xywh"))
        OPTIONAL { ?b kg:depicts ?entity } }""")
    assert rows, "no grounding"
    text = query(store, 'SELECT ?t WHERE { GRAPH ?g { ?g kg:path "report.pdf" . ?x a kg:Transcript ; kg:text ?t } }')[0]["t"]
    caption = text.index(CAPTION)
    for row in rows:
        assert caption <= int(row["start"]) < caption + len(CAPTION)  # only the caption grounds to the figure
        assert row["frag"].startswith("page=1&figure=0&xywh=pixel:")
    assert any(r["said"] == "Eileen Collins" and r["entity"] for r in rows)


@pytest.mark.slow
def test_fusion_does_not_count_document_figures_as_unreadable_pictures(built):
    _, store, _ = built
    out = " ".join((store.parent / "build.out").read_text().split())  # the console wraps long lines
    assert "groundings" in out and "unreadable" not in out  # a figure is part of its document, not a picture file


@pytest.mark.slow
def test_an_unchanged_document_is_not_read_again(built):
    corpus, store, pipeline = built
    again = run_cli("build", str(corpus), "--store", str(store), "--pipeline", str(pipeline))
    assert again.returncode == 0 and "unchanged (skipped): 5" in again.stdout  # 4 documents and the photo


@pytest.mark.slow
def test_a_web_page_figcaption_is_grounded_to_the_picture_beside_it(built):
    _, store, _ = built
    rows = query(store, """SELECT ?said ?frag ?css WHERE { GRAPH ?g {
        ?g kg:path "mission.html" . ?w kg:text ?said . ?b oa:hasSelector ?bs . ?bs rdf:value ?frag .
        ?t a kg:Transcript ; kg:segment ?seg . ?seg kg:text ?segtext ; oa:hasSelector ?cs .
        ?cs a oa:CssSelector ; rdf:value ?css . FILTER(?segtext = "CAPTION") }
        ?w kg:groundedIn ?b }""".replace("CAPTION", HTML_CAPTION))
    assert any(r["said"] == "Eileen Collins" and r["frag"].startswith("figure=0&xywh=pixel:") for r in rows)
    assert {r["css"] for r in rows} == {"html:nth-of-type(1) > body:nth-of-type(1) > main:nth-of-type(1) > "
                                        "figure:nth-of-type(1) > figcaption:nth-of-type(1)"}


WORD_SEGMENT = """SELECT ?said ?start ?xpath WHERE { GRAPH ?g {
    ?g kg:path "mission.docx" . ?m a kg:Mention ; kg:text ?said ; oa:hasSelector ?ms . ?ms oa:start ?start .
    ?t a kg:Transcript ; kg:segment ?seg . ?seg oa:hasSelector ?ss, ?xs .
    ?ss oa:start ?s ; oa:end ?e . ?xs a oa:XPathSelector ; rdf:value ?xpath .
    FILTER(?s <= ?start && ?start < ?e) } }"""


@pytest.mark.slow
def test_word_mentions_sit_in_their_paragraph_and_the_caption_grounds_to_the_picture(built):
    _, store, _ = built
    where = {(r["said"], int(r["start"])): r["xpath"] for r in query(store, WORD_SEGMENT)}
    first = len("Mission report\n")  # the heading, p[1]
    assert where[("Eileen Collins", first)] == "/w:document/w:body/w:p[2]"
    caption_start = first + len(DOCX_TEXT[0]) + 1  # p[3] is the picture alone: no text
    captioned = {said for (said, start), xpath in where.items() if xpath == "/w:document/w:body/w:p[4]"}
    assert "Eileen Collins" in captioned
    rows = query(store, """SELECT ?said ?start ?frag ?entity WHERE {
        GRAPH ?g { ?g kg:path "mission.docx" . ?w kg:text ?said ; oa:hasSelector ?ws . ?ws oa:start ?start }
        ?w kg:groundedIn ?b .
        ?b kg:text "person" ; oa:hasSelector ?bs . ?bs rdf:value ?frag . FILTER(CONTAINS(?frag, "xywh"))
        OPTIONAL { ?b kg:depicts ?entity } }""")
    assert rows, "no grounding"
    for row in rows:  # only the caption (the paragraph after the picture) grounds to the figure
        assert caption_start <= int(row["start"]) < caption_start + len(DOCX_TEXT[1])
        assert row["frag"].startswith("figure=0&xywh=pixel:")  # a Word picture has no page
    assert any(r["said"] == "Eileen Collins" and r["entity"] for r in rows)
