"""Coreference and relation quality on the gold set in ``data/coref-eval`` (``kgbuild eval coref``).

Each gold paragraph runs through a pipeline's stages as a text file (fusion is not run), then:

* **coreference**: a predicted reference is a :class:`~kgbuild.datamodel.Mention` whose
  ``kind`` is "pronoun" or "nominal", anchored by a :class:`~kgbuild.datamodel.CharSpan` on
  the item's own text. It is correct when the span equals a gold chain mention and the label
  of the entity it refers to equals the chain's entity (names compared by :func:`norm_name`).
  "detection" scores the spans alone.
* **relations**: relations whose predicate is one of the CoNLL04 predicates
  (:data:`kgbuild.nlp.conll04.PREDICATE_LOCAL`), as (head label, type, tail label) per
  paragraph, against the gold relations; overall, and for the gold relations stated through
  a reference (``via_reference``): recall over those, precision over the predictions that
  are not a correct direct relation (a wrong prediction counts against both).

The gold format is described in ``data/coref-eval/README.md``.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..ids import NS, normalise_label
from ..nlp.conll04 import PREDICATE_LOCAL, RELATION_TYPES
from ..nlp.normalise import strip_honorifics

DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "data" / "coref-eval" / "gold.json"
REFERENCE_KINDS = ("pronoun", "nominal")
SPLITS = ("dev", "test", "all")
TYPE_OF_PREDICATE = {NS + local: kind for kind, local in PREDICATE_LOCAL.items()}


def norm_name(name: str | None) -> str | None:
    """Case folded, honorifics and suffixes, a leading "the", a trailing possessive and a
    trailing full stop removed: "Dr. Ann Lee" = "ann lee", "Acme Corp" = "Acme Corp."."""
    if name is None:
        return None
    key = normalise_label(strip_honorifics(" ".join(name.split())))
    return key.rstrip(".").strip()


def load_gold(path: str | Path = DEFAULT_GOLD, split: str = "all") -> list[dict]:
    """The gold paragraphs of ``split`` (dev, test or all), checked for shape."""
    if split not in SPLITS:
        raise InputError(f"unknown split '{split}'", hint=f"one of: {', '.join(SPLITS)}")
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        paragraphs = raw["paragraphs"]
        for p in paragraphs:
            for key in ("id", "split", "text", "chains", "relations"):
                p[key]  # presence check: KeyError below
            for chain in p["chains"]:
                if any(not (0 <= s < e <= len(p["text"])) for s, e in chain["mentions"]):
                    raise ValueError(f"{p['id']}: a mention of {chain['entity']!r} is outside the text")
            for rel in p["relations"]:
                if rel["type"] not in RELATION_TYPES:
                    raise ValueError(f"{p['id']}: relation type {rel['type']!r} is not a CoNLL04 type")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read coreference gold {path}: {exc}",
                         hint="format: data/coref-eval/README.md") from exc
    return [p for p in paragraphs if split == "all" or p["split"] == split]


# What the pipeline predicted ---------------------------------------------------------


def predicted_references(item) -> set[tuple[int, int, str | None]]:
    """(start, end, normalised entity label) of each pronoun/nominal mention on the item's
    own text; the label is None when the mention refers to no entity of the item."""
    from ..datamodel import CharSpan

    out = set()
    for mention in item.mentions:
        if mention.kind not in REFERENCE_KINDS:
            continue
        span = mention.provenance.anchor(CharSpan)
        if span is None or span.view is not None:
            continue
        entity = item.entities.get(mention.entity) if mention.entity else None
        out.add((span.start, span.end, norm_name(entity.label) if entity else None))
    return out


def predicted_relations(item) -> set[tuple[str | None, str, str | None]]:
    """(head, CoNLL04 type, tail) of the item's relations in the CoNLL04 schema, names normalised."""
    out = set()
    for rel in item.relations:
        kind = TYPE_OF_PREDICATE.get(rel.predicate)
        if kind is None or rel.inferred:
            continue
        head, tail = item.entities.get(rel.subject), item.entities.get(rel.object)
        out.add((norm_name(head.label) if head else None, kind, norm_name(tail.label) if tail else None))
    return out


def run_pipeline(pipeline, paragraphs: list[dict]) -> list:
    """One item per paragraph, in order, after every stage of ``pipeline`` (no fusion). The
    paragraphs are written as ``<id>.txt`` files so the pipeline reads them as any corpus."""
    from ..datamodel import Item
    from ..media.discovery import discover
    from .batches import run_batch

    with tempfile.TemporaryDirectory(prefix="kgbuild-eval-coref-") as tmp:
        for p in paragraphs:
            (Path(tmp) / f"{p['id']}.txt").write_text(p["text"], encoding="utf-8")
        by_name = {src.relpath: src for src in discover(tmp).sources}
        items = [Item(by_name[f"{p['id']}.txt"]) for p in paragraphs]
        size = max(1, getattr(pipeline, "batch_size", 16) or 16)
        for start in range(0, len(items), size):
            run_batch(pipeline, items[start:start + size])
    return items


# Scoring ------------------------------------------------------------------------------


def prf(tp: int, predicted: int, gold: int) -> dict[str, float | int]:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "tp": tp, "predicted": predicted, "gold": gold}


def score(paragraphs: list[dict], items: list) -> dict[str, Any]:
    """Figures for ``items`` (one per paragraph, in order) against the gold ``paragraphs``.

    ``errors`` lists what was missed and what was spurious, for dev paragraphs only (the
    test paragraphs are for reporting, not for reading)."""
    if len(paragraphs) != len(items):
        raise ValueError("one item per paragraph")
    ref: Counter[str] = Counter()
    det: Counter[str] = Counter()
    rel: Counter[str] = Counter()
    per_type: dict[str, Counter[str]] = {kind: Counter() for kind in RELATION_TYPES}
    errors, failed = [], []
    for p, item in zip(paragraphs, items):
        if not item.ok:
            failed.append({"id": p["id"], "failure": str(item.failure)})
        gold_refs = {(s, e, norm_name(c["entity"])) for c in p["chains"] for s, e in c["mentions"]}
        pred_refs = predicted_references(item) if item.ok else set()
        ref.update(tp=len(gold_refs & pred_refs), predicted=len(pred_refs), gold=len(gold_refs))
        gold_spans, pred_spans = {g[:2] for g in gold_refs}, {r[:2] for r in pred_refs}
        det.update(tp=len(gold_spans & pred_spans), predicted=len(pred_spans), gold=len(gold_spans))

        gold_rels = {(norm_name(r["head"]), r["type"], norm_name(r["tail"])): r["via_reference"]
                     for r in p["relations"]}
        pred_rels = predicted_relations(item) if item.ok else set()
        hits = set(gold_rels) & pred_rels
        via_hits = sum(1 for g in hits if gold_rels[g])
        rel.update(tp=len(hits), predicted=len(pred_rels), gold=len(gold_rels),
                   via_tp=via_hits, via_gold=sum(gold_rels.values()),
                   direct_tp=len(hits) - via_hits, direct_gold=len(gold_rels) - sum(gold_rels.values()))
        for kind, counts in per_type.items():
            counts.update(tp=sum(1 for g in hits if g[1] == kind), predicted=sum(1 for r in pred_rels if r[1] == kind),
                          gold=sum(1 for g in gold_rels if g[1] == kind))
        if p["split"] == "dev":
            wrong = {"id": p["id"],
                     "references_missed": sorted(_show(p["text"], g) for g in gold_refs - pred_refs),
                     "references_spurious": sorted(_show(p["text"], r) for r in pred_refs - gold_refs),
                     "relations_missed": sorted(" ".join(map(str, g)) for g in set(gold_rels) - pred_rels),
                     "relations_spurious": sorted(" ".join(map(str, r)) for r in pred_rels - set(gold_rels))}
            if any(v for k, v in wrong.items() if k != "id"):
                errors.append(wrong)
    return {
        "paragraphs": len(paragraphs),
        "splits": dict(Counter(p["split"] for p in paragraphs)),
        "failed": failed,
        "coref": prf(ref["tp"], ref["predicted"], ref["gold"]),
        "coref_detection": prf(det["tp"], det["predicted"], det["gold"]),
        "relations": prf(rel["tp"], rel["predicted"], rel["gold"]),
        # A prediction that is not a correct direct relation may be a via-reference one.
        "relations_via_reference": prf(rel["via_tp"], rel["predicted"] - rel["direct_tp"], rel["via_gold"]),
        "relations_direct": prf(rel["direct_tp"], rel["predicted"] - rel["via_tp"], rel["direct_gold"]),
        "relations_per_type": {kind: prf(c["tp"], c["predicted"], c["gold"]) for kind, c in per_type.items()},
        "errors": errors,
    }


def _show(text: str, ref: tuple[int, int, str | None]) -> str:
    start, end, label = ref
    return f"{start}-{end} {text[start:end]!r} -> {label}"


def evaluate(gold: str | Path = DEFAULT_GOLD, split: str = "all", pipeline: str = "default") -> dict[str, Any]:
    """Load the gold set and the pipeline, run it, score it."""
    from .config import load_pipeline

    paragraphs = load_gold(gold, split)
    pipe = load_pipeline(pipeline)
    result = score(paragraphs, run_pipeline(pipe, paragraphs))
    return {"gold": str(gold), "split": split, "pipeline": pipeline, **result}


def render(result: dict[str, Any], console) -> None:
    """The figures as small tables on a rich console."""
    from rich.table import Table

    splits = ", ".join(f"{n} {s}" for s, n in sorted(result["splits"].items()))
    console.print(f"{result['gold']}: {result['paragraphs']} paragraphs ({splits}), pipeline {result['pipeline']}")
    table = Table(title="coreference and relations")
    for col in ("measure", "P", "R", "F1", "correct", "predicted", "gold"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    rows = [("references (span + entity)", result["coref"]), ("references (span only)", result["coref_detection"]),
            ("relations, all", result["relations"]), ("relations, via a reference", result["relations_via_reference"]),
            ("relations, direct", result["relations_direct"])]
    rows += [(f"  {kind}", s) for kind, s in result["relations_per_type"].items()]
    for name, s in rows:
        table.add_row(name, f"{s['precision']:.2f}", f"{s['recall']:.2f}", f"{s['f1']:.2f}",
                      str(s["tp"]), str(s["predicted"]), str(s["gold"]))
    console.print(table)
    if result["failed"]:
        console.print(f"[red]{len(result['failed'])} paragraph(s) failed:[/] "
                      + ", ".join(f["id"] for f in result["failed"]))
