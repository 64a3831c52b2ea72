"""The store's entity–relation graph as PyG tensors, with a stable id mapping.

What counts as an edge: every extracted ``kg:Relation`` node (``kg:inferred`` not true)
between two ``kg:Entity`` nodes — trained relations, open relations, image scene relations —
and fusion's groundings (``?box kg:depicts ?entity``: the detected object's entity
``kg:depicts`` the named entity), so literals (dates as values, amounts),
mentions, sources and provenance nodes never enter the graph, and inferred links never train
the model that inferred them. Entities merged by fusion (``?e kg:canonical ?c``) are replaced by
their canonical entity, so the graph is over canonical entities.

Ids are positions in IRI-sorted lists: the same graph always gives the same ids, and
``entities.tsv``/``relations.tsv`` beside a model run map them back.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import EntityNotFound, StoreError
from ..ids import NS, OPEN_NS

_CANON = "OPTIONAL {{ ?{v}0 kg:canonical ?{v}c }} BIND(COALESCE(?{v}c, ?{v}0) AS ?{v})"

ENTITY_QUERY = f"""SELECT DISTINCT ?e ?label ?type WHERE {{
    ?e0 a kg:Entity . {_CANON.format(v="e")}
    OPTIONAL {{ ?e rdfs:label ?l1 }} OPTIONAL {{ ?e0 rdfs:label ?l0 }} BIND(COALESCE(?l1, ?l0) AS ?label)
    OPTIONAL {{ ?e kg:entityType ?t1 }} OPTIONAL {{ ?e0 kg:entityType ?t0 }} BIND(COALESCE(?t1, ?t0) AS ?type)
}}"""

EDGE_QUERY = f"""SELECT DISTINCT ?s ?p ?o WHERE {{
    {{ ?r a kg:Relation ; kg:subject ?s0 ; kg:predicate ?p ; kg:object ?o0 .
       FILTER NOT EXISTS {{ ?r kg:inferred true }} }}
    UNION
    {{ ?box kg:depicts ?o0 ; kg:refersTo ?s0 . BIND(kg:depicts AS ?p) }}
    ?s0 a kg:Entity . ?o0 a kg:Entity .
    {_CANON.format(v="s")} {_CANON.format(v="o")}
    FILTER (?s != ?o)
}}"""


@dataclass
class KGGraph:
    entities: list[str]          # IRIs; the index is the id
    labels: list[str]
    types: list[str]
    relations: list[str]         # predicate IRIs; the index is the id
    triples: torch.Tensor        # [n, 3] long (head, relation, tail)

    @property
    def num_entities(self) -> int:
        return len(self.entities)

    @property
    def num_relations(self) -> int:
        return len(self.relations)

    def to_pyg(self, features: torch.Tensor | None = None):
        """A ``torch_geometric.data.Data`` with typed ``edge_index``/``edge_type`` (inverse edges
        typed ``r + R``) and ``x`` the node features when given."""
        from torch_geometric.data import Data

        from .link_predictor import LinkPredictor

        edge_index, edge_type = LinkPredictor.message_graph(self.triples, self.num_relations)
        return Data(edge_index=edge_index, edge_type=edge_type, num_nodes=self.num_entities, x=features)

    # id mapping ---------------------------------------------------------------------

    def save_mapping(self, folder: Path) -> None:
        with open(folder / "entities.tsv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter="\t", lineterminator="\n")
            w.writerow(["id", "iri", "label", "type"])
            for i, (iri, label, kind) in enumerate(zip(self.entities, self.labels, self.types)):
                w.writerow([i, iri, label, kind])
        with open(folder / "relations.tsv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter="\t", lineterminator="\n")
            w.writerow(["id", "iri", "name"])
            for i, iri in enumerate(self.relations):
                w.writerow([i, iri, short_name(iri)])
        with open(folder / "triples.tsv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter="\t", lineterminator="\n")
            for h, r, t in self.triples.tolist():
                w.writerow([h, r, t])

    @classmethod
    def load_mapping(cls, folder: Path) -> KGGraph:
        with open(folder / "entities.tsv", encoding="utf-8") as fh:
            ents = list(csv.DictReader(fh, delimiter="\t"))
        with open(folder / "relations.tsv", encoding="utf-8") as fh:
            rels = list(csv.DictReader(fh, delimiter="\t"))
        rows = [list(map(int, line.split("\t"))) for line in (folder / "triples.tsv").read_text().splitlines() if line]
        return cls([e["iri"] for e in ents], [e["label"] for e in ents], [e["type"] for e in ents],
                   [r["iri"] for r in rels], torch.tensor(rows, dtype=torch.long).view(-1, 3))

    # look-ups -------------------------------------------------------------------------

    def entity_id(self, name: str, aliases: dict[str, list[str]] | None = None) -> int:
        """An entity from its IRI, label, an alias (``aliases``: IRI -> other names, e.g. from
        :func:`kgbuild.graph.resolve.entity_names`) or a near spelling (kgbuild.graph.resolve):
        EntityNotFound with suggestions, or AmbiguousEntity with the candidates."""
        from ..graph.resolve import EntityResolver

        if name in self.entities:
            return self.entities.index(name)
        degree = torch.bincount(self.triples[:, [0, 2]].flatten(), minlength=self.num_entities).tolist()
        resolver = EntityResolver()
        for i, (iri, label, kind) in enumerate(zip(self.entities, self.labels, self.types)):
            resolver.add(iri, label, kind, int(degree[i]), (aliases or {}).get(iri, ()))
        return self.entities.index(resolver.resolve(name, what="entity of the model's graph"))

    def relation_types(self, relation: int) -> tuple[set[str], set[str]]:
        """The entity types a relation has been stated with: (subject types, object types)."""
        facts = self.triples[self.triples[:, 1] == relation]
        return ({self.types[h] for h in facts[:, 0].tolist()}, {self.types[t] for t in facts[:, 2].tolist()})

    def stated_pairs(self, relation: int) -> set[tuple[int, int]]:
        return {(h, t) for h, t in self.triples[self.triples[:, 1] == relation][:, [0, 2]].tolist()}

    def symmetric(self, relation: int) -> bool:
        """Whether the graph states some fact of this relation both ways (a near b, b near a):
        otherwise the relation is taken as asymmetric (inside, worksFor), and the inverse of a
        stated fact is never predicted or written."""
        pairs = self.stated_pairs(relation)
        return any((t, h) in pairs for h, t in pairs if h != t)

    def relation_id(self, name: str) -> int:
        """A relation from its IRI, ``kg:x``/``open:x``, or its local name."""
        for prefix, ns in (("kg:", NS), ("open:", OPEN_NS)):
            if name.startswith(prefix):
                name = ns + name[len(prefix):]
        if name in self.relations:
            return self.relations.index(name)
        wanted = name.casefold()
        found = [i for i, iri in enumerate(self.relations)
                 if wanted in (short_name(iri).casefold(), short_name(iri).split(":", 1)[-1].casefold())]
        if not found:
            raise EntityNotFound(f"no relation '{name}' in the model's graph",
                                 hint="relations: " + ", ".join(short_name(r) for r in self.relations[:30]))
        return found[0]


def short_name(iri: str) -> str:
    if iri.startswith(NS):
        return "kg:" + iri[len(NS):]
    if iri.startswith(OPEN_NS):
        return "open:" + iri[len(OPEN_NS):]
    return iri


def load_graph(store) -> KGGraph:
    """Read a :class:`~kgbuild.store.KGStore` into a :class:`KGGraph`."""
    info: dict[str, tuple[str, str]] = {}
    for row in store.rows(ENTITY_QUERY):
        label, kind = info.get(row["e"], ("", ""))
        info[row["e"]] = (label or row["label"] or "", kind or row["type"] or "")
    edges = {(row["s"], row["p"], row["o"]) for row in store.rows(EDGE_QUERY)}
    if not edges:
        raise StoreError("the store has no relations between entities to learn from",
                         hint="build with the relation stages (text relations, scene relations) first")
    for s, _, o in edges:  # a canonical entity without a description of its own
        info.setdefault(s, ("", ""))
        info.setdefault(o, ("", ""))
    entities = sorted(info)
    relations = sorted({p for _, p, _ in edges})
    e_id = {e: i for i, e in enumerate(entities)}
    r_id = {r: i for i, r in enumerate(relations)}
    triples = torch.tensor(sorted((e_id[s], r_id[p], e_id[o]) for s, p, o in edges), dtype=torch.long)
    return KGGraph(entities, [info[e][0] for e in entities], [info[e][1] for e in entities], relations, triples)
