"""kgbuild installs like any Python tool: the wheel, installed into a fresh virtual environment
outside the checkout, builds a corpus from another folder, with the default pipeline from its
package data and the relation model from the user model directory.

The new environment reuses this environment's installed dependencies (a .pth line naming its
site-packages, after the new environment's own, so the wheel's kgbuild comes first and the
checkout's editable one is never loaded): nothing is downloaded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from helpers import REPO, SAMPLE
from kgbuild.models import find_model_file

SITE = Path(sysconfig.get_paths()["purelib"])


def run(cmd, cwd: Path, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


# About 15 s on 2 cores: a wheel, a venv, one small text build (spaCy, the relation model, fusion).
def test_wheel_in_a_fresh_venv_builds_from_another_folder(tmp_path):
    model = find_model_file("relations-conll04")
    if model is None:
        pytest.skip("the relation model is not trained here (`make models/relations-conll04/kgbuild-model.json`)")
    started = time.monotonic()
    env = {k: v for k, v in os.environ.items() if k not in ("KGBUILD_MODEL_PATH", "PYTHONPATH", "VIRTUAL_ENV")}
    env.update(XDG_DATA_HOME=str(tmp_path / "xdg"), COLUMNS="200", HF_HUB_OFFLINE="1")

    # The wheel, built from a copy of the sources (the checkout's build/ and egg-info are left alone).
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "kgbuild", src / "kgbuild", symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist",
         src], cwd=tmp_path, env=env)
    (wheel,) = (tmp_path / "dist").glob("kgbuild-*.whl")

    # A fresh environment outside the checkout, with this one's dependencies behind its own site-packages.
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path, env)
                .stdout.strip())
    (site / "_kgbuild_test_deps.pth").write_text(f"{SITE}\n")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel],
        cwd=tmp_path, env=env)
    kgbuild = venv / "bin" / "kgbuild"
    where = run([python, "-c", "import kgbuild; print(kgbuild.__file__)"], tmp_path, env).stdout.strip()
    assert where.startswith(str(site)), f"kgbuild was imported from {where}, not the wheel"

    # The relation model goes into the user model directory; the corpus and the store are elsewhere.
    elsewhere = tmp_path / "elsewhere"
    corpus = tmp_path / "corpus"
    elsewhere.mkdir()
    corpus.mkdir()
    for name in ("northwind_relocation.txt", "tucson_arrest.txt"):
        shutil.copy(SAMPLE / name, corpus / name)
    run([kgbuild, "models", "install", "--link", model], elsewhere, env)
    listing = json.loads(run([kgbuild, "models", "--json"], elsewhere, env).stdout)
    user_dir = tmp_path / "xdg" / "kgbuild" / "models"
    assert listing["user_model_dir"] == str(user_dir)
    rel = next(m for m in listing["models"] if m["stage"] == "relations")
    assert rel["found"] == str(model.resolve())  # through the link in the user model directory
    assert not any(Path(d).is_relative_to(REPO) for d in listing["search_path"]), "an installed kgbuild has no checkout"

    build = run([kgbuild, "build", corpus, "--store", "kg"], elsewhere, env)
    out = build.stdout + build.stderr
    assert "failed: 0" in " ".join(out.split()), out
    query = run([kgbuild, "query", "--store", "kg", "--format", "json",
                 ("SELECT (COUNT(DISTINCT ?r) AS ?n) (COUNT(DISTINCT ?e) AS ?e) WHERE { ?r a kg:Relation ; "
                  "kg:extractor ?x FILTER(STRSTARTS(?x, 'relations/')) . ?e a kg:Entity }")], elsewhere, env)
    row = json.loads(query.stdout)["results"]["bindings"][0]
    relations, entities = int(row["n"]["value"]), int(row["e"]["value"])
    assert relations > 0 and entities > 5
    print(f"wheel {wheel.name} in a fresh venv, from {elsewhere}: {entities} entities, {relations} trained relations, "
          f"{time.monotonic() - started:.0f} s in all")
