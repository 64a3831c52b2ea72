"""Graph IRIs and namespaces are spelled once, in kgbuild/ids.py; every other module imports them."""

from __future__ import annotations

import ast

from helpers import REPO
from kgbuild import ids

# Modules being reworked at the time of writing that still spell a namespace out; each should
# import it from kgbuild.ids. The list may only shrink.
PENDING = {"kgbuild/stages/open_relations.py", "kgbuild/server/entity_view.py", "kgbuild/export/property_graph.py"}


def _spelled(value: str) -> set[str]:
    """Modules with a string constant (docstrings aside) that contains ``value``."""
    found = set()
    for path in sorted((REPO / "kgbuild").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and n.body and isinstance(n.body[0], ast.Expr)}
        if any(isinstance(n, ast.Constant) and isinstance(n.value, str) and value in n.value and id(n) not in docs
               for n in ast.walk(tree)):
            found.add(path.relative_to(REPO).as_posix())
    return found


def test_the_fusion_graph_and_the_open_namespace_are_defined_once():
    assert ids.FUSION_GRAPH == ids.ID_BASE + "graph/fusion"
    for value in (ids.OPEN_NS, "graph/fusion"):
        others = _spelled(value) - {"kgbuild/ids.py"} - PENDING
        assert not others, f"{value!r} spelled outside kgbuild/ids.py in {sorted(others)}: import it from kgbuild.ids"
