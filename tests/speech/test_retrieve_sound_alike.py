"""Names heard as common words keep their sound, not their letters: retrieval offers them on a
near-exact match of long Double Metaphone codes (no model: heard words written by hand)."""

from __future__ import annotations

from kgbuild.speech.lexicon import LexName, retrieve

LEXICON = [LexName("Nnamdi Okonkwo", "PERSON"), LexName("Oaxtepec", "GPE"), LexName("Rosalind Abernathy", "PERSON")]


def offered(text: str, probs: list[float]) -> list[str]:
    return [c.name for c in retrieve(text.split(), LEXICON, probabilities=probs)]


def test_a_name_heard_as_common_words_is_offered_by_sound():
    # "Namedia can quote": spelling 0.48 against the name, Double Metaphone NMTKNK both
    assert offered("Namedia can quote shared the meeting", [0.45, 0.45, 0.67, 0.69, 0.97, 0.44]) == ["Nnamdi Okonkwo"]


def test_a_sure_run_next_to_an_unsure_word_counts_for_the_sound_match_only():
    # "oaks to pick" heard with confidence, "two" before it not: AKSTPK both
    assert offered("The bus two oaks to pick leaves", [0.66, 0.86, 0.18, 0.83, 0.92, 0.98, 0.95]) == ["Oaxtepec"]
    # the same words, all heard with confidence: nothing to correct
    assert offered("The bus two oaks to pick leaves", [0.99] * 7) == []


def test_sound_alone_with_little_spelling_in_common_offers_nothing():
    # "Okonkwo" alone sounds like "can quote" only roughly (AKNK / KNKT): no offer
    assert offered("they can quote him", [0.5, 0.5, 0.5, 0.5]) == []
