"""Mentions for the common nouns that name things a detector can see ("man", "horse").

Named-entity recognisers skip these words, but they are what captions and narration say
about a picture, and grounding (kgbuild/fusion/grounding.py) needs them to link "the man on
the horse" to the person and horse boxes. Only nouns in the visual lexicon
(:mod:`kgbuild.vision.visual_words`) become mentions, labelled ``OBJECT_NOUN``; they get no entity of
their own (a word like "man" is not a name), and a noun inside a named mention is skipped.
"""

from __future__ import annotations

from ..datamodel import CharSpan, Item, Mention
from ..nlp.spacy_docs import docs_of, ensure_docs, mention_at
from ..vision.visual_words import MAX_WORDS, visual_class
from .base import Stage, StageParams
from .registry import register_stage

LABEL = "OBJECT_NOUN"  # not "OBJECT": detected objects of no known type are labelled that


class ObjectNounsParams(StageParams):
    batch_size: int = 32
    spacy_model: str = "en_core_web_sm"  # parse when no earlier stage kept one


@register_stage("object_nouns")
class ObjectNouns(Stage):
    requires = frozenset({"source", "text"})
    produces = frozenset({"mentions"})
    Params = ObjectNounsParams
    params: ObjectNounsParams

    def applies_to(self, item: Item) -> bool:
        return item.ok and item.has_text()

    def process(self, items: list[Item]) -> None:
        ensure_docs(items, self.params.spacy_model)
        for item, found in self.each(items, self._nouns):
            item.mentions.extend(found)

    def _nouns(self, item: Item) -> list[Mention]:
        named = [s for m in item.mentions if (s := m.provenance.anchor(CharSpan)) is not None]
        out = []
        for view, offset, doc in docs_of(item):
            for token in doc:
                if token.pos_ not in ("NOUN", "PROPN") or token.ent_type_:
                    continue
                start, end = self._phrase(doc, token)
                if start == end:
                    continue
                start, end = start + offset, end + offset
                if any(s.view == view and s.start < end and start < s.end for s in named):
                    continue
                out.append((view, start, end))
        # "teddy" alone is in the lexicon too: keep only phrases no longer phrase contains
        keep = [(v, a, b) for v, a, b in out
                if not any(w == v and c <= a and b <= d and (c, d) != (a, b) for w, c, d in out)]
        return [mention_at(item, a, b, LABEL, self.name, v) for v, a, b in keep]

    @staticmethod
    def _phrase(doc, token) -> tuple[int, int]:
        """The longest lexicon phrase ending at ``token`` ("teddy bear", "bear"), as char offsets;
        (0, 0) when there is none."""
        for width in range(min(MAX_WORDS, token.i + 1), 0, -1):
            span = doc[token.i - width + 1: token.i + 1]
            if visual_class(span.text):
                return span.start_char, span.end_char
        return 0, 0
