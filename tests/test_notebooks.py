"""The notebooks run top to bottom with the current code (nbclient, a kernel on this
interpreter: the venv's), so they never rot. Their figures are saved to
test-artifacts/notebooks/ to look at."""

from __future__ import annotations

import base64
import json
import re
import shutil
import sys

import pytest

from helpers import REPO

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


@pytest.fixture
def venv_kernel(tmp_path, monkeypatch) -> str:
    """A kernelspec that runs this interpreter, found first through $JUPYTER_PATH, so no
    python3 kernel installed elsewhere on the machine is picked instead."""
    spec = tmp_path / "jupyter" / "kernels" / "kgbuild-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "kgbuild (test)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "kgbuild-test"


@pytest.mark.slow  # about 30 s: a kernel, a no-op build, three figures
def test_quickstart_runs_and_draws(sample_store, tmp_path, monkeypatch, venv_kernel):
    store = tmp_path / "kg"
    shutil.copytree(sample_store, store)  # the notebook's build then skips unchanged files
    monkeypatch.setenv("KGBUILD_NOTEBOOK_STORE", str(store))
    nb = nbformat.read(REPO / "notebooks" / "quickstart.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit notebooks with outputs stripped"
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name=venv_kernel,
                                     resources={"metadata": {"path": str(REPO / "notebooks")}})
    client.execute()  # raises CellExecutionError, with the cell and the traceback, if a cell fails

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    pictures = [o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {})]
    folder = REPO / "test-artifacts" / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    for i, png in enumerate(pictures, 1):
        (folder / f"quickstart-{i}.png").write_bytes(base64.b64decode(png))
    assert len(pictures) == 3, "the type plot, the image with its boxes and the subgraph"
    assert f"store: {store}" in text and "failed: 0" in text
    assert "xywh=pixel:" in text  # the boxes drawn came from the store's selectors
    assert re.search(r"[1-9]\d* entities, [1-9]\d* edges in the entity graph", text)
