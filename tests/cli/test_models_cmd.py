"""The default pipelines ship in the package, models resolve through the user model directory,
and `kgbuild models` says what each pipeline needs, where it was found and how to get the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import REPO, run_cli
from kgbuild.errors import ConfigError
from kgbuild.models import search_path, user_model_dir
from kgbuild.pipeline import load_pipeline
from kgbuild.pipeline.config import PACKAGED_PIPELINES, pipeline_names


def test_packaged_pipelines_are_the_top_level_ones():
    """kgbuild/pipelines (package data) is the top-level pipelines/ folder, so the two cannot drift."""
    top = sorted(p.name for p in (REPO / "pipelines").glob("*.yaml"))
    assert top and sorted(p.name for p in PACKAGED_PIPELINES.glob("*.yaml")) == top
    for name in top:
        assert (PACKAGED_PIPELINES / name).read_bytes() == (REPO / "pipelines" / name).read_bytes()
    assert PACKAGED_PIPELINES.resolve() == (REPO / "pipelines").resolve()


def test_pipelines_are_found_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Path(load_pipeline("default").origin).parent == PACKAGED_PIPELINES
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "default.yaml").write_text(
        "name: mine\nstages:\n  - type: text_reader\n    name: text\n")
    assert load_pipeline("default").name == "mine"  # ./pipelines comes first
    assert "default" in pipeline_names()
    with pytest.raises(ConfigError, match="pipeline 'nope' not found") as info:
        load_pipeline("nope")
    assert "default" in info.value.hint


def test_the_user_model_directory_is_on_the_search_path(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("KGBUILD_MODEL_PATH", str(tmp_path / "first"))
    assert user_model_dir() == tmp_path / "xdg" / "kgbuild" / "models"
    path = search_path()
    assert path[0] == tmp_path / "first" and path[-1] == user_model_dir()
    assert REPO / "models" in path  # a checkout's own models/ keep working


def test_models_lists_what_each_pipeline_needs(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    listing = json.loads(run_cli("models", "--json", env=env, check=True).stdout)
    assert listing["user_model_dir"] == str(tmp_path / "xdg" / "kgbuild" / "models")
    stages = {m["stage"] for m in listing["models"] if m["pipeline"] == "default"}
    assert {"speech", "image", "ocr", "ner", "relations", "fusion"} <= stages
    assert all(m["how"] for m in listing["models"])

    missing = tmp_path / "missing.yaml"
    missing.write_text("name: missing\nstages:\n  - type: text_reader\n    name: text\n  - type: spacy_ner\n    name: ner\n"
                       "  - type: entity_linker\n    name: link\n  - type: relations\n    name: relations\n"
                       "    params:\n      model: relations-conll04-nowhere\n")
    proc = run_cli("models", "--pipeline", missing, "--check", env=env)
    assert proc.returncode == 1
    out = " ".join(proc.stdout.split())
    assert "missing relations-conll04-nowhere (missing/relations)" in out and "kgbuild models train relations" in out


def test_models_install_links_and_keeps_what_is_there(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg")}
    model = tmp_path / "my-model"
    model.mkdir()
    (model / "kgbuild-model.json").write_text("{}")
    run_cli("models", "install", "--link", model, env=env, check=True)
    dest = tmp_path / "xdg" / "kgbuild" / "models" / "my-model"
    assert dest.is_symlink() and dest.resolve() == model
    run_cli("models", "install", "--link", model, env=env, check=True)  # a link is replaced
    dest.unlink()
    run_cli("models", "install", model, env=env, check=True)
    assert dest.is_dir() and not dest.is_symlink()
    kept = run_cli("models", "install", "--link", model, env=env, check=True)
    assert "kept" in kept.stdout and not dest.is_symlink()


def test_models_train_relations_trains_into_the_user_directory(tmp_path, monkeypatch):
    from kgbuild.cli import models_cmd, text_cmd

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    data = tmp_path / "conll04"
    data.mkdir()
    for name in ("train.json", "dev.json"):
        (data / name).write_text("[]")
    calls = []
    real = text_cmd.train_relations

    def fake(**kw):
        calls.append(kw)
    fake.__signature__ = __import__("inspect").signature(real)  # the real command's parameters and defaults
    monkeypatch.setattr(text_cmd, "train_relations", fake)
    options = dict(train=None, dev=None, out=None, encoder=None, epochs=None, threads=None, max_minutes=None, limit=None)
    models_cmd.train_relations(data=data, **options)
    (call,) = calls
    assert call["out"] == tmp_path / "xdg" / "kgbuild" / "models" / "relations-conll04"
    assert (call["train"], call["dev"]) == (data / "train.json", data / "dev.json")
    assert not any(type(v).__name__ == "OptionInfo" for v in call.values())  # the command's own defaults
    assert call["epochs"] == 8 and call["limit"] is None
    assert (call["encoder"], call["precision"], call["lr"]) == ("mpnet", "bf16", 5e-5)  # the shipped recipe
    with pytest.raises(ConfigError, match="no CoNLL04 train.json"):
        models_cmd.train_relations(data=tmp_path / "empty", **options)
