"""Batched inference with a trained joint model: entity spans and relations for sentences.

Sentences are sorted by length and encoded a batch at a time (never one sentence per
call); results come back in the caller's order.
"""

from __future__ import annotations

from itertools import permutations
from pathlib import Path

import torch

from . import joint_model as jm
from .conll04 import spans_from_bilou

Span = tuple[int, int, str]


def _quantize(pred) -> bool:
    """int8 weights for the encoder's Linear layers (dynamic quantization): about 3x the
    CPU throughput of fp32. Relation F1 with given entities is unchanged on CoNLL04 dev,
    the tagger loses ~3 entity F1 (docs/text.md).
    False where this torch build has no quantized kernels; the model stays fp32."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # The encoder's layers only: the small heads cost nothing and lose most to int8.
            pred.model.encoder = torch.ao.quantization.quantize_dynamic(pred.model.encoder, {torch.nn.Linear},
                                                                        dtype=torch.qint8)
        return True
    except (AttributeError, RuntimeError):
        return False


class Predictor:
    def __init__(self, folder: str | Path, *, batch_size: int = 32, bf16: bool = False,
                 threads: int | None = None, quantize: bool = False) -> None:
        if threads:
            torch.set_num_threads(threads)
        self.model, self.tok, self.meta = jm.load(folder)
        self.quantized = quantize and _quantize(self)
        self.codec = jm.Codec(self.tok, self.meta.get("max_len", 256))
        self.batch_size = batch_size
        self.bf16 = bf16
        self.signatures = {k: {tuple(p) for p in v} for k, v in self.meta["signatures"].items()}
        self.rel_labels = self.meta["rel_labels"]
        self.ner_labels = self.meta["ner_labels"]
        self.uses_hints = bool(self.meta.get("hints"))

    @classmethod
    def wrap(cls, model: jm.JointModel, tok, meta: dict, batch_size: int = 32, bf16: bool = False) -> Predictor:
        """Use an in-memory model (during training) without a round-trip to disk."""
        self = cls.__new__(cls)
        self.model, self.tok, self.meta = model, tok, meta
        self.codec, self.batch_size, self.bf16 = jm.Codec(tok, meta.get("max_len", 256)), batch_size, bf16
        self.signatures = {k: {tuple(p) for p in v} for k, v in meta["signatures"].items()}
        self.rel_labels, self.ner_labels = list(jm.REL_LABELS), list(jm.NER_LABELS)
        self.uses_hints, self.quantized = bool(meta.get("hints")), False
        return self

    def _batches(self, n: int, lengths: list[int]):
        order = sorted(range(n), key=lambda i: lengths[i])
        for k in range(0, n, self.batch_size):
            yield order[k:k + self.batch_size]

    def _autocast(self):
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16)

    @torch.inference_mode()
    def entities(self, sentences: list[list[str]],
                 hints: list[list[int]] | None = None) -> list[list[tuple[int, int, str, float]]]:
        """CoNLL04-typed spans (start word, end word exclusive, type, mean tag probability).
        ``hints``: spaCy's entity label id per word (see joint_model.HINT_LABELS), if known."""
        self.model.eval()
        hints = hints if self.uses_hints and hints else [None] * len(sentences)
        encoded = [self.codec.plain(words, h) for words, h in zip(sentences, hints)]
        out: list = [[] for _ in sentences]
        for rows in self._batches(len(sentences), [len(e[0]) for e in encoded]):
            ids, mask, shapes = self.codec.pad([encoded[r][0] for r in rows], [encoded[r][1] for r in rows])
            with self._autocast():
                probs = self.model.ner_logits(ids, mask, shapes).float().softmax(-1)
            for b, r in enumerate(rows):
                firsts = encoded[r][2]
                tags, conf = [], []
                for pos in firsts:
                    if pos is None:
                        tags.append("O")
                        conf.append(1.0)
                    else:
                        p, k = probs[b, pos].max(-1)
                        tags.append(self.ner_labels[int(k)])
                        conf.append(float(p))
                out[r] = [(s, e, kind, sum(conf[s:e]) / (e - s)) for s, e, kind in spans_from_bilou(tags)]
        return out

    def candidates(self, spans: list[Span]) -> list[tuple[int, int, list[str]]]:
        """Ordered span pairs that some relation type allows, with the types it allows."""
        out = []
        for h, t in permutations(range(len(spans)), 2):
            sig = (spans[h][2], spans[t][2])
            allowed = [k for k, pairs in self.signatures.items() if sig in pairs]
            if allowed:
                out.append((h, t, allowed))
        return out

    @torch.inference_mode()
    def relations(self, sentences: list[tuple], threshold: float = 0.5) -> list[list[tuple[int, int, str, float]]]:
        """(head span, tail span, type, probability) for each sentence of (words, spans) or
        (words, spans, hints)."""
        self.model.eval()
        jobs = []  # (sentence, ids, shapes, marks, candidates)
        for n, (words, spans, *hints) in enumerate(sentences):
            cands = self.candidates(spans)
            if cands:
                hint = hints[0] if hints and self.uses_hints else None
                ids, shapes, marks = self.codec.marked(words, spans, hint)
                cands = [c for c in cands if marks[c[0]] and marks[c[1]]]
                if cands:
                    jobs.append((n, ids, shapes, marks, cands))
        out: list = [[] for _ in sentences]
        for rows in self._batches(len(jobs), [len(j[1]) for j in jobs]):
            ids, mask, shapes = self.codec.pad([jobs[r][1] for r in rows], [jobs[r][2] for r in rows])
            pairs, owners = [], []
            for b, r in enumerate(rows):
                _, _, _, marks, cands = jobs[r]
                for h, t, allowed in cands:
                    pairs.append((b, *marks[h], *marks[t]))
                    owners.append((r, h, t, allowed))
            with self._autocast():
                logits = self.model.rel_logits(ids, mask, shapes, torch.tensor(pairs)).float()
            for row, (r, h, t, allowed) in zip(logits, owners):
                # Only the types this (head type, tail type) admits compete with "none".
                keep = [0] + [self.rel_labels.index(k) for k in allowed]
                probs = row[keep].softmax(-1)
                best = int(probs.argmax())
                if best > 0 and float(probs[best]) >= threshold:
                    out[jobs[r][0]].append((h, t, self.rel_labels[keep[best]], round(float(probs[best]), 4)))
        return out
