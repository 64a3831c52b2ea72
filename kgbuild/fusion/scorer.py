"""The fusion model: the probability that two atoms name the same real thing.

A two-layer perceptron over the pair features of :mod:`.features` — small on purpose: the
features carry the knowledge (edit distance, Double Metaphone, MiniLM context cosine), the
model learns how to weigh them, and it must score millions of candidate pairs on a laptop.
Its weights ship with the package as JSON (``fusion-model.json``, a few kB) and are rebuilt
by ``kgbuild train fusion`` (:mod:`.training`), which documents the training data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .features import FEATURES

PACKAGED = Path(__file__).with_name("fusion-model.json")


class FusionScorer(nn.Module):
    """MLP pair scorer: ``features (N, F) -> logits (N,)``."""

    def __init__(self, in_features: int = len(FEATURES), hidden: int = 16) -> None:
        super().__init__()
        self.in_features, self.hidden = in_features, hidden
        self.lin1 = nn.Linear(in_features, hidden)
        self.lin2 = nn.Linear(hidden, 1)
        self.meta: dict = {}
        self.reset_parameters()

    def reset_parameters(self) -> None:
        self.lin1.reset_parameters()
        self.lin2.reset_parameters()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin2(torch.relu(self.lin1(x))).squeeze(-1)

    def loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return nn.functional.binary_cross_entropy_with_logits(logits, target)

    @torch.no_grad()
    def probability(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros(0, dtype=np.float32)
        return torch.sigmoid(self(torch.from_numpy(np.asarray(x, dtype=np.float32)))).numpy()

    @property
    def version(self) -> str:
        return self.meta.get("version", "untrained")

    def save(self, path: str | Path, meta: dict) -> None:
        state = {k: v.tolist() for k, v in self.state_dict().items()}
        body = {"features": list(FEATURES), "hidden": self.hidden, "state": state, "meta": meta}
        Path(path).write_text(json.dumps(body, indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path = PACKAGED) -> FusionScorer:
        from ..errors import ModelNotFoundError

        try:
            body = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise ModelNotFoundError(f"fusion model {path} cannot be read: {exc}",
                                     hint="kgbuild train fusion --out FILE rebuilds it") from None
        if body["features"] != list(FEATURES):
            raise ModelNotFoundError(f"fusion model {path} was trained on other features ({body['features']})",
                                     hint="retrain it: kgbuild train fusion --out FILE")
        model = cls(len(FEATURES), body["hidden"])
        model.load_state_dict({k: torch.tensor(v) for k, v in body["state"].items()})
        model.meta = body.get("meta", {})
        model.eval()
        return model
