"""The corpus lexicon and retrieval of the names near what a recogniser heard.

The lexicon is every name the corpus's texts (and captions) contain, with its type and the
folders of the sources that contain it (kept by :mod:`kgbuild.store.ingest_state`, updated
as sources land by :mod:`kgbuild.pipeline.speech_bias`). For a recording, the candidate names
are those whose spelling or sound is near a run of the words its first, unbiased pass heard:

* spelling: the run's letters against the name's (accents folded, spaces dropped: "Lan fill
  in" / "Llanfyllin"), normalised Indel similarity (rapidfuzz ``ratio``);
* sound: the same with Double Metaphone codes of the letters ("Riss Price" / "Rhys Pryce":
  RSPRS both), counted only when the codes have three letters or more.

A name is near when its spelling similarity is at least :data:`NEAR`, or its sound
similarity at least :data:`NEAR_SOUND` with a spelling similarity of :data:`SOUND_SPELLING`; a run that already spells the name is
not a candidate (nothing to correct). Runs are ``k - 1`` to ``k + 2`` words for a name of ``k``
tokens; a person's surname (an organisation's or place's first word) is also matched alone,
against runs of one or two words. Only runs with a word the first pass was unsure of count
(:data:`UNSURE`). Candidates are ranked nearest scope first (a name from a source in the recording's
own folder before one from elsewhere in the corpus), then by similarity, then by name, and
at most ``max_names`` are kept: the result is a pure function of the heard words and the
lexicon, which is what makes transcripts independent of ingest order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from metaphone import doublemetaphone

from ..nlp.phonetic import tokens

# Entity types whose names are worth teaching a recogniser (not dates, amounts, objects).
NAME_TYPES = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART"})
# Mentions of these modalities are written names (a file's text, a caption); speech and OCR are not.
WRITTEN = frozenset({"text", "caption"})
NEAR = 0.68  # spelling similarity above which a heard run is near a name
NEAR_SOUND = 0.85  # or sound similarity above this, with spelling at least SOUND_SPELLING
SOUND_SPELLING = 0.6
# A name heard as common words keeps its sound, not its letters ("Namedia can quote" /
# Nnamdi Okonkwo: NMTKNK both, spelling 0.48): a near-exact match of long codes counts with
# less spelling, and even when only a word next to the run was unsure.
LOOSE_SOUND, LOOSE_SPELLING, LOOSE_CODE = 0.9, 0.45, 5
UNSURE = 0.7  # a run is a misheard name only if the first pass was unsure of one of its words
PER_RUN = 2  # names offered for one heard run at most
MIN_LETTERS = 5  # shorter names ("Ward", "May") are common words too often to suggest
SCOPE_FOLDER, SCOPE_CORPUS = 0, 1


@dataclass(frozen=True, order=True)
class LexName:
    name: str
    type: str
    scope: int = SCOPE_CORPUS  # SCOPE_FOLDER: named in a source of the recording's folder


@dataclass(frozen=True)
class Candidate:
    name: str
    type: str
    scope: int
    score: float  # best similarity of a heard run to the name (0-1)
    start: int  # the nearest heard run: word indices [start, end) in the flat word list
    end: int

    def key(self) -> list:
        """What a decode with this candidate depends on (stored, compared between builds)."""
        return [self.name, self.type, self.scope]


def letters(words: Iterable[str]) -> str:
    """A run of words as the letters that spell it ("Pryce-Jenkins" -> "prycejenkins")."""
    return "".join(t for w in words for t in tokens(w))


def similarity(heard: str, name: str) -> float:
    """Similarity of two letter strings by spelling or by sound, 0-1 (as :func:`retrieve` scores)."""
    from rapidfuzz import fuzz

    spelling = fuzz.ratio(heard, name) / 100
    sound = max((fuzz.ratio(a, b) / 100 for a in _code_pair(heard) for b in _code_pair(name) if a and b), default=0)
    return max(spelling, sound if spelling >= SOUND_SPELLING and sound >= NEAR_SOUND else 0.0)


def names_of(mentions: Iterable) -> set[tuple[str, str]]:
    """(name, type) of the written names among ``mentions`` (a source's mentions)."""
    out = set()
    for m in mentions:
        if m.kind is None and m.modality in WRITTEN and m.label in NAME_TYPES:
            name = " ".join(m.text.split())
            if len(letters([name])) >= MIN_LETTERS:
                out.add((name, m.label))
    return out


def _targets(name: str, kind: str) -> list[tuple[str, int, int]]:
    """(letters, shortest run, longest run) a name is matched by: the whole name (a garbled
    name often splits into more words: "Lan fill in"), and the part said alone — a person's
    surname, an organisation's or place's first word ("Kowalczyk", "Quellmark")."""
    toks = tokens(name)
    whole = "".join(toks)
    out = [(whole, max(1, len(toks) - 1), len(toks) + 2)] if len(whole) >= MIN_LETTERS else []
    if len(toks) > 1:
        alone = toks[-1] if kind == "PERSON" else toks[0]
        if len(alone) >= MIN_LETTERS and alone.isalpha():
            out.append((alone, 1, 2))
    return out


def _code_pair(text: str) -> tuple[str, str]:
    """Primary and secondary Double Metaphone codes, "" where shorter than three letters."""
    if not text.isalpha():
        return "", ""
    a, b = doublemetaphone(text)
    return (a if len(a) >= 3 else ""), (b if len(b) >= 3 else "")


def _matrix(queries: list[str], choices: list[str]):
    """Indel similarity (0-1) of every query to every choice; 0 where either is empty."""
    import numpy as np
    from rapidfuzz import fuzz, process

    out = process.cdist(queries, choices, scorer=fuzz.ratio, dtype=np.float32, workers=1) / 100
    out[[not q for q in queries], :] = 0
    out[:, [not c for c in choices]] = 0
    return out


def retrieve(words: Sequence[str], lexicon: Iterable[LexName], *, probabilities: Sequence[float | None] | None = None,
             max_names: int = 8, near: float = NEAR) -> list[Candidate]:
    """The lexicon's names near a run of ``words`` (what a first pass heard, in order), best
    first (scope, similarity, name), at most ``max_names`` (and :data:`PER_RUN` per heard
    run); one candidate per name and type. With the words' ``probabilities``, only runs
    holding a word the recogniser was unsure of (below :data:`UNSURE`) count: a name misheard
    is rarely heard with confidence, and "power to" heard at 0.99 is not "Berit"."""
    import numpy as np

    heard = [letters([w]) for w in words]
    unsure = [p is None or p < UNSURE for p in probabilities] if probabilities is not None else [True] * len(heard)
    targets = [(t, lo, hi, e) for e in sorted(set(lexicon)) for t, lo, hi in _targets(e.name, e.type)]
    if not heard or not targets:
        return []
    said: set[str] = set()
    best: dict[tuple[str, str], Candidate] = {}
    for n in range(1, max(hi for _, _, hi, _ in targets) + 1):
        pool = [("".join(heard[i:i + n]), i) for i in range(len(heard) - n + 1) if heard[i] and heard[i + n - 1]]
        said.update(t for t, _ in pool)
        # A sound-alike run may be heard with confidence next to a word that was not ("two oaks
        # to pick" for Oaxtepec): such runs count for the strict sound match (LOOSE_*) only.
        pool = [(t, i) for t, i in pool if any(unsure[max(0, i - 1):i + n + 1])]
        chosen = [(t, e) for t, lo, hi, e in targets if lo <= n <= hi]
        if not pool or not chosen:
            continue
        texts = [t for t, _ in pool]
        names = [t for t, _ in chosen]
        own = np.array([any(unsure[i:i + n]) for _, i in pool])[None, :]  # a word of the run itself unsure
        spelling = _matrix(names, texts)
        run_codes, name_codes = [_code_pair(t) for t in texts], [_code_pair(t) for t in names]
        sound = np.zeros_like(spelling)
        for a in (0, 1):
            for b in (0, 1):
                sound = np.maximum(sound, _matrix([c[a] for c in name_codes], [c[b] for c in run_codes]))
        long_codes = ((np.array([min(len(c[0]), 9) for c in name_codes])[:, None] >= LOOSE_CODE)
                      & (np.array([min(len(c[0]), 9) for c in run_codes])[None, :] >= LOOSE_CODE))
        loose = np.where(long_codes & (sound >= LOOSE_SOUND) & (spelling >= LOOSE_SPELLING), sound, 0)
        sound[(sound < NEAR_SOUND) | (spelling < SOUND_SPELLING)] = 0
        score = np.maximum(np.where(own, np.maximum(spelling, sound), 0), loose)
        lengths = np.array([len(t) for t in texts])[None, :]
        wanted = np.array([len(t) for t in names])[:, None]
        score[np.abs(lengths - wanted) > np.maximum(3, wanted // 2)] = 0  # a run far longer or shorter
        for i, j in zip(*np.nonzero(score >= near)):
            (target, entry), (text, start) = chosen[i], pool[j]
            if text == target:
                continue
            cand = Candidate(entry.name, entry.type, entry.scope, round(float(score[i, j]), 4), start, start + n)
            have = best.get((entry.name, entry.type))
            if have is None or (-cand.score, cand.start, cand.end) < (-have.score, have.start, have.end):
                best[(entry.name, entry.type)] = cand
    _offer_by_scope(heard, unsure, targets, best)
    # A name the recording already says right somewhere is heard, not misheard: no candidate.
    ranked = sorted((c for c in best.values() if letters([c.name]) not in said),
                    key=lambda c: (c.scope, -c.score, c.name, c.type))
    per_run: dict[tuple[int, int], int] = {}
    out: list[Candidate] = []
    for c in ranked:
        if per_run.get((c.start, c.end), 0) < PER_RUN and len(out) < max_names:
            per_run[(c.start, c.end)] = per_run.get((c.start, c.end), 0) + 1
            out.append(c)
    return out


def _offer_by_scope(heard: list[str], unsure: list[bool], targets: list, best: dict) -> None:
    """The few names of the recording's nearest scope that no heard run is near enough to by
    the strict tests, offered over their loosest-nearest unsure run (:mod:`.scoped`)."""
    from .scoped import SCOPE_FEW, best_run

    scoped: dict[LexName, list[tuple[str, int]]] = {}
    for target, _, hi, entry in targets:
        if entry.scope == SCOPE_FOLDER:
            scoped.setdefault(entry, []).append((target, max(1, hi - 2)))
    if not scoped or len({e.name for e in scoped}) > SCOPE_FEW:
        return
    for entry, wanted in scoped.items():
        if (entry.name, entry.type) in best:
            continue
        found = best_run(heard, unsure, wanted)
        if found is not None:
            best[(entry.name, entry.type)] = Candidate(entry.name, entry.type, entry.scope, *found)
