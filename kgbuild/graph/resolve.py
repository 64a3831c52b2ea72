"""Finding an entity from what a user types: one resolver for ``path``, ``neighbors``,
``fuse --explain``/``--split``, ``reason predict``, ``/api/search`` and the explorer.

A name is compared with every name an entity is known by: its label, the aliases fusion
wrote (``kg:alias``) and the labels of the entities merged into it (``kg:canonical``).
Both sides are normalised first: case, accents, punctuation, a leading article, a
possessive, and titles ("Dr.", "Senator", "Detective") are dropped. Then, best first:

* ``exact``: the same words ("dr. jane smith" finds "Jane Smith");
* ``reordered``: the same words in another order ("Smith, Jane");
* ``words``: every word typed is a word of the name, or the start of one (the last word
  typed may be unfinished): "Jane Smith" finds "Jane Q. Smith", "Lovel" finds "Ada Lovelace";
* ``fuzzy``: spelt or heard differently: edit distance per word, and the words' Double
  Metaphone codes ("Anna Kovalchik" finds "Anna Kowalczyk").

:meth:`EntityResolver.resolve` returns the one entity meant, or raises
:class:`~kgbuild.errors.EntityNotFound` with "did you mean" suggestions, or
:class:`~kgbuild.errors.AmbiguousEntity` listing the candidates when two entities match
equally well (two entities labelled "cat": pass an IRI, or ``name [TYPE]``).
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from metaphone import doublemetaphone
from rapidfuzz import fuzz, process

from ..errors import AmbiguousEntity, EntityNotFound
from ..ids import normalise_label
from ..nlp.normalise import strip_honorifics

ACCEPT = 80.0  # a fuzzy match below this is only a suggestion
SUGGEST = 55.0  # "did you mean" lists candidates down to this
MARGIN = 4.0  # two candidates closer than this are a tie: the name is ambiguous
SEARCH_POOL = 40  # fuzzy candidates rescored per query (rapidfuzz's top by WRatio)

KIND_ORDER = {"exact": 0, "reordered": 1, "words": 2, "fuzzy": 3}
_TYPED = re.compile(r"^(?P<name>.*\S)\s*\[(?P<type>[A-Za-z_]+)\]\s*$")  # "cat [OBJECT]"
_DOTTED = re.compile(r"\b((?:[A-Za-z]\.){2,})")  # "U.K." is one word


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@lru_cache(maxsize=100_000)
def name_tokens(name: str) -> tuple[str, ...]:
    """A name's words for matching: folded to lower-case ASCII, titles and suffixes,
    a leading article, possessives and punctuation gone ("Dr. Jane Q. Smith's" ->
    ("jane", "q", "smith")). Words in other scripts are kept as they are."""
    clean = strip_honorifics(" ".join(normalise_label(name).split()))
    clean = _DOTTED.sub(lambda m: m.group(1).replace(".", "") + " ", clean)
    words = []
    for raw in re.split(r"[\s\-_/,;:.()\"'’]+", clean.casefold()):
        if not raw:
            continue
        folded = re.sub(r"[^a-z0-9]+", "", _ascii(raw))
        words.append(folded or raw)  # "東京" has no ASCII form: keep it
    return tuple(words)


@lru_cache(maxsize=100_000)
def _sounds(word: str) -> tuple[str, ...]:
    if not word.isalpha() or not word.isascii():
        return (word,)
    primary, secondary = doublemetaphone(word)
    return tuple(c for c in dict.fromkeys((primary, secondary)) if c) or (word,)


def _word_score(a: str, b: str) -> float:
    """How alike two words are, 0-100: spelling, and sound (Double Metaphone)."""
    if a == b:
        return 100.0
    score = fuzz.ratio(a, b)
    # Sound alone is weak evidence for short words (Jane and John are both JN): it lifts a
    # word that is already spelt alike ("Kovalchik" / "Kowalczyk").
    if score >= 60.0 and set(_sounds(a)) & set(_sounds(b)):
        score = max(score, 90.0)
    return score


def _fuzzy_score(query: tuple[str, ...], name: tuple[str, ...]) -> float:
    """Each word typed against its best word of the name (order free), weighted by length;
    words of the name nobody typed cost a little (a middle name less than a surname)."""
    if not query or not name:
        return 0.0
    total = weight = 0.0
    left = list(name)
    for word in sorted(query, key=len, reverse=True):
        best, at = 0.0, -1
        for i, other in enumerate(left):
            s = _word_score(word, other)
            if s > best:
                best, at = s, i
        if at >= 0:
            left.pop(at)
        total += best * len(word)
        weight += len(word)
    score = total / weight
    missing = sum(len(w) for w in left)
    return max(0.0, score - 30.0 * missing / (missing + weight)) if missing else score


def _match(query: tuple[str, ...], name: tuple[str, ...]) -> tuple[str, float] | None:
    """(kind, score 0-100) of a typed name against one name of an entity."""
    if not query or not name:
        return None
    if query == name:
        return "exact", 100.0
    if sorted(query) == sorted(name):
        return "reordered", 97.0
    words = set(name)
    if all(w in words for w in query[:-1]) and (
            query[-1] in words or any(n.startswith(query[-1]) for n in name if n not in query[:-1])):
        # Every word typed is in the name (the last maybe unfinished): the closer to the whole
        # name, the better ("smith" is a weaker hint of "Jane Q. Smith" than "jane smith").
        typed = sum(len(w) for w in query)
        return "words", 80.0 + 15.0 * typed / max(typed, sum(len(w) for w in name))
    score = 0.95 * _fuzzy_score(query, name)  # never above a match of the words as typed
    return ("fuzzy", score) if score >= SUGGEST else None


@dataclass(frozen=True)
class Candidate:
    """An entity a typed name may mean, with how it matched."""

    iri: str
    label: str
    type: str
    mentions: int
    score: float
    kind: str  # exact, reordered, words or fuzzy
    matched: str  # the entity's name that matched (its label or an alias)

    def to_dict(self) -> dict[str, Any]:
        return {"iri": self.iri, "label": self.label, "type": self.type, "mentions": self.mentions,
                "score": round(self.score, 1), "match": self.kind, "matched": self.matched}

    def describe(self) -> str:
        alias = f", as '{self.matched}'" if self.matched != self.label else ""
        return f"'{self.label}' [{self.type or '?'}] {self.iri} ({self.mentions} mention{'' if self.mentions == 1 else 's'}{alias})"


@dataclass
class _Entry:
    iri: str
    label: str
    type: str
    mentions: int
    names: dict[tuple[str, ...], str] = field(default_factory=dict)  # tokens -> the name as written


class EntityResolver:
    """Entities and every name they are known by; see the module's docstring."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._by_tokens: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self._by_word: dict[str, set[str]] = defaultdict(set)
        self._by_sound: dict[str, set[str]] = defaultdict(set)
        self._choices: list[str] = []  # joined tokens of every name, for rapidfuzz
        self._choice_iri: list[str] = []

    # building --------------------------------------------------------------------------

    def add(self, iri: str, label: str, entity_type: str = "", mentions: int = 0, aliases: Iterable[str] = ()) -> None:
        entry = self._entries.get(iri)
        if entry is None:
            entry = self._entries[iri] = _Entry(iri, label, entity_type, mentions)
        for name in (label, *aliases):
            toks = name_tokens(name) if name else ()
            if not toks or toks in entry.names:
                continue
            entry.names[toks] = name
            self._by_tokens[toks].add(iri)
            self._by_tokens[tuple(sorted(toks))].add(iri)
            for w in toks:
                self._by_word[w].add(iri)
                for code in _sounds(w):
                    self._by_sound[code].add(iri)
            self._choices.append(" ".join(toks))
            self._choice_iri.append(iri)

    @classmethod
    def from_graph(cls, graph: Any) -> EntityResolver:
        """From an entity graph (:func:`kgbuild.graph.build_entity_graph`): its nodes, with
        the ``names`` (member labels and aliases) each node carries. Cached per graph."""
        cached = _FROM_GRAPH.get(graph)
        if cached is not None:
            return cached
        resolver = cls()
        for node, data in graph.nodes(data=True):
            resolver.add(node, data.get("label", "") or "", data.get("type", "") or "", int(data.get("mentions", 0) or 0),
                         data.get("names", ()))
        _FROM_GRAPH[graph] = resolver
        return resolver

    @classmethod
    def from_store(cls, store: Any, *, canonical: bool = True) -> EntityResolver:
        """From a store: with ``canonical``, one entry per canonical entity (fusion's), known
        by its members' labels and aliases too; without, every entity by its own label only
        (what ``fuse --split`` needs: two members of one canonical entity)."""
        resolver = cls()
        for iri, (label, kind, mentions, names) in entity_names(store, canonical=canonical).items():
            resolver.add(iri, label, kind, mentions, names)
        return resolver

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, iri: object) -> bool:
        return iri in self._entries

    # looking up ------------------------------------------------------------------------

    def candidates(self, text: str, *, limit: int = 10, floor: float = SUGGEST,
                   types: Iterable[str] | None = None) -> list[Candidate]:
        """Entities ``text`` may name, best first (score, then how it matched, then mentions)."""
        text, wanted_type = _split_type(text)
        allowed = {t.upper() for t in types} if types is not None else None
        if wanted_type:
            allowed = {wanted_type} if allowed is None else allowed & {wanted_type}
        if text in self._entries:
            e = self._entries[text]
            return [Candidate(e.iri, e.label, e.type, e.mentions, 100.0, "exact", e.label)]
        query = name_tokens(text)
        if not query:
            return []
        pool: set[str] = set(self._by_tokens.get(query, ())) | set(self._by_tokens.get(tuple(sorted(query)), ()))
        # every word typed (the last maybe a prefix): intersect the words' entities
        sets = [self._by_word.get(w, set()) for w in query[:-1]]
        last = {iri for w, iris in self._by_word.items() if w.startswith(query[-1]) for iri in iris} \
            if len(query[-1]) >= 2 else self._by_word.get(query[-1], set())
        pool |= set.intersection(*(sets + [last])) if sets else set(last)
        for w in query:
            for code in _sounds(w):
                if len(code) >= 2:
                    pool |= self._by_sound.get(code, set())
        if self._choices:
            for _, _, i in process.extract(" ".join(query), self._choices, scorer=fuzz.WRatio, limit=SEARCH_POOL,
                                           score_cutoff=floor):
                pool.add(self._choice_iri[i])
        found = []
        for iri in pool:
            e = self._entries[iri]
            if allowed is not None and e.type.upper() not in allowed:
                continue
            best: tuple[float, int, str, str] | None = None  # score, -kind order, kind, name
            for toks, written in e.names.items():
                m = _match(query, toks)
                if m is None:
                    continue
                key = (m[1], -KIND_ORDER[m[0]], m[0], written)
                if best is None or key[:2] > best[:2] or (key[:2] == best[:2] and written == e.label):
                    best = key
            if best is not None and best[0] >= floor:
                found.append(Candidate(e.iri, e.label, e.type, e.mentions, best[0], best[2], best[3]))
        found.sort(key=lambda c: (-c.score, KIND_ORDER[c.kind], -c.mentions, c.label, c.iri))
        return found[:limit]

    def resolve_all(self, text: str, *, types: Iterable[str] | None = None, what: str = "entity") -> list[str]:
        """Like :meth:`resolve`, but a tie between entities of one written name and type is
        not an ambiguity: they are that name's entities in several documents (the linker's
        atoms, before fusion groups them), and all of them are returned."""
        if text in self._entries:
            return [text]
        accepted = [c for c in self.candidates(text, limit=max(1, len(self)), types=types) if c.score >= ACCEPT]
        if accepted:
            best = accepted[0]
            tied = [c for c in accepted if best.score - c.score < MARGIN]
            if all(c.type == best.type and name_tokens(c.label) == name_tokens(best.label) for c in tied):
                return sorted(c.iri for c in tied)
        return [self.resolve(text, types=types, what=what)]  # raises: not found, or a real ambiguity

    def resolve(self, text: str, *, types: Iterable[str] | None = None, what: str = "entity") -> str:
        """The one entity ``text`` names (an IRI is taken as it is). Raises EntityNotFound
        (with suggestions) or AmbiguousEntity (with the candidates)."""
        if text in self._entries:
            return text
        found = self.candidates(text, limit=8, types=types)
        accepted = [c for c in found if c.score >= ACCEPT]
        if not accepted:
            near = "; ".join(c.describe() for c in found[:5])
            raise EntityNotFound(
                f"no {what} matches '{text}'" + (f"; did you mean: {near}" if near else ""),
                hint="pass an entity IRI, or list labels with: kgbuild query "
                     "'SELECT ?l WHERE { ?e a kg:Entity ; rdfs:label ?l }'")
        best = accepted[0]
        tied = [c for c in accepted[1:] if best.score - c.score < MARGIN]
        if tied:
            raise AmbiguousEntity(
                f"'{text}' fits {len(tied) + 1} entities equally well: "
                + "; ".join(c.describe() for c in [best, *tied]),
                hint="pass the IRI of the one you mean, or its type as 'NAME [TYPE]'",
                candidates=[c.to_dict() for c in [best, *tied]])
        return best.iri


_FROM_GRAPH: weakref.WeakKeyDictionary[Any, EntityResolver] = weakref.WeakKeyDictionary()


def _split_type(text: str) -> tuple[str, str | None]:
    m = _TYPED.match(text)
    return (m.group("name"), m.group("type").upper()) if m else (text.strip(), None)


def entity_names(store: Any, *, canonical: bool = True) -> dict[str, tuple[str, str, int, list[str]]]:
    """iri -> (label, type, mentions, other names) for every entity of a store. With
    ``canonical``, entities merged by fusion are one (the canonical IRI) known by all their
    members' labels and its ``kg:alias`` values."""
    from ..fusion.canonical import canonical_map

    canon = canonical_map(store) if canonical else {}
    out: dict[str, tuple[str, str, int, list[str]]] = {}
    rows = list(store.rows("""SELECT ?e ?label ?type (COUNT(?m) AS ?n) WHERE {
            ?e a kg:Entity . OPTIONAL { ?e rdfs:label ?label } OPTIONAL { ?e kg:entityType ?type }
            OPTIONAL { ?m kg:refersTo ?e } } GROUP BY ?e ?label ?type"""))
    if canonical:
        canon = {**_by_name(store, [r for r in rows if r["e"] not in canon]), **canon}
    own = {r["e"]: r for r in rows}
    for r in rows:
        node = canon.get(r["e"], r["e"])
        head = own.get(node, r)
        label, kind, mentions, names = out.get(node, (head["label"] or "", head["type"] or "", 0, []))
        if r["label"] and r["label"] != label:
            names.append(r["label"])
        out[node] = (label, kind, mentions + int(r["n"] or 0), names)
    if canonical:
        for r in store.rows("SELECT ?c ?alias WHERE { ?c kg:alias ?alias }"):
            if r["c"] in out:
                out[r["c"]][3].append(r["alias"])
    return out


def _by_name(store: Any, unfused: list[dict]) -> dict[str, str]:
    """Entities fusion has not seen (a pipeline without fusion, or before it ran): the linker
    makes one entity per name and document, so a name in three documents is three entities;
    here they stand for one (the smallest IRI), as one name read in one corpus, so that a
    query by name finds them rather than a tie. Detected objects ("person" boxes) stay apart."""
    if not unfused:
        return {}
    seen = {r["e"] for r in store.rows("""SELECT DISTINCT ?e WHERE { ?m kg:refersTo ?e ; kg:modality ?mod
                                            FILTER(?mod IN ("image", "video")) }""")}
    heads: dict[tuple[str, str], str] = {}
    named = sorted((r for r in unfused if r["label"] and r["e"] not in seen), key=lambda r: r["e"])
    for r in named:
        heads.setdefault((r["type"] or "", normalise_label(r["label"])), r["e"])
    return {r["e"]: heads[(r["type"] or "", normalise_label(r["label"]))] for r in named}


def graph_names(store: Any, canon: Mapping[str, str]) -> dict[str, list[str]]:
    """node -> the other names it is known by (its members' labels, its aliases), for
    :func:`kgbuild.graph.entity_graph.build_entity_graph` to keep on each node."""
    names: dict[str, set[str]] = defaultdict(set)
    for r in store.rows("SELECT ?e ?l WHERE { ?e a kg:Entity ; rdfs:label ?l }"):
        names[canon.get(r["e"], r["e"])].add(r["l"])
    for r in store.rows("SELECT ?c ?alias WHERE { ?c kg:alias ?alias }"):
        names[canon.get(r["c"], r["c"])].add(r["alias"])
    return {node: sorted(ns) for node, ns in names.items()}
