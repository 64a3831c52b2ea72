"""The notebook runs with the tool a notebook user has, `jupyter nbconvert --execute` (the
`notebook` extra), started from a folder outside the checkout. The kernel is this interpreter's
(a `python3` kernelspec found first through $JUPYTER_PATH, as a user's own environment gives it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import REPO

pytest.importorskip("nbconvert", reason="the notebook extra is missing: pip install 'kgbuild[notebook]'")


def test_nbconvert_executes_the_quickstart_from_another_folder(sample_store, tmp_path):
    store = tmp_path / "kg"
    shutil.copytree(sample_store, store)  # the notebook's build then skips unchanged files
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "JUPYTER_PATH": str(tmp_path / "jupyter"), "KGBUILD_NOTEBOOK_STORE": str(store)}
    proc = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                           str(REPO / "notebooks" / "quickstart.ipynb"), "--output-dir", str(elsewhere),
                           "--output", "executed"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-5000:]
    nb = json.loads((elsewhere / "executed.ipynb").read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join("".join(o.get("text", "")) for o in outputs)
    assert f"store: {store}" in text and "failed: 0" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 3
