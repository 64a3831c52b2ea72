"""The standard link-prediction benchmarks Nations, Kinships and UMLS, read from the files the
PyPI ``pykeen`` package ships (``pykeen/datasets/<name>/{train,valid,test}.txt``): no download.

Ids follow PyKEEN's own mapping (labels sorted), so kgbuild and the PyKEEN models in
``bench/linkpred.py`` are trained and tested on exactly the same triples.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import ConfigError, MissingDependencyError

DATASETS = ("nations", "kinships", "umls")


@dataclass
class TripleSplits:
    name: str
    entities: list[str]
    relations: list[str]
    train: torch.Tensor  # [n, 3] long (head, relation, tail)
    valid: torch.Tensor
    test: torch.Tensor
    raw: dict[str, list[tuple[str, str, str]]]

    @property
    def num_entities(self) -> int:
        return len(self.entities)

    @property
    def num_relations(self) -> int:
        return len(self.relations)

    def all_triples(self) -> torch.Tensor:
        return torch.cat([self.train, self.valid, self.test])


def dataset_folder(name: str) -> Path:
    if name not in DATASETS:
        raise ConfigError(f"unknown link-prediction dataset '{name}'", hint=f"one of: {', '.join(DATASETS)}")
    spec = importlib.util.find_spec("pykeen")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("pykeen is not installed: it ships the Nations/Kinships/UMLS splits",
                                     hint="pip install -e '.[reason]'")
    # Located without importing pykeen (its import is slow and pulls in much we do not need).
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / name
    if not (folder / "train.txt").exists():
        raise MissingDependencyError(f"pykeen has no {name} split files in {folder}")
    return folder


def _read(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split("\t")
        if len(parts) == 3:
            rows.append((parts[0], parts[1], parts[2]))
    return rows


def load(name: str) -> TripleSplits:
    folder = dataset_folder(name)
    raw = {split: _read(folder / f"{split}.txt") for split in ("train", "valid", "test")}
    # PyKEEN maps labels over the training triples only; these sets have every entity in train.
    entities = sorted({x for h, _, t in raw["train"] for x in (h, t)})
    relations = sorted({r for _, r, _ in raw["train"]})
    e_id = {e: i for i, e in enumerate(entities)}
    r_id = {r: i for i, r in enumerate(relations)}

    def tensor(rows):
        kept = [(e_id[h], r_id[r], e_id[t]) for h, r, t in rows if h in e_id and t in e_id and r in r_id]
        return torch.tensor(kept, dtype=torch.long).view(-1, 3)

    return TripleSplits(name, entities, relations, tensor(raw["train"]), tensor(raw["valid"]),
                        tensor(raw["test"]), raw)
