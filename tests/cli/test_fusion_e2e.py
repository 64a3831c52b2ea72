"""Fusion through the CLI on the bundled sample and on the fusion evaluation corpus."""

import json

import pytest

from helpers import REPO, run_cli


def _rows(store, query_file):
    proc = run_cli("query", "--store", store, f"@{REPO / 'docs/queries' / query_file}", "--format", "json", check=True)
    bindings = json.loads(proc.stdout)["results"]["bindings"]  # SPARQL 1.1 JSON results
    return [{k: v["value"] for k, v in row.items()} for row in bindings]


def test_one_entity_has_text_speech_and_image_evidence(sample_store):
    rows = _rows(sample_store, "one-entity-all-evidence.rq")
    by_modality = {r["modality"]: r for r in rows}
    assert set(by_modality) == {"text", "speech", "image"}
    # the image example is a box in the photo (#xywh=) or in a document's figure (#figure=0&xywh=)
    assert "#t=" in by_modality["speech"]["example"] and "xywh=pixel:" in by_modality["image"]["example"]


def test_caption_words_are_grounded_to_the_box(sample_store):
    rows = _rows(sample_store, "groundings.rq")
    words = {r["word"] for r in rows if r["caption"] == "astronaut_eileen_collins.txt"}
    assert {"Eileen Collins", "woman"} <= words
    assert all(r["object"] == "person" and 0 < float(r["confidence"]) <= 1 for r in rows)


def test_document_captions_are_grounded_to_the_boxes_in_their_figures(sample_store):
    rows = _rows(sample_store, "groundings.rq")
    boxes = {(r["caption"], r["box"].split("xywh=")[0]) for r in rows if r["word"] == "Eileen Collins"}
    # the PDF's caption below the photo, the web page's <figcaption>, the Word paragraph after the picture
    assert {("columbia_report.pdf", "page=1&figure=0&"), ("mission.html", "figure=0&"),
            ("mission_report.docx", "figure=0&")} <= boxes


def test_fuse_explain_shows_members_and_merges(sample_store, tmp_path):
    import shutil

    store = shutil.copytree(sample_store, tmp_path / "kg")
    proc = run_cli("fuse", "--store", store, "--explain", "Eileen Collins", check=True)
    assert "Eileen Collins" in proc.stdout and "grounding" in proc.stdout
    proc = run_cli("fuse", "--store", store, check=True)
    assert json.loads(proc.stdout)["sources_changed"] == 0  # the build already fused


def test_a_fused_store_passes_the_integrity_check(sample_store):
    proc = run_cli("check", "--store", sample_store)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.slow
def test_eval_fusion_on_the_evaluation_corpus(tmp_path):
    proc = run_cli("eval", "fusion", "--gold", REPO / "data/fusion-eval/gold.json", "--store", tmp_path / "kg",
                   "--json", check=True)
    result = json.loads(proc.stdout)
    assert result["mentions"] >= 100 and result["matched"] >= 0.9 * result["mentions"]
    # floors well under the measured figures (docs/fusion.md), so a regression fails loudly
    assert result["pairwise_precision"] >= 0.8 and result["pairwise_f1"] >= 0.6
    assert result["grounding_precision"] >= 0.75 and result["grounding_recall"] >= 0.65
