"""The Ray executor: same graph as the local one, errors that say what is missing, per-file
time and memory limits in its actors, and a plan read by Ray a window at a time.

Ray runs inside a fresh network namespace with only loopback up (``unshare -n``), without
usage statistics, sized to this machine's cores: nothing it starts can reach out.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess

import pytest

from helpers import KGBUILD, REPO, copy_sample, run_cli
from kgbuild.datamodel import Item
from kgbuild.media.discovery import discover
from kgbuild.pipeline import Pipeline
from kgbuild.pipeline.executors import Batch
from kgbuild.pipeline.ray_executor import plan_source, segments
from kgbuild.pipeline.stage_cache import StageCache

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


def build_on_ray(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    pytest.importorskip("ray", reason="Ray is not installed: pip install 'kgbuild[ray]' (make test does)")
    command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
               *KGBUILD, "build", *args, "--executor", "ray"]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "COLUMNS": "200", **(env or {})})


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


def test_the_plan_is_read_a_window_at_a_time_and_items_resumed_where_it_is_read(corpus, tmp_path):
    pytest.importorskip("ray", reason="Ray is not installed: pip install 'kgbuild[ray]' (make test does)")
    for n in range(10):
        (corpus / f"{n}.txt").write_text(f"Text number {n} about Ada Lovelace.")
    sources = discover(corpus).sources
    cache = StageCache(tmp_path / "cache")
    snap = Item.from_text(sources[3], "resumed from a snapshot")
    cache.save(snap, "fp-b")
    batches = [Batch(sources[i:i + 2], ["fp-a", "fp-b", "fp-c"]) for i in range(0, 10, 2)]
    pulled = []

    def lazily():  # the runner's batches come from a generator
        for batch in batches:
            pulled.append(batch)
            yield batch

    tasks = plan_source(lazily(), str(cache.root), window=2).get_read_tasks(1)
    assert [t.metadata.num_rows for t in tasks] == [2, 2, 1] and len(pulled) == 5
    blocks = list(tasks[1].read_fn())  # batches 3 and 4: files 4-7
    assert [b.num_rows for b in blocks] == [1, 1]
    items = pickle.loads(blocks[0]["items"][0].as_py())
    assert [i.source.relpath for i in items] == [sources[4].relpath, sources[5].relpath]
    assert all(i.completed == 0 for i in items)
    first = pickle.loads(next(iter(tasks[0].read_fn()))["items"][0].as_py())  # files 0-1
    assert [i.completed for i in first] == [0, 0]
    second = list(tasks[0].read_fn())[1]  # files 2-3: 3 resumes after stage 2
    resumed = pickle.loads(second["items"][0].as_py())
    assert [i.completed for i in resumed] == [0, 2] and resumed[1].text == "resumed from a snapshot"
    assert json.loads(second["fps"][0].as_py()) == ["fp-a", "fp-b", "fp-c"]


@pytest.mark.slow
@loopback_only
def test_a_hanging_file_and_a_memory_hog_fail_alone_in_ray_actors(corpus, tmp_path):
    names = ("a.txt", "b.txt", "hang.txt", "hog.txt", "c.txt")
    for name in names:
        (corpus / name).write_text(f"{name} mentions Ada Lovelace in London.")
    pipe = tmp_path / "p.yaml"
    pipe.write_text("name: limits\nbatch_size: 8\nstages:\n  - {type: text_reader}\n"
                    "  - {type: 'stages_for_tests:Sleepy', name: sleepy}\n"
                    "  - {type: 'stages_for_tests:Hog', name: hog, params: {megabytes: 1200}}\n"
                    "  - {type: spacy_ner, name: ner}\n  - {type: entity_linker, name: link}\n")
    store = tmp_path / "kg"
    proc = build_on_ray(str(corpus), "--store", str(store), "--pipeline", str(pipe), "--file-timeout", "4",
                        "--max-memory-mb", "1000", env={"PYTHONPATH": str(REPO / "tests")})
    assert proc.returncode == 3, proc.stdout + proc.stderr
    stats = json.loads(run_cli("stats", "--store", store, "--json", check=True).stdout)
    failures = {f["path"]: f for f in stats["failures"]}
    assert sorted(failures) == ["hang.txt", "hog.txt"], failures
    hang, hog = failures["hang.txt"], failures["hog.txt"]
    assert hang["code"] == "E304" and "per-file limit of 4 s" in hang["reason"], hang
    assert "'text_reader+sleepy+hog' failed on hang.txt" in hang["reason"], hang  # stage, file, limit
    assert hog["code"] == "E305" and "over the memory limit of 1000 MB" in hog["reason"], hog
    assert sorted(r["path"] for r in stats["sources"] if r["status"] == "ok") == ["a.txt", "b.txt", "c.txt"]
    mentions = run_cli("query", "--store", store, "--format", "csv", "SELECT ?text WHERE { ?m a kg:Mention ; "
                       "kg:text ?text }", check=True).stdout.splitlines()
    assert mentions.count("London") == 3  # the next actor's stages ran on the files that came through
    assert json.loads(run_cli("check", "--store", store, "--json").stdout)["ok"]
