"""Events with a type, a trigger and role-labelled arguments, from a trigger lexicon and
dependency rules (the lexicon and roles are documented in kgbuild/nlp/event_lexicon.py
and docs/text.md).

Each event's trigger becomes a mention of its own (label ``EVENT_TRIGGER``) with the same
anchors as any text mention, so an event is provenance-checked down to the word.
Arguments are entities where a mention is there, else the noun phrase as a literal.
"""

from __future__ import annotations

from ..datamodel import CharSpan, Event, Item, Mention, Provenance
from .base import Stage, StageParams
from .registry import register_stage

TRIGGER_LABEL = "EVENT_TRIGGER"


class EventParams(StageParams):
    batch_size: int = 32
    spacy_model: str = "en_core_web_sm"  # parse when no earlier stage kept one; lemmas of triggers
    min_arguments: int = 1  # a trigger with fewer arguments is not reported ("at the time of the attack")
    literal_fillers: bool = True  # fill roles with noun phrases where no entity is mentioned


@register_stage("events")
class EventExtractor(Stage):
    requires = frozenset({"source", "text", "mentions", "entities"})
    produces = frozenset({"events", "mentions"})
    Params = EventParams
    params: EventParams

    def _load(self) -> None:
        from ..nlp.spacy_docs import load_spacy

        nlp = load_spacy(self.params.spacy_model)
        self.lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.component_names else None

    def applies_to(self, item: Item) -> bool:
        return item.ok and item.has_text()

    def lemma(self, tok) -> str:
        if tok.lemma_:
            return tok.lemma_.lower()
        if self.lemmatizer is not None:
            try:
                return self.lemmatizer.rule_lemmatize(tok)[0].lower()
            except (KeyError, IndexError, ValueError):
                pass
        return tok.lower_

    def process(self, items: list[Item]) -> None:
        from ..nlp.spacy_docs import ensure_docs

        ensure_docs(items, self.params.spacy_model)
        for item, (triggers, events) in self.each(items, self._extract):
            item.mentions.extend(triggers)
            item.events.extend(events)

    def _extract(self, item: Item) -> tuple[list[Mention], list[Event]]:
        from ..nlp.event_lexicon import NOUNS, VERBS
        from ..nlp.spacy_docs import mentions_by_sentence

        triggers, events = [], []
        for view, offset, sent, mentions in mentions_by_sentence(item, lambda m: m.entity is not None):
            at = {sent.start + i: m for m, a, b in mentions for i in range(a, b)}
            for tok in sent:
                if tok.i in at:
                    continue  # a word inside a name ("Attack Records") is no trigger
                table = VERBS if tok.pos_ in ("VERB", "AUX") else NOUNS if tok.pos_ == "NOUN" else None
                entry = table.get(self.lemma(tok)) if table is not None else None
                if entry is None or (entry.forms and tok.lower_ not in entry.forms):
                    continue
                args = self._arguments(tok, entry, at, verb=table is VERBS)
                if len(args) < self.params.min_arguments:
                    continue
                trigger = self._trigger(item, view, tok, offset)
                named = any(f.startswith("https://") for r, f in args if r not in ("time", "place"))
                triggers.append(trigger)
                events.append(Event(entry.event_type, trigger.iri, tuple(args), self.type_name, 0.7 if named else 0.5))
        return triggers, events

    def _filler(self, tok, at) -> tuple[str | None, str | None]:
        """(entity IRI or literal phrase, the entity's type; None for a phrase)."""
        from ..nlp.depparse import mention_at, phrase

        m = mention_at(tok, at)
        if m is not None:
            return m.entity, m.label
        return (phrase(tok) if self.params.literal_fillers else None), None

    def _arguments(self, tok, entry, at, verb: bool) -> list[tuple[str, str]]:
        from ..nlp import depparse
        from ..nlp.event_lexicon import PLACE_LABELS, PREP_ROLES, TIME_LABELS, TYPE_PREP_ROLES, role_accepts

        args: list[tuple[str, str]] = []

        def add(role, filler, label=None):
            if isinstance(filler, tuple):
                filler, label = filler
            if role and filler and (role, filler) not in args and role_accepts(role, label):
                args.append((role, filler))

        if verb:
            subj, passive = depparse.subject_token(tok)
            if subj is not None:
                active = entry.alone if entry.alone and not depparse.objects(tok) else entry.subject
                add(entry.object if passive else active, self._filler(subj, at))
            for obj in depparse.objects(tok):
                add(entry.object, self._filler(obj, at))
        else:
            for child in tok.children:
                if child.dep_ == "poss":
                    add(entry.subject, self._filler(child, at))
        extra = TYPE_PREP_ROLES.get(entry.event_type, {})
        # The parser often hangs "in Tucson" on the object ("arrested [Delaney in Tucson]"):
        # places and times found there belong to the event too.
        on_object = [(p, o, True) for obj in (depparse.objects(tok) if verb else []) for p, o in depparse.preps(obj)]
        for prep, obj, borrowed in [*((p, o, False) for p, o in depparse.preps(tok)), *on_object]:
            p = prep.lower_
            if borrowed and not (obj.i in at and at[obj.i].label in PLACE_LABELS | TIME_LABELS):
                continue
            if prep.dep_ == "agent":  # passive "by X": the doer
                add(entry.subject, self._filler(obj, at))
                continue
            if not verb and p == "of":
                add(entry.object, self._filler(obj, at))
                continue
            m = depparse.mention_at(obj, at)
            kind = "other" if m is None else "place" if m.label in PLACE_LABELS else "time" if m.label in TIME_LABELS else "other"
            role = extra.get((p, kind)) or PREP_ROLES.get((p, kind))
            if role and (m is not None or kind == "other"):
                add(role, (m.entity, m.label) if m is not None else self._filler(obj, at))
        for child in tok.children:  # "died Tuesday": a bare time modifier
            if child.dep_ in ("npadvmod", "tmod") and child.i in at and at[child.i].label in TIME_LABELS:
                add("time", at[child.i].entity, at[child.i].label)
        return args

    def _trigger(self, item: Item, view: str | None, tok, offset: int) -> Mention:
        text_view = item.view(view)
        assert text_view is not None  # the view came from the item's parses
        anchors, _ = text_view.anchors(CharSpan(offset + tok.idx, offset + tok.idx + len(tok.text), view))
        return Mention(tok.text, TRIGGER_LABEL, text_view.modality, Provenance(item.source.iri, anchors, self.name))
