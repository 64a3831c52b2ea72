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
