"""What a detector's class label means in the graph: an entity type and a schema.org class.

Detectors name object classes ("person", "bus", "cup"); the graph types entities with the
same coarse labels text NER uses, so a person seen in a photo and a PERSON named in a
caption can be matched later. Only classes with an obvious type are listed; any other
label (including classes of custom-trained weights) is an ``OBJECT``, a ``schema:Thing``.

schema.org is used only where it has a class that fits: it has none for animals or food,
so those map to ``None`` rather than to a misleading approximation.
"""

from __future__ import annotations

SCHEMA = "http://schema.org/"

DEFAULT_TYPE: tuple[str, str | None] = ("OBJECT", SCHEMA + "Thing")

_GROUPS: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("PERSON", SCHEMA + "Person"): ("person",),
    ("VEHICLE", SCHEMA + "Vehicle"): (
        "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    ),
    ("ANIMAL", None): (
        "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe",
    ),
    ("FOOD", None): (
        "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza",
        "donut", "cake",
    ),
}

# COCO class name -> (entity type, schema.org class IRI or None).
VISION_TYPES: dict[str, tuple[str, str | None]] = {
    name: typ for typ, names in _GROUPS.items() for name in names
}


def entity_type_for(class_name: str) -> tuple[str, str | None]:
    """(entity type, schema.org class IRI or None) for a detector class label."""
    return VISION_TYPES.get(class_name.strip().lower(), DEFAULT_TYPE)
