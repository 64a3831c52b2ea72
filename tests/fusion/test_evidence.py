
"""Evidence fusion cannot read is counted in the report, not dropped silently."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

from kgbuild.fusion.evidence import MentionRow, _look
from kgbuild.fusion.fuse import fuse
from kgbuild.fusion.params import FusionParams
from kgbuild.pipeline.config import Pipeline
from kgbuild.pipeline.runner import build
from kgbuild.store import KGStore

PIPELINE = {"name": "evidence-test", "stages": [{"type": "text_reader"}, {"type": "spacy_ner"},
                                                 {"type": "entity_linker"}]}


def test_a_text_moved_after_the_build_is_counted_as_lost_evidence(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Anna Kowalczyk works at the Baltic Institute in Gdansk.")
    (corpus / "b.txt").write_text("Kowalczyk said the catalyst works in Gdansk.")
    store = KGStore(tmp_path / "kg")
    build(corpus, store, Pipeline.from_config(PIPELINE))
    report = fuse(store, FusionParams(context=False), rebuild=True)
    assert report.atoms_touched and not report.evidence_lost

    (corpus / "a.txt").unlink()
    report = fuse(store, FusionParams(context=False), rebuild=True)
    assert report.evidence_lost == {"texts_missing": 1}
    assert report.atoms_touched  # the rest was still fused


class _Files:
    def __init__(self, path):
        self.path = path

    def info(self, sha):
        return SimpleNamespace(sha256=sha, modality="image")  # what SourceFiles.info gives: a picture file

    def locate(self, info):
        return self.path


def test_a_damaged_picture_is_counted_and_costs_only_its_look(tmp_path):
    broken = tmp_path / "cat.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    m = MentionRow("urn:m", "https://w3id.org/kgbuild/id/source/" + "0" * 64, "image", "Animal", "cat", "urn:e",
                   0.9, None, None, (1.0, 2.0, 3.0, 4.0))
    lost = Counter()
    assert _look(_Files(broken), [m], lost) is None
    assert lost == {"pictures_unreadable": 1}
