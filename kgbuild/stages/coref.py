"""Coreference: pronouns and definite nominals that refer to a named entity of the same
document become mentions of that entity, so relations and events stated through them
("Ann Lee joined Acme. She later moved to Boston.") are found.

Rules over spaCy's parse, after linking (the antecedent's entity is known), precision
first: a reference is resolved only when one candidate clearly wins.

* Candidates are the named mentions of the same text view in the sentence so far and the
  two sentences before it, of a type the word can refer to (:mod:`kgbuild.nlp.coref_lexicon`:
  "he"/"she" a PERSON of a compatible gender, "they"/"its" an organisation or group,
  "its" also a place, "the company" an ORG, "the city" a place).
* A candidate scores by closeness (sentences back) and by being a grammatical subject; an
  object pronoun never refers to the subject of its own verb ("Ann saw her").
* A gender comes from a title or first name, and from pronouns already resolved to that
  entity. When the two best candidates are different entities within half a point, the
  word is left alone.

The mention gets the antecedent's label and entity, ``kind`` "pronoun" or "nominal"
(``kg:mentionKind``), and the confidence of the decision.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..datamodel import CharSpan, Item, Mention
from ..nlp.coref_lexicon import NOMINALS, PRONOUNS, name_gender
from ..nlp.spacy_docs import docs_of, ensure_docs, mention_at
from .base import Stage, StageParams
from .registry import register_stage

_SUBJECT = {"nsubj", "nsubjpass"}
_OBJECT = {"dobj", "pobj", "iobj", "dative", "obj"}


class CorefParams(StageParams):
    batch_size: int = 32
    spacy_model: str = "en_core_web_sm"
    window: int = 2  # sentences back that may hold the antecedent
    margin: float = 0.5  # the best candidate must beat a different entity by this much
    pronouns: bool = True
    nominals: bool = True


@dataclass
class _Candidate:
    mention: Mention
    sentence: int
    start: int  # character offset in the view
    subject: bool
    head: int  # token index of the mention's syntactic head's governor


@register_stage("coref")
class Coref(Stage):
    requires = frozenset({"source", "text", "mentions", "entities"})
    produces = frozenset({"mentions"})
    Params = CorefParams
    params: CorefParams

    def applies_to(self, item: Item) -> bool:
        return item.ok and item.has_text() and any(m.entity for m in item.mentions)

    def process(self, items: list[Item]) -> None:
        ensure_docs(items, self.params.spacy_model)
        for item, found in self.each(items, self._resolve):
            item.mentions.extend(found)

    def _resolve(self, item: Item) -> list[Mention]:
        genders: dict[str | None, str] = {}
        found: list[Mention] = []
        for view, offset, doc in docs_of(item):
            named = sorted(((span.start, span.end, m) for m in item.mentions
                            if m.entity and m.kind is None and (span := m.provenance.anchor(CharSpan)) is not None
                            and span.view == view and offset <= span.start < offset + len(doc.text)),
                           key=lambda t: t[0])
            for start, _, m in named:
                if m.label == "PERSON" and m.entity not in genders:
                    before = doc.text[max(0, start - offset - 12):start - offset].split()
                    gender = name_gender(m.text) or (name_gender(f"{before[-1]} {m.text}") if before else None)
                    if gender:
                        genders[m.entity] = gender
            found += self._in_doc(item, view, offset, doc, named, genders)
        return found

    def _in_doc(self, item: Item, view: str | None, offset: int, doc, named,
                genders: dict[str | None, str]) -> list[Mention]:
        sentences = list(doc.sents)
        sentence_of = {t.i: n for n, sent in enumerate(sentences) for t in sent}
        taken = [(a - offset, b - offset) for a, b, _ in named]
        candidates = []
        for a, b, m in named:
            span = doc.char_span(a - offset, b - offset, alignment_mode="expand")
            if span is None:
                continue
            root = span.root
            candidates.append(_Candidate(m, sentence_of[root.i], a - offset, root.dep_ in _SUBJECT, root.head.i))
        out = []
        bound: dict[int, str | None] = {}  # verb token -> the entity its subject pronoun was resolved to
        for tok in doc:
            ref = self._reference(tok, taken)
            if ref is None:
                continue
            end, kind, gender, types = ref
            here = sentence_of[tok.i]
            pool = [c for c in candidates if c.start < tok.idx and here - self.params.window <= c.sentence <= here
                    and c.mention.label in types]
            if gender:
                pool = [c for c in pool if genders.get(c.mention.entity, gender) == gender]
            if kind == "pronoun" and tok.dep_ in _OBJECT:
                # "Ann saw her", "He told him": not the subject of the same verb
                pool = [c for c in pool if not (c.subject and c.head == tok.head.i)
                        and c.mention.entity != bound.get(tok.head.i)]
            choice = self._choose(pool, here, {c.mention.entity for c in pool if gender and genders.get(c.mention.entity) == gender})
            if choice is None:
                continue
            antecedent, confidence = choice
            if gender and antecedent.entity:
                genders.setdefault(antecedent.entity, gender)
            if tok.dep_ in _SUBJECT and antecedent.entity:
                bound[tok.head.i] = antecedent.entity
            mention = mention_at(item, offset + tok.idx, offset + end, antecedent.label, self.name, view)
            out.append(replace(mention, entity=antecedent.entity, kind=kind, confidence=confidence))
            taken.append((tok.idx, end))
        return out

    def _reference(self, tok, taken) -> tuple[int, str, str | None, frozenset[str]] | None:
        """(end offset, kind, gender, entity types) when ``tok`` starts a reference."""
        if any(a <= tok.idx < b for a, b in taken):
            return None
        word = tok.lower_
        if self.params.pronouns and word in PRONOUNS and tok.tag_ in ("PRP", "PRP$"):
            gender, types = PRONOUNS[word]
            return tok.idx + len(tok.text), "pronoun", gender, types
        if self.params.nominals and word == "the" and tok.i + 1 < len(tok.doc):
            noun = tok.doc[tok.i + 1]
            follows = tok.doc[noun.i + 1] if noun.i + 1 < len(tok.doc) else None
            if (noun.lower_ in NOMINALS and noun.tag_ == "NN" and noun.ent_type_ == ""
                    and not (follows is not None and (follows.lower_ == "of" or follows.pos_ in ("NOUN", "PROPN")))):
                return noun.idx + len(noun.text), "nominal", None, NOMINALS[noun.lower_]
        return None

    def _choose(self, pool: list[_Candidate], here: int, gendered: set) -> tuple[Mention, float] | None:
        """The best candidate: close, a subject, and of the pronoun's known gender (a name
        whose gender is known to match beats one that merely does not clash)."""
        if not pool:
            return None
        scored = sorted(((3.0 - (here - c.sentence) + (1.0 if c.subject else 0.0)
                          + (0.75 if c.mention.entity in gendered else 0.0) + c.start * 1e-7, c)
                         for c in pool), key=lambda sc: -sc[0])
        best_score, best = scored[0]
        rival = next((s for s, c in scored[1:] if c.mention.entity != best.mention.entity), None)
        if rival is not None and best_score - rival < self.params.margin:
            return None  # two people it could be: leave it
        confidence = 0.9 if rival is None else round(min(0.9, 0.5 + (best_score - rival) / 4), 2)
        return best.mention, confidence
