"""Print the project's forbidden import edges and import cycles; exit 1 if there are any.

Every ``import`` counts, including those inside functions: a lazy import still ties two
modules together. The layers, lowest first (a module may import its own layer and below):

    ids, errors, kgbuild/__init__    the vocabulary every module shares
    datamodel                        records that flow through a pipeline
    models, threads, media, speech,  libraries the stages use; they know nothing of the graph
    vision, nlp, ontology
    stages                           one class per module; never touch a store
    store, fusion, reason, graph,    the built graph; they never reach up to pipeline or cli
    export, server
    pipeline                         wires stages, store and fusion
    cli, api                         what users call

Usage: ``python scripts/import_graph.py [--graph]`` (``--graph`` also prints every edge).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "kgbuild"

# Module prefix -> layer (the longest prefix wins).
LAYERS = {
    "kgbuild.ids": 0, "kgbuild.errors": 0,
    "kgbuild.datamodel": 1,
    "kgbuild.models": 2, "kgbuild.packaged_encoders": 2, "kgbuild.threads": 2, "kgbuild.media": 2, "kgbuild.speech": 2,
    "kgbuild.vision": 2, "kgbuild.nlp": 2, "kgbuild.ontology": 2, "kgbuild.db": 2,
    "kgbuild.stages": 3,
    "kgbuild.store": 4, "kgbuild.fusion": 4, "kgbuild.reason": 4, "kgbuild.graph": 4,
    "kgbuild.export": 4, "kgbuild.server": 4,
    "kgbuild.pipeline": 5,
    "kgbuild.cli": 6, "kgbuild.api": 6, "kgbuild.__main__": 6,
    # The package itself holds only __version__ and a lazy hook to kgbuild.api (by name, at
    # first attribute access): importing it for the version is not reaching up.
    "kgbuild": 0,
}

# Edges forbidden although the layers would allow them: (from prefix, to prefix, why).
SIDEWAYS = [
    ("kgbuild.store", "kgbuild.fusion", "the store is below fusion"),
    ("kgbuild.store", "kgbuild.server", "the store is below the server"),
    ("kgbuild.store", "kgbuild.export", "the store is below export"),
    ("kgbuild.store", "kgbuild.reason", "the store is below reasoning"),
    ("kgbuild.fusion", "kgbuild.server", "fusion must not depend on the server"),
    ("kgbuild.fusion", "kgbuild.export", "fusion must not depend on export"),
    ("kgbuild.fusion", "kgbuild.reason", "fusion must not depend on reasoning"),
    ("kgbuild.reason", "kgbuild.server", "reasoning must not depend on the server"),
    ("kgbuild.export", "kgbuild.server", "export must not depend on the server"),
    ("kgbuild.graph", "kgbuild.server", "graph queries must not depend on the server"),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / PACKAGE).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from pkg import sub` imports the submodule when there is one
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in known else stem for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def layer(name: str) -> tuple[str, int]:
    prefix = max((p for p in LAYERS if name == p or name.startswith(p + ".")), key=len)
    return prefix, LAYERS[prefix]


def forbidden(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for src, targets in graph.items():
        for dst in sorted(targets):
            (sp, sl), (dp, dl) = layer(src), layer(dst)
            if dl > sl:
                problems.append(f"{src} -> {dst}: {sp} (layer {sl}) must not import {dp} (layer {dl})")
            for a, b, why in SIDEWAYS:
                if (src == a or src.startswith(a + ".")) and (dst == b or dst.startswith(b + ".")):
                    problems.append(f"{src} -> {dst}: {why}")
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def build_graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def main(argv: list[str]) -> int:
    graph = build_graph()
    if "--graph" in argv:
        for src in sorted(graph):
            for dst in sorted(graph[src]):
                print(f"{src} -> {dst}")
    problems = forbidden(graph)
    loops = cycles(graph)
    for line in problems:
        print("forbidden:", line)
    for component in loops:
        print("cycle:", " <-> ".join(component))
    edges = sum(len(t) for t in graph.values())
    print(f"{len(graph)} modules, {edges} import edges: {len(problems)} forbidden, {len(loops)} cycles")
    return 1 if problems or loops else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
