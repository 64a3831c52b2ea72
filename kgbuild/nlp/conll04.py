"""CoNLL04 (Roth & Yih 2004) in the JSON layout of SpERT/TablERT: reading and type maps.

Each sentence is a list of words, BILOU tags over four entity types and relations between
entity spans indexed in order of appearance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

ENTITY_TYPES = ("Peop", "Org", "Loc", "Other")
RELATION_TYPES = ("Work_For", "Kill", "OrgBased_In", "Live_In", "Located_In")

# Predicate IRIs (docs/graph-model.md): CoNLL04 types in kgbuild's camelCase.
PREDICATE_LOCAL = {"Work_For": "worksFor", "Kill": "killed", "OrgBased_In": "basedIn",
                   "Live_In": "livesIn", "Located_In": "locatedIn"}

# spaCy (OntoNotes) labels to CoNLL04 entity types; unlisted labels are "Other".
SPACY_TO_CONLL = {"PERSON": "Peop", "ORG": "Org", "GPE": "Loc", "LOC": "Loc", "FAC": "Loc",
                  "NORP": "Other", "EVENT": "Other", "WORK_OF_ART": "Other", "PRODUCT": "Other",
                  "LAW": "Other", "LANGUAGE": "Other"}
# Dates, amounts and ordinals are CoNLL04 "Other" only rarely; they never anchor its relations.
NOT_CANDIDATES = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL", "EVENT_TRIGGER"}


def conll_type(spacy_label: str) -> str | None:
    if spacy_label in NOT_CANDIDATES:
        return None
    if spacy_label in ENTITY_TYPES:  # already CoNLL04 (transformer_ner output)
        return spacy_label
    return SPACY_TO_CONLL.get(spacy_label, "Other")


@dataclass
class Sentence:
    words: list[str]
    spans: list[tuple[int, int, str]]  # (start word, end word exclusive, entity type)
    relations: list[tuple[int, int, str]] = field(default_factory=list)  # (head span, tail span, type)


def spans_from_bilou(tags: list[str]) -> list[tuple[int, int, str]]:
    """Spans from BILOU (or BIO) tags; a span left open by a malformed sequence is closed
    where its type stops, so predicted tags decode without losing entities."""
    spans, start, kind = [], None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, label = tag.partition("-")
        continues = prefix in ("I", "L") and kind == label and start is not None
        if not continues and start is not None and kind is not None:
            spans.append((start, i, kind))
            start, kind = None, None
        if prefix in ("B", "U") or (prefix in ("I", "L") and start is None):
            start, kind = i, label
        if prefix in ("L", "U") and start is not None and kind is not None:
            spans.append((start, i + 1, kind))
            start, kind = None, None
    return spans


def load(path: str | Path) -> list[Sentence]:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read CoNLL04 JSON {path}: {exc}") from exc
    out = []
    for n, doc in enumerate(raw):
        try:
            spans = spans_from_bilou(doc["tags"])
            rels = [(r["head"], r["tail"], r["type"]) for r in doc.get("relations", [])]
        except (KeyError, TypeError) as exc:
            raise InputError(f"{path}: sentence {n} is not CoNLL04 JSON ({exc})", position=f"item {n}") from exc
        out.append(Sentence(list(doc["tokens"]), spans, rels))
    return out


def signatures(sentences: list[Sentence]) -> dict[str, list[tuple[str, str]]]:
    """(head type, tail type) pairs each relation type was seen with: the candidate filter."""
    seen: dict[str, set] = {}
    for s in sentences:
        for h, t, kind in s.relations:
            seen.setdefault(kind, set()).add((s.spans[h][2], s.spans[t][2]))
    return {k: sorted(v) for k, v in sorted(seen.items())}
