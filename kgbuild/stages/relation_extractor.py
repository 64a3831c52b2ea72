"""Trained relations (CoNLL04 schema) between entity mentions of the same sentence.

Candidates are pairs of linked mentions in one sentence whose types (spaCy labels mapped
to CoNLL04's Peop/Org/Loc/Other) some relation type admits — Work_For only from a
person to an organisation, and so on. Every candidate sentence of the batch goes to the
encoder in length-sorted batches; one pass per sentence scores all its pairs.
"""

from __future__ import annotations

from typing import Literal

from ..datamodel import Entity, Item, Relation
from ..ids import NS
from ..models import find_model_file
from .base import Stage, StageParams
from .registry import register_stage

DEFAULT_MODEL = "relations-conll04"


class RelationParams(StageParams):
    batch_size: int = 32
    model: str = DEFAULT_MODEL  # a model folder: a path, or a name on the model search path
    threshold: float = 0.5  # minimum probability of the winning type
    threads: int | None = None  # torch CPU threads for one batch at a time; None: see workers
    workers: int | None = None  # batches encoded at once, one torch thread each; None: the process's CPU budget
    # int8 encoder Linears: none (fp32, the default: int8 cost 0.9 dev F1 on the shipped recipe), "relations"
    # (this stage's relation pass only: 1.25x faster stage), "ffn" or "all" (docs/text.md: accuracy and speed)
    quantize: bool | Literal["none", "ffn", "all", "relations"] = "none"
    # Encoder arithmetic: fp32, bf16 autocast (several times faster where the CPU has bfloat16
    # instructions, AVX512-BF16 or AMX; emulated, hence slower, where it has not), or auto: bf16 where
    # native, else fp32 (docs/text.md: both measured on dev). A quantised model runs in fp32 (int8 Linears).
    precision: Literal["auto", "fp32", "bf16"] = "auto"
    window: int | None = 10  # words kept around a sentence's candidate mentions (None: the whole sentence)
    spacy_model: str = "en_core_web_sm"  # sentence splitting when no earlier stage kept its parse
    name_references: bool = True  # read a resolved pronoun as its antecedent's name (see _named)
    # The relation arguments: "joint" — the relation model's own entity tagger reconciled with
    # the graph's mentions (kgbuild/nlp/entity_reconcile.py; the spans it was trained on),
    # "spacy" — the graph's mentions as spaCy found them (docs/text.md: dev F1 of each).
    entities: Literal["joint", "spacy"] = "joint"
    # Who types an entity both read: "joint" (a vote of the tagger's readings of its mentions;
    # the entity is retyped in the graph) or "spacy" (the graph's type stays).
    entity_types: Literal["joint", "spacy"] = "joint"
    # "joint" arguments: tag every sentence (True), or only those holding a candidate mention
    # (False: spaCy found a name there; cheaper, misses the sentences spaCy found nothing in).
    tag_every_sentence: bool = False


@register_stage("relations")
class RelationExtractor(Stage):
    requires = frozenset({"source", "text", "mentions", "entities"})
    produces = frozenset({"relations", "mentions", "entities"})  # mentions: re-anchored to the model's spans
    has_model = True
    revision = 4  # 1: arguments from the reconciled entity layer (session 5); 2: a lone title is no person;
    # 3: a text with a single candidate mention is read too (its other names may be the tagger's);
    # 4: a bare title word used as a name ("murder of King") is a surname, not a lone title; an
    # all-lower-case tagger span ("woman") makes no new named mention
    Params = RelationParams
    params: RelationParams
    _info: tuple[str, str] | None = None

    def _load(self) -> None:
        from ..errors import ModelNotFoundError
        from ..nlp.predictor import Predictor

        folder = find_model_file(self.params.model)
        if folder is None:
            from ..models import search_path

            looked = "\n    ".join(str(d) for d in search_path())
            raise ModelNotFoundError(
                f"relation model '{self.params.model}' not found. Looked for it as a path and in:\n    {looked}",
                hint="`make models/relations-conll04` trains it (a few minutes on CPU), or "
                "`kgbuild train relations --train train.json --dev dev.json --out DIR` and set params.model")
        self.folder = folder
        from ..threads import cpu_budget, use_bf16

        workers = None if self.params.threads else (self.params.workers or cpu_budget())
        self.predictor = Predictor(folder, batch_size=self.params.batch_size, threads=self.params.threads,
                                   quantize=self.params.quantize, workers=workers, window=self.params.window,
                                   bf16=use_bf16(self.params.precision))

    def model_info(self) -> tuple[str | None, str | None]:
        # The same before and after loading (fingerprints are taken before warm-up).
        if self._info is None:
            from ..nlp.spacy_docs import folder_version

            folder = find_model_file(self.params.model)
            if folder is None or not (folder / "heads.pt").is_file():
                return self.params.model, None
            self._info = (folder.name, folder_version(folder))
        return self._info

    def applies_to(self, item: Item) -> bool:
        # With its own entity layer the stage also reads a text where spaCy found one name
        # only: the tagger finds the names spaCy misses beside it (an all-caps dateline,
        # "MEXICO CITY ( AP )"), and a relation may join them.
        least = 2 if self.params.entities != "joint" else 0 if self.params.tag_every_sentence else 1
        return item.ok and item.has_text() and len(item.mentions) >= least

    def process(self, items: list[Item]) -> None:
        from ..nlp.conll04 import PREDICATE_LOCAL, conll_type
        from ..nlp.spacy_docs import ensure_docs, hints_of, mentions_by_sentence

        ensure_docs(items, self.params.spacy_model)
        extractor = f"{self.type_name}/{self.folder.name}"

        def keep(m):
            return m.entity is not None and m.modality != "image" and conll_type(m.label) is not None

        found = self.each(items, lambda it: list(mentions_by_sentence(it, keep)))
        layers = self._reconcile(found) if self.params.entities == "joint" else {}
        jobs, owners = [], []  # one job per sentence with at least two candidate mentions
        for item, sentences in found:
            layer = layers.get(id(item))
            for _, _, sent, mentions in sentences:
                if layer is not None:
                    mentions = [(layer.current(m), a, b) for m, a, b in mentions]
                if len(mentions) > 1:
                    words, spans, hints = _named([t.text for t in sent], mentions, hints_of(sent), item,
                                                 self.params.name_references)
                    jobs.append((words, [(a, b, _argument_type(m, item)) for (m, _, _), (a, b) in zip(mentions, spans)],
                                 hints))
                    owners.append((item, [m for m, _, _ in mentions]))
        if not jobs:
            return
        results = self.predictor.relations(jobs, threshold=self.params.threshold)
        for (item, mentions), found_rels in zip(owners, results):
            for h, t, kind, prob in found_rels:
                head, tail = mentions[h], mentions[t]
                if head.entity == tail.entity:
                    continue  # "Collins ... Collins": no relation of a thing with itself
                if not _types_fit(kind, item.entities.get(head.entity), item.entities.get(tail.entity)):
                    continue  # the graph's types decide: no livesIn of a place, no basedIn of a person
                item.relations.append(Relation(head.entity, NS + PREDICATE_LOCAL[kind], tail.entity,
                                               (head.iri, tail.iri), extractor, prob))

    def _reconcile(self, found: list) -> dict:
        """Tag every sentence holding a candidate mention with the joint model, reconcile its
        spans with the graph's mentions (each sentence's list becomes its relation arguments,
        in place) and return each item's EntityLayer by id(item)."""
        from ..nlp.entity_reconcile import EntityLayer
        from ..nlp.spacy_docs import hints_of
        from .entity_linker import SCHEMA_CLASS

        todo = [(n, k) for n, (_, sentences) in enumerate(found)
                for k, (_, _, _, mentions) in enumerate(sentences) if mentions or self.params.tag_every_sentence]
        sents = [found[n][1][k][2] for n, k in todo]
        tagged = self.predictor.entities([[t.text for t in s] for s in sents], [hints_of(s) for s in sents])
        layers: dict[int, EntityLayer] = {}
        for (n, k), spans in zip(todo, tagged):
            item, sentences = found[n]
            layer = layers.get(id(item))
            if layer is None:
                layer = layers[id(item)] = EntityLayer(item, self.name, SCHEMA_CLASS, self.params.entity_types)
            view, offset, sent, mentions = sentences[k]
            sentences[k] = (view, offset, sent, layer.sentence(view, offset, sent, mentions, spans))
        for layer in layers.values():
            layer.finish()
        return layers


def _argument_type(mention, item: Item) -> str | None:
    """The relation model's marker type of an argument: its entity's type in the graph."""
    from ..nlp.conll04 import conll_type

    entity = item.entities.get(mention.entity)
    return conll_type(entity.entity_type if entity is not None else mention.label)


# The argument types each relation takes (CoNLL04's schema). The entity types in the graph
# (spaCy's, made consistent per document by doc_entities) decide over the relation model's
# own reading of a span: a relation whose subject or object is of another type is dropped.
ARGUMENT_TYPES = {"Work_For": ("Peop", "Org"), "Live_In": ("Peop", "Loc"), "OrgBased_In": ("Org", "Loc"),
                  "Located_In": ("Loc", "Loc"), "Kill": ("Peop", "Peop")}


def _types_fit(kind: str, head: Entity | None, tail: Entity | None) -> bool:
    from ..nlp.conll04 import conll_type

    wanted = ARGUMENT_TYPES.get(kind)
    if wanted is None or head is None or tail is None:
        return True
    return (conll_type(head.entity_type), conll_type(tail.entity_type)) == wanted


def _named(words: list[str], mentions, hints: list[int], item: Item,
           rename: bool = True) -> tuple[list[str], list[tuple[int, int]], list[int]]:
    """The sentence as the relation model reads it: a pronoun or nominal that coreference
    resolved ("She", "the company") is replaced by its antecedent's name, the form the model
    was trained on ("Ann Lee later moved to Boston"). Returns the words, each mention's new
    (first, end) token span, and the hints realigned."""
    out_words: list[str] = []
    out_hints: list[int] = []
    spans: list[tuple[int, int]] = []
    from ..nlp.joint_model import HINT_IDS

    by_start = {a: (m, b) for m, a, b in mentions}
    i = 0
    while i < len(words):
        if i in by_start:
            m, b = by_start[i]
            entity = item.entities.get(m.entity) if m.kind and rename else None
            piece = entity.label.split() if entity is not None and entity.label else words[i:b]
            start = len(out_words)
            out_words += piece
            out_hints += [HINT_IDS.get(m.label, 0)] * len(piece) if entity is not None else hints[i:b]
            spans.append((start, len(out_words)))
            i = b
            continue
        out_words.append(words[i])
        out_hints.append(hints[i] if i < len(hints) else 0)
        i += 1
    order = {a: n for n, (_, a, _) in enumerate(sorted(mentions, key=lambda t: t[1]))}
    ordered = sorted(spans)
    return out_words, [ordered[order[a]] for _, a, _ in mentions], out_hints
