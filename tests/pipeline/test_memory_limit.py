"""--max-memory-mb: a file that takes its worker over the limit fails alone (E305)."""

from __future__ import annotations

import json

from helpers import REPO, run_cli

PIPELINE = ("name: hog\nbatch_size: 4\nstages:\n  - {type: text_reader}\n"
            "  - {type: 'stages_for_tests:Hog', name: hog, params: {megabytes: 1200}}\n")
ENV = {"PYTHONPATH": str(REPO / "tests")}  # where stages_for_tests lives, for the worker processes


def test_a_file_over_the_memory_limit_fails_and_the_rest_is_ingested(corpus, tmp_path):
    for name in ("a.txt", "b.txt", "hog.txt", "c.txt"):
        (corpus / name).write_text(f"{name} mentions Ada Lovelace in London.")
    pipe = tmp_path / "p.yaml"
    pipe.write_text(PIPELINE)
    store = tmp_path / "kg"
    proc = run_cli("build", corpus, "--store", store, "--pipeline", pipe, "--max-memory-mb", "1000", env=ENV)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    stats = json.loads(run_cli("stats", "--store", store, "--json", check=True).stdout)
    (failure,) = stats["failures"]
    assert failure["path"] == "hog.txt" and failure["code"] == "E305", failure
    assert "over the memory limit of 1000 MB" in failure["reason"]
    assert sorted(r["path"] for r in stats["sources"] if r["status"] == "ok") == ["a.txt", "b.txt", "c.txt"]
    assert json.loads(run_cli("check", "--store", store, "--json").stdout)["ok"]


def test_a_limit_below_what_the_models_need_is_a_usage_error(corpus, tmp_path):
    (corpus / "a.txt").write_text("Ada Lovelace in London.")
    pipe = tmp_path / "p.yaml"
    pipe.write_text(PIPELINE)
    proc = run_cli("build", corpus, "--store", tmp_path / "kg", "--pipeline", pipe, "--max-memory-mb", "5", env=ENV)
    assert proc.returncode == 2 and "over the memory limit of 5 MB" in proc.stderr, proc.stdout + proc.stderr
