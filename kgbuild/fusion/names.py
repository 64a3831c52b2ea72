"""Name keys that survive the ways names reach the graph misspelt.

ASR writes "Kowalchuk" for "Kowalczyk", OCR drops letters, documents say "Dr. Kowalczyk's".
Blocking must put such variants in one block without comparing every pair of names, so
each name gets a few cheap keys: its normalised form, each token's Double Metaphone codes,
the first letters of its surname, its acronym, its words run together from each word on
("De La Cruz" and "DeLaCruz" meet under "delacruz"), and a transliteration skeleton of each
word ("Youssef" and "Yusuf": "ysf"; "Mueller" and "Müller": "mlr"). Abbreviations with
periods are one word ("U.K." is "uk", the acronym of "United Kingdom").

Names of the confusable types (PERSON, ORG, NORP, GPE, LOC, FAC) share one key space: NER
types one person PERSON in one document and ORG in the next, a country PERSON at the start
of a sentence, so the type is a feature of the pair model (``type_agree``), not a wall.
Two names are compared only when they share a key.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..ids import normalise_label
from ..nlp.normalise import strip_honorifics
from ..nlp.phonetic import phonetic

_ORG_WORDS = {"inc", "corp", "corporation", "co", "ltd", "llc", "plc", "company", "group", "the", "of", "and"}
# Types whose names can stand for one another: a city is often tagged GPE in one text, LOC in another.
# The groups are what ``type_agree`` calls "the same group" (0.5); blocking puts all the
# confusable ones (CONFUSABLE) in one key space.
TYPE_GROUP = {"PERSON": "PERSON", "ORG": "ORG", "NORP": "ORG", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE",
              "PRODUCT": "THING", "WORK_OF_ART": "THING", "EVENT": "EVENT", "LAW": "THING", "LANGUAGE": "THING"}
CONFUSABLE = {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC"}
UNRESOLVED_TYPES = {"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY", "OBJECT_NOUN", "EVENT_TRIGGER"}


def type_group(entity_type: str) -> str:
    return TYPE_GROUP.get(entity_type, entity_type)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


_DOTTED = re.compile(r"\b((?:[A-Za-z]\.){2,})")  # "U.K.", "U.S.", "E.U."


@lru_cache(maxsize=200_000)
def tokens(name: str) -> tuple[str, ...]:
    """Lower-case ASCII word tokens of a name, honorifics and possessives dropped; an
    abbreviation written with periods is one word ("U.K." -> "uk"); umlauts lose their dots
    ("Müller" -> "muller", as its transliteration "Mueller" keys under the same skeleton)."""
    clean = strip_honorifics(" ".join(normalise_label(name).split()))
    clean = _DOTTED.sub(lambda m: m.group(1).replace(".", "") + " ", clean)
    toks = [t for t in re.split(r"[^a-z0-9]+", _ascii(clean).lower()) if t]
    while len(toks) > 1 and toks[0] in _MORE_TITLES:  # "Cllr D. Okafor", "Maestro Di Stefano"
        toks = toks[1:]
    return tuple(toks)


# Titles kgbuild.nlp.normalise.TITLES does not (yet) strip: abbreviations and forms of address.
_MORE_TITLES = {"cllr", "councillor", "maestro", "mme", "mlle", "messrs", "herr", "frau", "sra", "sr", "snr", "dott",
                "ing", "supt", "insp", "det", "commr", "cmdr", "amb", "hon", "rt", "sheikh", "ustad", "pandit"}


_TRANSLIT = [("ph", "f"), ("kh", "h"), ("ck", "k"), ("q", "k"), ("x", "ks"), ("w", "v"), ("z", "s"), ("c", "k")]


@lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """A transliteration key of one word: its first letter, then its consonants with
    doubles collapsed, after common respellings ("Youssef"/"Yusuf": "isf", "Mueller"/"Muller":
    "mlr", "Aleksandr"/"Alexander": "alksndr"). Vowels are where transliterations differ most."""
    if not token.isalpha() or len(token) < 3:
        return token
    t = token
    for frm, to in _TRANSLIT:
        t = t.replace(frm, to)
    t = t.replace("y", "i")
    out = t[0]
    for ch in t[1:]:
        if ch not in "aeiouh" and ch != out[-1]:
            out += ch
    return out


def block_group(entity_type: str) -> str:
    """The key space a type's names are filed in: one for all the confusable types."""
    return "NAME" if entity_type in CONFUSABLE else type_group(entity_type)


def acronym(toks: tuple[str, ...]) -> str:
    words = [t for t in toks if t not in _ORG_WORDS]
    return "".join(t[0] for t in words) if len(words) > 1 else ""


def blocking_keys(name: str, entity_type: str, *, wide: bool = False) -> set[str]:
    """Keys under which a name is filed: two names are compared only if they share one.
    ``wide`` also files people under their first name's sound and prefix: too many pairs for
    resolution, but the hard negatives training needs ("Anna Kowalczyk" / "Anna Kowalska")."""
    toks = tokens(name)
    if not toks:
        return set()
    group = block_group(entity_type)
    keys = {f"{group}|n|{' '.join(toks)}"}
    content = [t for t in toks if t not in _ORG_WORDS and len(t) > 1] or list(toks)
    if entity_type == "PERSON" and not wide:
        # A first name is shared by thousands ("Anna"): sound and prefix keys on it would make
        # blocks that grow with the corpus. It files only under itself, to meet a bare "Petra";
        # the surname's keys find the misspellings.
        keys.add(f"PERSON|f|{toks[0]}")
        if len(toks) > 1:
            content = [t for t in toks[1:] if len(t) > 1] or [toks[-1]]
    for tok in content:
        for code in phonetic(tok):
            keys.add(f"{group}|p|{code}")
        keys.add(f"{group}|t|{tok[:4]}")  # OCR drops a letter late in the word more often than early
        if len(tok) >= 4:
            keys.add(f"{group}|k|{skeleton(tok)}")  # transliterations: "Youssef" / "Yusuf"
    for i in range(len(toks)):  # one word or several: "DeLaCruz" / "De La Cruz" / "Ana De La Cruz"
        joined = "".join(toks[i:])
        if len(joined) >= 5:
            keys.add(f"{group}|j|{joined}")
    if acr := acronym(toks):
        keys.add(f"{group}|a|{acr}")
    if len(toks) == 1 and len(toks[0]) <= 6 and toks[0].isalpha():
        keys.add(f"{group}|a|{toks[0]}")  # "NASA" meets the acronym of the full name
    return keys
