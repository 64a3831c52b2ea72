"""The second, biased pass: which stretches of a recording to decode again with the corpus's
names, and which of the biased words to keep.

A first pass is decoded without help and kept (:func:`pack`). For each candidate name
(:func:`kgbuild.speech.lexicon.retrieve`), the segments holding the heard run near it become a
clip (:func:`clips`; neighbouring clips merge), and each clip is decoded again with its names
as faster-whisper ``hotwords`` (openai-whisper: ``initial_prompt``). The biased words replace
the first pass's only where (:func:`merge`):

* they differ from what the first pass heard, and the words they replace overlap the heard
  run that made the name a candidate;
* the new words spell the name, or one of its tokens, with at most a possessive's letters
  more ("Kowalczyk's");
* the biased decode of the clip scores at least as well as the first pass's segments over
  it (mean of the segments' average log-probabilities).

Every other difference of the biased decode (a prompt changes more than names: "harvest" /
"harvests") is dropped, so biasing cannot rewrite speech away from the candidates. Each kept
change is recorded (:class:`Biased`) with the name that suggested it and what was heard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from rapidfuzz.distance import Indel

from ..nlp.normalise import TITLES
from .lexicon import Candidate, letters, tokens
from .transcript import Piece, Segments, _locate

PAD = 0.3  # seconds of audio around a clip
MAX_CLIP = 28.0  # a clip fits in one Whisper window (30 s)
POSSESSIVE = 3  # letters a kept name may carry beyond the name ("'s", an "s")


@dataclass(frozen=True)
class Clip:
    start: float
    end: float
    names: tuple[Candidate, ...]


@dataclass
class Biased:
    """A run of words the biased pass changed: its words (Pieces of the final segments), the
    name that suggested them and what the first pass heard there."""

    words: list[Piece]
    name: str
    type: str
    heard: str


# first passes, stored ---------------------------------------------------------------------


def pack(segments: Segments, language: str | None, probability: float | None, end: float) -> dict:
    """A first pass as JSON-able data (kept in the ingest state and on the item)."""
    return {"language": language, "probability": probability, "end": end,
            "segments": [[s.text, s.start, s.end, [[w.text, w.start, w.end, w.probability] for w in words], s.probability]
                         for s, words in segments]}


def unpack(data: dict) -> tuple[Segments, str | None, float | None, float]:
    segments = [(Piece(text, start, end, *rest[:1]), [Piece(*w) for w in words])
                for text, start, end, words, *rest in data["segments"]]
    return segments, data.get("language"), data.get("probability"), float(data.get("end") or 0.0)


def flat_words(segments: Segments) -> list[Piece]:
    return [w for _, words in segments for w in words]


def heard_words(data: dict) -> tuple[list[str], list[float | None]]:
    """The words of a packed first pass, in order, and their probabilities (what
    :func:`~.lexicon.retrieve` reads)."""
    words = [w for seg in data["segments"] for w in seg[3]]
    return [w[0] for w in words], [w[3] for w in words]


# clips ----------------------------------------------------------------------------------


def clips(segments: Segments, candidates: list[Candidate], duration: float) -> list[Clip]:
    """Stretches to decode again: the segments around each candidate's heard run, padded,
    overlapping ones merged (their names together), each at most :data:`MAX_CLIP` long."""
    words = flat_words(segments)
    spans = []
    for cand in candidates:
        if not (0 <= cand.start < cand.end <= len(words)):
            continue
        first, last = words[cand.start], words[cand.end - 1]
        start, end = first.start, last.end
        for seg, _ in segments:  # whole segments: Whisper decodes utterances, not word fragments
            if seg.end > first.start and seg.start < last.end:
                start, end = min(start, seg.start), max(end, seg.end)
        if end - start > MAX_CLIP:
            mid = (first.start + last.end) / 2
            start, end = max(start, mid - MAX_CLIP / 2), min(end, mid + MAX_CLIP / 2)
        spans.append((max(0.0, start - PAD), min(duration, end + PAD), cand))
    spans.sort(key=lambda s: (s[0], s[1]))
    out: list[Clip] = []
    for start, end, cand in spans:
        if out and start <= out[-1].end and max(end, out[-1].end) - out[-1].start <= MAX_CLIP:
            prev = out[-1]
            out[-1] = Clip(prev.start, max(end, prev.end), prev.names + (cand,))
        else:
            out.append(Clip(start, end, (cand,)))
    return out


def hotwords(clip: Clip) -> str:
    """The names a clip is decoded with, best candidate first."""
    return ", ".join(dict.fromkeys(c.name for c in sorted(clip.names, key=lambda c: (c.scope, -c.score, c.name))))


def prompt(clip: Clip) -> str:
    """The fallback prompt: the names as a finished sentence of previous text, accents off
    where that keeps every letter ("Tadeusz Wroblewski."). Given as ``hotwords`` (or without
    the full stop) a name is sometimes spelt out letter by letter ("W.R.B.L.E.W.S.K.I.") or
    dropped; said as text that came before, it is more often written whole."""
    import unicodedata

    plain = "".join(ch for ch in unicodedata.normalize("NFKD", hotwords(clip)) if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", plain) + "."


# merging ---------------------------------------------------------------------------------


def avg_logprob(segments: list[Piece]) -> float:
    """Mean of the segments' average log-probabilities (a segment's probability is the exp of
    its decoder's average token log-probability); -inf when none is known."""
    probs = [s.probability for s in segments if s.probability is not None]
    if not probs:
        return -math.inf
    return sum(math.log(max(p, 1e-9)) for p in probs) / len(probs)


def _spells(new: str, cand: Candidate) -> bool:
    """The new words are (part of) the name: its letters, a token of it with a possessive's
    letters more, or a stretch of four letters or more of it ("ryspryce" of "Rhys Pryce-Jenkins")."""
    whole = tokens(cand.name)
    joined = "".join(whole)
    if len(new) >= 4 and new in joined:
        return True
    for target in [joined, *[t for t in whole if len(t) >= 4]]:
        if target and target in new and len(new) - len(target) <= POSSESSIVE:
            return True
    return False


def _after_another_name(flat: list[Piece], at: int, cand: Candidate, said: str) -> bool:
    """A part of a person's name written just after a capitalised word that is no part of it
    and no title ("Przemislaw Dubrovsky" -> "Przemislaw Dobrovolsky" from "Amelia Dobrovolsky"):
    the recording names someone whose given name the first pass heard, and the surname of
    another would make up a person nobody named. Only the whole name may be written there."""
    if cand.type != "PERSON" or "".join(tokens(cand.name)) in said or at < 1:
        return False
    word = flat[at - 1].text.strip().strip(",;:\"'")
    if not word[:1].isupper() or word.casefold().rstrip(".") in TITLES:
        return False
    if any(Indel.normalized_similarity(letters([word]), t) >= 0.6 for t in tokens(cand.name)):
        return False  # the name's own given name, perhaps misheard ("Przemislaw" for Przemyslaw)
    before = flat[at - 2].text.strip() if at >= 2 else ""
    return bool(before) and not before.endswith((".", "!", "?"))  # a capital that starts a sentence tells nothing


def _completes(b: list[str], opcodes, changed: tuple[int, int], cand: Candidate, lo: int) -> bool:
    """The changed words complete the name with words the first pass already heard right
    ("Lee Wei" -> "Li Wei": only "Lee" changes, and "li" alone spells no part of the name worth
    trusting): the new words over the candidate's heard run hold the whole name, and the changed
    words lie inside that occurrence of it."""
    joined = "".join(tokens(cand.name))
    j1, j2 = changed
    if not joined or not "".join(b[j1:j2]):
        return False
    span = [j1, j2]  # new-word indices covering the candidate's run (old indices start..end)
    for tag, i1, i2, k1, k2 in opcodes:
        s, e = max(i1, cand.start - lo), min(i2, cand.end - lo)
        if s >= e:
            continue
        a, z = (k1 + s - i1, k1 + e - i1) if tag == "equal" else (k1, k2)
        span = [min(span[0], a), max(span[1], z)]
    text = "".join(b[span[0]:span[1]])
    at = len("".join(b[span[0]:j1]))
    end = at + len("".join(b[j1:j2]))
    start = text.find(joined)
    while start >= 0:
        if start <= at and end <= start + len(joined):
            return True
        start = text.find(joined, start + 1)
    return False


def _name_within(came: list[Piece], spelt: list[str], gone: list[Piece], cand: Candidate):
    """A changed stretch that holds the whole name and more ("G'dravate cute open" ->
    "Giedre Vaitkute opened"): the fewest new words that spell the name, and the first pass's
    words heard over the same time, as ((new start, end), (old start, end)) indices into
    ``came`` and ``gone``; None when no such words are found. Only the name is taken: the rest
    of the change ("open" -> "opened") is the prompt's, not the corpus's, and is dropped."""
    joined = "".join(tokens(cand.name))
    best = None
    for p in range(len(came)):
        for q in range(p + 1, len(came) + 1):
            text = "".join(spelt[p:q])
            if joined in text and len(text) - len(joined) <= POSSESSIVE:
                if best is None or q - p < best[1] - best[0]:
                    best = (p, q)
                break
    if best is None or best == (0, len(came)):
        return None
    t0, t1 = came[best[0]].start, came[best[1] - 1].end
    old = [k for k, w in enumerate(gone) if t0 <= (w.start + w.end) / 2 <= t1]
    if not old or old != list(range(old[0], old[-1] + 1)):
        return None
    return best, (old[0], old[-1] + 1)


def merge(segments: Segments, clip: Clip, biased: Segments) -> tuple[Segments, list[Biased]]:
    """The first pass with the biased decode of ``clip`` (times on the media's clock) kept
    where it spells a candidate over the words near it and scores at least as well."""
    flat = flat_words(segments)
    inside = [i for i, w in enumerate(flat) if clip.start <= (w.start + w.end) / 2 <= clip.end]
    if not inside:
        return segments, []
    lo, hi = inside[0], inside[-1] + 1
    before = [seg for seg, _ in segments if seg.end > clip.start and seg.start < clip.end]
    if avg_logprob([seg for seg, _ in biased]) < avg_logprob(before):
        return segments, []  # the biased decode scores worse than what was heard: keep the first pass
    old, new = flat[lo:hi], [w for w in flat_words(biased) if w.text.strip()]
    a, b = [letters([w.text]) for w in old], [letters([w.text]) for w in new]
    replacements: dict[int, tuple[int, list[Piece], Biased]] = {}  # first old index -> (end, words, record)
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "replace":
            continue  # inserted or dropped words alone are not a name corrected
        gone, came = old[i1:i2], new[j1:j2]
        said = "".join(b[j1:j2])
        if len({c.name for c in clip.names if "".join(tokens(c.name)) in said}) > 1:
            # Two names written over one stretch of heard words: the decode recited its hotwords
            # ("Zyrtek Dynamics, Xiomara Quispe led" for "Ziamaraquist bled"), it did not hear them.
            continue
        for cand in clip.names:
            near_run = lo + i1 < cand.end + 1 and lo + i2 > cand.start - 1
            if not near_run:
                continue
            if (_spells(said, cand) and not _after_another_name(flat, lo + i1, cand, said)) \
                    or _completes(b, opcodes, (j1, j2), cand, lo):
                words = [replace(w) for w in came]  # fresh objects: the record points at them
                heard = "".join(w.text for w in gone).strip()
                replacements[lo + i1] = (lo + i2, words, Biased(words, cand.name, cand.type, heard))
                break
            part = _name_within(came, b[j1:j2], gone, cand)
            if part is not None:
                (p1, p2), (q1, q2) = part
                words = [replace(w) for w in came[p1:p2]]
                heard = "".join(w.text for w in gone[q1:q2]).strip()
                replacements[lo + i1 + q1] = (lo + i1 + q2, words, Biased(words, cand.name, cand.type, heard))
                break
    if not replacements:
        return segments, []
    records = [r for _, _, r in replacements.values()]
    out: Segments = []
    index = 0
    skip_until = -1
    for seg, words in segments:
        kept: list[Piece] = []
        changed = False
        for w in words:
            if index in replacements:
                end, fresh, _ = replacements[index]
                kept.extend(fresh)
                skip_until, changed = end, True
            elif index < skip_until:
                changed = True
            else:
                kept.append(w)
            index += 1
        if changed:
            text = "".join(w.text for w in kept)
            seg = replace(seg, text=text, start=min([seg.start] + [w.start for w in kept]),
                          end=max([seg.end] + [w.end for w in kept]))
        out.append((seg, kept))
    return out, records


def timeline_words(segments: Segments) -> list[Piece]:
    """The words that :func:`~.transcript.build_timeline` gives a span, in its order."""
    out = []
    for seg, words in segments:
        text = seg.text.strip()
        located = _locate(text, words)
        if located is None:
            text = "".join(w.text for w in words).strip()
            located = _locate(text, words)
        if not text:
            continue
        out += [w for w, _ in zip((w for w in words if w.text.strip()), located or [])]
    return out
