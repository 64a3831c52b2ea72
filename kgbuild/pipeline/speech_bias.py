"""The corpus lexicon kept as sources land, and recordings decoded again when the names near
what they heard change — so a transcript never depends on whether a text was ingested before
or after the recording.

The ``whisper`` stage decodes a file alone: a first, unbiased pass, then (when the build hands
it candidate names) a second pass biased with them (:mod:`kgbuild.speech.biasing`). The runner
calls :meth:`SpeechBias.landed` after writing each batch: written names of texts and captions
go to the lexicon (``lexicon`` table of the ingest state), each recording's first pass and the
names it was decoded with to the ``heard`` table. After the batches, :meth:`SpeechBias.batches`
finds the recordings whose candidates (:func:`kgbuild.speech.lexicon.retrieve` over the whole
lexicon, nearest folder first) differ from those they were decoded with — the ones written now,
and older ones near a name the lexicon gained or lost in this build (only those: a name far
from every word of a recording changes nothing) — and hands them back as batches that carry
their stored first pass and their candidates, so only the second pass runs again (then the
later stages of that one source). The candidates are a function of the first pass and the
lexicon, so every ingest order ends in the same transcripts, hence the same quads.

Where a biased word replaced what was heard, the stage records it on the transcript's timeline
(:class:`kgbuild.datamodel.SpeechCorrection`), and :mod:`kgbuild.store.rdf` writes it with the
rest of the source: ``kg:biasedBy`` (the suggesting name) on the segment and on the mentions
over it, ``kg:heardAs`` (the first pass's words) on the mentions (docs/graph-model.md).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable

from ..datamodel import Item, Source
from ..speech.biasing import heard_words
from ..speech.lexicon import SCOPE_CORPUS, SCOPE_FOLDER, LexName, names_of, retrieve
from ..store.ingest_state import IngestState
from ..store.oxigraph_store import KGStore
from .batches import Batch
from .config import Pipeline


class SpeechBias:
    def __init__(self, pipeline: Pipeline, stage, store: KGStore, state: IngestState, sources: dict[str, Source],
                 paths: dict[str, list[str]]) -> None:
        self.pipeline, self.stage, self.store, self.state = pipeline, stage, store, state
        self.sources, self.paths = sources, paths
        self.changed: set[tuple[str, str]] = set()  # names gained or lost in this build
        self.recordings: set[str] = set()  # recordings written in this build

    @classmethod
    def for_build(cls, pipeline: Pipeline, store: KGStore, state: IngestState, sources: Iterable[Source],
                  paths: dict[str, list[str]]) -> SpeechBias | None:
        """None when the pipeline has no whisper stage that biases (nothing to keep)."""
        stage = next((s for s in pipeline.stages if s.type_name == "whisper" and getattr(s.params, "bias", False)),
                     None)
        return None if stage is None else cls(pipeline, stage, store, state, {s.sha256: s for s in sources}, paths)

    def fingerprints(self, item: Item) -> list[str]:
        """The pipeline's cumulative fingerprints for the item's modality (as the runner's)."""
        from .stage_cache import chain_fingerprints

        return chain_fingerprints(self.pipeline, item.source.modality)

    # as batches are written ---------------------------------------------------------

    def landed(self, items: list[Item]) -> None:
        for item in items:
            sha = item.source.sha256
            self.sources.setdefault(sha, item.source)  # a file rewritten mid-build lands under its new hash
            self.changed |= self.state.set_names(sha, names_of(item.mentions) if item.ok else set())
            first = item.meta.get("_speech_first_pass")
            if item.ok and first is not None:
                self.state.set_heard(sha, json.dumps(first, sort_keys=True), json.dumps(item.meta.get("_speech_bias") or []))
                self.recordings.add(sha)

    # after the batches --------------------------------------------------------------

    def batches(self, size: int) -> list[Batch]:
        """Recordings to decode again (only those whose candidates changed), as batches."""
        lexicon = self.state.lexicon()
        check = set(self.recordings)
        if self.changed:
            changed = [LexName(n, t) for n, t in sorted(self.changed)]
            for sha in self.state.heard_all():
                stored = self.state.heard(sha)
                if sha not in check and sha in self.sources and stored is not None:
                    words, probs = heard_words(json.loads(stored[0]))
                    if retrieve(words, changed, probabilities=probs, max_names=1):
                        check.add(sha)
        self.changed, self.recordings = set(), set()
        redo: list[Item] = []
        for sha in sorted(check):
            stored = self.state.heard(sha)
            if sha not in self.sources or stored is None:
                continue
            first, bias = json.loads(stored[0]), json.loads(stored[1])
            candidates = self.candidates(sha, first, lexicon)
            if [c.key() for c in candidates] != bias:
                item = Item(self.sources[sha])
                item.meta["_speech_first_pass"] = first
                item.meta["_speech_candidates"] = [[c.name, c.type, c.scope, c.score, c.start, c.end] for c in candidates]
                redo.append(item)
        out = []
        for modality in sorted({i.source.modality for i in redo}):
            group = [i for i in redo if i.source.modality == modality]
            for start in range(0, len(group), size):
                part = group[start:start + size]
                out.append(Batch([i.source for i in part], self.fingerprints(part[0]), part))
        return out

    def candidates(self, sha: str, first: dict, lexicon: dict[tuple[str, str], set[str]]):
        """The lexicon's names near what a recording heard, a name from a source in one of
        the recording's folders before one from elsewhere in the corpus."""
        folders = {posixpath.dirname(p) for p in self.paths.get(sha, ())}
        names = [LexName(n, t, SCOPE_FOLDER if folders & {posixpath.dirname(p) for p in where} else SCOPE_CORPUS)
                 for (n, t), where in sorted(lexicon.items())]
        words, probs = heard_words(first)
        return retrieve(words, names, probabilities=probs, max_names=self.stage.params.bias_max_names)

