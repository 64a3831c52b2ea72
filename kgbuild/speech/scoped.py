"""Names offered by scope: when the recording's nearest scope (the texts beside it — its own
folder, its article) names only a few people or places, those names are offered to the second
pass even when no heard run is near them by the strict spelling and sound tests of
:func:`kgbuild.speech.lexicon.retrieve`.

A first pass can turn a name into words whose letters and Double Metaphone codes are far from it
(a name split into common words, a foreign phonology, consonant clusters dropped). Sound alone
cannot find those without offering every name of a large lexicon to every unsure word; scope can:
a recording beside an article that names three people most likely says one of them. The offer is
still tied to a heard run — the run of words the first pass was unsure of that is loosest-nearest
to the name (:func:`loose_similarity`, syllable counts alike) — because the second pass keeps a
biased word only where it replaces words over that run and spells the name, and only where the
biased decode scores at least as well (:func:`kgbuild.speech.biasing.merge`). Those checks, not
this retrieval, are what keep a name the recording does not say out of its transcript.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from metaphone import doublemetaphone

SCOPE_FEW = 3  # names in the nearest scope at most for them to be offered by scope
NEAR_SCOPED = 0.5  # loose similarity a scoped name needs against its best unsure run
LONGER_RUN = 2  # a scoped name may have been heard as this many words more than it has tokens


def syllables(letters: str) -> int:
    """Vowel groups of a letter string: a rough count of syllables, enough to tell a run of
    five syllables from a name of two ("and should know" 3, "szczytno" 2)."""
    return max(1, len(re.findall(r"[aeiouy]+", letters)))


def _codes(letters: str) -> tuple[str, ...]:
    if not letters.isalpha():
        return ()
    return tuple(c for c in dict.fromkeys(doublemetaphone(letters)) if len(c) >= 2)


def loose_similarity(heard: str, name: str) -> float:
    """The better of the spelling and the sound similarity of two letter strings, 0-1, with no
    gate between them: the alignment of the Double Metaphone codes (Indel, so consonants kept in
    order count and dropped ones cost little) stands alone."""
    from rapidfuzz import fuzz

    spelling = fuzz.ratio(heard, name) / 100
    sound = max((fuzz.ratio(a, b) / 100 for a in _codes(heard) for b in _codes(name)), default=0.0)
    return max(spelling, sound)


def alike_in_length(heard: str, name: str) -> bool:
    """Syllable counts within a factor of two: a name is not heard as a whole sentence."""
    a, b = syllables(heard), syllables(name)
    return min(a, b) * 2 >= max(a, b)


def best_run(heard: Sequence[str], unsure: Sequence[bool], targets: Sequence[tuple[str, int]],
             near: float = NEAR_SCOPED) -> tuple[float, int, int] | None:
    """(similarity, start, end) of the run of heard words (letters each) loosest-nearest to one
    of ``targets`` ((letters, tokens) of the name and of the part said alone), among runs of 1 to
    tokens + :data:`LONGER_RUN` words holding a word the recogniser was unsure of; None when no
    run reaches ``near``. Ties go to the earlier, shorter run, so the result is a pure function
    of its inputs."""
    best: tuple[float, int, int] | None = None
    for target, count in targets:
        for n in range(1, count + LONGER_RUN + 1):
            for i in range(len(heard) - n + 1):
                if not heard[i] or not heard[i + n - 1] or not any(unsure[i:i + n]):
                    continue
                text = "".join(heard[i:i + n])
                if text == target or not alike_in_length(text, target):
                    continue
                score = round(loose_similarity(text, target), 4)
                if score >= near and (best is None or (-score, i, n) < (-best[0], best[1], best[2] - best[1])):
                    best = (score, i, i + n)
    return best
