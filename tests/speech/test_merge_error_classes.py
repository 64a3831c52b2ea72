"""Which words of a biased decode are kept, for the error classes of misheard names beyond a
plain replacement (no model: the recogniser's output is written by hand, with times):

* part of the name heard right already ("Lee Wei" -> "Li Wei": only "Lee" changes);
* the name inside a longer change ("G'dravate cute open" -> "Giedre Vaitkute opened": the
  name is taken, "opened" is the prompt's and is not);
* the fallback prompt (the names as a sentence, accents off where no letter is lost).
"""

from __future__ import annotations

from kgbuild.speech.biasing import Clip, merge, prompt
from kgbuild.speech.lexicon import SCOPE_CORPUS, Candidate
from kgbuild.speech.transcript import Piece


def segment(*words: tuple[str, float, float], prob: float = 0.6):
    pieces = [Piece(" " + w, a, b, 0.5) for w, a, b in words]
    return [(Piece("".join(p.text for p in pieces), pieces[0].start, pieces[-1].end, prob), pieces)]


def text_of(segments) -> str:
    return "".join(w.text for _, words in segments for w in words).strip()


def test_a_name_completed_by_words_heard_right_is_kept():
    first = segment(("Lee", 0.0, 0.3), ("Wei", 0.3, 0.6), ("spoke", 0.6, 1.0), ("today.", 1.0, 1.5))
    cand = Candidate("Li Wei", "PERSON", SCOPE_CORPUS, 0.75, 1, 2)  # retrieved over "Wei"
    biased = segment(("Li", 0.0, 0.3), ("Wei", 0.3, 0.6), ("spoke", 0.6, 1.0), ("today.", 1.0, 1.5), prob=0.7)
    segments, kept = merge(first, Clip(0.0, 1.5, (cand,)), biased)
    assert text_of(segments) == "Li Wei spoke today."
    assert [(k.name, k.heard) for k in kept] == [("Li Wei", "Lee")]


def test_a_change_that_does_not_complete_the_name_is_dropped():
    first = segment(("Lee", 0.0, 0.3), ("Way", 0.3, 0.6), ("spoke", 0.6, 1.0), ("today.", 1.0, 1.5))
    cand = Candidate("Li Wei", "PERSON", SCOPE_CORPUS, 0.75, 0, 2)
    # "Lee" -> "Li" alone: "Li Way" is not the name, so nothing of the biased decode is taken
    biased = segment(("Li", 0.0, 0.3), ("Way", 0.3, 0.6), ("spoke", 0.6, 1.0), ("today.", 1.0, 1.5), prob=0.7)
    segments, kept = merge(first, Clip(0.0, 1.5, (cand,)), biased)
    assert kept == [] and text_of(segments) == "Lee Way spoke today."


def test_the_name_is_taken_out_of_a_longer_change_and_the_rest_left_as_heard():
    first = segment(("G'dravate", 0.0, 0.7), ("cute", 0.7, 1.1), ("open", 1.1, 1.4), ("the", 1.4, 1.5),
                    ("talk.", 1.5, 2.0))
    cand = Candidate("Giedre Vaitkute", "PERSON", SCOPE_CORPUS, 1.0, 0, 2)
    biased = segment(("Giedre", 0.0, 0.5), ("Vaitkute", 0.5, 1.1), ("opened", 1.1, 1.4), ("the", 1.4, 1.5),
                     ("talk.", 1.5, 2.0), prob=0.7)
    segments, kept = merge(first, Clip(0.0, 2.0, (cand,)), biased)
    assert text_of(segments) == "Giedre Vaitkute open the talk."  # "opened" is not the name: not taken
    assert [(k.name, k.heard) for k in kept] == [("Giedre Vaitkute", "G'dravate cute")]


def test_a_longer_change_without_the_whole_name_is_dropped():
    first = segment(("G'dravate", 0.0, 0.7), ("cute", 0.7, 1.1), ("open", 1.1, 1.4), ("the", 1.4, 1.5),
                    ("talk.", 1.5, 2.0))
    cand = Candidate("Giedre Vaitkute", "PERSON", SCOPE_CORPUS, 1.0, 0, 2)
    biased = segment(("Giedre", 0.0, 0.5), ("Vaitkus", 0.5, 1.1), ("opened", 1.1, 1.4),  # another surname
                     ("the", 1.4, 1.5), ("talk.", 1.5, 2.0), prob=0.7)
    segments, kept = merge(first, Clip(0.0, 2.0, (cand,)), biased)
    assert kept == [] and text_of(segments) == "G'dravate cute open the talk."


def test_the_fallback_prompt_is_a_sentence_of_the_names_without_accents_that_lose_no_letter():
    names = (Candidate("Tadeusz Wróblewski", "PERSON", SCOPE_CORPUS, 1.0, 2, 4),
             Candidate("Łukasz Żmuda", "PERSON", SCOPE_CORPUS, 0.9, 2, 4))
    assert prompt(Clip(0.0, 2.0, names)) == "Tadeusz Wroblewski, Łukasz Zmuda."
