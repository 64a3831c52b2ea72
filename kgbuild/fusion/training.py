"""Training data and training loop for the fusion model (``kgbuild train fusion``).

Training pairs are built from CoNLL04 (real news sentences, real names, nobody here wrote
them), the names grouped by type with their sentences as context:

* positives — a name and a variant of it in another (or a thinned-out copy of its own)
  sentence: the surname alone, first + last without the middle name, an ASR-style
  respelling ("Kowalczyk" -> "Kowalchuk": cz/ch, w/v, ph/f, ck/k, doubled letters...) or an
  OCR-style slip (a letter dropped, rn/m, l/1), marked as heard or read (``noisy``);
* negatives — the hard cases: two different CoNLL04 names that share a blocking key (same
  surname sound, same first letters), and a person with the same surname but another first
  name taken from the data ("Anna Kowalczyk" vs "Adam Kowalczyk"), each in its own context.

Train sentences train the model, dev sentences measure it; figures go into the model's meta.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from ..nlp import conll04
from .atoms import Atom
from .features import pair_features
from .names import acronym, blocking_keys, tokens, type_group
from .scorer import FusionScorer

TYPES = {"Peop": "PERSON", "Org": "ORG", "Loc": "GPE"}
_ASR_RULES = [("cz", "ch"), ("w", "v"), ("v", "w"), ("ph", "f"), ("ck", "k"), ("sch", "sh"), ("ie", "ei"),
              ("ei", "ie"), ("ou", "u"), ("y", "i"), ("i", "y"), ("ski", "sky"), ("tz", "ts"), ("x", "ks"),
              ("qu", "kw"), ("c", "k"), ("k", "c"), ("ee", "ea"), ("th", "t"), ("ll", "l"), ("ss", "s"),
              ("nn", "n"), ("rr", "r"), ("tt", "t"), ("a", "e"), ("o", "a")]
_OCR_RULES = [("rn", "m"), ("m", "rn"), ("l", "1"), ("o", "0"), ("e", "c"), ("i", "l"), ("cl", "d")]


@dataclass
class Example:
    a: Atom
    b: Atom
    label: float


def respell(name: str, rng: random.Random, rules=_ASR_RULES) -> str:
    for _ in range(10):
        frm, to = rng.choice(rules)
        spots = [m.start() for m in re.finditer(re.escape(frm), name[1:].lower())]
        if spots:
            at = rng.choice(spots) + 1
            out = name[:at] + to + name[at + len(frm):]
            if out.lower() != name.lower():
                return out
    return ocr_drop(name, rng)


def ocr_drop(name: str, rng: random.Random) -> str:
    if rng.random() < 0.5 and len(name) > 4:
        at = rng.randrange(1, len(name) - 1)
        return name[:at] + name[at + 1:]
    return respell(name, rng, _OCR_RULES) if any(f in name[1:] for f, _ in _OCR_RULES) else name[:-1]


def _profiles(sentences) -> tuple[dict, list[str]]:
    names: dict[tuple[str, str], list[int]] = defaultdict(list)
    texts = []
    for i, sent in enumerate(sentences):
        texts.append(" ".join(sent.words))
        for start, end, kind in sent.spans:
            if kind in TYPES:
                names[(" ".join(sent.words[start:end]), TYPES[kind])].append(i)
    return names, texts


def make_examples(sentences, embeddings: np.ndarray, seed: int = 13) -> list[Example]:
    """Labelled pairs from CoNLL04 ``sentences`` (``embeddings``: one context vector per
    sentence): positives first, then negatives within a document, across a blocking key and
    between surname twins. In one process, the same sentences, vectors and seed give the same
    pairs (the thinned company sets iterate over string sets, whose order follows PYTHONHASHSEED)."""
    maker = _PairMaker(sentences, embeddings, random.Random(seed))
    # One random stream in this order: changing the order changes every pair after it.
    return maker.variant_pairs() + maker.same_document_pairs() + maker.blocking_pairs() + maker.twin_pairs()


class _PairMaker:
    def __init__(self, sentences, embeddings: np.ndarray, rng: random.Random) -> None:
        self.embeddings, self.rng = embeddings, rng
        self.names, _ = _profiles(sentences)  # (name, type) -> the sentences it occurs in
        self.in_sentence: dict[int, set[str]] = defaultdict(set)
        for (name, _), where in self.names.items():
            for i in where:
                self.in_sentence[i].add(name)
        self.keys = list(self.names)
        self.all_names = sorted({k[0] for k in self.keys})

    def atom(self, name: str, etype: str, sent: int, tag: str, noisy: bool = False, thin: bool = False) -> Atom:
        rng = self.rng
        vec = self.embeddings[sent]
        company = sorted(self.in_sentence[sent] - {name})  # a set iterates in hash-seed order
        if thin:  # another document about the same thing: related, not identical, context and company
            vec = vec + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 0.045, vec.shape).astype(vec.dtype)
            company = {n for n in company if rng.random() < 0.4} | set(rng.sample(self.all_names, 2))
        return Atom(f"{tag}:{name}:{sent}", name, etype, modalities=frozenset({"speech" if noisy else "text"}),
                    sources=frozenset({f"{tag}:{sent}"}), neighbours=frozenset(company), embedding=vec)

    @staticmethod
    def same_doc(x: Atom, y: Atom) -> Atom:  # y found in x's document
        return replace(y, sources=x.sources, embedding=x.embedding, neighbours=x.neighbours | {x.label})

    def variants(self, name: str, etype: str) -> list[tuple[str, bool]]:
        """(variant, noisy) for one name: short forms a writer uses, then heard and read slips."""
        rng, toks = self.rng, name.split()
        out = []
        if etype == "PERSON" and len(toks) >= 2:
            out.append((toks[-1], False))
            if len(toks) >= 3:
                out.append((f"{toks[0]} {toks[-1]}", False))
        if etype == "ORG" and len(acronym(tokens(name))) >= 2:
            out.append((acronym(tokens(name)).upper(), False))  # "Baltic Institute of Chemistry" -> "BIC"
        out.append((respell(name, rng), True))
        out.append((ocr_drop(name, rng), True))
        if etype == "PERSON" and len(toks) >= 2:
            out.append((respell(toks[-1], rng), True))
        return out

    def variant_pairs(self) -> list[Example]:
        """Positives: a name in one sentence, a variant of it in another (or in a thinned-out
        copy of the same one when the name occurs once)."""
        rng, out = self.rng, []
        for (name, etype), where in self.names.items():
            here = rng.choice(where)
            there = rng.choice([w for w in where if w != here] or [here])
            thin = there == here
            for variant, noisy in self.variants(name, etype):
                if tokens(variant) and tokens(variant) != tokens(name):
                    a = self.atom(name, etype, here, "a")
                    b = self.atom(variant, etype, there, "b", noisy=noisy and rng.random() < 0.8, thin=thin)
                    out.append(Example(a, b, 1.0))
                    if noisy and rng.random() < 0.15:  # misheard later in the same recording
                        out.append(Example(a, self.same_doc(a, replace(b, modalities=frozenset({"speech"}))), 1.0))
        return out

    def same_document_pairs(self) -> list[Example]:
        """Two different names in one document: the linker already joined its aliases, so
        they are two things."""
        out = []
        for sent, present in self.in_sentence.items():
            listed = sorted(k for k in self.keys if k[0] in present)
            for i, x in enumerate(listed):
                for y in listed[i + 1:]:
                    if type_group(x[1]) == type_group(y[1]) and not _maybe_same(x[0], y[0]):
                        a = self.atom(x[0], x[1], sent, "a")
                        out.append(Example(a, self.same_doc(a, self.atom(y[0], y[1], sent, "b")), 0.0))
        return out

    def blocking_pairs(self) -> list[Example]:
        """Hard negatives: different names that blocking would compare."""
        rng, out = self.rng, []
        index: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key in self.keys:
            for bk in blocking_keys(*key, wide=True):
                index[bk].append(key)
        seen = set()
        for members in index.values():
            for x in members:
                for y in members:
                    if x >= y or (x, y) in seen or _maybe_same(x[0], y[0]):
                        continue
                    seen.add((x, y))
                    out.append(Example(self.atom(x[0], x[1], rng.choice(self.names[x]), "a"),
                                       self.atom(y[0], y[1], rng.choice(self.names[y]), "b"), 0.0))
        return out

    def twin_pairs(self) -> list[Example]:
        """Negatives: a person and another first name with the same surname ("Anna Kowalczyk"
        vs "Adam Kowalczyk"), in another context; sometimes the twin misheard."""
        from rapidfuzz.distance import JaroWinkler

        rng, out = self.rng, []
        people = [k for k in self.keys if k[1] == "PERSON" and len(k[0].split()) >= 2]
        firsts = [k[0].split()[0] for k in people]
        for name, etype in people:
            first = name.split()[0]
            close = [f for f in firsts
                     if f.lower() != first.lower() and JaroWinkler.similarity(f.lower(), first.lower()) >= 0.8]
            # half the twins have a near-identical first name (Peter/Petra, Jon/John): spelling cannot tell them apart
            other_first = rng.choice(close) if close and rng.random() < 0.5 else rng.choice(firsts)
            if tokens(other_first)[:1] == tokens(name)[:1]:
                continue
            twin = f"{other_first} {name.split()[-1]}"
            other_ctx = rng.randrange(len(self.embeddings))
            b = self.atom(twin, etype, other_ctx, "b")
            out.append(Example(self.atom(name, etype, rng.choice(self.names[(name, etype)]), "a"), b, 0.0))
            if rng.random() < 0.5:  # the twin misheard: still another person
                out.append(Example(self.atom(name, etype, self.names[(name, etype)][0], "a"),
                                   replace(b, label=respell(twin, rng), modalities=frozenset({"speech"})), 0.0))
        return out


def _maybe_same(x: str, y: str) -> bool:
    """CoNLL04 pairs we cannot call different: one name's words inside the other's ("Reagan",
    "Ronald Reagan") — often the same person, so never used as negatives."""
    tx, ty = set(tokens(x)), set(tokens(y))
    return tx <= ty or ty <= tx


def features_of(examples: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    x = np.stack([pair_features(e.a, e.b) for e in examples])
    return x, np.array([e.label for e in examples], dtype=np.float32)


def train(train_path, dev_path, *, epochs: int = 60, seed: int = 13, encoder: str | None = None,
          on_epoch=None) -> tuple[FusionScorer, dict]:
    import torch

    from .context import ContextEncoder

    torch.manual_seed(seed)
    enc = ContextEncoder(encoder)
    splits = {}
    for split, path in (("train", train_path), ("dev", dev_path)):
        sentences = conll04.load(path)
        _, texts = _profiles(sentences)
        splits[split] = features_of(make_examples(sentences, enc.encode(texts), seed))
    (x, y), (dx, dy) = splits["train"], splits["dev"]
    model = FusionScorer()
    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-4)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt))
        for start in range(0, len(perm), 256):
            idx = perm[start:start + 256]
            opt.zero_grad()
            loss = model.loss(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        if on_epoch:
            on_epoch(epoch + 1, float(loss))
    model.eval()
    metrics = {"train_pairs": int(len(y)), "train_positive": int(y.sum()),
               "dev_pairs": int(len(dy)), "dev_positive": int(dy.sum()), **_prf(model.probability(dx) >= 0.5, dy)}
    return model, metrics


def _prf(pred: np.ndarray, gold: np.ndarray) -> dict:
    tp = float(((pred == 1) & (gold == 1)).sum())
    p = tp / max(1, pred.sum())
    r = tp / max(1, gold.sum())
    f1 = 2 * p * r / max(1e-9, p + r)
    return {"dev_precision": round(float(p), 4), "dev_recall": round(float(r), 4), "dev_f1": round(float(f1), 4)}
