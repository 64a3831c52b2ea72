"""`kgbuild build --fuse-every N` resolves entities while the corpus lands (fusion after every N
written batches, then once more at the end) and ends with the same graph as one fusion at the
end: the same quads, fusion's canonical entities and their IRIs included (issue 20)."""

from __future__ import annotations

import shutil

from helpers import REPO, run_cli

# Text only (spaCy's small model), batches of three: 45 texts of data/fusion-eval2/dev land in
# 15 batches, so fusion runs 15 times on a growing store before the last run.
PIPELINE = """name: fuse-while-landing
batch_size: 3
stages:
  - {type: text_reader, name: text}
  - {type: spacy_ner, name: ner, params: {model: en_core_web_sm}}
  - {type: doc_entities, name: doc_entities}
  - {type: entity_linker, name: link}
fusion: {threshold: 0.5}
"""


def nquads(store, out) -> list[str]:
    run_cli("export", "--store", store, "-f", "nquads", "-o", out, check=True)
    return sorted(out.read_text().splitlines())


def test_fusing_after_every_batch_ends_as_one_fusion_at_the_end(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    source = REPO / "data" / "fusion-eval2" / "dev"
    for text in sorted(source.rglob("*.txt")):
        target = corpus / text.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(text, target)
    pipeline = tmp_path / "text.yaml"
    pipeline.write_text(PIPELINE)
    run_cli("build", corpus, "--store", tmp_path / "at-end", "-p", pipeline, "-q", check=True)
    # the same with fusion after every batch, in this process to count the fusion runs
    import yaml

    from kgbuild.fusion.fuse import Fuser
    from kgbuild.pipeline import Pipeline, runner
    from kgbuild.pipeline.options import BuildOptions
    from kgbuild.store import KGStore

    runs = []
    real = Fuser.run
    monkeypatch.setattr(Fuser, "run", lambda self: runs.append(1) or real(self))
    store = KGStore(tmp_path / "landing")
    report = runner.build(corpus, store, Pipeline.from_config(yaml.safe_load(PIPELINE)), BuildOptions(fuse_every=1))
    store.close()
    assert len(runs) == 16  # 15 batches, then the run at the end
    # the build's report covers every run: each source was new to exactly one of them
    assert report.fusion is not None and report.fusion.runs == 16 and report.fusion.sources_changed == 45
    at_end, landing = nquads(tmp_path / "at-end", tmp_path / "end.nq"), nquads(tmp_path / "landing", tmp_path / "l.nq")
    fused = [q for q in at_end if "graph/fusion" in q and "sameAs" in q]
    assert len(fused) > 20  # fusion merged atoms across documents: the comparison has something to compare
    assert landing == at_end
    built = run_cli("build", corpus, "--store", tmp_path / "cli", "-p", pipeline, "--fuse-every", "4", check=True)
    assert "fusion in 4 runs: 45 changed" in " ".join(built.stdout.split())  # after batches 4, 8, 12 and at the end
    assert nquads(tmp_path / "cli", tmp_path / "cli.nq") == at_end
