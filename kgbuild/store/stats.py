"""Summary counts of a store, as plain data (for ``kgbuild stats`` and tests)."""

from __future__ import annotations

from .oxigraph_store import KGStore


def _rows(store: KGStore, sparql: str) -> list[dict]:
    return [{n: _value(v) for n, v in row.items()} for row in store.rows(sparql)]


def _value(text):
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def collect(store: KGStore) -> dict:
    by_modality = _rows(store, """
        SELECT ?modality (COUNT(?s) AS ?sources) (SUM(IF(?st = "ok", 1, 0)) AS ?ok) (SUM(IF(?st = "failed", 1, 0)) AS ?failed)
        WHERE { ?s a kg:Source ; kg:status ?st . OPTIONAL { ?s kg:modality ?m } BIND(COALESCE(?m, "unknown") AS ?modality) }
        GROUP BY ?modality ORDER BY ?modality""")
    mentions = _rows(store, """
        SELECT ?modality (COUNT(?m) AS ?mentions) WHERE { ?m a kg:Mention ; kg:modality ?modality }
        GROUP BY ?modality ORDER BY ?modality""")
    entities = _rows(store, """
        SELECT ?type (COUNT(DISTINCT ?e) AS ?entities) WHERE { ?e a kg:Entity ; kg:entityType ?type }
        GROUP BY ?type ORDER BY DESC(?entities) ?type""")
    sources = _rows(store, """
        SELECT ?path ?modality ?status (COUNT(?m) AS ?mentions) WHERE {
          GRAPH ?g { ?g a kg:Source ; kg:path ?path ; kg:status ?status . OPTIONAL { ?g kg:modality ?modality }
                     OPTIONAL { ?m a kg:Mention } } }
        GROUP BY ?path ?modality ?status ORDER BY ?path""")
    failures = _rows(store, """
        SELECT ?path ?stage ?code ?reason WHERE { ?s kg:failure ?f ; kg:path ?path .
          ?f kg:stage ?stage ; kg:code ?code ; kg:reason ?reason } ORDER BY ?path""")
    totals = _rows(store, """
        SELECT (COUNT(DISTINCT ?e) AS ?entities) WHERE { ?e a kg:Entity }""")[0]
    return {
        "triples": len(store),
        "entities": totals["entities"],
        "mentions": sum(r["mentions"] for r in mentions),
        "sources_by_modality": by_modality,
        "mentions_by_modality": mentions,
        "entities_by_type": entities,
        "sources": sources,
        "failures": failures,
    }
