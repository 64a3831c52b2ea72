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
from collections.abc import Collection
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
    kind: str = ""  # the hard kinds (issue 16): "type", "spelling", "homonym", "containment"


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
    return (maker.variant_pairs() + maker.same_document_pairs() + maker.blocking_pairs() + maker.twin_pairs()
            + maker.hard_pairs())


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
        company: Collection[str] = sorted(self.in_sentence[sent] - {name})  # a set iterates in hash-seed order
        if thin:  # another document about the same thing: related, not identical, context and company
            vec = vec + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 0.045, vec.shape).astype(vec.dtype)
            company = {n for n in company if rng.random() < 0.4} | set(rng.sample(self.all_names, 2))
        return Atom(f"{tag}:{name}:{sent}", name, etype, modalities=frozenset({"speech" if noisy else "text"}),
                    sources=frozenset({f"{tag}:{sent}"}), neighbours=frozenset(company), embedding=vec)

    @staticmethod
    def same_doc(x: Atom, y: Atom) -> Atom:  # y found in x's document
        return replace(y, sources=x.sources, embedding=x.embedding, neighbours=x.neighbours | {x.label})

    def related(self, sent: int, rng: random.Random) -> int | None:
        """Another sentence whose context is related to ``sent``'s but not the same (cosine
        0.3-0.65): the twin with a near-identical first name is met in related news."""
        base = self.embeddings[sent]
        for _ in range(40):
            other = rng.randrange(len(self.embeddings))
            if other != sent and 0.3 <= float(np.dot(base, self.embeddings[other])) <= 0.65:
                return other
        return None

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
            home = self.names[(name, etype)][0]
            other_ctx = rng.randrange(len(self.embeddings))
            if close and other_first in close and rng.random() < 0.5:
                other_ctx = self.related(home, rng) or other_ctx  # Peter/Petra in related news
            b = self.atom(twin, etype, other_ctx, "b")
            out.append(Example(self.atom(name, etype, rng.choice(self.names[(name, etype)]), "a"), b, 0.0))
            if rng.random() < 0.5:  # the twin misheard: still another person
                out.append(Example(self.atom(name, etype, self.names[(name, etype)][0], "a"),
                                   replace(b, label=respell(twin, rng), modalities=frozenset({"speech"})), 0.0))
        return out


    # issue 16: the kinds of pair CoNLL04's own names do not give -----------------------

    def hard_pairs(self) -> list[Example]:
        """Pairs for the errors seen on corpora nobody tuned for: one thing typed two ways,
        spelt with other spacing, transliteration or periods; a surname after a title; the same
        name for another person in an unrelated context; a place inside a landmark's name."""
        kinds = (("type", self.type_confused_pairs), ("spelling", self.spelling_pairs),
                 ("homonym", self.homonym_pairs), ("containment", self.containment_pairs))
        return [replace(e, kind=kind) for kind, make in kinds for e in make()]

    def type_confused_pairs(self) -> list[Example]:
        """Positives: the same name, or its short form, typed another confusable type in
        another document (a person tagged ORG, a country tagged PERSON)."""
        rng, out = self.rng, []
        for (name, etype), where in self.names.items():
            if rng.random() > 0.35:
                continue
            other = rng.choice([t for t in ("PERSON", "ORG", "GPE") if t != etype])
            toks = name.split()
            variant = toks[-1] if etype == "PERSON" and len(toks) > 1 and rng.random() < 0.5 else name
            respelt = rng.random() < 0.3
            if respelt:  # mistyped and spelt otherwise too: words run together, or the last one transliterated
                words = variant.split()
                variant = "".join(words) if len(words) > 1 and rng.random() < 0.5 else \
                    " ".join([*words[:-1], transliterate(words[-1], rng)])
            here = rng.choice(where)
            there = rng.choice([w for w in where if w != here] or [here])
            a = self.atom(name, etype, here, "a")
            b = self.atom(variant, other, there, "b", thin=there == here)
            # in one document only the same name or its short form (doc_entities types a
            # document's name one way, not its parts always)
            out.append(Example(a, self.same_doc(a, b) if not respelt and rng.random() < 0.25 else b, 1.0))
        return out

    def spelling_pairs(self) -> list[Example]:
        """Positives: spacing ("De La Cruz" / "DeLaCruz"), hyphens, transliterated first names
        ("Youssef" / "Yusuf"), umlauts written out ("Müller" / "Mueller"), abbreviations with
        periods ("U.K." / "United Kingdom"); all written, not heard."""
        rng, out = self.rng, []
        for (name, etype), where in self.names.items():
            toks = name.split()
            variant, first = None, False
            if etype == "PERSON" and len(toks) >= 2:
                # Not the first name: "Peter" / "Petra" is as close as "Youssef" / "Yusuf", and pairs
                # of another first name with the surname are the twins' (negatives, below); a
                # transliterated first name is left to the surname and the context.
                kind = rng.random()
                if kind < 0.5:
                    variant = " ".join([*toks[:-2], toks[-2] + toks[-1]]) if len(toks) >= 3 else \
                        f"{toks[0]} {_split_word(toks[-1], rng)}"
                else:
                    variant = " ".join([*toks[:-1], transliterate(toks[-1], rng)])
            elif etype in ("GPE", "ORG") and len(acronym(tokens(name))) >= 2 and rng.random() < 0.6:
                variant = ".".join(acronym(tokens(name)).upper()) + "."
            elif len(toks) >= 2 and rng.random() < 0.3:
                variant = "-".join(toks) if rng.random() < 0.5 else "".join(toks)
            if variant and tokens(variant) and tokens(variant) != tokens(name):
                here = rng.choice(where)
                there = rng.choice([w for w in where if w != here] or [here])
                other = rng.choice(["PERSON", "ORG", "GPE"]) if not first and rng.random() < 0.25 else etype
                a = self.atom(name, etype, here, "a")
                b = self.atom(variant, other, there, "b", thin=there == here)
                # the linker joins a document's short forms, not its periods or spacing: "U.K."
                # and "UK" in one article are one thing (two first names there are two people)
                same = etype != "PERSON" and rng.random() < 0.3
                out.append(Example(a, self.same_doc(a, b) if same else b, 1.0))
        return out

    def homonym_pairs(self) -> list[Example]:
        """The same name in two documents: the same person when the documents are about the
        same thing (its own sentences, or a thinned copy), and, for a share of the names,
        another person with that name in an unrelated document (another sentence, no company
        in common)."""
        rng, out = self.rng, []
        for (name, etype), where in self.names.items():
            if rng.random() > 0.3:
                continue
            a = self.atom(name, etype, where[0], "a")
            there = where[1] if len(where) > 1 else where[0]
            out.append(Example(a, self.atom(name, etype, there, "b", thin=there == where[0]), 1.0))
            if etype != "PERSON":
                continue  # a place or company name is rarely two things
            other = rng.randrange(len(self.embeddings))
            if other in where or self.in_sentence[other] & self.in_sentence[where[0]]:
                continue
            b = self.atom(name, etype, other, "b")
            assert a.embedding is not None and b.embedding is not None  # self.atom always sets one
            if float(np.dot(a.embedding, b.embedding)) < 0.3:  # unrelated contexts only
                out.append(Example(a, b, 0.0))
        return out

    def containment_pairs(self) -> list[Example]:
        """Negatives: a place and a landmark or body named after it ("Geneva" / "Lake
        Geneva", "Panama" / "Panama Canal"), in one document or related ones."""
        rng, out = self.rng, []
        for (name, etype), where in self.names.items():
            if etype != "GPE" or len(name.split()) > 2 or rng.random() > 0.5:
                continue
            pattern, kind = rng.choice(_LANDMARKS)
            landmark = pattern.format(name)
            kind = "PERSON" if rng.random() < 0.1 else kind  # NER slips on names of things too
            a = self.atom(name, etype, rng.choice(where), "a")
            b = self.atom(landmark, kind, rng.choice(where), "b", thin=True)
            out.append(Example(a, self.same_doc(a, b) if rng.random() < 0.4 else b, 0.0))
        return out


_LANDMARKS = [("Lake {}", "LOC"), ("{} River", "LOC"), ("{} Bay", "LOC"), ("Mount {}", "LOC"),
              ("{} Harbour Bridge", "FAC"), ("{} Airport", "FAC"), ("{} Canal", "LOC"), ("{} Stadium", "FAC"),
              ("{} Opera House", "FAC"), ("{} Central Station", "FAC"), ("University of {}", "ORG"),
              ("{} City Council", "ORG"), ("{} Cathedral", "FAC"), ("{} Valley", "LOC")]
_TRANSLIT = [("ou", "u"), ("u", "ou"), ("y", "i"), ("i", "y"), ("ss", "s"), ("s", "ss"), ("ph", "f"), ("f", "ph"),
             ("x", "ks"), ("ks", "x"), ("ei", "ey"), ("ey", "ei"), ("oo", "u"), ("k", "kh"), ("kh", "k"), ("e", "a"),
             ("a", "e"), ("mm", "m"), ("o", "u"), ("j", "y"), ("ch", "tch"), ("v", "w"), ("dj", "j"), ("sch", "sh")]


def transliterate(word: str, rng: random.Random) -> str:
    """Another romanisation of a word ("Youssef" -> "Yusef", "Sergei" -> "Sergey")."""
    out = word
    for _ in range(rng.choice((1, 2))):
        out = respell(out, rng, _TRANSLIT)
    return out


def _split_word(word: str, rng: random.Random) -> str:
    """A word written as two ("DiStefano" -> "Di Stefano", "McDonald" -> "Mc Donald")."""
    if len(word) < 6:
        return word
    at = rng.randrange(2, len(word) - 2)
    return f"{word[:at]} {word[at].upper()}{word[at + 1:]}"


# A second source: templated sentences about people, organisations and places whose names
# CoNLL04's 1980s news lacks (multi-word and particle surnames, names romanised from Arabic,
# Russian, Japanese, Yoruba..., diacritics), each person keeping one walk of life across
# their sentences, so two mentions of them share a topic and a stranger's does not.
_FIRST = ("Youssef Sergei Mohammed Aleksandr Olena Dmitri Katrin Zoë Jean-Pierre Ana Luca Chidi Hiroshi Mei Priya "
          "Kwame Ingrid Mateus Tomás Nikolai Fatima Aisha Wei Sofia Daniel James Grace Hannah Inês Margaret Ahmed "
          "Yuki Oksana Bogdan Amara Thabo Siobhan Niamh Rafael Joaquín Elif Mehmet Leila Omar Anders Astrid").split()
_SURNAME = ("De La Cruz|Di Stefano|Van der Berg|Al-Amin|O'Neill|MacLeod|Le Roux|Da Silva|Okafor|Haddad|Varga|Müller|"
            "Nakamura|Petrov|Kowalski|Whitaker|Lefebvre|Brandt|Okoro|Ferreira|Carvalho|Iveson|Tanaka|Antonov|Nguyen|"
            "Schmidt|García|Dubois|Abdullah|Ben Ali|St. Clair|Van Dyke|El-Masri|Kuznetsov|Mensah|Adeyemi|Yilmaz|"
            "Papadopoulos|Sørensen|Ó Briain|Fitzgerald|Rossi|Novak|Horváth|Ivanova|Mbeki|Okonkwo|Delgado").split("|")
_CITY = ("Geneva Sydney Panama Lagos Beirut Budapest Cebu Kano Lyon Potsdam Zurich Osaka Austin Denver Harrogate "
         "Leeds Manchester Porto Lisbon Oslo Palermo Cairo Amman Vienna Moscow Tucson Gdansk Krakow Hamburg Munich "
         "Nairobi Accra Istanbul Athens Seville Valencia Dublin Cork Glasgow Quebec Montreal Perth Auckland").split()
_COUNTRY = ("United Kingdom|United States|European Union|United Nations|United Arab Emirates|South Africa|New Zealand|"
            "Saudi Arabia|Czech Republic|Dominican Republic").split("|")
_ORG_WORD = ("Institute", "Records", "Council", "Philharmonic", "Medical Association", "Police", "Museum",
             "University", "Football Club", "Bank", "Logistics", "Press", "Theatre", "Observatory")
_TOPICS = {
    "music": ["{P} played a late set at the {O} in {G} , and the crowd stayed on its feet .",
              "The new album by {P} was recorded in {G} for the {O} label over four days .",
              "Critics in {G} praised {P} after a concert with the {O} on Friday ."],
    "sport": ["{P} scored twice for {O} in the derby in {G} on Sunday .",
              "{O} signed {P} from a rival club in {G} for a record fee .",
              "{P} missed the match in {G} with a knee injury , {O} said ."],
    "politics": ["{P} told the council in {G} that the {O} would cut its budget again .",
                 "Voters in {G} re-elected {P} , who promised to reform the {O} .",
                 "{P} resigned from the {O} after a row over housing in {G} ."],
    "science": ["{P} of the {O} published a study on coral bleaching near {G} .",
                "A team led by {P} at the {O} mapped glaciers above {G} .",
                "{P} , a chemist at the {O} , won a prize in {G} for work on catalysts ."],
    "crime": ["Police in {G} said {P} had been arrested after a raid on the offices of the {O} .",
              "{P} denied fraud charges in a court in {G} , the {O} said .",
              "Detectives from the {O} questioned {P} about a burglary in {G} ."],
    "business": ["{P} , founder of {O} , opened a second office in {G} .",
                 "{O} , the company run by {P} , raised money from investors in {G} .",
                 "Shares in {O} fell after {P} left for a rival in {G} ."],
    "medicine": ["{P} opened a free eye clinic in {G} with help from the {O} .",
                 "Surgeons trained by {P} at the {O} now work across {G} .",
                 "The {O} gave {P} an award for service to patients in {G} ."],
}
_COUNTRY_TEMPLATES = ["Exports from the {C} to {G} rose last year , the {O} said .",
                      "Officials of the {C} met ministers in {G} to talk about trade .",
                      "The {C} will send observers to {G} , a spokesperson for the {O} said ."]


def synthetic_sentences(seed: int, people: int = 400) -> list:
    """Templated sentences (CoNLL04 :class:`~kgbuild.nlp.conll04.Sentence` form, Peop/Org/Loc
    spans): each invented person has a walk of life, a city and an organisation, and two or
    three sentences about them; countries and unions are named in full in their own sentences."""
    from ..nlp.conll04 import Sentence

    rng = random.Random(seed)
    out, used = [], set()
    topics = sorted(_TOPICS)
    for _ in range(people):
        name = f"{rng.choice(_FIRST)} {rng.choice(_SURNAME)}"
        if name in used:
            continue
        used.add(name)
        topic, city = rng.choice(topics), rng.choice(_CITY)
        org = f"{rng.choice(_CITY)} {rng.choice(_ORG_WORD)}"
        for template in rng.sample(_TOPICS[topic], rng.choice((2, 3))):
            out.append(_fill(Sentence, template, {"P": (name, "Peop"), "O": (org, "Org"), "G": (city, "Loc")}))
    for country in _COUNTRY:
        for template in rng.sample(_COUNTRY_TEMPLATES, 2):
            org = f"{rng.choice(_CITY)} {rng.choice(_ORG_WORD)}"
            out.append(_fill(Sentence, template, {"C": (country, "Loc"), "G": (rng.choice(_CITY), "Loc"),
                                                  "O": (org, "Org")}))
    return out


def _fill(sentence_cls, template: str, slots: dict[str, tuple[str, str]]):
    words: list[str] = []
    spans: list[tuple[int, int, str]] = []
    for word in template.split():
        if word.startswith("{") and word.endswith("}"):
            name, kind = slots[word[1:-1]]
            spans.append((len(words), len(words) + len(name.split()), kind))
            words.extend(name.split())
        else:
            words.append(word)
    return sentence_cls(words, spans)


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
        examples = []
        # two sources, each paired within itself: CoNLL04's news, and templated sentences
        # with the kinds of name it lacks (another seed for dev: other people)
        for sentences in (conll04.load(path), synthetic_sentences(seed + (split == "dev"))):
            _, texts = _profiles(sentences)
            examples += make_examples(sentences, enc.encode(texts), seed)
        splits[split] = features_of(examples)
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
