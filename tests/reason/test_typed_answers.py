"""Link prediction answers respect what the graph says: answers of the types a relation has
been stated with, a note when asked outside them, and never the inverse of a stated fact of
an asymmetric relation (predict and infer). A run whose model gives fixed probabilities."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from kgbuild.errors import AmbiguousEntity
from kgbuild.ids import NS
from kgbuild.reason.data import KGGraph
from kgbuild.reason.infer import candidate_links
from kgbuild.reason.runs import Run

ENTITIES = ["alice", "bob", "acme", "globex", "paris", "cup", "table", "chair"]
TYPES = ["PERSON", "PERSON", "ORG", "ORG", "GPE", "OBJECT", "OBJECT", "OBJECT"]
LABELS = ["Alice Moreau", "Bob Stone", "Acme Corp", "Globex", "Paris", "cup", "dining table", "chair"]
RELATIONS = [NS + "worksFor", NS + "inside", NS + "near"]
E = {name: i for i, name in enumerate(ENTITIES)}
WORKS, INSIDE, NEAR = 0, 1, 2
TRIPLES = [(E["alice"], WORKS, E["acme"]), (E["bob"], WORKS, E["globex"]),
           (E["cup"], INSIDE, E["table"]),
           (E["cup"], NEAR, E["chair"]), (E["chair"], NEAR, E["cup"])]  # near: stated both ways
# The model's beliefs: (entity, relation id, R + relation for a head query) -> {answer: probability}
BELIEFS = {
    (E["alice"], WORKS): {"bob": 0.6, "globex": 0.3, "acme": 0.05},  # a PERSON first: must not be an answer
    (E["table"], INSIDE): {"cup": 0.98, "chair": 0.01},  # the inverse of the stated fact
    (E["chair"], INSIDE): {"table": 0.9},
    (E["table"], INSIDE + 3): {"cup": 0.5, "chair": 0.45},  # (?, inside, table)
    (E["cup"], INSIDE + 3): {"table": 0.97},  # (?, inside, cup): the table, the inverse again
    (E["chair"], NEAR): {"table": 0.8},
    (E["table"], NEAR): {"chair": 0.8},
}


class FixedRun(Run):
    def probabilities(self, entity: torch.Tensor, relation: torch.Tensor) -> torch.Tensor:
        out = torch.full((len(entity), len(ENTITIES)), 0.001)
        for row, (e, r) in enumerate(zip(entity.tolist(), relation.tolist())):
            for name, p in BELIEFS.get((e, r), {}).items():
                out[row, E[name]] = p
        return out

    def embeddings(self) -> torch.Tensor:
        return torch.eye(len(ENTITIES))


@pytest.fixture
def run(tmp_path: Path) -> FixedRun:
    graph = KGGraph(ENTITIES, LABELS, TYPES, RELATIONS, torch.tensor(TRIPLES, dtype=torch.long))
    return FixedRun(tmp_path / "run-1", graph, None, {}, {})  # type: ignore[arg-type]  # no model: fixed beliefs


def test_answers_have_the_relations_types(run):
    answers = run.predict(E["alice"], WORKS, k=3)
    assert [a["label"] for a in answers] == ["Globex", "Acme Corp"]  # no PERSON; every ORG
    assert answers[1]["known"]
    everything = run.predict(E["alice"], WORKS, k=3, typed=False)
    assert everything[0]["label"] == "Bob Stone"
    assert run.type_note(E["alice"], WORKS) is None
    note = run.type_note(E["paris"], WORKS)
    assert note is not None and "Paris is GPE" in note and "PERSON" in note


def test_predict_never_answers_with_the_inverse_of_a_stated_fact(run):
    assert "cup" not in [a["label"] for a in run.predict(E["table"], INSIDE, k=5)]
    assert "dining table" not in [a["label"] for a in run.predict(E["cup"], INSIDE, k=5, heads=True)]
    assert run.predict(E["table"], INSIDE, k=5, heads=True)[0]["label"] == "cup"  # the stated fact itself


def test_infer_writes_no_inverse_of_an_asymmetric_fact(run):
    links = {(ENTITIES[x["head"]], x["relation"], ENTITIES[x["tail"]]) for x in candidate_links(run, min_score=0.5)}
    assert ("table", INSIDE, "cup") not in links  # the cup is inside the table
    assert ("chair", INSIDE, "table") in links
    assert ("chair", NEAR, "table") in links and ("table", NEAR, "chair") in links  # near is symmetric


def test_infer_keeps_the_likelier_of_two_opposite_links(run):
    BELIEFS[(E["table"], INSIDE)] = {**BELIEFS[(E["table"], INSIDE)], "chair": 0.7}
    try:
        links = {(ENTITIES[x["head"]], ENTITIES[x["tail"]]) for x in candidate_links(run, min_score=0.5)
                 if x["relation"] == INSIDE}
    finally:
        BELIEFS[(E["table"], INSIDE)]["chair"] = 0.01
    assert ("chair", "table") in links and ("table", "chair") not in links


def test_entities_are_found_by_forgiving_names(run):
    g = run.graph
    assert g.entity_id("Alice Moreau") == E["alice"]
    assert g.entity_id("moreau") == E["alice"]
    assert g.entity_id("Globecks") == E["globex"]  # heard, not read
    assert g.entity_id("ACME Corporation", {ENTITIES[E["acme"]]: ["ACME Corporation"]}) == E["acme"]  # an alias
    with pytest.raises(AmbiguousEntity):
        KGGraph(["a", "b"], ["cat", "Cat"], ["OBJECT", "ORG"], [], torch.zeros((0, 3), dtype=torch.long)).entity_id("cat")
