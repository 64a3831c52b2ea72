"""The Python API: what a notebook or a program needs to build a graph and read it.

    import kgbuild

    report = kgbuild.build("data/sample", "out/kg")      # the default pipeline
    print(report.ingested, report.unchanged, report.failures)
    for row in kgbuild.query("out/kg", "SELECT ?label WHERE { ?e rdfs:label ?label } LIMIT 5"):
        print(row["label"])

Everything else in the package is internal and may change between releases.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .pipeline.config import Pipeline, load_pipeline
from .pipeline.options import BuildOptions
from .pipeline.runner import BuildReport, build as _build
from .store.oxigraph_store import KGStore

__all__ = ["BuildOptions", "BuildReport", "KGStore", "Pipeline", "build", "load_pipeline", "open_store", "query"]


def open_store(path: str | Path = "out/kg", *, read_only: bool = False) -> KGStore:
    """The store at ``path`` (created when missing, unless ``read_only``)."""
    return KGStore(path, read_only=read_only)


def build(corpus: str | Path, store: str | Path | KGStore = "out/kg", pipeline: str | Path | Pipeline = "default",
          *, options: BuildOptions | None = None, on_start: Callable[[int], None] | None = None,
          on_progress: Callable[[int], None] | None = None, **option_values: Any) -> BuildReport:
    """Ingest every supported file under ``corpus`` into ``store`` with ``pipeline`` (a name,
    a YAML path or a loaded :class:`Pipeline`). Options are a :class:`BuildOptions` or its
    fields as keywords (``workers=2``, ``force=True``). Unchanged sources are skipped: the
    report's ``unchanged`` counts them, ``ingested`` what was processed now."""
    if options is not None and option_values:
        raise TypeError("give options= or option keywords, not both")
    options = options or BuildOptions(**option_values)
    pipe = pipeline if isinstance(pipeline, Pipeline) else load_pipeline(pipeline)
    kg = store if isinstance(store, KGStore) else open_store(store)
    try:
        return _build(corpus, kg, pipe, options, on_start=on_start, on_progress=on_progress)
    finally:
        kg.flush()
        if kg is not store:
            kg.close()


def query(store: str | Path | KGStore, sparql: str) -> list[dict[str, str | None]] | bool | list[tuple[str, str, str]]:
    """Run SPARQL over the whole store (common prefixes predeclared: kg, rdfs, oa, prov, ...).
    SELECT gives rows as dicts of plain strings (None where unbound), ASK a bool,
    CONSTRUCT/DESCRIBE the triples as (subject, predicate, object) strings."""
    kg = store if isinstance(store, KGStore) else open_store(store, read_only=True)
    try:
        result = kg.query(sparql)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]
        return [(t.subject.value, t.predicate.value, t.object.value) for t in result]
    finally:
        if kg is not store:
            kg.close()
