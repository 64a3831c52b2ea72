"""Geometric relations between the objects detected in one image, computed from their boxes.

For every ordered pair of detected objects (A, B) in an image this stage states which of
``left_of``, ``right_of``, ``above``, ``below``, ``overlaps``, ``inside`` and ``near`` hold,
as image-modality :class:`~kgbuild.datamodel.Relation` records between the objects'
entities, with the two detections as evidence. The definitions and thresholds are in
docs/images.md; in short, with centre offsets measured in units of the boxes' mean half
size, so that the same rule works for a cup and a bus:

* ``dx = (cx_B - cx_A) / ((w_A + w_B) / 2)`` and ``dy`` likewise with heights; ``|dx| >= 1``
  means the boxes do not overlap horizontally;
* ``left_of``: ``dx >= min_offset``; ``right_of``: ``dx <= -min_offset``; ``above``/``below``
  the same with ``dy`` (image y grows downwards); score ``min(1, |d|)``;
* ``inside``: at least ``inside_min`` of A's area lies in B, and A is the smaller; score that share;
* ``overlaps``: the boxes share at least ``overlap_min`` of the smaller one's area, neither
  being inside the other; score that share;
* ``near``: the gap between the boxes is less than ``near_factor`` times their mean size
  (the square root of a box's area); score ``1 - gap / (near_factor * size)``.

A relation's confidence is its geometric score times the lower of the two detection
confidences: a relation is no surer than the objects it links.

The stage runs after the entity linker (it requires ``entities``) and uses the entity IRIs
the linker gave each detection, so there is one rule for those IRIs, in one place.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

from pydantic import Field

from ..datamodel import Box, Item, Mention, Relation
from ..ids import NS
from .base import Stage, StageParams
from .registry import register_stage

RelationName = Literal["left_of", "right_of", "above", "below", "overlaps", "inside", "near"]
ALL_RELATIONS: tuple[RelationName, ...] = ("left_of", "right_of", "above", "below", "overlaps", "inside", "near")
PREDICATES: dict[str, str] = {
    "left_of": NS + "leftOf",
    "right_of": NS + "rightOf",
    "above": NS + "above",
    "below": NS + "below",
    "overlaps": NS + "overlaps",
    "inside": NS + "inside",
    "near": NS + "near",
}


class SceneRelationsParams(StageParams):
    batch_size: int = 64
    relations: list[RelationName] = list(ALL_RELATIONS)  # which relations to state
    min_offset: float = Field(0.5, gt=0.0)  # directional: centre offset in mean half sizes
    inside_min: float = Field(0.9, gt=0.0, le=1.0)  # share of A's area within B
    overlap_min: float = Field(0.1, gt=0.0, le=1.0)  # share of the smaller box's area shared
    near_factor: float = Field(1.0, gt=0.0)  # "near": gap below this many mean object sizes
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)  # relations below this are dropped
    # Pairs grow with the square of the objects; only the surest detections take part.
    max_objects: int = Field(30, ge=2)


@register_stage("scene_relations")
class SceneRelations(Stage):
    requires = frozenset({"source", "mentions", "entities"})
    produces = frozenset({"relations"})
    modalities = frozenset({"image"})
    Params = SceneRelationsParams
    params: SceneRelationsParams

    def process(self, items: list[Item]) -> None:
        for item, relations in self.each(items, self._relate):
            item.relations.extend(relations)

    def _relate(self, item: Item) -> list[Relation]:
        objects = [_Object(m, box, m.entity) for m in item.mentions
                   if m.modality == "image" and m.entity and (box := m.provenance.anchor(Box)) is not None]
        # Highest confidence first, ties by position, so the cut is the same on every run.
        objects.sort(key=lambda o: (-(o.mention.confidence or 0.0), o.box.key(), o.mention.text))
        objects = objects[: self.params.max_objects]
        found = []
        for a in objects:
            for b in objects:
                if a is not b and a.entity != b.entity:
                    found.extend(self._pair(a, b))
        return found

    def _pair(self, a: _Object, b: _Object) -> list[Relation]:
        wanted = set(self.params.relations)
        scores = {name: s for name, s in relation_scores(a.box, b.box, self.params).items() if name in wanted}
        sure = min(a.mention.confidence if a.mention.confidence is not None else 1.0,
                   b.mention.confidence if b.mention.confidence is not None else 1.0)
        out = []
        for name, score in scores.items():
            confidence = round(score * sure, 4)
            if confidence >= self.params.min_confidence:
                out.append(Relation(subject=a.entity, predicate=PREDICATES[name], object=b.entity,
                                    evidence=(a.mention.iri, b.mention.iri), extractor=self.type_name,
                                    confidence=confidence))
        return out


class _Object(NamedTuple):
    """An image mention that takes part: its box and its entity."""

    mention: Mention
    box: Box
    entity: str


def relation_scores(a: Box, b: Box, params: SceneRelationsParams | None = None) -> dict[str, float]:
    """Every relation that holds from box ``a`` to box ``b``, with its geometric score in (0, 1]."""
    p = params or SceneRelationsParams()
    scores: dict[str, float] = {}
    mean_w, mean_h = (a.w + b.w) / 2, (a.h + b.h) / 2
    if mean_w > 0:
        dx = ((b.x + b.w / 2) - (a.x + a.w / 2)) / mean_w
        if dx >= p.min_offset:
            scores["left_of"] = min(1.0, dx)
        elif dx <= -p.min_offset:
            scores["right_of"] = min(1.0, -dx)
    if mean_h > 0:
        dy = ((b.y + b.h / 2) - (a.y + a.h / 2)) / mean_h
        if dy >= p.min_offset:
            scores["above"] = min(1.0, dy)
        elif dy <= -p.min_offset:
            scores["below"] = min(1.0, -dy)

    area_a, area_b = a.w * a.h, b.w * b.h
    iw = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    ih = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    shared = max(0.0, iw) * max(0.0, ih)
    a_in_b = shared / area_a if area_a > 0 else 0.0
    b_in_a = shared / area_b if area_b > 0 else 0.0
    if a_in_b >= p.inside_min and area_a < area_b:
        scores["inside"] = a_in_b
    elif not (b_in_a >= p.inside_min and area_b < area_a):
        smaller = min(area_a, area_b)
        share = shared / smaller if smaller > 0 else 0.0
        if share >= p.overlap_min:
            scores["overlaps"] = share

    gap = math.hypot(max(0.0, -iw), max(0.0, -ih))  # 0 when the boxes touch or overlap
    size = (math.sqrt(max(area_a, 0.0)) + math.sqrt(max(area_b, 0.0))) / 2
    reach = p.near_factor * size
    if reach > 0 and gap < reach:
        scores["near"] = 1.0 - gap / reach
    return {name: round(score, 4) for name, score in scores.items()}
