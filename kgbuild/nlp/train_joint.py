"""Training the joint entity + relation model on CoNLL04-format JSON, on CPU.

Each step encodes a batch twice: the plain sentences for the tag loss and the
marker-annotated sentences (gold entities) for the relation loss over every candidate
pair the type signatures allow. Batches group sentences of similar length so padding
costs little; a time budget stops training early but always leaves a usable model.
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

from . import joint_model as jm
from .conll04 import Sentence, signatures
from .predictor import Predictor
from .scoring import predict, score


@dataclass
class TrainConfig:
    encoder: str | None = None  # None: the packaged MiniLM
    epochs: int = 8
    batch_size: int = 16
    lr: float = 2e-4
    head_lr: float = 2e-3
    warmup: float = 0.1
    max_len: int = 160
    seed: int = 13
    threads: int = 2  # 0: auto_threads(), re-checked every epoch
    bf16: bool = False  # measured slower than fp32 for training at these shapes on 2 cores
    max_minutes: float | None = None
    limit: int | None = None  # train on the first N sentences (tests, smoke runs)
    eval_each_epoch: bool = False  # score dev after every epoch (choosing the epoch count)
    hints: bool = True  # spaCy entity labels as input features (joint_model.HINT_LABELS)
    hint_dropout: float = 0.3  # share of sentences trained without hints, so none at run time works


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
            if firsts[w] is not None:
                tags[firsts[w]] = tag_of[tag]
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


def auto_threads() -> int:
    """Two threads, unless other work already fills the cores: then each step's barrier
    waits on a descheduled thread, and two threads measured twice as slow as one."""
    import os

    cores = os.cpu_count() or 1
    return 1 if cores < 2 or os.getloadavg()[0] > cores - 0.5 else 2


def train(train_set: list[Sentence], dev_set: list[Sentence] | None, out: Path, cfg: TrainConfig,
          log: Callable[[str], None] = print) -> dict:
    torch.set_num_threads(cfg.threads or auto_threads())
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    bf16 = cfg.bf16
    started = time.perf_counter()
    encoder = cfg.encoder or jm.default_encoder()
    model, tok = jm.new_model(encoder)
    codec = jm.Codec(tok, cfg.max_len)
    data_set = train_set[: cfg.limit] if cfg.limit else train_set
    sigs = signatures(train_set)
    hints = None
    if cfg.hints:
        from .spacy_docs import entity_hints

        hints = entity_hints([s.words for s in data_set])
    data = examples(data_set, codec, sigs, hints)

    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    body = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": body, "lr": cfg.lr}, {"params": heads, "lr": cfg.head_lr}], weight_decay=0.01)
    per_epoch = math.ceil(len(data) / cfg.batch_size)
    plan = {"epochs": cfg.epochs, "steps": cfg.epochs * per_epoch}
    warm = max(1, int(cfg.warmup * plan["steps"]))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (plan["steps"] - s) / max(1, plan["steps"] - warm))))
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
    step, stopped = 0, False
    model.train()
    epoch = 0
    while epoch < plan["epochs"]:
        total, n = 0.0, 0
        for batch in _batches(data, cfg.batch_size, rng):
            hinted = {id(e) for e in batch if e.plain_hinted is not None and rng.random() >= cfg.hint_dropout}
            feats = [e.plain_hinted if id(e) in hinted else e.plain_shapes for e in batch]
            ids, mask, shapes = codec.pad([e.plain for e in batch], feats)
            tags = torch.full(ids.shape, -100, dtype=torch.long)
            for r, e in enumerate(batch):
                tags[r, :len(e.tags)] = torch.tensor(e.tags)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                ner = model.ner_logits(ids, mask, shapes).float()
                loss = loss_fn(ner.view(-1, ner.size(-1)), tags.view(-1))
                with_pairs = [e for e in batch if e.pairs]  # no pair, no second pass
                if with_pairs:
                    pairs = [(r, *p[:4]) for r, e in enumerate(with_pairs) for p in e.pairs]
                    mids, mmask, mshapes = codec.pad([e.marked for e in with_pairs], [
                        e.marked_hinted if id(e) in hinted else e.marked_shapes for e in with_pairs])
                    logits = model.rel_logits(mids, mmask, mshapes, torch.tensor(pairs)).float()
                    gold = torch.tensor([p[4] for e in with_pairs for p in e.pairs])
                    loss = loss + loss_fn(logits, gold)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            total, n, step = total + loss.item(), n + 1, step + 1
            if cfg.max_minutes and time.perf_counter() - started > 60 * cfg.max_minutes:
                stopped = True
                break
        log(f"epoch {epoch + 1}/{plan['epochs']}: loss {total / max(1, n):.4f} "
            f"({time.perf_counter() - started:.0f} s{', time budget reached' if stopped else ''})")
        if cfg.eval_each_epoch and dev_set:
            model.eval()
            m = score(dev_set, predict(Predictor.wrap(model, tok, {"signatures": sigs, "max_len": cfg.max_len,
                                                                   "hints": cfg.hints}), dev_set))
            log(f"  dev after epoch {epoch + 1}: entity F1 {m['ner_f1']}, relation micro-F1 {m['rel_micro_f1']}")
            model.train()
        if stopped:
            break
        epoch += 1
        if cfg.threads == 0:
            torch.set_num_threads(auto_threads())  # the machine's load changes while we train
        if cfg.max_minutes and epoch < plan["epochs"]:
            # A busy machine: fewer epochs, with the learning rate decayed to zero at the new
            # end, beat the planned epochs cut off in the middle of the schedule.
            elapsed = time.perf_counter() - started
            fits = epoch + int((60 * cfg.max_minutes - elapsed) / (elapsed / epoch))
            if fits < plan["epochs"]:
                plan.update(epochs=max(epoch + 1, 2, fits), steps=max(epoch + 1, 2, fits) * per_epoch)
                log(f"  time budget: {plan['epochs']} epochs instead of {cfg.epochs}")
    train_seconds = round(time.perf_counter() - started, 1)
    meta = {"encoder": encoder, "signatures": sigs, "max_len": cfg.max_len, "train_seconds": train_seconds,
            "hints": cfg.hints,
            "train_sentences": len(data), "steps": step, "epochs_run": epoch + (1 if stopped else 0),
            "config": {k: v for k, v in vars(cfg).items()}, "bf16": bf16, "threads": cfg.threads,
            "stopped_early": stopped}
    metrics = None
    if dev_set:
        model.eval()
        pred = Predictor.wrap(model, tok, meta, bf16=bf16)
        metrics = score(dev_set, predict(pred, dev_set))
        metrics["gold_entities_rel_micro_f1"] = score(dev_set, predict(pred, dev_set, gold_entities=True))["rel_micro_f1"]
        meta["dev"] = {k: metrics[k] for k in ("ner_f1", "rel_micro_f1", "rel_macro_f1", "gold_entities_rel_micro_f1")}
        log(f"dev: entity F1 {metrics['ner_f1']}, strict relation micro-F1 {metrics['rel_micro_f1']} "
            f"(macro {metrics['rel_macro_f1']}; with gold entities {metrics['gold_entities_rel_micro_f1']})")
    jm.save(model, tok, out, meta)
    if metrics is not None:
        (out / "dev_metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    return meta
