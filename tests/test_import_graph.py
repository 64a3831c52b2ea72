"""The dependency layers and the absence of import cycles, as scripts/import_graph.py checks
them (imports inside functions included)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import import_graph  # noqa: E402


def test_the_project_has_no_forbidden_edge_and_no_cycle():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "import_graph.py")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout
    assert "0 forbidden, 0 cycles" in out.stdout


def test_the_checker_finds_an_upward_edge_and_a_cycle():
    graph = {
        "kgbuild.datamodel": {"kgbuild.stages.base"},       # the data model reaching up
        "kgbuild.stages.base": {"kgbuild.datamodel"},        # ... which closes a cycle
        "kgbuild.fusion.fuse": {"kgbuild.server.app"},       # sideways: fusion -> server
        "kgbuild.server.app": set(),
    }
    problems = import_graph.forbidden(graph)
    assert any(p.startswith("kgbuild.datamodel -> kgbuild.stages.base") for p in problems)
    assert any(p.startswith("kgbuild.fusion.fuse -> kgbuild.server.app") for p in problems)
    assert import_graph.cycles(graph) == [["kgbuild.datamodel", "kgbuild.stages.base"]]


def test_imports_inside_functions_count(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from .other import x\n")
    found = import_graph.imports_of("kgbuild.pkg.m", module, {"kgbuild.pkg.other", "kgbuild.pkg.m"})
    assert found == {"kgbuild.pkg.other"}


def test_the_top_level_holds_few_modules():
    top = sorted(p.stem for p in (ROOT / "kgbuild").glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert len(top) <= 8, top
