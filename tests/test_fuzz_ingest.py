"""A build over a hostile corpus (tests/fuzz_corpus.py) finishes, reports every bad file
with a coded reason, ingests every good one, leaves a healthy store and bounded memory."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from fuzz_corpus import make_corpus
from helpers import KGBUILD, REPO, run_cli
from kgbuild.media.discovery import discover

# Peak RSS of the build process. The default pipeline's models take about 2 GB since the relation
# model's encoder is all-mpnet-base-v2 (0.44 GB of fp32 weights, plus their bf16 copies under
# autocast); with MiniLM this build peaked at 2.9-3.2 GB, with mpnet 3.1 GB (load 2-4). With the
# session-9 relation model (pairs read with the words between their arguments) it peaks at
# 2.4-2.9 GB when this test runs alone, but at 4.1-4.9 GB inside the whole suite of a clean clone
# (three runs, 3 December 2026; pooling and pair classification are chunked, so it is not the
# pairs' features). The cause is not found yet (docs/text.md, "Left"); the bound stays a bound.
MAX_MB = float(os.environ.get("KGBUILD_FUZZ_MAX_MB", "5600"))
MAX_BYTES = 8_000_000  # the test pipeline's text limit: the 20 MB file is over it

def shown(relpath: str) -> str:
    """How discover records a path whose name is not valid UTF-8."""
    return relpath.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def build_measured(*args: str) -> tuple[int, str, float]:
    """(exit status, stdout, peak RSS in MB) of one `kgbuild build` process."""
    proc = subprocess.Popen([*KGBUILD, "build", *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "COLUMNS": "200"})
    with proc.stdout:
        out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not every child's so far
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out, usage.ru_maxrss / 1024


def fuzz_pipeline(tmp_path) -> str:
    config = yaml.safe_load((REPO / "pipelines" / "default.yaml").read_text())
    for stage in config["stages"]:
        if stage["type"] == "text_reader":
            stage.setdefault("params", {})["max_bytes"] = MAX_BYTES
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    corpus = make_corpus(tmp / "corpus", big_mb=20)
    store = tmp / "kg"
    rc, out, peak = build_measured(str(corpus.root), "--store", str(store), "--pipeline", fuzz_pipeline(tmp))
    stats = json.loads(run_cli("stats", "--store", store, "--json", check=True).stdout)
    return corpus, store, rc, out, peak, stats


def failures(stats) -> dict[str, dict]:
    return {f["path"]: f for f in stats["failures"]}


@pytest.mark.slow
def test_build_finishes_and_reports_every_bad_file(fuzzed):
    corpus, _, rc, out, _, stats = fuzzed
    assert rc == 3, out
    failed = failures(stats)
    for path, codes in corpus.bad.items():
        assert path in failed, f"{path} was not reported as failed\n{out}"
        assert failed[path]["code"] in codes, failed[path]
        assert re.search(r"(stage '[\w-]+' failed on |cannot read: )", failed[path]["reason"]), failed[path]
    unexpected = set(failed) - set(corpus.bad)
    assert not unexpected, [failed[p] for p in unexpected]
    big = failed[corpus.big]
    assert f"over the {MAX_BYTES:,}-byte limit" in big["reason"]  # refused on its size, never read


@pytest.mark.slow
def test_every_good_file_is_ingested(fuzzed):
    corpus, _, _, out, _, stats = fuzzed
    ok = {row["path"] for row in stats["sources"] if row["status"] == "ok"}
    missing = [p for p in map(shown, corpus.good) if p not in ok]
    assert not missing, f"{missing}\n{out}"
    assert any(row["path"] == "good/tucson_arrest.txt" and row["mentions"] > 5 for row in stats["sources"])


@pytest.mark.slow
def test_unsupported_files_are_listed_as_skipped(fuzzed):
    corpus, _, _, out, _, stats = fuzzed
    assert sorted(discover(corpus.root).unsupported) == sorted(corpus.unsupported)
    assert f"unsupported (skipped): {len(corpus.unsupported)}" in out
    assert not any(".hidden" in row["path"] for row in stats["sources"])


@pytest.mark.slow
def test_store_passes_check_and_memory_stays_bounded(fuzzed):
    _, store, _, _, peak, _ = fuzzed
    report = json.loads(run_cli("check", "--store", store, "--json").stdout)
    assert report["ok"], report["problems"]
    assert peak < MAX_MB, f"build peaked at {peak:.0f} MB (limit {MAX_MB:.0f} MB)"


@pytest.mark.slow
def test_random_bytes_named_flac_are_refused_not_taken_for_an_empty_recording(fuzzed):
    """FFmpeg's FLAC demuxer opens random bytes and decodes no frame without an error."""
    corpus, _, _, _, _, stats = fuzzed
    failure = failures(stats)["random/noise.flac"]
    size = (corpus.root / "random/noise.flac").stat().st_size
    assert failure["code"] == "E303", failure
    assert f"no decodable audio frame in {size:,} bytes; the FLAC stream header is invalid" in failure["reason"]


@pytest.mark.slow
def test_a_200_mb_text_file_is_refused_without_being_loaded(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", big_mb=200)
    small = tmp_path / "small"  # two good texts, then the big file beside them: default pipeline, 50 MB limit
    small.mkdir()
    for name in ("tucson_arrest.txt", "eileen_collins.md"):
        shutil.copy(corpus.root / "good" / name, small / name)
    rc, out, baseline = build_measured(str(small), "--store", str(tmp_path / "kg0"))
    assert rc == 0, out
    os.replace(corpus.root / corpus.big, small / "big.txt")
    rc, out, peak = build_measured(str(small), "--store", str(tmp_path / "kg"))
    assert rc == 3, out
    stats = json.loads(run_cli("stats", "--store", tmp_path / "kg", "--json", check=True).stdout)
    (failure,) = stats["failures"]
    assert failure["path"] == "big.txt" and failure["code"] == "E303" and "200,000,000 bytes" in failure["reason"]
    assert sorted(r["path"] for r in stats["sources"] if r["status"] == "ok") == ["eileen_collins.md",
                                                                               "tucson_arrest.txt"]
    # Hashing streams the file and the reader refuses it on its size: loading it would add 200 MB or more.
    assert peak - baseline < 100, f"{peak:.0f} MB with the 200 MB file, {baseline:.0f} MB without"
