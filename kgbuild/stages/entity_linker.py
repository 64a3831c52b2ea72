"""Links mentions to entities: one entity per (normalised name, type) across the corpus.

This is the foundation's simple linker; cross-document and cross-modal fusion replace it.
Image detections are instances, not names: each box is its own entity ("a person seen
here"), which a later fusion stage may merge with a named one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ..datamodel import Entity, Item, Mention
from ..ids import display_label, mint, normalise_label
from ..vision_types import entity_type_for
from .base import Stage, StageParams
from .registry import register_stage

SCHEMA = "http://schema.org/"
SCHEMA_CLASS = {
    "PERSON": SCHEMA + "Person",
    "ORG": SCHEMA + "Organization",
    "GPE": SCHEMA + "Place",
    "LOC": SCHEMA + "Place",
    "FAC": SCHEMA + "Place",
    "EVENT": SCHEMA + "Event",
    "WORK_OF_ART": SCHEMA + "CreativeWork",
    "PRODUCT": SCHEMA + "Product",
    "LANGUAGE": SCHEMA + "Language",
}


class EntityLinkerParams(StageParams):
    batch_size: int = 64
    skip_labels: list[str] = []  # mention labels that get no entity (e.g. CARDINAL)


@register_stage("entity_linker")
class EntityLinker(Stage):
    requires = frozenset({"source", "mentions"})
    produces = frozenset({"entities"})
    Params = EntityLinkerParams

    def applies_to(self, item: Item) -> bool:
        return item.ok and bool(item.mentions)

    def process(self, items: list[Item]) -> None:
        for item in items:
            self._link(item)

    def _link(self, item: Item) -> None:
        surface: dict[str, Counter] = {}
        linked: list[Mention] = []
        for mention in item.mentions:
            if mention.label in self.params.skip_labels:
                linked.append(mention)
                continue
            if mention.modality == "image":
                iri = mint("entity", "detected", mention.iri)
                _, schema_class = entity_type_for(mention.text)
                item.entities[iri] = Entity(iri, mention.text, mention.label, schema_class)
            else:
                key = normalise_label(mention.text)
                if not key:
                    linked.append(mention)
                    continue
                iri = mint("entity", mention.label, key)
                surface.setdefault(iri, Counter())[display_label(mention.text)] += 1
                item.entities[iri] = Entity(iri, "", mention.label, SCHEMA_CLASS.get(mention.label))
            linked.append(replace(mention, entity=iri))
        for iri, forms in surface.items():
            # Most frequent form wins; ties go to the longest, then alphabetical, so the label
            # does not depend on mention order.
            best = sorted(forms.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0][0]
            item.entities[iri] = replace(item.entities[iri], label=best)
        item.mentions = linked
