"""Keeping a store healthy: ``check`` compares the RDF store with the ingest state and
looks for dangling references; ``prune`` removes sources whose files are gone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..fusion.canonical import FUSION_GRAPH
from ..ids import NS, source_iri
from ..media.discovery import discover
from ..store import KGStore
from ..store.ingest_state import IngestState
from ..store.rdf import ENTITIES_GRAPH
from .stage_cache import StageCache


@dataclass
class CheckReport:
    sources: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(store: KGStore) -> CheckReport:
    report = CheckReport()
    state = IngestState(store.state_path)
    recorded = state.sources()
    report.sources = len(recorded)
    graphs: dict[str, dict] = {}
    for r in store.rows("""SELECT ?g ?sha (GROUP_CONCAT(DISTINCT ?status; separator="|") AS ?statuses)
            (GROUP_CONCAT(DISTINCT ?path; separator="\\u0000") AS ?paths) WHERE {
            GRAPH ?g { ?g a kg:Source ; kg:status ?status . OPTIONAL { ?g kg:sha256 ?sha } OPTIONAL { ?g kg:path ?path } } }
            GROUP BY ?g ?sha"""):
        graphs[r["g"]] = r
    for sha, rec in sorted(recorded.items()):
        g = graphs.get(source_iri(sha))
        if g is None:
            report.problems.append(f"state records {sha[:12]}… ({', '.join(state.paths_of(sha))}) but the store has no graph for it")
            continue
        if g["statuses"] != rec.status:
            report.problems.append(f"{sha[:12]}…: status '{g['statuses']}' in the store, '{rec.status}' in the state")
        store_paths = set(filter(None, (g["paths"] or "").split("\u0000")))
        if store_paths != set(state.paths_of(sha)):
            report.problems.append(f"{sha[:12]}…: paths {sorted(store_paths)} in the store, "
                                   f"{state.paths_of(sha)} in the state")
    for iri, g in sorted(graphs.items()):
        if "|" in (g["statuses"] or ""):
            report.problems.append(f"{iri}: more than one kg:status ({g['statuses']})")
        if g["sha"] and g["sha"] not in recorded:
            report.problems.append(f"{iri}: a source graph the state does not know (an interrupted write?)")
    seen_paths: dict[str, str] = {}
    for iri, g in graphs.items():
        for path in filter(None, (g["paths"] or "").split("\u0000")):
            if path in seen_paths and g["sha"]:
                report.problems.append(f"path '{path}' is claimed by two sources: {seen_paths[path]} and {iri}")
            seen_paths[path] = iri
    for r in store.rows(f"""SELECT DISTINCT ?m ?e WHERE {{ ?m kg:refersTo ?e .
            FILTER NOT EXISTS {{ GRAPH <{ENTITIES_GRAPH}> {{ ?e a kg:Entity }} }} }} LIMIT 50"""):
        report.problems.append(f"mention {r['m']} refers to {r['e']}, which is not in the entities graph")
    if (store.path / "fusion.sqlite").exists():
        for r in store.rows(f"""SELECT DISTINCT ?e WHERE {{ ?m kg:refersTo ?e .
                FILTER NOT EXISTS {{ GRAPH <{FUSION_GRAPH}> {{ ?e kg:canonical ?c }} }} }} LIMIT 20"""):
            report.problems.append(f"entity {r['e']} has no kg:canonical: fusion has not caught up "
                                   f"(run kgbuild fuse --store {store.path})")
    state.close()
    return report


@dataclass
class PruneReport:
    removed_paths: list[str] = field(default_factory=list)
    removed_sources: list[str] = field(default_factory=list)
    removed_entities: int = 0


def prune(store: KGStore, corpus: str | Path, *, dry_run: bool = False) -> PruneReport:
    """Forget paths that no longer exist under ``corpus``; drop sources no path holds any
    more, their snapshots, and entities nothing refers to."""
    report = PruneReport()
    present = {src.relpath for src in discover(corpus).sources}
    state = IngestState(store.state_path)
    cache = StageCache(store.cache_path)
    paths = state.paths()
    for path, sha in sorted(paths.items()):
        if path in present:
            continue
        report.removed_paths.append(path)
        if dry_run:
            # What the real run removes: a source none of whose paths is left, and then the
            # entities nothing outside those sources' graphs refers to.
            if all(p not in present for p, s in paths.items() if s == sha) and sha not in report.removed_sources:
                report.removed_sources.append(sha)
            continue
        store.remove_path(source_iri(sha), path)
        orphan = state.remove_path(path)
        if orphan:
            report.removed_sources.append(orphan)
            state.forget_source(orphan)
            cache.drop(orphan)
    state.close()
    if dry_run:
        report.removed_entities = len(orphan_entities(store, [source_iri(sha) for sha in report.removed_sources]))
    else:
        report.removed_entities = remove_orphan_entities(store)
        store.flush()
    return report


def orphan_entities(store: KGStore, without_graphs: Sequence[str] = ()) -> list[str]:
    """Entities that no mention refers to and no relation names, once the named graphs
    ``without_graphs`` are gone (none: as the store is now)."""
    outside = f"FILTER(?g NOT IN ({', '.join(f'<{g}>' for g in without_graphs)}))" if without_graphs else ""
    return [r["e"] for r in store.rows(f"""SELECT DISTINCT ?e WHERE {{ GRAPH <{ENTITIES_GRAPH}> {{ ?e a kg:Entity }}
            FILTER NOT EXISTS {{ GRAPH ?g {{ ?m kg:refersTo ?e }} {outside} }}
            FILTER NOT EXISTS {{ GRAPH ?g {{ ?r kg:subject|kg:object ?e }} {outside} }} }}""")]


def remove_orphan_entities(store: KGStore) -> int:
    """Entities that no mention refers to and no relation names."""
    orphans = orphan_entities(store)
    graph = ox.NamedNode(ENTITIES_GRAPH)
    for iri in orphans:
        for quad in list(store._store.quads_for_pattern(ox.NamedNode(iri), None, None, graph)):
            store._store.remove(quad)
    return len(orphans)


__all__ = ["CheckReport", "PruneReport", "check", "orphan_entities", "prune", "remove_orphan_entities", "NS"]
