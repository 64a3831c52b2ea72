"""Incremental fusion of a store: run after every build, and by ``kgbuild fuse``.

What changed is found by comparing the store's sources with the ones fusion saw last time
(``fusion.sqlite``), so a killed build or a build without fusion is caught up later. Only
the atoms mentioned by changed or removed sources are re-read and re-scored against their
blocks, only the grounding groups holding those sources are redone, and only the clusters
connected to them are re-clustered and re-written: adding a document changes the entities
it touches and nothing else.

Everything fusion writes lives in one named graph, ``kgid:graph/fusion``:

* ``?atom kg:canonical ?entity`` for every named or detected entity (itself when alone), and
  on the canonical entity ``kg:alias`` (the other members' labels) and ``kg:memberCount``;
* ``?a kg:sameAs ?b`` with a ``kg:Merge`` node per accepted link (score, method, features);
* ``?word kg:groundedIn ?box`` with a ``kg:Grounding`` node, and ``?box kg:depicts ?entity``.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..ids import FUSION_GRAPH, mint, normalise_label
from ..store import KGStore
from ..store.rdf import PROV, A, _Graph, kg
from .appearance import look_keys, same_object
from .atoms import Atom
from .context import ContextEncoder
from .evidence import MentionReader, SourceTexts, entity_descriptions, load_atoms
from .grounding import WORD_LABEL, Grounding, ground, groups
from .names import blocking_keys
from .params import FusionParams
from .pending import store_sources
from .resolver import Link, Resolver, pair, resolvable
from .scorer import FusionScorer
from .state import FusionState


@dataclass
class FusionReport:
    sources_changed: int = 0
    sources_removed: int = 0
    atoms_touched: int = 0
    links: int = 0
    clusters: Counter = field(default_factory=Counter)  # size -> count, over re-clustered atoms
    groundings: int = 0
    seconds: float = 0.0
    # kind -> count of evidence that could not be read: texts_missing/texts_unreadable (an atom
    # loses a context), pictures_missing/pictures_unreadable (a detected object loses its look)
    evidence_lost: Counter = field(default_factory=Counter)
    runs: int = 1  # fusion runs this report covers (a build with --fuse-every runs several)

    def then(self, later: FusionReport) -> FusionReport:
        """This run and a later one as one report: counts and time added up; the clusters are
        the later run's (each run re-clusters only what changed, so sizes do not add up)."""
        return FusionReport(self.sources_changed + later.sources_changed, self.sources_removed + later.sources_removed,
                            self.atoms_touched + later.atoms_touched, self.links + later.links, later.clusters,
                            self.groundings + later.groundings, self.seconds + later.seconds,
                            self.evidence_lost + later.evidence_lost, self.runs + later.runs)


class Fuser:
    def __init__(self, store: KGStore, params: FusionParams | None = None) -> None:
        self.store, self.params = store, params or FusionParams()
        self.scorer = FusionScorer.load(self.params.model) if self.params.model else FusionScorer.load()
        self.resolver = Resolver(self.scorer, threshold=self.params.threshold, clash=self.params.clash,
                                 max_block=self.params.max_block, workers=self.params.workers or None)
        self.encoder = ContextEncoder(self.params.encoder) if self.params.context else None
        self.activity = mint("activity", "fusion", self.scorer.version, self.params.model_dump_json())

    def run(self, *, rebuild: bool = False) -> FusionReport:
        started = time.perf_counter()
        report = FusionReport()
        path = self.store.path / "fusion.sqlite"
        if rebuild:
            self.store.drop_graph(FUSION_GRAPH)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        state = FusionState(path)
        try:
            state.begin()
            self._run(state, report)
            state.commit()
        finally:
            state.close()
        self.store.flush()
        report.seconds = time.perf_counter() - started
        return report

    def split(self, a: str, b: str) -> FusionReport:
        """Never put ``a`` and ``b`` in one entity again (a merge undone by hand)."""
        return self.split_pairs([(a, b)])

    def split_pairs(self, pairs: list[tuple[str, str]]) -> FusionReport:
        """:meth:`split` for several pairs at once (one name's atoms in several documents)."""
        report = FusionReport()
        state = FusionState(self.store.path / "fusion.sqlite")
        try:
            state.begin()
            for a, b in pairs:
                state.add_cannot(a, b)
            self._recluster(state, {x for p in pairs for x in p}, report)
            state.commit()
        finally:
            state.close()
        self.store.flush()
        return report

    def _run(self, state: FusionState, report: FusionReport) -> None:
        current = store_sources(self.store)
        known = state.sources()
        changed = {g for g, (fp, _, _) in current.items() if known.get(g) != fp}
        removed = set(known) - set(current)
        report.sources_changed, report.sources_removed = len(changed), len(removed)
        if not changed and not removed:
            return
        reader = MentionReader(self.store)
        touched = {m.entity for m in reader.of_sources(changed) if m.entity}
        touched |= state.atoms_of_sources(changed | removed)
        fresh = load_atoms(self.store, touched, self.encoder, reader=reader, lost=report.evidence_lost)
        self._name_company(fresh)
        report.atoms_touched = len(touched)
        for iri in sorted(touched):
            state.drop_model_links(iri)
            if iri in fresh:
                atom = fresh[iri]
                state.put_atom(atom, blocking_keys(atom.label, atom.entity_type) if resolvable(atom) else
                               look_keys(atom.label, atom.look) if atom.look else set())
            else:
                state.drop_atom(iri)
        affected = set(touched)
        scores: dict[tuple[str, str], float] = {}  # this run's pair scores, reused by the conflict checks
        links = self._model_links(state, fresh, scores) + self._appearance_links(state, fresh)
        state.add_links(links, "model")
        report.links = len(links)
        if self.params.grounding:
            affected |= self._ground(state, current, changed | removed, report, reader)
        self._recluster(state, affected, report, scores)
        state.set_sources({g: fp for g, (fp, _, _) in current.items()})

    def _name_company(self, fresh: dict[str, Atom]) -> None:
        """An atom's neighbours by name, not by entity IRI: entities are per document, so the
        "Lagos" beside one Daniel Okafor and the "Lagos" beside another are two IRIs but one
        piece of shared company (the pair model is trained on names too)."""
        company = {n for atom in fresh.values() for n in atom.neighbours}
        names = {iri: normalise_label(label) for iri, (label, _, _) in entity_descriptions(self.store, company).items()}
        for atom in fresh.values():
            own = normalise_label(atom.label)
            atom.neighbours = frozenset({names[n] for n in atom.neighbours if names.get(n)} - {own})

    def _model_links(self, state: FusionState, fresh, scores: dict[tuple[str, str], float]) -> list[Link]:
        focus = [iri for iri, a in fresh.items() if resolvable(a)]
        keys = {k: None for iri in focus for k in blocking_keys(fresh[iri].label, fresh[iri].entity_type)}
        index = state.block(keys)
        atoms = state.atoms({iri for members in index.values() for iri in members})
        return self.resolver.links(atoms, self.resolver.candidate_pairs(atoms, focus=focus, index=index), scores)

    def _appearance_links(self, state: FusionState, fresh) -> list[Link]:
        """Detected objects in copies of one picture (see .appearance)."""
        out = {}
        for iri, atom in sorted(fresh.items()):
            if not (atom.detected and atom.look):
                continue
            others = {o for members in state.block(look_keys(atom.label, atom.look)).values() for o in members} - {iri}
            for other in state.atoms(others).values():
                score = same_object(atom.look, other.look) if other.look and not (other.sources & atom.sources) else None
                if score is not None and score >= self.params.threshold:
                    out[pair(iri, other.iri)] = Link(*pair(iri, other.iri), score, "appearance")
        return list(out.values())

    def _ground(self, state: FusionState, current, dirty: set[str], report: FusionReport,
                reader: MentionReader) -> set[str]:
        now = groups({g: (path, mod) for g, (_, path, mod) in current.items()})
        before = state.groups()
        redo = {k for k, members in now.items() if before.get(k) != members or dirty & set(members)}
        redo |= set(before) - set(now)
        affected: set[str] = set()
        texts = SourceTexts(self.store, report.evidence_lost)
        for key in sorted(redo):
            old = state.links_of_owner(f"group:{key}")
            affected.update(x for link in old for x in (link.a, link.b))
            state.replace_links(f"group:{key}", [])
            members = now.get(key)
            found = (ground(key, reader.of_sources(members), self.params.slack, texts.get)
                     if members else [])
            # a name grounded to a box (a person in view, or a name set beside "a cat") is that thing
            new_links = [Link(*pair(g.said.entity, g.seen.entity), g.confidence, "grounding")
                         for g in found if g.said.entity and g.seen.entity and g.said.label != WORD_LABEL]
            state.replace_links(f"group:{key}", new_links)
            affected.update(x for link in new_links for x in (link.a, link.b))
            self._write(state, f"group:{key}", self._grounding_quads(found))
            state.set_group(key, members)
            report.groundings += len(found)
        return affected

    def _recluster(self, state: FusionState, affected: set[str], report: FusionReport,
                   scores: dict[tuple[str, str], float] | None = None) -> None:
        component, frontier = set(), set(affected)
        while frontier:  # everything connected to what changed, through old clusters and current links
            iri = frontier.pop()
            if iri in component:
                continue
            component.add(iri)
            canon = state.canonical(iri)
            nxt = set(state.members(canon)) if canon else set()
            nxt |= {x for k in state.links_of([iri]) if k.score >= self.params.threshold for x in (k.a, k.b)}
            frontier |= nxt - component
        atoms = state.atoms(component)
        links = [k for k in state.links_of(atoms) if k.score >= self.params.threshold and k.a in atoms and k.b in atoms]
        # the atoms read back from the state are the ones just scored: same features, same scores
        mapping = self.resolver.cluster(atoms, links, state.cannot(), scores)
        for iri in component - set(atoms):
            state.drop_canon(iri)
            self._write(state, f"atom:{iri}", [])
        state.set_canon(mapping)
        sizes = Counter(mapping.values())
        report.clusters.update(Counter(sizes.values()))
        for iri, canon in sorted(mapping.items()):
            self._write(state, f"atom:{iri}", self._atom_quads(iri, canon, atoms, mapping, links))

    # quads ---------------------------------------------------------------------------

    def _atom_quads(self, iri: str, canon: str, atoms, mapping, links) -> list[ox.Quad]:
        g = _Graph(FUSION_GRAPH)
        g.add(iri, kg("canonical"), ox.NamedNode(canon))
        members = sorted(m for m, c in mapping.items() if c == canon)
        if iri == canon and len(members) > 1:
            g.add(iri, kg("memberCount"), len(members))
            for label in sorted({atoms[m].label for m in members if m != iri and not atoms[m].detected} - {atoms[iri].label}):
                g.add(iri, kg("alias"), label)
        for link in links:  # each merge is written once, by its first atom
            if link.a == iri and mapping.get(link.b) == canon:
                node = mint("merge", link.a, link.b, link.method)
                g.add(link.a, kg("sameAs"), ox.NamedNode(link.b))
                g.add(node, A, kg("Merge"))
                g.add(node, kg("member"), ox.NamedNode(link.a))
                g.add(node, kg("member"), ox.NamedNode(link.b))
                g.add(node, kg("score"), float(link.score))
                g.add(node, kg("method"), link.method)
                g.add(node, ox.NamedNode(PROV + "wasGeneratedBy"), ox.NamedNode(self.activity))
        return g.quads

    def _grounding_quads(self, found: list[Grounding]) -> list[ox.Quad]:
        g = _Graph(FUSION_GRAPH)
        for gr in found:
            node = mint("grounding", gr.said.iri, gr.seen.iri)
            g.add(gr.said.iri, kg("groundedIn"), ox.NamedNode(gr.seen.iri))
            g.add(node, A, kg("Grounding"))
            g.add(node, kg("mention"), ox.NamedNode(gr.said.iri))
            g.add(node, kg("region"), ox.NamedNode(gr.seen.iri))
            g.add(node, kg("confidence"), float(gr.confidence))
            g.add(node, kg("method"), gr.method)
            for src in sorted({gr.said.source, gr.seen.source}):
                g.add(node, ox.NamedNode(PROV + "wasDerivedFrom"), ox.NamedNode(src))
            g.add(node, ox.NamedNode(PROV + "wasGeneratedBy"), ox.NamedNode(self.activity))
            if gr.said.entity and gr.said.label != WORD_LABEL:
                g.add(gr.seen.iri, kg("depicts"), ox.NamedNode(gr.said.entity))
        return g.quads

    def _write(self, state: FusionState, owner: str, quads: list[ox.Quad]) -> None:
        """Withdraw exactly what this owner wrote last time, then write its new quads."""
        old = state.written(owner)
        if old:
            self.store.remove(ox.parse(("\n".join(old) + "\n").encode(), format=ox.RdfFormat.N_QUADS))
        self.store.add(quads)
        state.set_written(owner, [f"{q} ." for q in quads])


def fuse(store: KGStore, params: FusionParams | None = None, *, rebuild: bool = False) -> FusionReport:
    return Fuser(store, params).run(rebuild=rebuild)
