"""CoNLL04 scores: entity F1 and strict relation F1 (SpERT's definition).

A predicted relation is correct only if its type, both entity spans and both entity
types match a gold relation exactly.
"""

from __future__ import annotations

from collections import Counter

from .conll04 import ENTITY_TYPES, RELATION_TYPES, Sentence


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(100 * p, 2), "recall": round(100 * r, 2), "f1": round(100 * f, 2),
            "support": n_gold, "predicted": n_pred}


def score(gold: list[Sentence], pred: list[Sentence]) -> dict:
    tp: Counter[str] = Counter()
    npred: Counter[str] = Counter()
    ngold: Counter[str] = Counter()
    etp: Counter[str] = Counter()
    epred: Counter[str] = Counter()
    egold: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs, ps = set(g.spans), set(p.spans)
        for kind in ENTITY_TYPES:
            etp[kind] += len({s for s in gs & ps if s[2] == kind})
            epred[kind] += sum(1 for s in ps if s[2] == kind)
            egold[kind] += sum(1 for s in gs if s[2] == kind)
        grel = {(g.spans[h], g.spans[t], k) for h, t, k in g.relations}
        prel = {(p.spans[h], p.spans[t], k) for h, t, k in p.relations}
        for kind in RELATION_TYPES:
            tp[kind] += len({r for r in grel & prel if r[2] == kind})
            npred[kind] += sum(1 for r in prel if r[2] == kind)
            ngold[kind] += sum(1 for r in grel if r[2] == kind)
    per_type = {k: _prf(tp[k], npred[k], ngold[k]) for k in RELATION_TYPES}
    ner_per_type = {k: _prf(etp[k], epred[k], egold[k]) for k in ENTITY_TYPES}
    micro = _prf(sum(tp.values()), sum(npred.values()), sum(ngold.values()))
    ner = _prf(sum(etp.values()), sum(epred.values()), sum(egold.values()))
    return {
        "ner_f1": ner["f1"],
        "ner_macro_f1": round(sum(v["f1"] for v in ner_per_type.values()) / len(ENTITY_TYPES), 2),
        "rel_micro_f1": micro["f1"],
        "rel_macro_f1": round(sum(v["f1"] for v in per_type.values()) / len(RELATION_TYPES), 2),
        "rel_micro": micro,
        "ner_micro": ner,
        "per_type": per_type,
        "ner_per_type": ner_per_type,
        "sentences": len(gold),
    }


def spacy_spans(sentences_words: list[list[str]], model: str = "en_core_web_sm") -> list[list[tuple[int, int, str]]]:
    """spaCy's entities over pre-tokenised sentences, typed as the `relations` stage types its
    candidates (conll04.conll_type; dates and numbers dropped)."""
    from spacy.tokens import Doc

    from .conll04 import conll_type
    from .spacy_docs import load_spacy

    nlp = load_spacy(model)
    docs = nlp.pipe((Doc(nlp.vocab, words=words) for words in sentences_words), batch_size=64)
    return [[(e.start, e.end, kind) for e in doc.ents if (kind := conll_type(e.label_))] for doc in docs]


def predict(predictor, sentences: list[Sentence], *, gold_entities: bool = False,
            threshold: float = 0.5, entities: str | None = None) -> list[Sentence]:
    """End to end: entities, then relations between them. ``entities``: "model" (the joint
    model's tagger, the default), "gold" (the relation head on its own; also ``gold_entities``)
    or "spacy" (spaCy's, as the `relations` stage gets them in a build)."""
    entities = entities or ("gold" if gold_entities else "model")
    hints = None
    if predictor.uses_hints or entities == "spacy":
        from .spacy_docs import entity_hints

        hints = entity_hints([s.words for s in sentences])
    if entities == "gold":
        spans = [list(s.spans) for s in sentences]
    elif entities == "spacy":
        spans = spacy_spans([s.words for s in sentences])
    else:
        found = predictor.entities([s.words for s in sentences], hints)
        spans = [[(a, b, k) for a, b, k, _ in f] for f in found]
    rels = predictor.relations([(s.words, sp, *([hints[i]] if hints else []))
                                for i, (s, sp) in enumerate(zip(sentences, spans))], threshold=threshold)
    return [Sentence(s.words, sp, [(h, t, k) for h, t, k, _ in r]) for s, sp, r in zip(sentences, spans, rels)]


def sentence_text(words: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """A CoNLL04 sentence as text (words joined by one space) and each word's character span."""
    spans, at = [], 0
    for w in words:
        spans.append((at, at + len(w)))
        at += len(w) + 1
    return " ".join(words), spans


def from_graph(item, words: list[str], extractor: str = "relations/") -> Sentence:
    """What a built item's graph says about one CoNLL04 sentence, as a scorable Sentence: its
    named mentions of a candidate type (entity F1), and the relations ``extractor`` wrote,
    each between its evidence mentions' word spans, typed by the graph's entities (a mention
    whose boundary falls inside a word keeps its characters and so matches no gold span)."""
    from ..ids import NS
    from .conll04 import PREDICATE_LOCAL, conll_type
    from .spacy_docs import mention_span

    local_type = {v: k for k, v in PREDICATE_LOCAL.items()}
    text, chars = sentence_text(words)
    first = {a: n for n, (a, _) in enumerate(chars)}
    last = {b: n + 1 for n, (_, b) in enumerate(chars)}

    def words_of(mention) -> tuple[int, int]:
        span = mention_span(mention)
        if span is None:
            return (-1, -1)
        start, end = _widen(text, chars, span.start, span.end)
        if start in first and end in last:
            return (first[start], last[end])
        return (-1 - span.start, -1 - span.end)  # never a gold span

    spans: list[tuple[int, int, str]] = []
    index: dict[tuple[int, int, str], int] = {}

    def add(span: tuple[int, int, str]) -> int:
        if span not in index:
            index[span] = len(spans)
            spans.append(span)
        return index[span]

    by_iri = {m.iri: m for m in item.mentions}
    for m in item.mentions:
        entity = item.entities.get(m.entity) if m.entity else None
        kind = conll_type(entity.entity_type) if entity is not None else None
        if not m.kind and kind is not None and m.modality != "image":
            add((*words_of(m), kind))
    rels = []
    for r in item.relations:
        local = r.predicate.removeprefix(NS)
        if not r.extractor.startswith(extractor) or local not in local_type:
            continue
        head, tail = (by_iri.get(e) for e in r.evidence[:2])
        types = [conll_type(item.entities[e].entity_type) if e in item.entities else None for e in (r.subject, r.object)]
        if head is None or tail is None or None in types:
            continue
        h, t = add((*words_of(head), str(types[0]))), add((*words_of(tail), str(types[1])))
        rels.append((h, t, local_type[local]))
    return Sentence(list(words), spans, rels)


def _widen(text: str, chars: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """A character span widened to whole CoNLL04 words where the part of a word it leaves out
    is punctuation only: CoNLL04's tokens keep a sentence's final period on the last word
    ("Ethiopia."), which spaCy, and so every mention, splits off. A span cutting a word
    anywhere else (a letter or digit left out) is not widened and matches no gold span."""
    for a, b in chars:
        if a < start < b and not any(c.isalnum() for c in text[a:start]):
            start = a
        if a < end < b and not any(c.isalnum() for c in text[end:b]):
            end = b
    return start, end
