"""kgbuild.speech.lexicon and biasing: which names are offered to the second pass, and which
of its words are kept (no model: recogniser output is written by hand)."""

from __future__ import annotations

from kgbuild.speech.biasing import Clip, clips, merge, pack, unpack
from kgbuild.speech.lexicon import SCOPE_CORPUS, SCOPE_FOLDER, Candidate, LexName, names_of, retrieve
from kgbuild.speech.transcript import Piece

UNSURE, SURE = 0.4, 0.99


def heard(text: str, unsure: set[str] = frozenset()) -> tuple[list[str], list[float]]:
    words = text.split()
    return words, [UNSURE if w in unsure else SURE for w in words]


def test_near_names_by_spelling_and_sound_are_offered():
    words, probs = heard("Captain Riss Price Jenkins landed and Maximilian Uber Huber won",
                         {"Riss", "Uber", "Huber"})
    lexicon = [LexName("Rhys Pryce-Jenkins", "PERSON"), LexName("Maximilian Oberhuber", "PERSON"),
               LexName("Rosalind Abernathy", "PERSON")]
    found = {c.name: c for c in retrieve(words, lexicon, probabilities=probs)}
    assert set(found) == {"Rhys Pryce-Jenkins", "Maximilian Oberhuber"}
    assert words[found["Maximilian Oberhuber"].start:found["Maximilian Oberhuber"].end][-2:] == ["Uber", "Huber"]


def test_confident_runs_and_names_heard_right_are_not_offered():
    lexicon = [LexName("Berit Powerton", "PERSON"), LexName("Agnieszka Kowalczyk", "PERSON")]
    words, probs = heard("how much was in his power to do for them")  # all heard with confidence
    assert retrieve(words, lexicon, probabilities=probs) == []
    words, probs = heard("Agnieszka Kowalczyk presented the budget", {"Agnieszka", "Kowalczyk"})
    assert retrieve(words, lexicon, probabilities=probs) == []  # already spelt right: nothing to correct


def test_the_recordings_folder_comes_first_and_the_list_is_capped():
    words, probs = heard("we met Tadyo's Wrblewski today", {"Tadyo's", "Wrblewski"})
    lexicon = [LexName("Tadeusz Wroblewski", "PERSON", SCOPE_CORPUS), LexName("Tadeusz Wróblewski", "PERSON",
                                                                                SCOPE_FOLDER)]
    found = retrieve(words, lexicon, probabilities=probs)
    assert [(c.name, c.scope) for c in found][0] == ("Tadeusz Wróblewski", SCOPE_FOLDER)
    assert len(retrieve(words, lexicon, probabilities=probs, max_names=1)) == 1


def test_names_come_from_written_mentions_only():
    from kgbuild.datamodel import CharSpan, Mention, Provenance

    def mention(text, label, modality, kind=None):
        return Mention(text, label, modality, Provenance("s", (CharSpan(0, len(text)),), "ner"), kind=kind)

    mentions = [mention("Li Wei", "PERSON", "text"), mention("Quellmark", "ORG", "caption"),
                mention("Oberhuber", "PERSON", "speech"), mention("Tuesday", "DATE", "text"),
                mention("she", "PERSON", "text", kind="pronoun"), mention("Bo", "PERSON", "text")]
    assert names_of(mentions) == {("Li Wei", "PERSON"), ("Quellmark", "ORG")}


def first_pass():
    words = [Piece(" Maximilian", 0.0, 0.6, 0.8), Piece(" Uber", 0.6, 0.9, 0.47), Piece(" Huber", 0.9, 1.3, 0.5),
             Piece(" won", 1.3, 1.5, 0.99), Piece(" the", 1.5, 1.6, 0.99), Piece(" harvest.", 1.6, 2.2, 0.5)]
    return [(Piece(" Maximilian Uber Huber won the harvest.", 0.0, 2.2, 0.6), words)]


def test_only_changes_that_spell_the_candidate_over_its_run_are_kept():
    cand = Candidate("Maximilian Oberhuber", "PERSON", SCOPE_CORPUS, 1.0, 0, 3)
    [clip] = clips(first_pass(), [cand], duration=3.0)
    assert clip.start == 0.0 and clip.end >= 2.2
    biased = [(Piece(" Maximilian Oberhuber won the harvests.", 0.0, 2.2, 0.7),
               [Piece(" Maximilian", 0.0, 0.6, 0.8), Piece(" Oberhuber", 0.6, 1.3, 0.4), Piece(" won", 1.3, 1.5, 0.99),
                Piece(" the", 1.5, 1.6, 0.99), Piece(" harvests.", 1.6, 2.2, 0.6)])]
    segments, kept = merge(first_pass(), clip, biased)
    text = "".join(w.text for w in segments[0][1])
    assert text == " Maximilian Oberhuber won the harvest."  # "harvests" was not the name: not taken
    assert [(k.name, k.heard) for k in kept] == [("Maximilian Oberhuber", "Uber Huber")]


def test_a_biased_decode_that_scores_worse_is_dropped():
    cand = Candidate("Maximilian Oberhuber", "PERSON", SCOPE_CORPUS, 1.0, 0, 3)
    biased = [(Piece(" Maximilian Oberhuber won the harvest.", 0.0, 2.2, 0.3),
               [Piece(" Maximilian", 0.0, 0.6), Piece(" Oberhuber", 0.6, 1.3), Piece(" won", 1.3, 1.5),
                Piece(" the", 1.5, 1.6), Piece(" harvest.", 1.6, 2.2)])]
    segments, kept = merge(first_pass(), Clip(0.0, 2.5, (cand,)), biased)
    assert kept == [] and segments == first_pass()


def test_first_passes_round_trip():
    data = pack(first_pass(), "en", 0.99, 2.2)
    assert unpack(data) == (first_pass(), "en", 0.99, 2.2)
