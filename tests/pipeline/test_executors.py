"""The worker pool: same graph as in-process, and per-file time limits."""

from __future__ import annotations

import json

import pytest

from helpers import REPO, copy_sample, run_cli


@pytest.mark.slow
def test_two_workers_build_the_same_graph_as_one(corpus, tmp_path):
    copy_sample(corpus, "coffee.jpg", "chelsea_cat.png", "tucson_arrest.txt", "eileen_collins.md", "harper_statement.flac")
    exports = []
    for workers in ("1", "2"):
        store = tmp_path / f"kg{workers}"
        run_cli("build", corpus, "--store", store, "--workers", workers, check=True)
        out = tmp_path / f"kg{workers}.nq"
        run_cli("export", "--store", store, "--format", "nquads", "--out", out, check=True)
        exports.append(sorted(line for line in out.read_text().splitlines() if "corpusRoot" not in line))
    assert exports[0] == exports[1] and len(exports[0]) > 500


@pytest.mark.slow
def test_a_hanging_file_is_timed_out_and_the_rest_ingested(corpus, tmp_path):
    for name in ("a.txt", "b.txt", "hang.txt", "c.txt"):
        (corpus / name).write_text(f"{name} mentions Ada Lovelace in London.")
    pipe = tmp_path / "p.yaml"
    pipe.write_text("name: sleepy\nbatch_size: 4\nstages:\n  - {type: text_reader}\n"
                    "  - {type: 'stages_for_tests:Sleepy', name: sleepy}\n  - {type: spacy_ner}\n  - {type: entity_linker}\n")
    store = tmp_path / "kg"
    proc = run_cli("build", corpus, "--store", store, "--pipeline", pipe, "--workers", "2", "--file-timeout", "4",
                   env={"PYTHONPATH": str(REPO / "tests")})  # where stages_for_tests lives
    assert proc.returncode == 3, proc.stdout + proc.stderr
    stats = json.loads(run_cli("stats", "--store", store, "--json", check=True).stdout)
    (failure,) = stats["failures"]
    assert failure["path"] == "hang.txt" and failure["code"] == "E304" and "per-file limit of 4 s" in failure["reason"]
    ok = sorted(r["path"] for r in stats["sources"] if r["status"] == "ok")
    assert ok == ["a.txt", "b.txt", "c.txt"]
    assert json.loads(run_cli("check", "--store", store, "--json").stdout)["ok"]
