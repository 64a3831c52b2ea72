"""One consistent entity layer per document, after NER and before linking.

A sentence-level tagger makes errors no single sentence can fix; the document can. Rules,
in order (each can be turned off):

1. **Titles are not names.** "Astronaut Eileen Collins" becomes a PERSON mention of
   "Eileen Collins" (:data:`~kgbuild.nlp.normalise.TITLES`); a name typed ORG or GPE that
   starts with a title only a person bears ("Senator Kowalski") is a person.
2. **Values by their form.** MONEY needs a currency; a span of years typed MONEY or
   CARDINAL ("1990-1995") is a DATE; a number without a currency is CARDINAL, and PERCENT
   needs a percent sign or word.
3. **A part of a longer name is that name.** A surname, a first name, an organisation's
   leading words or its acronym take the type of the one longer name of the document they
   belong to ("Collins" typed ORG after "Eileen Collins" is a PERSON); the linker then
   resolves it to the full name.
4. **One type per name and document.** The same name typed differently in one document
   (PERSON in one sentence, GPE in the next) takes its most frequent type; ties go to the
   written text over speech and OCR, then to the first occurrence.
5. **Repeats are mentions too.** A tagged name, or the surname of a tagged person, that
   occurs again untagged in the same text view becomes a mention there (a one-word name only
   where the parser sees a proper noun that does not start a sentence).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from ..datamodel import CharSpan, Item, Mention
from ..nlp.normalise import PERSONAL_TITLES, title_names_nobody, title_words
from ..nlp.spacy_docs import docs_of, mention_at
from .base import Stage, StageParams
from .registry import register_stage

NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})
_CURRENCY = re.compile(r"[$€£¥₹]|\b(?:dollars?|euros?|pounds?|yen|yuan|rupees?|francs?|cents?|usd|eur|gbp|jpy|"
                       r"cny|chf|bucks)\b", re.I)
_YEARS = re.compile(r"^(?:the\s+)?(?:1[5-9]\d\d|20\d\d)s?(?:\s*(?:-|–|—|to|and)\s*(?:1[5-9]\d\d|20\d\d|\d\d))?$", re.I)
_PERCENT = re.compile(r"%|\bper\s?cent\b|\bpercentage\b", re.I)
_WORD = re.compile(r"\S+")


class DocEntitiesParams(StageParams):
    batch_size: int = 64
    strip_titles: bool = True
    type_values: bool = True
    name_parts: bool = True
    vote: bool = True
    repeats: bool = True


@register_stage("doc_entities")
class DocEntities(Stage):
    requires = frozenset({"source", "text", "mentions"})
    produces = frozenset({"mentions"})
    Params = DocEntitiesParams
    params: DocEntitiesParams
    revision = 1  # 1: a bare title word used as a name ("murder of King") is a surname, not a lone title

    def applies_to(self, item: Item) -> bool:
        return item.ok and item.has_text() and bool(item.mentions)

    def process(self, items: list[Item]) -> None:
        for item, mentions in self.each(items, self._consistent):
            item.mentions = mentions

    def _consistent(self, item: Item) -> list[Mention]:
        mentions = list(item.mentions)
        if self.params.strip_titles:
            mentions = [self._untitled(item, m) for m in mentions if not _only_title(item, m)]
        if self.params.type_values:
            mentions = [_typed_by_form(m) for m in mentions]
        if self.params.name_parts:
            mentions = _name_parts(mentions)
        if self.params.vote:
            mentions = _vote(mentions)
        if self.params.repeats:
            mentions += self._repeats(item, mentions)
        return sorted(mentions, key=_order)

    # 1. titles --------------------------------------------------------------------------

    def _untitled(self, item: Item, m: Mention) -> Mention:
        span = m.provenance.anchor(CharSpan)
        if span is None or m.label not in NAME_LABELS:
            return m
        words = list(_WORD.finditer(m.text))
        strip = title_words([w.group() for w in words])
        if not strip:
            return m
        first = words[0].group().lower().rstrip(".")
        if m.label != "PERSON" and first not in PERSONAL_TITLES:
            return m  # "General Motors" is an organisation, whatever its first word says
        start = span.start + words[strip].start()
        trimmed = mention_at(item, start, span.end, "PERSON", m.provenance.stage, span.view)
        return replace(trimmed, confidence=m.confidence if trimmed.confidence is None else trimmed.confidence)

    # 5. repeats -------------------------------------------------------------------------

    def _repeats(self, item: Item, mentions: list[Mention]) -> list[Mention]:
        # Characters already inside a mention, per view: a repeat is checked against its own
        # characters only (linear in the text, however many mentions the document has).
        taken = {key: bytearray(len(view.text) + 1) for key, view in item.text_views()}
        names: dict[str, str] = {}  # surface -> label
        surnames: dict[str, str] = {}
        for m in mentions:
            span = m.provenance.anchor(CharSpan)
            if span is None:
                continue
            if span.view in taken:
                _occupy(taken[span.view], span.start, span.end)
            if m.label in NAME_LABELS and m.kind is None and len(m.text) > 1 and any(c.isupper() for c in m.text):
                names.setdefault(m.text, m.label)
                words = m.text.split()
                if m.label == "PERSON" and len(words) > 1 and len(words[-1]) > 2:
                    surnames.setdefault(words[-1], "PERSON")
        labels = {**surnames, **names}
        if not labels:
            return []
        # One pass over each view for all names, longest first, so "Eileen Collins" wins over "Collins".
        pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in sorted(labels, key=len, reverse=True))
                             + r")(?![\w-])")
        found: list[Mention] = []
        for key, view in item.text_views():
            proper = _proper_nouns(item, key)
            for hit in pattern.finditer(view.text):
                a, b = hit.span()
                if any(taken[key][a:b]):
                    continue
                if " " not in hit.group() and a not in proper:
                    continue  # "Green energy" is no Ms Green: one word only as a proper noun mid-sentence
                _occupy(taken[key], a, b)
                found.append(mention_at(item, a, b, labels[hit.group()], self.name, key))
        return found


def _occupy(chars: bytearray, start: int, end: int) -> None:
    chars[max(start, 0):end] = b"\x01" * max(min(end, len(chars)) - max(start, 0), 0)


def _proper_nouns(item: Item, key: str | None) -> set[int]:
    """Start offsets of the tokens the parser reads as proper nouns not starting a sentence."""
    starts: set[int] = set()
    for view, offset, doc in docs_of(item):
        if view == key:
            starts.update(offset + t.idx for t in doc if t.pos_ == "PROPN" and not t.is_sent_start)
    return starts


def _only_title(item: Item, m: Mention) -> bool:
    """A "name" that is all title ("Rear Admiral" tagged apart from the name after it, "the
    Admiral"); a bare title word used as a name ("murder of King") is a surname and stays."""
    if m.label not in NAME_LABELS or m.kind is not None:
        return False
    span = m.provenance.anchor(CharSpan)
    view = item.view(span.view) if span is not None else None
    text = view.text if view is not None and view.text else ""
    before = text[max(0, span.start - 40):span.start] if span is not None and text else ""
    after = text[span.end:span.end + 40] if span is not None and text else ""
    return title_names_nobody(m.text.split(), before, after)


def _order(m: Mention) -> tuple:
    span = m.provenance.anchor(CharSpan)
    return (0, span.view or "", span.start, span.end, m.label) if span else (1, "", 0, 0, m.label)


# 2. values ---------------------------------------------------------------------------------


def _typed_by_form(m: Mention) -> Mention:
    text = m.text.strip()
    if m.label in ("MONEY", "CARDINAL") and _YEARS.match(text):
        return replace(m, label="DATE")
    if m.label == "MONEY" and not _CURRENCY.search(text):
        return replace(m, label="CARDINAL")
    if m.label == "PERCENT" and not _PERCENT.search(text):
        return replace(m, label="CARDINAL")
    return m


# 3. parts of longer names ------------------------------------------------------------------


def _acronym(words: list[str]) -> str:
    return "".join(w[0] for w in words if w[:1].isupper())


def _name_parts(mentions: list[Mention]) -> list[Mention]:
    longer = {(m.text, m.label) for m in mentions if m.label in NAME_LABELS and len(m.text.split()) > 1}
    out = []
    for m in mentions:
        if m.label not in NAME_LABELS or m.kind is not None:
            out.append(m)
            continue
        words = m.text.split()
        owners = {label for text, label in longer if text != m.text and _part_of(words, text.split(), label)}
        if len(owners) == 1 and (label := owners.pop()) != m.label:
            m = replace(m, label=label)
        out.append(m)
    return out


def _part_of(words: list[str], name: list[str], label: str) -> bool:
    if len(words) >= len(name):
        return False
    if label == "PERSON":  # a surname, a first name, or first + last without the middle
        return words in ([name[-1]], [name[0]], [name[0], name[-1]])
    if label == "ORG":  # leading words, or the acronym
        return name[:len(words)] == words or (len(words) == 1 and words[0].isupper() and len(words[0]) > 1
                                              and _acronym(name) == words[0])
    return False


# 4. one type per name ----------------------------------------------------------------------


def _vote(mentions: list[Mention]) -> list[Mention]:
    votes: defaultdict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    first: dict[tuple[str, str], int] = {}
    for index, m in enumerate(mentions):
        if m.label in NAME_LABELS and m.kind is None:
            weight = 1.0 if m.modality == "text" else 0.9  # written beats heard or read: a tie goes to it
            votes[m.text][m.label] += weight
            first.setdefault((m.text, m.label), index)
    winner = {text: max(counts, key=lambda lab: (counts[lab], -first[(text, lab)]))
              for text, counts in votes.items() if len(counts) > 1}
    return [replace(m, label=winner[m.text]) if m.text in winner and m.label in NAME_LABELS and m.kind is None
            else m for m in mentions]
