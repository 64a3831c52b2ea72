"""A small CoNLL04-format corpus written for the tests, and a tiny joint model trained on it
through the real CLI once per session (a few seconds on 2 cores: enough to exercise every
code path, not to be accurate). Quality checks use the model `make` builds instead."""

from __future__ import annotations

import json
import random
from functools import lru_cache
from pathlib import Path

from helpers import REPO, run_cli

BUILT_MODEL = REPO / "models" / "relations-conll04"

PEOPLE = [["Anna", "Berg"], ["Luis", "Ortiz"], ["Mei", "Tanaka"], ["Omar", "Haddad"], ["Ruth", "Klein"]]
ORGS = [["Acme", "Corp"], ["Globex"], ["Initech", "Labs"], ["Umbrella", "Inc"]]
PLACES = [["Boston"], ["Lyon"], ["Osaka"], ["Cairo"], ["Quito"]]


def _ent(words, kind):
    tags = [f"U-{kind}"] if len(words) == 1 else [f"B-{kind}", *[f"I-{kind}"] * (len(words) - 2), f"L-{kind}"]
    return list(words), tags


def synthetic(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        p, q = rng.sample(PEOPLE, 2)
        o, loc = rng.choice(ORGS), rng.choice(PLACES)
        kind = k % 3
        if kind == 0:
            parts = [_ent(p, "Peop"), (["works", "for"], ["O", "O"]), _ent(o, "Org"), (["."], ["O"])]
            rel = {"head": 0, "tail": 1, "type": "Work_For"}
        elif kind == 1:
            parts = [_ent(p, "Peop"), (["lives", "in"], ["O", "O"]), _ent(loc, "Loc"), (["."], ["O"])]
            rel = {"head": 0, "tail": 1, "type": "Live_In"}
        else:
            parts = [_ent(p, "Peop"), (["killed"], ["O"]), _ent(q, "Peop"), (["in"], ["O"]), _ent(loc, "Loc"),
                     (["."], ["O"])]
            rel = {"head": 0, "tail": 1, "type": "Kill"}
        tokens = [w for ws, _ in parts for w in ws]
        tags = [t for _, ts in parts for t in ts]
        out.append({"tokens": tokens, "tags": tags, "relations": [rel]})
    return out


@lru_cache(maxsize=1)
def tiny_model(root: str) -> Path:
    base = Path(root)
    base.mkdir(parents=True, exist_ok=True)
    (base / "train.json").write_text(json.dumps(synthetic(48)))
    (base / "dev.json").write_text(json.dumps(synthetic(12, seed=1)))
    out = base / "tiny-model"
    run_cli("train", "relations", "--train", base / "train.json", "--dev", base / "dev.json", "--out", out,
            "--epochs", "2", "--batch-size", "8", "--lr", "3e-4", "--encoder", "minilm", "--precision", "fp32", check=True)
    return out
