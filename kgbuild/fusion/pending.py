"""Has fusion seen every source the store holds now? A cheap check, for builds that changed
nothing: it reads fusion's state file and the store's source list, and loads no model (the
pair scorer imports torch, seconds of a no-op rebuild)."""

from __future__ import annotations

import sqlite3

from ..store import KGStore


def store_sources(store: KGStore) -> dict[str, tuple[str, str, str]]:
    """OK sources: IRI -> (fingerprint, first path, modality)."""
    out = {}
    for r in store.rows("""SELECT ?g ?fp (MIN(?p) AS ?path) ?mod WHERE { GRAPH ?g { ?g a kg:Source ;
                              kg:status "ok" ; kg:modality ?mod . OPTIONAL { ?g kg:pipelineFingerprint ?fp }
                              OPTIONAL { ?g kg:path ?p } } } GROUP BY ?g ?fp ?mod"""):
        out[r["g"]] = (r["fp"] or "", r["path"] or "", r["mod"])
    return out


def fusion_pending(store: KGStore) -> bool:
    """True when a source was added, changed or removed since fusion last ran."""
    path = store.path / "fusion.sqlite"
    if not path.exists():
        return bool(store_sources(store))
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        known = dict(db.execute("SELECT graph, fingerprint FROM sources"))
    except sqlite3.Error:
        return True  # an older or damaged state: let fusion decide
    finally:
        db.close()
    current = {g: fp for g, (fp, _, _) in store_sources(store).items()}
    return known != current
