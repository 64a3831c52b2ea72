"""The Ray executor: same graph as the local one, and errors that say what is missing.

Ray runs inside a fresh network namespace with only loopback up (``unshare -n``), without
usage statistics, sized to this machine's cores: nothing it starts can reach out.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import KGBUILD, REPO, copy_sample, run_cli
from kgbuild.pipeline import Pipeline
from kgbuild.pipeline.ray_executor import segments

SMALL = {"name": "small", "batch_size": 4, "stages": [
    {"type": "text_reader"}, {"type": "whisper", "name": "speech"}, {"type": "yolo", "name": "image"},
    {"type": "spacy_ner", "name": "ner"}, {"type": "entity_linker", "name": "link"}]}


def test_each_model_stage_that_applies_starts_a_segment():
    pipe = Pipeline.from_config(SMALL)
    assert segments(pipe, {"text"}) == [range(0, 3), range(3, 5)]  # speech and image load nothing for text
    assert segments(pipe, {"text", "speech", "image"}) == [range(0, 1), range(1, 2), range(2, 3), range(3, 5)]


def _netns_ok() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


loopback_only = pytest.mark.skipif(not _netns_ok(), reason="needs `unshare -n` and `ip` (root, or user "
                                   "namespaces) so that Ray runs with loopback only")


def build_on_ray(*args: str) -> subprocess.CompletedProcess:
    pytest.importorskip("ray", reason="Ray is not installed: pip install 'kgbuild[ray]' (make test does)")
    command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
               *KGBUILD, "build", *args, "--executor", "ray"]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "COLUMNS": "200"})


def nquads(store, out) -> list[str]:
    run_cli("export", "--store", store, "--format", "nquads", "--out", out, check=True)
    return sorted(line for line in out.read_text().splitlines() if "corpusRoot" not in line)


@pytest.mark.slow
@loopback_only
def test_ray_builds_the_same_graph_as_local(corpus, tmp_path):
    copy_sample(corpus, "coffee.jpg", "chelsea_cat.png", "tucson_arrest.txt", "eileen_collins.md",
                "harper_statement.flac")
    run_cli("build", corpus, "--store", tmp_path / "local", check=True)
    proc = build_on_ray(str(corpus), "--store", str(tmp_path / "ray"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    local, ray = nquads(tmp_path / "local", tmp_path / "local.nq"), nquads(tmp_path / "ray", tmp_path / "ray.nq")
    assert local == ray and len(local) > 500
    again = build_on_ray(str(corpus), "--store", str(tmp_path / "ray"))  # nothing to do: Ray is not even started
    assert again.returncode == 0 and "unchanged (skipped): 5" in again.stdout, again.stdout + again.stderr
    assert json.loads(run_cli("check", "--store", tmp_path / "ray", "--json").stdout)["ok"]


@pytest.mark.slow
@loopback_only
def test_a_missing_model_in_an_actor_stops_the_build_with_its_code(corpus, tmp_path):
    copy_sample(corpus, "coffee.jpg", "tucson_arrest.txt")
    pipe = tmp_path / "p.yaml"
    pipe.write_text("name: p\nstages:\n  - {type: text_reader}\n  - {type: yolo, params: {weights: nowhere.onnx}}\n")
    proc = build_on_ray(str(corpus), "--store", str(tmp_path / "kg"), "--pipeline", str(pipe))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "code E201" in proc.stderr and "nowhere.onnx" in proc.stderr
    stats = json.loads(run_cli("stats", "--store", tmp_path / "kg", "--json", check=True).stdout)
    assert stats["sources"] == []  # nothing was written
