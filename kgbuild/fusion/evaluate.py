"""Scoring fusion against a gold file (``kgbuild eval fusion``; format in docs/fusion.md).

Gold mentions are matched to the store's mentions by anchor, not by IRI, so the gold stays
valid whatever the extractors' exact spans: a character range overlaps the mention's span,
a time range overlaps a speech mention, a box has the same label and IoU >= 0.5 (or, with
no box given, is the most salient box of that label).

* Entity clusters: pairwise precision/recall/F1 over gold mentions. Two gold mentions are
  predicted together when their store mentions have the same canonical entity; a word with
  no entity of its own ("man") takes the canonical entity of the box it is grounded to. A
  gold mention with no matching store mention is its own singleton (it costs recall).
* Grounding: precision over every ``kg:groundedIn`` link in the store, recall over the gold
  links.
"""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from ..datamodel import Box
from ..errors import ConfigError
from ..store import KGStore
from ..vision.tracking import iou
from .canonical import canonical_map
from .evidence import MentionRow, mentions


def load_gold(path: str | Path) -> dict:
    path = Path(path)
    try:
        gold = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"gold file {path}: {exc}") from None
    for i, ent in enumerate(gold.get("entities", [])):
        if not ent.get("mentions"):
            raise ConfigError(f"gold file {path}: entities[{i}] ({ent.get('id')}) has no mentions")
    gold["_root"] = str((path.parent / gold.get("corpus", ".")).resolve())
    return gold


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def _iou(a, b) -> float:
    return iou(Box(*a), Box(*b))


def match(ref: dict, rows: list[MentionRow]) -> MentionRow | None:
    if "char" in ref:
        span = tuple(ref["char"])
        cands = [(_overlap(span, m.span), -abs((m.span[1] - m.span[0]) - (span[1] - span[0])), m.iri, m)
                 for m in rows if m.span and m.modality in ("text", "ocr") and _overlap(span, m.span) > 0]
    elif "label" in ref:
        boxes = [m for m in rows if m.modality in ("image", "video") and m.box and m.text == ref["label"]]
        if "t" in ref:
            boxes = [m for m in boxes if m.time is None or _overlap(tuple(ref["t"]), m.time) > 0]
        if "box" in ref:
            cands = [(_iou(ref["box"], m.box), 0, m.iri, m) for m in boxes if _iou(ref["box"], m.box) >= 0.5]
        else:
            cands = [(m.area * (m.confidence or 0.5), 0, m.iri, m) for m in boxes]
    elif "t" in ref:
        when = tuple(ref["t"])
        cands = [(_overlap(when, m.time), 0, m.iri, m) for m in rows
                 if m.time and m.modality == "speech" and _overlap(when, m.time) > 0]
    else:
        raise ConfigError(f"gold reference {ref} has none of char, t, label")
    return max(cands)[-1] if cands else None


def predicted_clusters(store: KGStore) -> tuple[dict[str, str], dict[str, list[tuple[str, float]]]]:
    canonical = canonical_map(store)
    grounded = defaultdict(list)
    for r in store.rows("""SELECT ?w ?b ?conf WHERE { ?g a kg:Grounding ; kg:mention ?w ; kg:region ?b ;
                                                          kg:confidence ?conf }"""):
        grounded[r["w"]].append((r["b"], float(r["conf"])))
    return canonical, grounded


def evaluate(store: KGStore, gold: dict) -> dict:
    path_of = defaultdict(list)
    for r in store.rows("SELECT ?src ?path WHERE { ?src a kg:Source ; kg:path ?path }"):
        path_of[r["path"]].append(r["src"])
    rows_by_path: dict[str, list[MentionRow]] = {}
    refs = [ref for ent in gold["entities"] for ref in ent["mentions"]]
    refs += [g[side] for g in gold.get("groundings", []) for side in ("text", "image")]
    wanted = {ref["path"] for ref in refs}
    for path in wanted:
        rows_by_path[path] = mentions(store, sources=path_of.get(path, [])) if path_of.get(path) else []
    canonical, grounded = predicted_clusters(store)
    entity_of = {}
    for rows in rows_by_path.values():
        for row in rows:
            entity_of[row.iri] = row.entity

    def cluster(m: MentionRow | None, fallback: str) -> str:
        if m is None:
            return fallback
        if m.entity:
            return canonical.get(m.entity, m.entity)
        if grounded.get(m.iri):
            box = max(grounded[m.iri], key=lambda bc: (bc[1], bc[0]))[0]
            ent = entity_of.get(box)
            return canonical.get(ent, ent) if ent else box
        return m.iri

    gold_of, pred_of = [], []
    matched_of: dict[str, MentionRow | None] = {}
    for ent in gold["entities"]:
        for i, ref in enumerate(ent["mentions"]):
            m = match(ref, rows_by_path.get(ref["path"], []))
            key = json.dumps(ref, sort_keys=True)
            matched_of[key] = m
            gold_of.append(ent["id"])
            pred_of.append(cluster(m, f"unmatched:{ent['id']}:{i}"))
    for ref in refs:  # grounding ends not listed under an entity
        matched_of.setdefault(json.dumps(ref, sort_keys=True), match(ref, rows_by_path.get(ref["path"], [])))
    tp = fp = fn = 0
    for i, j in combinations(range(len(gold_of)), 2):
        same_gold, same_pred = gold_of[i] == gold_of[j], pred_of[i] == pred_of[j]
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    result = {"mentions": len(gold_of), "matched": sum(p.startswith("unmatched:") is False for p in pred_of),
              "entities": len(gold["entities"]), "pairwise_precision": round(precision, 4),
              "pairwise_recall": round(recall, 4),
              "pairwise_f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0}
    result.update(_grounding_scores(gold, matched_of, grounded))
    return result


def _grounding_scores(gold: dict, matched_of: dict, grounded: dict) -> dict:
    def m(ref):
        return matched_of.get(json.dumps(ref, sort_keys=True))

    gold_links = {(m(g["text"]).iri, m(g["image"]).iri) for g in gold.get("groundings", [])
                  if m(g["text"]) is not None and m(g["image"]) is not None}
    total_gold = len(gold.get("groundings", []))
    predicted = {(w, b) for w, boxes in grounded.items() for b, _ in boxes}
    correct = len(predicted & gold_links)
    return {"groundings_gold": total_gold, "groundings_predicted": len(predicted),
            "grounding_precision": round(correct / len(predicted), 4) if predicted else 1.0,
            "grounding_recall": round(correct / total_gold, 4) if total_gold else 1.0}
