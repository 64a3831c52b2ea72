"""Open relations read off the dependency parse, outside the trained schema.

Patterns between two entity mentions of one sentence (X and Y; the predicate is the
verb's lemma, with the preposition or the role noun appended):

* subject-verb-object   "NASA selected Collins"                   X selectV Y       (open:select)
* passive with agent    "founded in 1998 by Richard Moreno"       Y foundV X
* verb + preposition    "Whitfield moved to Denver"               X open:move_to Y
* copula / attribute    "Harper is the chief executive of X"      open:chief_executive_of
* appositive            "Daniel Harper, the chief executive of Y" open:chief_executive_of;
                        "the guard, Miguel Ortega"                open:is
* relative clause       "Chen, who works for the police"          the clause's subject is Chen

Predicates live under their own namespace (``https://w3id.org/kgbuild/open#``) and the
extractor is "open_relations", so they never mix with trained CoNLL04 types; their
confidence is a fixed, lower prior per pattern rather than a model score.
"""

from __future__ import annotations

import re

from ..datamodel import Item, Mention, Relation
from ..ids import OPEN_NS
from .base import Stage, StageParams
from .registry import register_stage

_NUMERIC = {"CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY", "DATE", "TIME", "EVENT_TRIGGER"}
_PLACES = {"GPE", "LOC", "FAC"}
PRIOR = {"svo": 0.5, "passive": 0.5, "prep": 0.4, "copula": 0.4, "appos": 0.35}


class OpenRelationParams(StageParams):
    batch_size: int = 32
    spacy_model: str = "en_core_web_sm"  # parse when no earlier stage kept one; lemmas for predicates
    skip_labels: list[str] = sorted(_NUMERIC)


def predicate_iri(*words: str) -> str:
    local = "_".join(w.lower() for w in words if w)
    return OPEN_NS + re.sub(r"[^a-z0-9_]+", "", local.replace(" ", "_").replace("-", "_"))


@register_stage("open_relations")
class OpenRelations(Stage):
    requires = frozenset({"source", "text", "mentions", "entities"})
    produces = frozenset({"relations"})
    Params = OpenRelationParams
    params: OpenRelationParams

    def _load(self) -> None:
        from ..nlp.spacy_docs import load_spacy

        nlp = load_spacy(self.params.spacy_model)
        # spacy_ner turns the lemmatizer off for speed; predicates need lemmas of a few verbs only.
        self.lemmatizer = nlp.get_pipe("lemmatizer") if "lemmatizer" in nlp.component_names else None

    def applies_to(self, item: Item) -> bool:
        return item.ok and item.has_text() and len(item.mentions) > 1

    def lemma(self, token) -> str:
        if token.lemma_:
            return token.lemma_.lower()
        if self.lemmatizer is not None and token.pos_ in ("VERB", "AUX", "NOUN"):
            try:
                return self.lemmatizer.rule_lemmatize(token)[0].lower()
            except (KeyError, IndexError, ValueError):
                pass
        return token.text.lower()

    def process(self, items: list[Item]) -> None:
        from ..nlp.spacy_docs import ensure_docs

        ensure_docs(items, self.params.spacy_model)
        for item, found in self.each(items, self._extract):
            item.relations.extend(found)

    def _extract(self, item: Item) -> list[Relation]:
        from ..nlp.spacy_docs import mentions_by_sentence

        def keep(m: Mention) -> bool:
            return m.entity is not None and m.modality != "image" and m.label not in self.params.skip_labels

        out: dict[tuple, Relation] = {}
        for _, _, sent, mentions in mentions_by_sentence(item, keep):
            if len(mentions) < 2:
                continue
            at: dict[int, Mention] = {}
            for m, a, b in mentions:
                for i in range(sent.start + a, sent.start + b):
                    at[i] = m
            for pattern, x, pred, y in self._patterns(sent, at):
                if x.entity != y.entity:
                    rel = Relation(x.entity, pred, y.entity, (x.iri, y.iri), self.type_name, PRIOR[pattern])
                    out.setdefault((rel.subject, rel.predicate, rel.object, rel.evidence), rel)
        return list(out.values())

    def _subject(self, verb, at):
        from ..nlp.depparse import mention_at, subject_token

        tok, passive = subject_token(verb)
        return (mention_at(tok, at) if tok is not None else None), passive

    def _preps(self, head, at):
        from ..nlp.depparse import mention_at, preps

        for prep, obj in preps(head):
            if mention_at(obj, at):
                yield prep, mention_at(obj, at)

    def _patterns(self, sent, at):
        from ..nlp import depparse

        for tok in sent:
            if tok.pos_ in ("VERB", "AUX"):
                subj, passive = self._subject(tok, at)
                lemma = self.lemma(tok)
                objects = depparse.objects(tok)
                attrs = [c for c in tok.children if c.dep_ in ("attr", "acomp")]
                if subj is not None:
                    for obj in objects:
                        if depparse.mention_at(obj, at):
                            yield "svo", subj, predicate_iri(lemma), depparse.mention_at(obj, at)
                    for prep, obj in self._preps(tok, at):
                        if prep.dep_ == "agent":  # "X was founded by Y": Y found X
                            yield "passive", obj, predicate_iri(lemma), subj
                        else:
                            yield "prep", subj, predicate_iri(lemma, prep.lower_), obj
                    for attr in attrs:
                        if attr.i in at:
                            yield "copula", subj, predicate_iri("is"), at[attr.i]
                        for prep, obj in self._preps(attr, at):
                            yield "copula", subj, predicate_iri(*self._role(attr), prep.lower_), obj
            elif tok.dep_ == "appos" and tok.head.i in at:
                x = at[tok.head.i]
                y = at.get(tok.i)
                if y is not None and y.label == x.label:
                    # "Tucson, Arizona" is containment, "the guard, Miguel Ortega" identity; an
                    # appositive across types ("DENVER, Colorado - Northwind") is a misparse.
                    yield "appos", x, predicate_iri("in" if x.label in _PLACES else "is"), y
                for prep, obj in self._preps(tok, at):
                    yield "appos", x, predicate_iri(*self._role(tok), prep.lower_), obj

    def _role(self, noun) -> list[str]:
        """The role noun with its compound and adjective modifiers: "chief executive"."""
        mods = [c.lower_ for c in noun.children if c.dep_ in ("compound", "amod") and c.i < noun.i]
        return [*mods, noun.lower_]
