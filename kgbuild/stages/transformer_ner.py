"""Named-entity recognition with a `transformers` token-classification model.

``model`` is either a kgbuild joint model folder (``kgbuild train relations`` output: its
tag head gives CoNLL04 types) or any Hugging Face token-classification model, by local
path or by a name already in the cache (nothing is downloaded). Words and sentences come
from spaCy's rule-based English tokenizer and sentencizer (no statistical model), so
spans map back to exact character offsets. Labels are mapped to kgbuild's spaCy-style
labels (``label_map``) so entity typing and schema.org classes work as with spaCy.
"""

from __future__ import annotations

from ..datamodel import CharSpan, Item, Mention, Provenance
from ..errors import ModelNotFoundError
from ..models import find_model_file
from .base import Stage, StageParams
from .registry import register_stage

_LABELS = {"Peop": "PERSON", "PER": "PERSON", "Org": "ORG", "Loc": "LOC", "Other": "MISC"}
_SCHEMES = {"S": "U", "E": "L"}  # BIOES/IOBES to BILOU


class TransformerNERParams(StageParams):
    batch_size: int = 32
    model: str = "relations-conll04"  # joint model folder, HF model folder, or cached HF name
    label_map: dict[str, str] = _LABELS
    max_len: int = 256
    threads: int | None = None
    quantize: bool = False  # joint model folders: int8 encoder, ~3x faster but ~3 entity F1 lower on CoNLL04


@register_stage("transformer_ner")
class TransformerNER(Stage):
    requires = frozenset({"source", "text"})
    produces = frozenset({"mentions"})
    has_model = True
    Params = TransformerNERParams
    params: TransformerNERParams

    def _load(self) -> None:
        import spacy
        import torch

        from ..nlp.joint_model import CONFIG_NAME

        if self.params.threads:
            torch.set_num_threads(self.params.threads)
        self.splitter = spacy.blank("en")
        self.splitter.add_pipe("sentencizer")
        folder = find_model_file(self.params.model)
        self.joint = None
        if folder is not None and (folder / CONFIG_NAME).is_file():
            from ..nlp.predictor import Predictor

            self.joint = Predictor(folder, batch_size=self.params.batch_size, quantize=self.params.quantize)
            self.model_name = folder.name
            return
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        from ..nlp.joint_model import quiet_transformers

        quiet_transformers()
        where = str(folder) if folder is not None else self.params.model
        try:
            self.tok = AutoTokenizer.from_pretrained(where)
            self.model = AutoModelForTokenClassification.from_pretrained(where).eval()
        except (OSError, ValueError) as exc:
            raise ModelNotFoundError(
                f"token-classification model '{self.params.model}' could not be loaded offline: {exc}",
                hint="give a local model folder, a name already in the Hugging Face cache, or a "
                "`kgbuild train relations` output folder") from exc
        self.model_name = where
        self.id2label = {int(k): v for k, v in self.model.config.id2label.items()}

    def model_info(self) -> tuple[str | None, str | None]:
        # The same before and after loading (fingerprints are taken before warm-up).
        folder = find_model_file(self.params.model)
        if folder is None or not folder.is_dir():
            return self.params.model, None
        from ..nlp.spacy_docs import folder_version

        return folder.name, folder_version(folder)

    def applies_to(self, item: Item) -> bool:
        return item.ok and item.has_text()

    def process(self, items: list[Item]) -> None:
        sents = []  # (item, view key, [(token start char, token end char)], [words])
        views = [(item, key, view) for item in items for key, view in item.text_views()]
        for (item, key, _), doc in zip(views, self.splitter.pipe(view.text for _, _, view in views)):
            for sent in doc.sents:
                toks = [t for t in sent if not t.is_space]
                if toks:
                    sents.append((item, key, [(t.idx, t.idx + len(t.text)) for t in toks], [t.text for t in toks]))
        words = [w for *_, w in sents]
        found = self.joint.entities(words) if self.joint else self._tag(words)
        for (item, key, offsets, _), spans in zip(sents, found):
            text_view = item.view(key)
            assert text_view is not None  # the key came from item.text_views()
            for a, b, kind, conf in spans:
                span = CharSpan(offsets[a][0], offsets[b - 1][1], key)
                label = self.params.label_map.get(kind, kind)
                anchors, _ = text_view.anchors(span)  # the model's own score is the confidence
                prov = Provenance(item.source.iri, anchors, self.name)
                item.mentions.append(Mention(text_view.text[span.start:span.end], label, text_view.modality,
                                             prov, round(conf, 4)))

    def _tag(self, sentences: list[list[str]]) -> list[list[tuple[int, int, str, float]]]:
        import torch

        from ..nlp.conll04 import spans_from_bilou

        out: list = [[] for _ in sentences]
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        pad = self.tok.pad_token_id or 0
        for k in range(0, len(order), self.params.batch_size):
            rows = order[k:k + self.params.batch_size]
            encs = [self.tok(sentences[r], is_split_into_words=True, truncation=True, max_length=self.params.max_len)
                    for r in rows]
            width = max(len(e["input_ids"]) for e in encs)
            ids = torch.tensor([e["input_ids"] + [pad] * (width - len(e["input_ids"])) for e in encs])
            mask = torch.tensor([[1] * len(e["input_ids"]) + [0] * (width - len(e["input_ids"])) for e in encs])
            with torch.inference_mode():
                probs = self.model(input_ids=ids, attention_mask=mask).logits.softmax(-1)
            for b, (r, enc) in enumerate(zip(rows, encs)):
                tags, conf, seen = ["O"] * len(sentences[r]), [1.0] * len(sentences[r]), set()
                for pos, w in enumerate(enc.word_ids()):
                    if w is None or w in seen:
                        continue
                    seen.add(w)
                    p, label = probs[b, pos].max(-1)
                    prefix, _, kind = self.id2label[int(label)].partition("-")
                    tags[w] = f"{_SCHEMES.get(prefix, prefix)}-{kind}" if kind else "O"
                    conf[w] = float(p)
                out[r] = [(s, e, kind, sum(conf[s:e]) / (e - s)) for s, e, kind in spans_from_bilou(tags)]
        return out
