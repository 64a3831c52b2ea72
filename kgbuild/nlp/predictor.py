"""Batched inference with a trained joint model: entity spans and relations for sentences.

Sentences are sorted by length and encoded a batch at a time (never one sentence per
call); results come back in the caller's order.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import permutations
from pathlib import Path

import torch

from . import joint_model as jm
from .conll04 import spans_from_bilou

Span = tuple[int, int, str]


def _quantize(model: jm.JointModel, which: str = "all") -> bool:
    """int8 weights (dynamic quantization) for the encoder's Linear layers: ``all`` of them,
    or only the feed-forward ones (``ffn``: each layer's intermediate and output dense).
    False where this torch build has no quantized kernels; the model stays fp32."""
    import warnings

    enc = model.encoder
    spec: dict | set
    if which == "ffn":
        spec = {name: torch.ao.quantization.default_dynamic_qconfig for name, mod in enc.named_modules()
                if isinstance(mod, torch.nn.Linear) and (".intermediate." in name or
                                                         (".output." in name and ".attention." not in name))}
    else:
        spec = {torch.nn.Linear}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # The encoder's layers only: the small heads cost nothing and lose most to int8.
            model.encoder = torch.ao.quantization.quantize_dynamic(enc, spec, dtype=torch.qint8)
        return True
    except (AttributeError, RuntimeError):
        return False


def viterbi_bio(logp: torch.Tensor, labels: list[str]) -> list[int]:
    """The best tag sequence (per-word log-probabilities [W, L]) in which every I-x follows a
    B-x or I-x: a well-formed span sequence, rather than each word's arg-max (which can
    start a span with I- or switch type in the middle of a name)."""
    n = len(labels)
    allowed = torch.zeros(n, n)  # [from, to]
    for j, lab in enumerate(labels):
        if lab.startswith("I-"):
            for i, prev in enumerate(labels):
                if prev[2:] != lab[2:] or prev == "O":
                    allowed[i, j] = float("-inf")
    start = torch.tensor([float("-inf") if lab.startswith("I-") else 0.0 for lab in labels])
    score = logp[0] + start
    back = []
    for w in range(1, logp.shape[0]):
        total = score[:, None] + allowed
        score, arg = total.max(0)
        score = score + logp[w]
        back.append(arg)
    best = [int(score.argmax())]
    for arg in reversed(back):
        best.append(int(arg[best[-1]]))
    return best[::-1]


@contextmanager
def torch_threads(n: int):
    """torch's intra-op threads set to ``n`` for a while (process-wide), then restored."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Predictor:
    """``quantize``: False/"none" (fp32), True/"all" (every encoder Linear int8), "ffn"
    (feed-forward Linears only) or "relations" (an int8 copy of the encoder for the relation
    pass, which loses nothing to int8, and fp32 for the entity tagger, which does; the
    `relations` stage runs only the relation pass). ``workers``: batches encoded at once, each on one torch
    thread (robust on a busy machine: no thread of one batch waits on a descheduled other);
    None keeps torch's own threads for one batch at a time. ``window``: words of context kept
    on each side of a sentence's outermost candidate mentions (None: the whole sentence)."""

    def __init__(self, folder: str | Path, *, batch_size: int = 32, bf16: bool = False,
                 threads: int | None = None, quantize: bool | str = False, workers: int | None = None,
                 window: int | None = None, constrained: bool = True) -> None:
        if threads:
            torch.set_num_threads(threads)
        self.model, self.tok, self.meta = jm.load(folder)
        mode = ("all" if quantize else "none") if isinstance(quantize, bool) else quantize
        self.rel_model = self.model
        if mode == "relations":
            import copy

            self.rel_model = copy.deepcopy(self.model)
            self.quantized = mode if _quantize(self.rel_model, "all") else False
        else:
            self.quantized = mode if mode != "none" and _quantize(self.model, mode) else False
        # int8 Linears take fp32 activations (a bf16 one is refused): a quantised model runs without autocast
        self._setup(batch_size, bf16 and not self.quantized, workers, window, constrained)

    def _setup(self, batch_size, bf16, workers, window, constrained) -> None:
        self.codec = jm.Codec(self.tok, self.meta.get("max_len", 256))
        self.batch_size, self.bf16, self.workers, self.window = batch_size, bf16, workers, window
        self.constrained = constrained
        self.signatures = {k: {tuple(p) for p in v} for k, v in self.meta["signatures"].items()}
        self.rel_labels = list(self.meta.get("rel_labels", jm.REL_LABELS))
        self.ner_labels = list(self.meta.get("ner_labels", jm.NER_LABELS))
        self.uses_hints = bool(self.meta.get("hints"))

    @classmethod
    def wrap(cls, model: jm.JointModel, tok, meta: dict, batch_size: int = 32, bf16: bool = False) -> Predictor:
        """Use an in-memory model (during training) without a round-trip to disk."""
        self = cls.__new__(cls)
        self.model, self.tok, self.meta, self.quantized = model, tok, meta, False
        self.rel_model = model
        self._setup(batch_size, bf16, None, None, True)
        return self

    def _batches(self, n: int, lengths: list[int]):
        """Length-sorted batches of ``batch_size``, whatever the number of workers: the int8
        pass scales its activations per batch, so a batch's make-up must not depend on how many
        cores the process was given (a build with 2 workers must write what a build with 1 does)."""
        order = sorted(range(n), key=lambda i: lengths[i])
        size = self.batch_size
        for k in range(0, n, size):
            yield order[k:k + size]

    def _map(self, fn, batches: list) -> list:
        """``fn`` over the batches: in order on torch's threads, or with ``workers``, that many
        at a time, one torch thread each."""
        if not self.workers:
            return [fn(b) for b in batches]
        with torch_threads(1):
            if self.workers < 2 or len(batches) < 2:
                return [fn(b) for b in batches]
            with ThreadPoolExecutor(min(self.workers, len(batches)), thread_name_prefix="relations") as pool:
                return list(pool.map(fn, batches))

    def _autocast(self):
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16)

    @torch.inference_mode()
    def entities(self, sentences: list[list[str]],
                 hints: list[list[int]] | None = None) -> list[list[tuple[int, int, str, float]]]:
        """CoNLL04-typed spans (start word, end word exclusive, type, mean tag probability).
        ``hints``: spaCy's entity label id per word (see joint_model.HINT_LABELS), if known."""
        self.model.eval()
        per_sentence: list = hints if self.uses_hints and hints else [None] * len(sentences)
        encoded = [self.codec.plain(words, h) for words, h in zip(sentences, per_sentence)]
        out: list = [[] for _ in sentences]

        def run(rows):
            ids, mask, shapes = self.codec.pad([encoded[r][0] for r in rows], [encoded[r][1] for r in rows])
            with torch.inference_mode(), self._autocast():
                return rows, self.model.ner_logits(ids, mask, shapes).float().log_softmax(-1)

        for rows, logp in self._map(run, list(self._batches(len(sentences), [len(e[0]) for e in encoded]))):
            for b, r in enumerate(rows):
                firsts = encoded[r][2]
                kept = [w for w, pos in enumerate(firsts) if pos is not None]
                if not kept:
                    continue
                words = logp[b, [firsts[w] for w in kept]]
                best = viterbi_bio(words, self.ner_labels) if self.constrained else words.argmax(-1).tolist()
                tags, conf = ["O"] * len(firsts), [1.0] * len(firsts)
                for j, (w, k) in enumerate(zip(kept, best)):
                    tags[w], conf[w] = self.ner_labels[k], float(words[j, k].exp())
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

    def _crop(self, words: list[str], spans: list[Span], cands, hint):
        """The words the candidates need: from ``window`` words before the first candidate
        mention to ``window`` after the last (other mentions inside keep their markers)."""
        used = {i for h, t, _ in cands for i in (h, t)}
        lo = max(0, min(spans[i][0] for i in used) - self.window)
        hi = min(len(words), max(spans[i][1] for i in used) + self.window)
        keep = [i for i, (a, b, _) in enumerate(spans) if a >= lo and b <= hi]
        index = {old: new for new, old in enumerate(keep)}
        spans = [(spans[i][0] - lo, spans[i][1] - lo, spans[i][2]) for i in keep]
        cands = [(index[h], index[t], allowed, (h, t)) for h, t, allowed in cands]
        return words[lo:hi], spans, cands, (hint[lo:hi] if hint else hint)

    @torch.inference_mode()
    def relations(self, sentences: list[tuple], threshold: float = 0.5) -> list[list[tuple[int, int, str, float]]]:
        """(head span, tail span, type, probability) for each sentence of (words, spans) or
        (words, spans, hints)."""
        self.rel_model.eval()
        jobs = []  # (sentence, ids, shapes, marks, candidates as (head, tail, allowed, original ids))
        for n, (words, spans, *hints) in enumerate(sentences):
            cands = self.candidates(spans)
            if not cands:
                continue
            hint = hints[0] if hints and self.uses_hints else None
            if self.window is not None:
                words, spans, cands, hint = self._crop(words, spans, cands, hint)
            else:
                cands = [(h, t, allowed, (h, t)) for h, t, allowed in cands]  # type: ignore[misc]
            ids, shapes, marks = self.codec.marked(words, spans, hint)
            cands = [c for c in cands if marks[c[0]] and marks[c[1]]]
            if cands:
                jobs.append((n, ids, shapes, marks, cands))

        def run(rows):
            ids, mask, shapes = self.codec.pad([jobs[r][1] for r in rows], [jobs[r][2] for r in rows])
            pairs, owners = [], []
            for b, r in enumerate(rows):
                _, _, _, marks, cands = jobs[r]
                for h, t, allowed, orig in cands:
                    pairs.append((b, *marks[h], *marks[t]))
                    owners.append((r, orig, allowed))
            with torch.inference_mode(), self._autocast():
                return owners, self.rel_model.rel_logits(ids, mask, shapes, torch.tensor(pairs)).float()

        out: list = [[] for _ in sentences]
        for owners, logits in self._map(run, list(self._batches(len(jobs), [len(j[1]) for j in jobs]))):
            for row, (r, (h, t), allowed) in zip(logits, owners):
                # Only the types this (head type, tail type) admits compete with "none".
                keep = [0] + [self.rel_labels.index(k) for k in allowed]
                probs = row[keep].softmax(-1)
                best = int(probs.argmax())
                if best > 0 and float(probs[best]) >= threshold:
                    out[jobs[r][0]].append((h, t, self.rel_labels[keep[best]], round(float(probs[best]), 4)))
        return out
