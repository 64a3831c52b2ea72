"""Cross-modal grounding: what is said or written about a picture, linked to what is seen.

Groups of sources that describe one scene:

* a photo (or video) with a caption sidecar — the same file stem, ``.txt``/``.md``;
* an article folder — a sub-folder holding text files and images (not the corpus root);
* a video on its own — its speech and its object tracks share one clock.

Within a group, a word that names a detector class ("man", "horses") is grounded to the
boxes of that class (plural words to all of them, singular to the most salient one), and a
named person to the person box when the evidence supports it: one name and a clear main
person. In a video, the word must be spoken while the object is on screen (± ``slack``
seconds). Each link carries a confidence; links strong enough also merge a named entity
with the entity of the box it depicts (see :mod:`.fuse`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..vision.visual_words import ROLE_NOUNS, same_thing, visual_class
from .evidence import MentionRow
from .names import UNRESOLVED_TYPES

VISUAL = ("image", "video")
SAYING = ("text", "speech", "ocr")
CAPTION_SUFFIXES = (".txt", ".md")
WORD_LABEL = "OBJECT_NOUN"  # kgbuild.stages.object_nouns.LABEL (not imported: stages load spaCy)


@dataclass(frozen=True)
class Grounding:
    said: MentionRow  # the word or name
    seen: MentionRow  # the box or track
    confidence: float
    method: str  # caption | article | video


def groups(sources: dict[str, tuple[str, str]]) -> dict[str, list[str]]:
    """Grounding groups from {source IRI: (path, modality)}: key -> source IRIs."""
    by_stem: dict[str, list[str]] = defaultdict(list)
    by_folder: dict[str, list[str]] = defaultdict(list)
    for iri, (path, modality) in sources.items():
        p = PurePosixPath(path)
        if modality in ("image", "video") or p.suffix.lower() in CAPTION_SUFFIXES:
            by_stem[str(p.with_suffix(""))].append(iri)
        by_folder[str(p.parent)].append(iri)
    out: dict[str, list[str]] = {}
    paired = set()
    for stem, members in by_stem.items():
        kinds = {sources[m][1] for m in members}
        if len(members) > 1 and kinds & {"image", "video"} and kinds & {"text"}:
            out[f"caption:{stem}"] = sorted(members)
            paired.update(members)
    for folder, members in by_folder.items():
        rest = [m for m in members if m not in paired]
        kinds = {sources[m][1] for m in rest}
        if folder not in (".", "") and "text" in kinds and kinds & {"image", "video"}:
            out[f"article:{folder}"] = sorted(rest)
    for iri, (_, modality) in sources.items():
        if modality == "video":
            out[f"video:{iri}"] = [iri]
        elif modality == "document":  # its figures and their captions (kgbuild.stages.document_figures)
            out[f"document:{iri}"] = [iri]
    return out


def ground(key: str, rows: list[MentionRow], slack: float = 2.0, text_of=None) -> list[Grounding]:
    """Groundings of one group. ``text_of(source)`` gives a mention's text, so a word's
    determiner can be read ("a man" introduces someone, "the man" refers back)."""
    method = key.split(":", 1)[0]
    if method == "document":  # each figure with its own caption, as a picture with its caption file
        return [g for part in _figures(rows) for g in ground("caption:" + key, part, slack, text_of)]
    seen = _distinct([m for m in rows if m.modality in VISUAL and m.box])
    said = [m for m in rows if m.modality in SAYING]
    if method == "video":
        said = [m for m in said if m.time]
    factor = FACTOR[method]
    out: list[Grounding] = []
    referents: dict[tuple[str, str], list[MentionRow]] = defaultdict(list)  # (text source, class) -> boxes named
    words = [m for m in said if m.label == WORD_LABEL and not _title(m, said, text_of)
             and not (method == "article" and m.text.lower() in ROLE_NOUNS)]  # "Ancelotti's assistant"
    for word in sorted(words, key=lambda m: (m.source, m.span or (0, 0))):
        cls = visual_class(word.text)
        boxes = [b for b in seen if same_thing(word.text, b.text) and _visible(word, b, method, slack)]
        if not boxes or cls is None:
            continue
        low = word.text.lower()
        if (low != cls and low.endswith("s")) or low in _PLURALS:  # "horses": every horse in view
            out.extend(Grounding(word, box, round(factor * (box.confidence or 0.5), 4), method) for box in boxes)
            continue
        named = referents[(word.source, cls)]
        if named and _determiner(word, text_of) in _DEFINITE:  # "the man": the one already introduced
            out.append(Grounding(word, named[-1], _sure(factor, named[-1], boxes), method))
            continue
        free = sorted((b for b in boxes if b not in named), key=_salience, reverse=True)
        if not free or (named and len(free) > 1):
            continue  # a second "a man" among several people: which one is a guess we do not make
        box = free[0]  # the first "a man": the most salient one, as sure as it stands out
        named.append(box)
        out.append(Grounding(word, box, _sure(factor, box, boxes if not named[:-1] else free), method))
    out.extend(_apposed(said, out, text_of))
    out.extend(_people(said, seen, factor, method, slack))
    return out


def _figures(rows: list[MentionRow]) -> list[list[MentionRow]]:
    """A document's mentions by figure: a figure's detections are anchored at its caption's
    characters, and the caption's words and names are the mentions inside those characters."""
    captions = sorted({m.span for m in rows if m.modality in VISUAL and m.box and m.span})
    return [[m for m in rows if m.span and ((m.modality in VISUAL and m.span == span) or
                                            (m.modality in SAYING and span[0] <= m.span[0] and m.span[1] <= span[1]))]
            for span in captions]


def _title(word: MentionRow, said: list[MentionRow], text_of) -> bool:
    """A person noun set right before a person's name is a title, not someone else:
    "Commander Eileen Collins", "photographer Ansel Adams"; the name is grounded itself."""
    if not word.span or visual_class(word.text) != "person":
        return False
    text = text_of(word.source) if text_of else None
    return any(n.source == word.source and n.label == "PERSON" and n.span and n.span[0] >= word.span[1]
               and (text is None or not text[word.span[1]:n.span[0]].strip()) and n.span[0] - word.span[1] <= 1
               for n in said)


_APPOSED_AFTER = re.compile(r"^\s*,?\s*(?:is\s+)?(?:a|an|the|our|my|his|her|their)\b[\w\s'-]{0,30}$", re.I)
_APPOSED_BEFORE = re.compile(r"^\s*,?\s*(?:named|called)?\s*$", re.I)


def _apposed(said: list[MentionRow], words: list[Grounding], text_of) -> list[Grounding]:
    """A name set beside a grounded word is what the word names: "Chelsea, a striped cat",
    "the horse Silver", "a dog called Rex". The name takes the word's box, a little less surely."""
    out = []
    for name in (m for m in said if m.entity and m.label not in UNRESOLVED_TYPES and m.span):  # names, not "a grey morning"
        assert name.span is not None  # only mentions with a span are taken
        text = text_of(name.source) if text_of else None
        if not text:
            continue
        for g in words:
            w = g.said
            if w.source != name.source or not w.span or g in out:
                continue
            after = w.span[0] > name.span[1] and _APPOSED_AFTER.match(text[name.span[1]:w.span[0]])
            before = name.span[0] > w.span[1] and _APPOSED_BEFORE.match(text[w.span[1]:name.span[0]])
            if after or before:
                out.append(Grounding(name, g.seen, round(0.9 * g.confidence, 4), g.method))
                break
    return out


_DEFINITE = {"the", "this", "that", "same"}


def _determiner(word: MentionRow, text_of) -> str:
    text = text_of(word.source) if text_of and word.span else None
    if not text:
        return ""
    assert word.span is not None  # text is read only for a word with a span
    before = text[max(0, word.span[0] - 40):word.span[0]].split()
    words = [w.strip(",.;:").lower() for w in before[-3:]]
    # "the older man": the determiner may stand before an adjective or two
    return next((w for w in reversed(words) if w in _DEFINITE or w in ("a", "an", "another")), "")


FACTOR = {"caption": 1.0, "article": 0.7, "video": 0.9}
_PLURALS = {"people", "men", "women", "children", "sheep", "cattle"}


def _visible(word: MentionRow, box: MentionRow, method: str, slack: float) -> bool:
    if method != "video" or not box.time:
        return True
    assert word.time is not None  # in a video, ground keeps only words with a time
    return word.time[0] <= box.time[1] + slack and box.time[0] - slack <= word.time[1]


def _salience(box: MentionRow) -> tuple[float, str]:
    return (box.area * (box.confidence or 0.5), box.iri)


def _sure(factor: float, box: MentionRow, among: list[MentionRow]) -> float:
    """Confidence that a singular word or a name means ``box``: the detector's confidence
    times the box's share of the area of all candidates (a lone or dominant box: near 1)."""
    share = box.area / (sum(b.area for b in among) or 1.0)
    return round(factor * ((box.confidence or 0.5) * share) ** 0.5, 4)


def _distinct(boxes: list[MentionRow]) -> list[MentionRow]:
    """Drop a box that mostly repeats a more salient box of the same class (a detector's
    duplicate), so one person is not counted twice."""
    kept: list[MentionRow] = []
    for box in sorted(boxes, key=_salience, reverse=True):
        if not any(k.text == box.text and k.source == box.source and _covered(box, k) for k in kept):
            kept.append(box)
    return kept


def _covered(small: MentionRow, big: MentionRow) -> bool:
    assert small.box is not None and big.box is not None  # ground keeps only mentions with a box
    (x, y, w, h), (X, Y, W, H) = small.box, big.box
    inter = max(0.0, min(x + w, X + W) - max(x, X)) * max(0.0, min(y + h, Y + H) - max(y, Y))
    return inter / (w * h or 1.0) > 0.85


def _people(said: list[MentionRow], seen: list[MentionRow], factor: float, method: str, slack: float):
    """Named people and person boxes. One person named in a text: the most salient person
    box. k people named and k people in view (k <= 3): captions name the main subject first,
    so names in order of first mention go to boxes in order of salience, less surely. Two to
    four people named and one person in view: the text's subject (most mentioned, then first
    named) is the one shown, at ``SUBJECT`` times the confidence."""
    names_by_source: dict[str, list[MentionRow]] = defaultdict(list)
    for m in said:
        if m.label == "PERSON" and m.entity:
            names_by_source[m.source].append(m)
    for names in names_by_source.values():
        order = list(dict.fromkeys(n.entity for n in sorted(names, key=lambda n: n.span or (0, 0))))
        boxes = sorted((b for b in seen if b.text == "person" and any(_visible(n, b, method, slack) for n in names)),
                       key=_salience, reverse=True)
        if not boxes:
            continue
        if len(order) == 1:
            box = boxes[0]
            for name in names:
                yield Grounding(name, box, _sure(factor, box, boxes), method)
        elif len(order) == len(boxes) <= 3:
            for entity, box in zip(order, boxes):
                for name in (n for n in names if n.entity == entity):
                    yield Grounding(name, box, round(0.85 * factor * (box.confidence or 0.5) ** 0.5, 4), method)
        elif len(boxes) == 1 and len(order) <= 4:
            # several people named beside one person in view: the text's subject — the most
            # mentioned, then the first named (captions and articles name their subject first)
            counts = {e: sum(1 for n in names if n.entity == e) for e in order}
            subject = max(order, key=lambda e: (counts[e], -order.index(e)))
            box = boxes[0]
            for name in (n for n in names if n.entity == subject):
                yield Grounding(name, box, round(SUBJECT * _sure(factor, box, boxes), 4), method)


SUBJECT = 0.6  # how much less sure the subject rule is than one name beside one person
