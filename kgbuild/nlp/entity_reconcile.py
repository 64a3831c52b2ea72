"""One entity layer for the graph and the relation model: the joint model's entity spans
reconciled with the mentions spaCy (and doc_entities, the linker, coreference) made.

The relation model was trained on CoNLL04's spans and types; spaCy's boundaries and types
differ ("the U.S. Army" vs "U.S. Army", "Elmira" GPE vs Org), and with spaCy's spans as its
arguments the model loses half its relation F1 on dev (docs/text.md, ablation). So the
`relations` stage tags each candidate sentence with the joint model's own tagger, and:

* a joint span overlapping a named mention re-anchors that mention (same entity) to the
  joint span; the mention with the most overlap is taken, each mention at most once;
* a Peop/Org/Loc joint span spaCy missed becomes a new mention of the entity with that name
  and type (minted as the linker mints it, so a repeat of a known name joins its entity);
* a joint "Other" span over a person/organisation/place mention is not a relation argument
  and leaves the mention as it is (CoNLL04's Other never takes part in a relation);
* named mentions no joint span overlaps stay in the graph but are not relation arguments;
* pronoun and nominal mentions (coreference) are arguments as they are, unless the sentence
  also names their entity (then the name is the argument).

Types, by ``types``: "joint" — each entity takes the class most of its mentions' joint
readings give (a tie keeps the graph's class, or keeps it when two other classes tie), and
the entity is retyped in the graph, all its mentions (pronouns included) with it; "spacy" —
the graph's type stays and is the arguments' type. Either way the relation's argument types
are the graph's, so the graph never types a span PERSON while a relation reads it as a place.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from ..datamodel import Entity, Item, Mention
from ..ids import display_label, mint, normalise_label
from .conll04 import conll_type
from .normalise import strip_honorifics, title_names_nobody
from .spacy_docs import mention_at, mention_span

# The graph's label for an entity the joint model finds or retypes to a class whose label
# spaCy did not give it (a spaCy label already in the class is kept: GPE, LOC, FAC stay).
CLASS_LABEL = {"Peop": "PERSON", "Org": "ORG", "Loc": "GPE"}


class EntityLayer:
    """Reconciles one item's mentions with the joint tagger's spans, a sentence at a time;
    :meth:`finish` applies the type rule and writes the item's mentions and entities."""

    def __init__(self, item: Item, stage: str, schema_classes: dict[str, str], types: str = "joint") -> None:
        self.item, self.stage, self.schema_classes, self.types = item, stage, schema_classes, types
        self.replaced: dict[int, Mention] = {}  # id(spaCy mention) -> its re-anchored mention
        self.added: list[Mention] = []
        self.votes: dict[str, Counter[str]] = {}  # entity IRI -> joint classes read on its mentions
        self.final: dict[int, Mention] = {}  # id(mention handed out) -> the mention in the graph
        self.taken: dict[str | None, list[tuple[int, int]]] = {}  # view -> char ranges of mentions that are not candidates (dates, numbers)
        for m in item.mentions:
            span = mention_span(m)
            if span is not None and conll_type(m.label) is None:
                self.taken.setdefault(span.view, []).append((span.start, span.end))

    def sentence(self, view: str | None, offset: int, sent, mentions: list[tuple[Mention, int, int]],
                 spans: list[tuple[int, int, str, float]]) -> list[tuple[Mention, int, int]]:
        """The sentence's relation arguments as (mention, first token, end token)."""
        args: list[tuple[Mention, int, int]] = []
        claimed: set[int] = set()
        named = [(m, a, b) for m, a, b in mentions if not m.kind]
        for a, b, kind, _ in spans:
            a, b = _hyphen_words(sent, a, b)
            if kind == "Peop" and title_names_nobody([sent[k].text for k in range(a, b)],
                                                     sent[a - 1].text if a > 0 else "",
                                                     sent[b].text if b < len(sent) else ""):
                # a title alone ("the Admiral") names nobody. A title before a name stays in the
                # span (CoNLL04's people include theirs: trimming it cost 5 dev F1) and out of the
                # entity's name (_entity strips it)
                continue
            if any(a < y and x < b for _, x, y in args):
                continue  # two tagged parts of one hyphenated word: the first stands for it
            overlaps = [(min(b, mb) - max(a, ma), n) for n, (m, ma, mb) in enumerate(named)
                        if n not in claimed and min(b, mb) > max(a, ma)]
            start = offset + sent[a].idx
            end = offset + sent[b - 1].idx + len(sent[b - 1].text)
            if overlaps:
                n = max(overlaps)[1]
                claimed.add(n)
                m, ma, mb = named[n]
                if kind == "Other" and conll_type(m.label) != "Other":
                    continue  # the joint model reads no person, organisation or place here
                if (ma, mb) != (a, b):
                    moved = replace(mention_at(self.item, start, end, m.label, self.stage, view), entity=m.entity)
                    self.replaced[id(m)] = moved
                    m = moved
                if kind != "Other" and m.entity:
                    self.votes.setdefault(m.entity, Counter())[kind] += 1
                args.append((m, a, b))
            elif (kind in CLASS_LABEL and _capitalised(sent, a, b)
                  and not any(s < end and start < e for s, e in self.taken.get(view, []))):
                # a name spaCy missed; an all-lower-case span ("woman") is a common noun, never
                # a new named mention (CoNLL04 has no lower-case person or place, 2 of 788 orgs)
                new = self._new_mention(view, start, end, CLASS_LABEL[kind])
                if new is not None:
                    args.append((new, a, b))
        named_here = {m.entity for m, _, _ in args}
        for m, ma, mb in mentions:
            # A pronoun whose entity the sentence also names adds only a second reading of the
            # same fact ("Jack Ruby ... his"): the model reads the name.
            if m.kind and m.entity not in named_here and all(mb <= a or ma >= b for _, a, b in args):
                args.append((m, ma, mb))
        return sorted(args, key=lambda t: t[1])

    def _new_mention(self, view: str | None, start: int, end: int, label: str) -> Mention | None:
        mention = mention_at(self.item, start, end, label, self.stage, view)
        iri = self._entity(display_label(mention.text), label)
        if iri is None:
            return None
        mention = replace(mention, entity=iri)
        self.added.append(mention)
        return mention

    def _entity(self, name: str, label: str) -> str | None:
        """The entity of ``name`` typed ``label``, keyed as the entity linker keys it."""
        name = strip_honorifics(name) if label == "PERSON" else name
        key = normalise_label(name)
        if not key:
            return None
        # A one-word person name is an entity of its document only (the linker's rule).
        scope = ("in", self.item.source.iri) if label == "PERSON" and len(key.split()) == 1 else ()
        iri = mint("entity", label, key, *scope)
        if iri not in self.item.entities:
            self.item.entities[iri] = Entity(iri, name, label, self.schema_classes.get(label))
        return iri

    def finish(self) -> None:
        """Write the re-anchored and new mentions, then retype entities by the joint vote."""
        item = self.item
        mentions = [self.replaced.get(id(m), m) for m in item.mentions] + self.added
        moved = self._retyped() if self.types == "joint" else {}
        final = []
        for m in mentions:
            new = m
            if m.entity in moved:
                old_type, entity = item.entities[m.entity].entity_type, moved[m.entity]
                new = replace(m, entity=entity.iri,
                              label=entity.entity_type if m.label == old_type else m.label)
            self.final[id(m)] = new
            final.append(new)
        for old, entity in moved.items():
            item.entities.pop(old, None)
            item.entities.setdefault(entity.iri, entity)
        item.mentions = final

    def _retyped(self) -> dict[str, Entity]:
        out = {}
        for iri, votes in self.votes.items():
            entity = self.item.entities.get(iri)
            if entity is None:
                continue
            top = max(votes.values())
            winners = [k for k, v in votes.items() if v == top]
            if conll_type(entity.entity_type) in winners or len(winners) > 1:
                continue  # the graph's class holds on a tie
            label = CLASS_LABEL[winners[0]]
            name = entity.label
            key = normalise_label(strip_honorifics(name) if label == "PERSON" else name)
            if not key:
                continue
            scope = ("in", self.item.source.iri) if label == "PERSON" and len(key.split()) == 1 else ()
            new_iri = mint("entity", label, key, *scope)
            out[iri] = self.item.entities.get(new_iri) or Entity(new_iri, name, label, self.schema_classes.get(label))
        return out

    def current(self, mention: Mention) -> Mention:
        """The mention as the graph has it after :meth:`finish`."""
        return self.final.get(id(mention), mention)


def _hyphen_words(sent, a: int, b: int) -> tuple[int, int]:
    """A span widened over hyphen joins: spaCy splits "ITAR-TASS" into three tokens and the
    tagger, trained on whole words, may tag one part; a name is the whole hyphenated word."""
    while b + 1 < len(sent) and sent[b].text == "-" and not sent[b - 1].whitespace_ and not sent[b].whitespace_:
        b += 2
    while a >= 2 and sent[a - 1].text == "-" and not sent[a - 2].whitespace_ and not sent[a - 1].whitespace_:
        a -= 2
    return a, b


def _capitalised(sent, a: int, b: int) -> bool:
    """Some word of tokens ``a:b`` has a capital letter (names are written so)."""
    return any(ch.isupper() for k in range(a, b) for ch in sent[k].text)
