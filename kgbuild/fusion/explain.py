"""Explaining and undoing fusion: which entities one canonical entity is made of, which
links joined them (score and method), and splitting two that should stay apart."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ..errors import QueryError
from ..ids import FUSION_GRAPH, ID_BASE
from ..store import KGStore
from .params import FusionParams


def find_entity(store: KGStore, label_or_iri: str, *, canonical: bool = True) -> str:
    """The entity a label, alias, near spelling or IRI names (kgbuild.graph.resolve): with
    ``canonical``, fusion's canonical entity; without, the member whose own label it is."""
    from ..graph.resolve import EntityResolver

    if label_or_iri.startswith(ID_BASE):
        return label_or_iri
    return EntityResolver.from_store(store, canonical=canonical).resolve(label_or_iri)


def explanation(store: KGStore, label_or_iri: str) -> dict:
    atom = find_entity(store, label_or_iri)
    g = f"<{FUSION_GRAPH}>"
    canon = next(iter(store.rows(f"SELECT ?c WHERE {{ GRAPH {g} {{ <{atom}> kg:canonical ?c }} }}")), {"c": atom})["c"]
    members = list(store.rows(f"""SELECT ?a ?l ?t (COUNT(DISTINCT ?m) AS ?n) (GROUP_CONCAT(DISTINCT ?mod) AS ?mods)
        WHERE {{ GRAPH {g} {{ ?a kg:canonical <{canon}> }} OPTIONAL {{ ?a rdfs:label ?l }} OPTIONAL {{ ?a kg:entityType ?t }}
                 OPTIONAL {{ ?m kg:refersTo ?a ; kg:modality ?mod }} }} GROUP BY ?a ?l ?t ORDER BY ?a"""))
    merges = list(store.rows(f"""SELECT ?x ?y ?score ?method WHERE {{ GRAPH {g} {{ ?mg a kg:Merge ; kg:score ?score ;
        kg:method ?method ; kg:member ?x, ?y . ?x kg:canonical <{canon}> FILTER(STR(?x) < STR(?y)) }} }}
        ORDER BY DESC(?score)"""))
    return {"canonical": canon, "members": members, "merges": merges}


def print_explanation(store: KGStore, label_or_iri: str) -> None:
    info = explanation(store, label_or_iri)
    console = Console()
    labels = {m["a"]: m["l"] or m["a"].rsplit("/", 1)[1][:8] for m in info["members"]}
    table = Table(title=f"canonical entity {info['canonical']}")
    for col in ("member", "label", "type", "mentions", "modalities"):
        table.add_column(col, overflow="fold")
    for m in info["members"]:
        table.add_row(m["a"], m["l"] or "", m["t"] or "", m["n"], m["mods"] or "")
    console.print(table)
    if info["merges"]:
        merges = Table(title="links that joined them (undo one: kgbuild fuse --split A B)")
        for col in ("a", "b", "score", "method"):
            merges.add_column(col)
        for m in info["merges"]:
            merges.add_row(labels.get(m["x"], m["x"]), labels.get(m["y"], m["y"]), m["score"], m["method"])
        console.print(merges)
    missed = near_misses(store, info["canonical"], [m["a"] for m in info["members"]])
    if missed:
        kept = Table(title="compared and kept apart (the pair model's score now; links need >= the threshold)")
        for col in ("member", "other entity", "score", "context cosine", "type agree", "same document"):
            kept.add_column(col)
        for r in missed:
            kept.add_row(f"{r['a']} ({r['a_type']})", f"{r['b']} ({r['b_type']})", f"{r['score']:.3f}",
                         f"{r['context']:.2f}", f"{r['type_agree']:.1f}", "yes" if r["same_source"] else "no")
        console.print(kept)


def near_misses(store: KGStore, canon: str, members: list[str], limit: int = 8) -> list[dict]:
    """Candidate pairs between this entity's members and atoms outside it, scored again by
    the pair model (with the resolver's rule for one name in two documents): what was
    compared and kept apart, with the features that decided."""
    from .features import FEATURES, pair_features
    from .names import blocking_keys
    from .resolver import Resolver, resolvable
    from .scorer import FusionScorer
    from .state import FusionState

    path = store.path / "fusion.sqlite"
    if not path.exists():
        return []
    state = FusionState(path)
    try:
        mine = state.atoms(members)
        keys = {k for a in mine.values() if resolvable(a) for k in blocking_keys(a.label, a.entity_type)}
        others = state.atoms({iri for ms in state.block(keys).values() for iri in ms} - set(members))
    finally:
        state.close()
    resolver = Resolver(FusionScorer.load())
    out = []
    for a in mine.values():
        for b in others.values():
            if not (resolvable(a) and resolvable(b)):
                continue
            if not blocking_keys(a.label, a.entity_type) & blocking_keys(b.label, b.entity_type):
                continue
            f = pair_features(a, b)
            p = resolver.name_prior(a, b, float(resolver.scorer.probability(f[None])[0]), f)
            feats = dict(zip(FEATURES, f.tolist()))
            out.append({"a": a.label, "a_type": a.entity_type, "b": b.label, "b_type": b.entity_type, "score": p,
                        "context": feats["context_cosine"], "type_agree": feats["type_agree"],
                        "same_source": feats["same_source"]})
    return sorted(out, key=lambda r: -r["score"])[:limit]


def members_named(store: KGStore, label_or_iri: str) -> list[str]:
    """The entities (atoms, not canonical entities) a label or IRI names: a name written in
    several documents is one atom per document (the linker scopes names to documents)."""
    from ..graph.resolve import EntityResolver

    if label_or_iri.startswith(ID_BASE):
        return [label_or_iri]
    return EntityResolver.from_store(store, canonical=False).resolve_all(label_or_iri)


def split(store: KGStore, a: str, b: str, params: FusionParams | None = None) -> None:
    """Keep what ``a`` names apart from what ``b`` names. Where a name has an atom in several
    documents, the pairs that fusion put in one entity are split (all pairs when none was)."""
    from .fuse import Fuser

    firsts, seconds = members_named(store, a), members_named(store, b)
    if set(firsts) & set(seconds):
        raise QueryError(f"'{a}' and '{b}' are one entity ({sorted(set(firsts) & set(seconds))[0]}): nothing to split",
                         hint="name two different entities: their labels, 'NAME [TYPE]', or IRIs")
    canon = _canonical_of(store, [*firsts, *seconds])
    pairs = [(x, y) for x in firsts for y in seconds]
    joined = [(x, y) for x, y in pairs if canon.get(x, x) == canon.get(y, y)]
    Fuser(store, params).split_pairs(joined or pairs)


def _canonical_of(store: KGStore, iris: list[str]) -> dict[str, str]:
    values = " ".join(f"<{i}>" for i in iris)
    return {r["a"]: r["c"] for r in store.rows(
        f"SELECT ?a ?c WHERE {{ VALUES ?a {{ {values} }} GRAPH <{FUSION_GRAPH}> {{ ?a kg:canonical ?c }} }}")}
