"""Explaining and undoing fusion: which entities one canonical entity is made of, which
links joined them (score and method), and splitting two that should stay apart."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ..errors import QueryError
from ..ids import FUSION_GRAPH, ID_BASE
from ..store import KGStore
from .params import FusionParams


def find_entity(store: KGStore, label_or_iri: str) -> str:
    if label_or_iri.startswith(ID_BASE):
        return label_or_iri
    lit = label_or_iri.replace("\\", "\\\\").replace('"', '\\"')
    rows = list(store.rows(f"""SELECT ?e (COUNT(?m) AS ?n) WHERE {{ ?e a kg:Entity ; rdfs:label ?l .
                                 FILTER(LCASE(STR(?l)) = LCASE("{lit}")) OPTIONAL {{ ?m kg:refersTo ?e }} }}
                               GROUP BY ?e ORDER BY DESC(?n) ?e"""))
    if not rows:
        raise QueryError(f"no entity labelled '{label_or_iri}' in {store.path}",
                         hint="kgbuild query --store DIR 'SELECT ?l WHERE { ?e rdfs:label ?l }' lists labels")
    return rows[0]["e"]


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


def split(store: KGStore, a: str, b: str, params: FusionParams | None = None) -> None:
    from .fuse import Fuser

    Fuser(store, params).split(find_entity(store, a), find_entity(store, b))
