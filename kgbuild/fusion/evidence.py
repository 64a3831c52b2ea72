"""Reading what fusion needs from the store: mentions with their anchors, atoms with their
contexts, and the texts the contexts are cut from.

Queries are batched with ``VALUES`` so an incremental run reads only the sources and
entities it touches.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from ..errors import InputError, StoreError
from ..ids import ID_BASE
from ..nlp.phonetic import tokens
from ..store import KGStore
from .atoms import Atom
from .context import ContextEncoder, window
from .names import TYPE_GROUP

_CHUNK = 400
SPELT_BY_CORPUS = "speech-biased"  # an atom's modality for a heard mention spelt by a written name
_FRAG_T = re.compile(r"t=([\d.]+),([\d.]+)")
_FRAG_BOX = re.compile(r"xywh=pixel:(-?[\d.]+),(-?[\d.]+),([\d.]+),([\d.]+)")


@dataclass
class MentionRow:
    iri: str
    source: str
    modality: str
    label: str
    text: str
    entity: str | None
    confidence: float | None
    span: tuple[int, int] | None
    time: tuple[float, float] | None  # the whole mention's time range (speech word, video track)
    box: tuple[float, float, float, float] | None  # image box, or a video track's largest box
    path: str = ""
    box_time: float | None = None  # video: when the largest box was seen
    biased_by: str | None = None  # speech: the corpus name that biased the recogniser here (kg:biasedBy)

    @property
    def spelt_by_corpus(self) -> bool:
        """A heard mention whose words are (part of) the written name that biased the decode:
        its spelling comes from the corpus's texts, not from sound."""
        if not self.biased_by:
            return False
        said, name = "".join(tokens(self.text)), "".join(tokens(self.biased_by))
        return bool(said) and said in name

    @property
    def area(self) -> float:
        return self.box[2] * self.box[3] if self.box else 0.0


def _values(var: str, iris) -> str:
    return f"VALUES ?{var} {{ {' '.join(f'<{i}>' for i in iris)} }}"


def _chunks(items):
    items = sorted(items)
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def mentions(store: KGStore, *, sources) -> list[MentionRow]:
    """Mentions of the given sources (the mentions of some entities: :class:`MentionReader`)."""
    out = []
    for chunk in _chunks(sources):
        q = f"""SELECT ?m ?src ?mod ?label ?text ?e ?conf ?start ?end ?path
                  (GROUP_CONCAT(?frag; separator="|") AS ?frags) (MIN(?bias) AS ?biased) WHERE {{
            {_values("src", chunk)}
            ?m a kg:Mention ; prov:wasDerivedFrom ?src ; kg:modality ?mod ; kg:label ?label ; kg:text ?text .
            FILTER NOT EXISTS {{ ?m kg:mentionKind ?kind }}  # "she", "the company": no name to match
            OPTIONAL {{ ?m kg:refersTo ?e }} OPTIONAL {{ ?m kg:confidence ?conf }}
            OPTIONAL {{ ?src kg:path ?path }}
            OPTIONAL {{ ?m oa:hasSelector ?s1 . ?s1 oa:start ?start ; oa:end ?end }}
            OPTIONAL {{ ?m oa:hasSelector ?s2 . ?s2 rdf:value ?frag }}
            OPTIONAL {{ ?m kg:biasedBy ?bias }}
          }} GROUP BY ?m ?src ?mod ?label ?text ?e ?conf ?start ?end ?path"""
        seen = set()
        for r in store.rows(q):
            if r["m"] in seen:  # a source with several paths: keep one row
                continue
            seen.add(r["m"])
            frags = (r["frags"] or "").split("|")
            times = [(float(m[1]), float(m[2])) for f in frags if (m := _FRAG_T.search(f)) and "xywh" not in f]
            boxes = [((float(m[1]), float(m[2]), float(m[3]), float(m[4])),
                      float(t.group(1)) if (t := _FRAG_T.search(f)) else None)
                     for f in frags if (m := _FRAG_BOX.search(f))]
            best: tuple[tuple[float, float, float, float] | None, float | None] = (
                max(boxes, key=lambda bt: (bt[0][2] * bt[0][3], -(bt[1] or 0))) if boxes else (None, None))
            span = (int(r["start"]), int(r["end"])) if r["start"] is not None else None
            out.append(MentionRow(r["m"], r["src"], r["mod"], r["label"], r["text"], r["e"],
                                  float(r["conf"]) if r["conf"] else None, span, times[0] if times else None,
                                  best[0], r["path"] or "", best[1], r["biased"]))
    return sorted(out, key=lambda m: (m.source, m.span or (0, 0), m.iri))


class MentionReader:
    """Mentions by source, each source read from the store once per fusion run: the run needs
    the changed sources' mentions, then every mention of the entities they touch, then the
    company those entities keep in their sources, then the grounding groups' mentions."""

    def __init__(self, store: KGStore) -> None:
        self.store = store
        self._by_source: dict[str, list[MentionRow]] = {}

    def of_sources(self, sources) -> list[MentionRow]:
        missing = set(sources) - set(self._by_source)
        if missing:
            for src in missing:
                self._by_source[src] = []
            for m in mentions(self.store, sources=missing):
                self._by_source[m.source].append(m)
        rows = [m for src in set(sources) for m in self._by_source[src]]
        return sorted(rows, key=lambda m: (m.source, m.span or (0, 0), m.iri))

    def of_entities(self, iris) -> list[MentionRow]:
        wanted = set(iris)
        return [m for m in self.of_sources(self._sources_of(wanted)) if m.entity in wanted]

    def _sources_of(self, iris: set[str]) -> set[str]:
        out: set[str] = set()
        for chunk in _chunks(iris):
            out.update(r["src"] for r in self.store.rows(f"""SELECT DISTINCT ?src WHERE {{ {_values('e', chunk)}
                ?m kg:refersTo ?e ; prov:wasDerivedFrom ?src }}"""))
        return out


def entity_descriptions(store: KGStore, iris) -> dict[str, tuple[str, str, bool]]:
    """IRI -> (label, type, has a typed value) from the entities graph."""
    out = {}
    for chunk in _chunks(iris):
        for r in store.rows(f"""SELECT ?e ?l ?t ?v WHERE {{ {_values('e', chunk)}
                ?e kg:entityType ?t . OPTIONAL {{ ?e rdfs:label ?l }} OPTIONAL {{ ?e kg:value ?v }} }}"""):
            out[r["e"]] = (r["l"] or "", r["t"], r["v"] is not None)
    return out


class SourceTexts:
    """The text a source's character offsets point into: a transcript from the store, or
    the file itself (found by content hash under the corpus roots). A file that cannot be
    found or read costs its atoms their context, counted in ``lost`` (the fusion report's)."""

    def __init__(self, store: KGStore, lost: Counter | None = None) -> None:
        from ..store.source_files import SourceFiles

        self.store, self.files = store, SourceFiles(store)
        self._cache: dict[str, str | None] = {}
        self.lost = lost if lost is not None else Counter()

    def get(self, source: str) -> str | None:
        if source not in self._cache:
            rows = list(self.store.rows(f"""SELECT ?txt WHERE {{ ?t a kg:Transcript ;
                            prov:wasDerivedFrom <{source}> ; kg:text ?txt }} LIMIT 1"""))
            text = rows[0]["txt"] if rows else None
            if text is None and source.startswith(ID_BASE + "source/"):
                try:
                    info = self.files.info(source.rsplit("/", 1)[1])
                except StoreError:  # the store no longer knows the source
                    self.lost["texts_missing"] += 1
                else:
                    text = self.files.text(info)
                    if text is None:  # moved since the build, or now too large or not UTF-8
                        self.lost["texts_unreadable" if self.files.available(info) else "texts_missing"] += 1
            self._cache[source] = text
        return self._cache[source]


def load_atoms(store: KGStore, iris: set[str], encoder: ContextEncoder | None, contexts: int = 3,
               reader: MentionReader | None = None, lost: Counter | None = None) -> dict[str, Atom]:
    """Atoms for the given entity IRIs, from all their mentions in the store. Entities with
    no mention left are absent from the result. Evidence that cannot be read (a moved file,
    an unreadable picture) is counted in ``lost`` by kind."""
    reader = reader or MentionReader(store)
    rows = reader.of_entities(iris)
    by_entity: dict[str, list[MentionRow]] = defaultdict(list)
    for m in rows:
        assert m.entity is not None  # of_entities keeps only mentions of the given entities
        by_entity[m.entity].append(m)
    described = entity_descriptions(store, by_entity)
    sources = {m.source for m in rows}
    company: dict[str, set[str]] = defaultdict(set)
    for m in reader.of_sources(sources):
        if m.entity and m.modality not in ("image", "video") and m.label in TYPE_GROUP:
            company[m.source].add(m.entity)
    texts = SourceTexts(store, lost)
    atoms, windows = {}, {}
    for iri, ms in by_entity.items():
        label, etype, _typed = described.get(iri, (ms[0].text, ms[0].label, False))
        detected = all(m.modality in ("image", "video") for m in ms)
        srcs = frozenset(m.source for m in ms)
        # A heard name the corpus spelt for the recogniser is not a guess (Atom.noisy is false).
        modalities = frozenset(SPELT_BY_CORPUS if m.spelt_by_corpus else m.modality for m in ms)
        neighbours = frozenset(set().union(*(company[s] for s in srcs)) - {iri})
        atoms[iri] = Atom(iri, label or ms[0].text, etype, detected, modalities, srcs,
                          neighbours, (), None, len(ms))
        if detected:
            atoms[iri].look = _look(texts.files, ms, texts.lost)
        else:
            chosen = sorted((m for m in ms if m.span), key=lambda m: (m.modality != "text", m.source, m.span))[:contexts]
            cut = []
            for m in chosen:
                assert m.span is not None  # chosen holds only mentions with a span
                if t := texts.get(m.source):
                    cut.append(window(t, *m.span))
            windows[iri] = cut or [label]
    if encoder is not None and windows:
        flat = [(iri, w) for iri, ws in sorted(windows.items()) for w in ws]
        vectors = encoder.encode([w for _, w in flat])
        grouped: dict[str, list] = defaultdict(list)
        for (iri, _), vec in zip(flat, vectors):
            grouped[iri].append(vec)
        for iri, vecs in grouped.items():
            mean = sum(vecs) / len(vecs)
            atoms[iri].embedding = (mean / (float((mean ** 2).sum()) ** 0.5 + 1e-9)).astype("float32")
            atoms[iri].contexts = tuple(windows[iri])
    return atoms


def _look(files, ms: list[MentionRow], lost: Counter) -> tuple | None:
    """The appearance signature of a detected object, from its first mention's picture."""
    from .appearance import look, picture

    m = min(ms, key=lambda m: (m.source, m.iri))
    if not m.box or not m.source.startswith(ID_BASE + "source/"):
        return None
    try:
        info = files.info(m.source.rsplit("/", 1)[1])
        if info.modality == "document":
            # A figure in a PDF, web page or Word file is a part of the document, not a picture
            # file: decoding the document as one would fail on every figure. Nothing is lost:
            # the figure's boxes keep their caption grounding; they only have no look to compare.
            return None
        path = files.locate(info)
    except StoreError:  # not in the store, or its file moved since the build
        lost["pictures_missing"] += 1
        return None
    try:
        pic = picture(path, m.modality, m.box_time)
    except (InputError, OSError):  # changed or damaged since the build, or unreadable now
        lost["pictures_unreadable"] += 1
        return None
    return look(pic, m.box) if pic else None
