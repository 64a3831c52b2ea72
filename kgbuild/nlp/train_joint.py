"""Training the joint entity + relation model on CoNLL04-format JSON, on CPU.

Each step encodes a batch twice: the plain sentences for the tag loss and the
marker-annotated sentences (gold entities) for the relation loss over every candidate
pair the type signatures allow. Batches group sentences of similar length so padding
costs little.

The recipe alone decides the model: a fixed number of epochs, a fixed seed (each epoch
reseeds from it) and a fixed torch thread count (float sums depend on how work is split
between threads), so the same command gives the same weights however busy the machine is.
Each epoch ends with a checkpoint in the output folder; a run that is stopped (its time
budget spent, or killed) fails loudly and the same command resumes it from the last
completed epoch. Nothing ever shortens the schedule.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..errors import KGBuildError
from . import joint_model as jm
from .conll04 import Sentence, signatures
from .predictor import Predictor
from .scoring import predict, score


@dataclass
class TrainConfig:
    encoder: str | None = None  # None or "minilm": the packaged MiniLM; "mpnet": all-mpnet-base-v2 (packaged_encoders)
    epochs: int = 8
    batch_size: int = 16
    lr: float = 2e-4
    head_lr: float = 2e-3
    warmup: float = 0.1
    max_len: int = 160
    seed: int = 13
    threads: int = 1  # fixed: part of the recipe (1 is also the fastest on a busy 2-core machine)
    bf16: bool = False  # bf16 autocast: ~5x faster on CPUs with bfloat16 instructions (AVX512-BF16/AMX)
    max_minutes: float | None = None  # past this, stop after the epoch with a checkpoint and fail
    limit: int | None = None  # train on the first N sentences (tests, smoke runs)
    eval_each_epoch: bool = False  # score dev after every epoch (choosing the epoch count)
    hints: bool = True  # spaCy entity labels as input features (joint_model.HINT_LABELS)
    hint_dropout: float = 0.3  # share of sentences trained without hints, so none at run time works
    pair_context: str = "between"  # joint_model.PAIR_CONTEXTS: what a pair is read from
    average_last: int = 2  # the model is the mean of the weights after each of the last N epochs


CHECKPOINT = "checkpoint.pt"
# Settings that make a different model; a checkpoint is resumed only if they match.
RECIPE_KEYS = ("encoder", "epochs", "batch_size", "lr", "head_lr", "warmup", "max_len", "seed", "threads", "bf16",
               "limit", "hints", "hint_dropout", "pair_context", "average_last")


class TrainingStopped(KGBuildError):
    """Training stopped before its planned epochs (time budget); a checkpoint is kept."""

    code = "E204"


@dataclass
class Example:
    plain: list[int]
    plain_shapes: list[int]
    tags: list[int]  # per piece, -100 where no loss
    marked: list[int]
    marked_shapes: list[int]
    pairs: list[tuple[int, int, int, int, int]]  # (head start, head end, tail start, tail end, label)
    plain_hinted: list[int] | None = None  # features with spaCy hints (same pieces)
    marked_hinted: list[int] | None = None


def bio_tags(s: Sentence) -> list[str]:
    tags = ["O"] * len(s.words)
    for a, b, kind in s.spans:
        tags[a] = f"B-{kind}"
        for i in range(a + 1, b):
            tags[i] = f"I-{kind}"
    return tags


def examples(sentences: list[Sentence], codec: jm.Codec, sigs: dict, hints: list | None = None) -> list[Example]:
    allowed = {tuple(p) for v in sigs.values() for p in v}
    label_of = {k: i for i, k in enumerate(jm.REL_LABELS)}
    tag_of = {k: i for i, k in enumerate(jm.NER_LABELS)}
    out = []
    for n, s in enumerate(sentences):
        ids, shapes, firsts = codec.plain(s.words)
        tags = [-100] * len(ids)
        for w, tag in enumerate(bio_tags(s)):
            if (first := firsts[w]) is not None:
                tags[first] = tag_of[tag]
        marked, marked_shapes, marks = codec.marked(s.words, s.spans)
        gold = {(h, t): k for h, t, k in s.relations}
        pairs = []
        for h in range(len(s.spans)):
            for t in range(len(s.spans)):
                if h != t and (s.spans[h][2], s.spans[t][2]) in allowed and marks[h] and marks[t]:
                    pairs.append((*marks[h], *marks[t], label_of[gold.get((h, t), "none")]))
        ex = Example(ids, shapes, tags, marked, marked_shapes, pairs)
        if hints is not None:
            ex.plain_hinted = codec.plain(s.words, hints[n])[1]
            ex.marked_hinted = codec.marked(s.words, s.spans, hints[n])[1]
        out.append(ex)
    return out


def _batches(data: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    order = data[:]
    rng.shuffle(order)
    batches = []
    for k in range(0, len(order), size * 32):  # sort within pools: little padding, still random
        pool = sorted(order[k:k + size * 32], key=lambda e: len(e.marked))
        batches += [pool[i:i + size] for i in range(0, len(pool), size)]
    rng.shuffle(batches)
    return batches


def train(train_set: list[Sentence], dev_set: list[Sentence] | None, out: Path, cfg: TrainConfig,
          log: Callable[[str], None] = print) -> dict:
    """Train, save the model folder to ``out`` (with dev metrics when ``dev_set`` is given)
    and return its metadata. Resumes from ``out/checkpoint.pt`` when the recipe matches."""
    torch.set_num_threads(max(1, cfg.threads))
    started = time.perf_counter()
    from ..packaged_encoders import resolve_encoder

    encoder = resolve_encoder(cfg.encoder)
    torch.manual_seed(cfg.seed)  # the heads' initial weights
    model, tok = jm.new_model(encoder, cfg.pair_context)
    codec = jm.Codec(tok, cfg.max_len)
    data_set = train_set[: cfg.limit] if cfg.limit else train_set
    sigs = signatures(train_set)
    data = examples(data_set, codec, sigs, _hints(data_set) if cfg.hints else None)
    run = _Run(model, codec, cfg, per_epoch=math.ceil(len(data) / cfg.batch_size))
    out.mkdir(parents=True, exist_ok=True)
    for stale in (jm.CONFIG_NAME, "dev_metrics.json"):  # a model folder is complete only when training is
        (out / stale).unlink(missing_ok=True)
    recipe = {**{k: getattr(cfg, k) for k in RECIPE_KEYS}, "encoder": encoder, "sentences": len(data)}
    spent = run.resume(out / CHECKPOINT, recipe, log)
    model.train()
    while run.epoch < run.epochs:
        start = time.perf_counter()
        loss = run.one_epoch(data)
        run.epoch += 1
        run.keep_for_average()
        spent += time.perf_counter() - start
        log(f"epoch {run.epoch}/{run.epochs}: loss {loss:.4f} ({time.perf_counter() - start:.0f} s; "
            f"{spent:.0f} s training so far)")
        if cfg.eval_each_epoch and dev_set:
            model.eval()
            m = score(dev_set, predict(Predictor.wrap(model, tok, {"signatures": sigs, "max_len": cfg.max_len,
                                                                   "hints": cfg.hints}, bf16=cfg.bf16), dev_set))
            log(f"  dev after epoch {run.epoch}: entity F1 {m['ner_f1']}, relation micro-F1 {m['rel_micro_f1']}")
            model.train()
        if run.epoch < run.epochs:
            run.save(out / CHECKPOINT, recipe, spent)
            if cfg.max_minutes is not None and time.perf_counter() - started > 60 * cfg.max_minutes:
                raise TrainingStopped(
                    f"training stopped after epoch {run.epoch} of {run.epochs}: the {cfg.max_minutes:g}-minute "
                    f"budget is spent; no model was written (a checkpoint is in {out / CHECKPOINT})",
                    hint="run the same command again to resume from that epoch; the result is the same model")
    run.apply_average()
    meta = {"encoder": encoder, "signatures": sigs, "max_len": cfg.max_len,
            "train_seconds": round(spent, 1), "hints": cfg.hints,
            "train_sentences": len(data), "steps": run.step, "epochs_run": run.epoch,
            "pair_context": cfg.pair_context,
            "config": {k: v for k, v in vars(cfg).items()}, "bf16": cfg.bf16, "threads": cfg.threads}
    metrics = _evaluate(model, tok, meta, dev_set, cfg.bf16, log) if dev_set else None
    jm.save(model, tok, out, meta)
    if metrics is not None:
        (out / "dev_metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    (out / CHECKPOINT).unlink(missing_ok=True)
    return meta


def _hints(sentences: list[Sentence]) -> list:
    from .spacy_docs import entity_hints

    return entity_hints([s.words for s in sentences])


class _Run:
    """The optimiser and learning-rate schedule of one training run, and its checkpoints."""

    def __init__(self, model: jm.JointModel, codec: jm.Codec, cfg: TrainConfig, *, per_epoch: int) -> None:
        self.model, self.codec, self.cfg = model, codec, cfg
        self.epochs, self.steps = cfg.epochs, cfg.epochs * per_epoch
        self.epoch = self.step = 0
        self.summed: dict[str, torch.Tensor] | None = None  # weights summed over the averaged epochs so far
        heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
        body = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
        self.opt = torch.optim.AdamW([{"params": body, "lr": cfg.lr}, {"params": heads, "lr": cfg.head_lr}],
                                     weight_decay=0.01)
        warm = max(1, int(cfg.warmup * self.steps))
        # Linear warm-up, then linear decay to zero at the end of the planned epochs.
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lambda s: min((s + 1) / warm, max(0.0, (self.steps - s) / max(1, self.steps - warm))))
        self.loss_fn = nn.CrossEntropyLoss(ignore_index=-100)

    def one_epoch(self, data: list[Example]) -> float:
        """Train on every batch once; the mean loss. Shuffling, hint dropout and dropout
        are seeded from (seed, epoch), so a resumed run repeats an uninterrupted one."""
        self.rng = random.Random(f"{self.cfg.seed}:{self.epoch}")
        torch.manual_seed(self.cfg.seed * 1000 + self.epoch)
        total, n = 0.0, 0
        for batch in _batches(data, self.cfg.batch_size, self.rng):
            loss = self.loss(batch)
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.opt.step()
            self.sched.step()
            self.opt.zero_grad()
            total, n, self.step = total + loss.item(), n + 1, self.step + 1
        return total / max(1, n)

    def loss(self, batch: list[Example]) -> torch.Tensor:
        """Tag loss on the plain sentences plus relation loss on the marked ones; a sentence
        keeps its spaCy hints unless dropped (``hint_dropout``), in both passes alike."""
        cfg, codec, model = self.cfg, self.codec, self.model
        hinted = {id(e) for e in batch if e.plain_hinted is not None and self.rng.random() >= cfg.hint_dropout}
        feats = [e.plain_hinted if id(e) in hinted and e.plain_hinted is not None else e.plain_shapes for e in batch]
        ids, mask, shapes = codec.pad([e.plain for e in batch], feats)
        tags = torch.full(ids.shape, -100, dtype=torch.long)
        for r, e in enumerate(batch):
            tags[r, :len(e.tags)] = torch.tensor(e.tags)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
            ner = model.ner_logits(ids, mask, shapes).float()
            loss = self.loss_fn(ner.view(-1, ner.size(-1)), tags.view(-1))
            with_pairs = [e for e in batch if e.pairs]  # no pair, no second pass
            if with_pairs:
                pairs = [(r, *p[:4]) for r, e in enumerate(with_pairs) for p in e.pairs]
                mids, mmask, mshapes = codec.pad([e.marked for e in with_pairs], [
                    e.marked_hinted if id(e) in hinted and e.marked_hinted is not None else e.marked_shapes
                    for e in with_pairs])
                logits = model.rel_logits(mids, mmask, mshapes, torch.tensor(pairs)).float()
                gold = torch.tensor([p[4] for e in with_pairs for p in e.pairs])
                loss = loss + self.loss_fn(logits, gold)
        return loss

    def keep_for_average(self) -> None:
        """Add this epoch's weights to the sum if it is one of the last ``average_last``."""
        if self.epoch <= self.epochs - max(1, self.cfg.average_last):
            return
        state = self.model.state_dict()
        if self.summed is None:
            self.summed = {k: v.detach().clone().float() for k, v in state.items() if v.is_floating_point()}
        else:
            for k, v in self.summed.items():
                v += state[k].float()

    def apply_average(self) -> None:
        """Load the mean of the kept epochs' weights: averaging the end of the schedule evens
        out where the last steps happened to land (the seed-to-seed spread), at no cost."""
        kept = min(self.epochs, max(1, self.cfg.average_last))
        if self.summed is None or kept == 1:
            return
        state = self.model.state_dict()
        self.model.load_state_dict({k: (self.summed[k] / kept).to(v.dtype) if k in self.summed else v
                                    for k, v in state.items()})

    def save(self, path: Path, recipe: dict, spent: float) -> None:
        tmp = path.with_suffix(".tmp")
        torch.save({"recipe": recipe, "epoch": self.epoch, "step": self.step, "spent": spent,
                    "model": self.model.state_dict(), "opt": self.opt.state_dict(),
                    "sched": self.sched.state_dict(), "summed": self.summed}, tmp)
        tmp.replace(path)

    def resume(self, path: Path, recipe: dict, log: Callable[[str], None]) -> float:
        """Continue from a checkpoint of the same recipe; the training seconds it had spent."""
        if not path.is_file():
            return 0.0
        state = torch.load(path, map_location="cpu", weights_only=False)
        if state.get("recipe") != recipe:
            log(f"  {path} is from another recipe: starting over")
            return 0.0
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        self.sched.load_state_dict(state["sched"])
        self.epoch, self.step = state["epoch"], state["step"]
        self.summed = state.get("summed")
        log(f"  resuming after epoch {self.epoch} of {self.epochs} ({path})")
        return state["spent"]


def _evaluate(model: jm.JointModel, tok, meta: dict, dev_set: list[Sentence], bf16: bool,
              log: Callable[[str], None]) -> dict:
    """Dev metrics (strict, and relations given the gold entities), also recorded in ``meta``."""
    model.eval()
    pred = Predictor.wrap(model, tok, meta, bf16=bf16)
    metrics = score(dev_set, predict(pred, dev_set))
    metrics["gold_entities_rel_micro_f1"] = score(dev_set, predict(pred, dev_set, gold_entities=True))["rel_micro_f1"]
    meta["dev"] = {k: metrics[k] for k in ("ner_f1", "rel_micro_f1", "rel_macro_f1", "gold_entities_rel_micro_f1")}
    log(f"dev: entity F1 {metrics['ner_f1']}, strict relation micro-F1 {metrics['rel_micro_f1']} "
        f"(macro {metrics['rel_macro_f1']}; with gold entities {metrics['gold_entities_rel_micro_f1']})")
    return metrics
