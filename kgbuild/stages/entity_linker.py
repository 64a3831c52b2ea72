"""Links mentions to entities: one entity per (normalised name, type) in each document.

Names are normalised within each document first (kgbuild/nlp/normalise.py): honorifics
are stripped from people's names, short forms take the full name the document uses
("Pusterla" -> "Bruno Pusterla", "Northwind" -> "Northwind Aerospace"), and dates and
amounts are keyed by their typed value ("12 March 2024" and "March 12, 2024" are one
entity, with ``kg:value "2024-03-12"^^xsd:date``).

A name is an entity of its document only ("document-scoped"): "Daniel Okafor" in a concert
review and "Daniel Okafor" in a council report are two entities, and fusion (kgbuild/fusion),
which sees their contexts and the company they keep, decides whether they are one person.
So identity across documents is never decided by a string key here. Fusion also joins
spellings and modalities across the corpus. Dates and amounts are values, not names: they
stay keyed by their typed value (or their text) across the corpus, as fusion never resolves them.
Image detections are instances, not names: each box is its own entity ("a person seen
here"), which a later fusion stage may merge with a named one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ..datamodel import Entity, Item, Mention
from ..ids import display_label, mint, normalise_label
from ..nlp.normalise import resolve_aliases, strip_honorifics, typed_value
from ..vision.labels import entity_type_for
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
    aliases: bool = True  # resolve short forms to the document's full names
    typed_values: bool = True  # dates and amounts: keyed by, and carrying, their typed value
    # Every name is an entity of its document: two documents' "Daniel Okafor" may be two
    # people, and fusion, which sees their contexts, decides (docs/fusion.md).
    scope_documents: bool = True
    # With scope_documents off (one entity per name across the corpus): a bare "Harper" the
    # document never expands is still an entity of that document only.
    scope_bare_names: bool = True

_NEVER = {"EVENT_TRIGGER", "OBJECT_NOUN"}  # event triggers and object nouns ("man") are words, not names
# Values, not names: one entity per value across the corpus (fusion never resolves them).
_VALUES = {"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"}


@register_stage("entity_linker")
class EntityLinker(Stage):
    requires = frozenset({"source", "mentions"})
    produces = frozenset({"entities"})
    Params = EntityLinkerParams
    params: EntityLinkerParams

    def applies_to(self, item: Item) -> bool:
        return item.ok and bool(item.mentions)

    def process(self, items: list[Item]) -> None:
        for item in items:
            self._link(item)

    def _name(self, mention: Mention) -> str:
        name = display_label(mention.text)
        return strip_honorifics(name) if mention.label == "PERSON" else name

    def _scoped(self, label: str, key: str) -> bool:
        if label in _VALUES:
            return False
        if self.params.scope_documents:
            return True
        return self.params.scope_bare_names and label == "PERSON" and len(key.split()) == 1

    def _link(self, item: Item) -> None:
        surface: dict[str, Counter] = {}
        linked: list[Mention] = []
        names = [(m.label, self._name(m)) for m in item.mentions
                 if m.modality != "image" and m.label not in self.params.skip_labels]
        aliases = resolve_aliases(names) if self.params.aliases else {}
        for mention in item.mentions:
            if mention.label in self.params.skip_labels or mention.label in _NEVER:
                linked.append(mention)
                continue
            if mention.modality in ("image", "video"):  # a detection (or track) is an instance, not a name
                iri = mint("entity", "detected", mention.iri)
                _, schema_class = entity_type_for(mention.text)
                item.entities[iri] = Entity(iri, mention.text, mention.label, schema_class)
            else:
                name = self._name(mention)
                name = aliases.get((mention.label, name), name)
                key = normalise_label(name)
                if not key:
                    linked.append(mention)
                    continue
                typed = typed_value(mention.label, mention.text) if self.params.typed_values else None
                scope = ("in", item.source.iri) if self._scoped(mention.label, key) else ()
                iri = mint("entity", mention.label, f"value={typed[0]}" if typed else key, *scope)
                surface.setdefault(iri, Counter())[name] += 1
                item.entities[iri] = Entity(iri, "", mention.label, SCHEMA_CLASS.get(mention.label),
                                            *(typed or (None, None)))
            linked.append(replace(mention, entity=iri))
        for iri, forms in surface.items():
            # Most frequent form wins; ties go to the longest, then alphabetical, so the label
            # does not depend on mention order.
            best = sorted(forms.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0][0]
            item.entities[iri] = replace(item.entities[iri], label=best)
        item.mentions = linked
