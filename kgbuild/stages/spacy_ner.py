"""Named-entity recognition with spaCy over any item that has text (files, transcripts)."""

from __future__ import annotations

from collections.abc import Iterator

from ..datamodel import Item, Mention
from ..nlp.spacy_docs import chunks, keep as keep_doc, load_spacy, mention_at, spacy_model_info
from .base import Stage, StageParams
from .registry import register_stage


class SpacyNERParams(StageParams):
    batch_size: int = 32
    model: str = "en_core_web_sm"
    labels: list[str] | None = None  # keep only these entity labels; None keeps all
    disable: list[str] = ["lemmatizer"]
    chunk_chars: int = 100_000  # long texts are split at paragraph breaks below spaCy's max_length
    keep_docs: bool = True  # leave the parse for later text stages (relations, events): spaCy runs once


@register_stage("spacy_ner")
class SpacyNER(Stage):
    requires = frozenset({"source", "text"})
    produces = frozenset({"mentions"})
    has_model = True
    Params = SpacyNERParams
    params: SpacyNERParams

    def _load(self) -> None:
        self.nlp = load_spacy(self.params.model, tuple(self.params.disable))

    def model_info(self) -> tuple[str | None, str | None]:
        return spacy_model_info(self.params.model)

    def applies_to(self, item: Item) -> bool:
        return item.ok and item.has_text()

    def process(self, items: list[Item]) -> None:
        chunks = [(item, view, offset, text) for item in items for view, text_view in item.text_views()
                  for offset, text in self._chunks(text_view.text)]
        docs = self.nlp.pipe((text for *_, text in chunks), batch_size=self.params.batch_size)
        for (item, view, offset, _), doc in zip(chunks, docs):
            if self.params.keep_docs:
                keep_doc(item, view, offset, doc)
            for ent in doc.ents:
                if self.params.labels is None or ent.label_ in self.params.labels:
                    item.mentions.append(self._mention(item, view, ent, offset))

    def _mention(self, item: Item, view: str | None, ent, offset: int) -> Mention:
        return mention_at(item, ent.start_char + offset, ent.end_char + offset, ent.label_, self.name, view)

    def _chunks(self, text: str) -> Iterator[tuple[int, str]]:
        return chunks(text, self.params.chunk_chars)
