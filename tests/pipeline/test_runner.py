"""Incremental and resumable builds: what re-runs when something changes, and kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from helpers import REPO, run_cli
from kgbuild.datamodel import CharSpan, Mention, Provenance
from kgbuild.pipeline import Pipeline
from kgbuild.pipeline.maintenance import check
from kgbuild.pipeline.runner import build
from kgbuild.stages import Stage, StageParams, register_stage
from kgbuild.store import KGStore

CALLS: Counter = Counter()


class CounterParams(StageParams):
    flavour: str = "plain"


@register_stage("test_first_words")
class FirstWords(Stage):
    """Pretends to be a model: one mention for the first word of each text."""

    requires = frozenset({"source", "text"})
    produces = frozenset({"mentions"})
    has_model = True  # so its output is snapshotted, as a real model's is
    Params = CounterParams

    def model_info(self):
        return "fake-model", self.params.flavour

    def applies_to(self, item):
        return item.ok and bool(item.text)

    def process(self, items):
        for item in items:
            CALLS[(self.name, item.source.relpath)] += 1
            word = item.text.split()[0]
            item.mentions.append(Mention(word, self.params.flavour.upper(), "text",
                                         Provenance(item.source.iri, (CharSpan(0, len(word)),), self.name)))


def pipeline(first="plain", second="plain") -> Pipeline:
    return Pipeline.from_config({"name": "t", "stages": [
        {"type": "text_reader", "name": "read"},
        {"type": "test_first_words", "name": "first", "params": {"flavour": first}},
        {"type": "test_first_words", "name": "second", "params": {"flavour": second}},
        {"type": "entity_linker", "name": "link"},
    ]})


@pytest.fixture
def texts(corpus):
    for i in range(3):
        (corpus / f"t{i}.txt").write_text(f"Word{i} and more words.")
    return corpus


def runs(stage):
    return sum(n for (name, _), n in CALLS.items() if name == stage)


def test_changed_stage_reruns_only_itself_and_later_stages(texts, tmp_path):
    CALLS.clear()
    store = KGStore(tmp_path / "kg")
    assert build(texts, store, pipeline()).ingested["text"] == 3
    assert (runs("first"), runs("second")) == (3, 3)
    report = build(texts, store, pipeline())
    assert report.unchanged == 3 and (runs("first"), runs("second")) == (3, 3)  # nothing re-ran
    build(texts, store, pipeline(second="spicy"))
    assert (runs("first"), runs("second")) == (3, 6)  # first's output came from its snapshot
    build(texts, store, pipeline(first="spicy", second="spicy"))
    assert (runs("first"), runs("second")) == (6, 9)
    labels = Counter(r["l"].value for r in store.query("SELECT ?l WHERE { ?m a kg:Mention ; kg:label ?l }"))
    assert labels == Counter({"SPICY": 3})  # the two stages agree (same IRI); no PLAIN mention is left
    assert check(store).ok


def test_prune_removes_gone_files_and_their_entities(texts, tmp_path):
    store = KGStore(tmp_path / "kg")
    build(texts, store, pipeline())
    (texts / "t1.txt").unlink()
    from kgbuild.pipeline.maintenance import prune

    report = prune(store, texts)
    assert report.removed_paths == ["t1.txt"] and len(report.removed_sources) == 1
    assert report.removed_entities == 1  # "Word1" was only in t1.txt
    paths = {r["p"].value for r in store.query("SELECT ?p WHERE { ?s a kg:Source ; kg:path ?p }")}
    assert paths == {"t0.txt", "t2.txt"}
    assert check(store).ok


def test_check_finds_a_graph_the_state_does_not_know(texts, tmp_path):
    store = KGStore(tmp_path / "kg")
    build(texts, store, pipeline())
    from kgbuild.store.ingest_state import IngestState

    state = IngestState(store.state_path)
    state.forget_source(next(iter(state.sources())))
    report = check(store)
    assert not report.ok and any("does not know" in p for p in report.problems)


def done_sources(store) -> int:
    import sqlite3

    if not (store / "state.sqlite").exists():
        return 0
    try:
        with sqlite3.connect(store / "state.sqlite") as db:
            return db.execute("SELECT COUNT(*) FROM sources").fetchone()[0]
    except sqlite3.OperationalError:  # the build has created the file but not its tables yet
        return 0


KILL_PIPELINE = """name: kill-test
batch_size: 1
stages:
  - {type: text_reader, name: text}
  - {type: spacy_ner, name: ner}
  - {type: entity_linker, name: link}
"""


@pytest.mark.slow
def test_kill_minus_nine_at_several_points_then_finish(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    people = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Katherine Johnson", "Claude Shannon", "Edsger Dijkstra"]
    for i in range(60):
        a, b = people[i % 6], people[(i + 1) % 6]
        (corpus / f"doc{i:03d}.txt").write_text(f"{a} met {b} in London in {1900 + i}. " * 20)
    pipe = tmp_path / "kill.yaml"
    pipe.write_text(KILL_PIPELINE)
    store = tmp_path / "kg"
    done_after_kill = []
    # Kill during start-up, then each time a few more sources have been written: progress
    # points, not clock times, so a loaded machine kills at the same places.
    for more in (0, 5, 10, 10):
        before = done_sources(store)
        proc = subprocess.Popen([sys.executable, "-m", "kgbuild", "build", str(corpus), "--store", str(store),
                                 "--pipeline", str(pipe), "--quiet"], cwd=REPO)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if (more == 0 and time.monotonic() > deadline - 119.5) or (more and done_sources(store) >= before + more):
                break
            time.sleep(0.02)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        done_after_kill.append(done_sources(store))
    # Sources are marked done a bulk write at a time, so a write may finish the corpus before the
    # kill: at least two kills must have landed mid-corpus (and the last after some progress).
    assert sum(0 < done < 60 for done in done_after_kill) >= 2 and done_after_kill[-1] > 0, done_after_kill
    final = run_cli("build", corpus, "--store", store, "--pipeline", pipe)
    assert final.returncode == 0, final.stderr
    assert json.loads(run_cli("check", "--store", store, "--json").stdout)["ok"] is True
    clean = tmp_path / "clean"
    run_cli("build", corpus, "--store", clean, "--pipeline", pipe, check=True)
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    sources = "SELECT (COUNT(DISTINCT ?p) AS ?n) (COUNT(?p) AS ?all) WHERE { ?s a kg:Source ; kg:path ?p }"
    for q in (count, sources):
        got = run_cli("query", "--store", store, "--format", "csv", q, check=True).stdout
        want = run_cli("query", "--store", clean, "--format", "csv", q, check=True).stdout
        assert got == want
    assert "60,60" in run_cli("query", "--store", store, "--format", "csv", sources, check=True).stdout
