"""`kgbuild prune --dry-run` reports what the real run removes: paths, sources and entities."""

from __future__ import annotations

import re

from helpers import run_cli

PIPELINE = """name: prune-test
stages:
  - type: text_reader
    name: text
  - type: spacy_ner
    name: ner
    params:
      model: en_core_web_sm
  - type: entity_linker
    name: linker
"""


def counts(text: str) -> tuple[int, int, int]:
    m = re.search(r"(\d+) paths, (\d+) sources, (\d+) orphan entities", text)
    assert m, text
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def test_dry_run_reports_what_prune_removes(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Ada Lovelace wrote to Charles Babbage in London.\n")
    (corpus / "b.txt").write_text("Mary Somerville met Charles Babbage.\n")
    (corpus / "c.txt").write_text("Mary Somerville lived in Scotland.\n")
    (corpus / "copy-of-c.txt").write_text("Mary Somerville lived in Scotland.\n")  # one source, two paths
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(PIPELINE)
    store = tmp_path / "kg"
    run_cli("build", corpus, "--store", store, "--pipeline", pipeline, check=True)
    for name in ("a.txt", "b.txt", "copy-of-c.txt"):
        (corpus / name).unlink()
    dry = run_cli("prune", corpus, "--store", store, "--dry-run", check=True).stdout
    real = run_cli("prune", corpus, "--store", store, check=True).stdout
    assert "would remove" in dry
    assert counts(dry) == counts(real)
    paths, sources, entities = counts(real)
    assert (paths, sources) == (3, 2) and entities >= 2  # Ada Lovelace and London were only in a.txt
