"""Names of the recording's nearest scope are offered by scope when they are few, over the
unsure run loosest-nearest to them, even where the strict spelling and sound tests find no run
near enough (no model: heard words written by hand, as Whisper base heard Festival's voice)."""

from __future__ import annotations

from kgbuild.speech.biasing import Clip, merge
from kgbuild.speech.lexicon import SCOPE_CORPUS, SCOPE_FOLDER, Candidate, LexName, retrieve
from kgbuild.speech.scoped import SCOPE_FEW, alike_in_length, loose_similarity, syllables

HEARD = "and funzink sumolo scored twice in the second half".split()  # "Mthunzi Nxumalo scored ..."
UNSURE = [0.32, 0.31, 0.55, 0.77, 0.99, 0.99, 0.98, 0.98, 1.0]
NAME = "Mthunzi Nxumalo"


def offers(lexicon: list[LexName], probabilities=UNSURE) -> list[Candidate]:
    return retrieve(HEARD, lexicon, probabilities=probabilities)


def test_a_name_far_from_what_was_heard_is_offered_only_from_the_nearest_scope():
    assert offers([LexName(NAME, "PERSON", SCOPE_CORPUS)]) == []  # sound and spelling alone: too far
    [cand] = offers([LexName(NAME, "PERSON", SCOPE_FOLDER)])
    assert cand.name == NAME and cand.scope == SCOPE_FOLDER
    assert " ".join(HEARD[cand.start:cand.end]) == "funzink sumolo"  # the run the second pass re-decodes
    assert 0.5 <= cand.score < 1


def test_a_scope_of_many_names_offers_none_of_them_by_scope():
    crowd = [LexName(n, "PERSON", SCOPE_FOLDER)
             for n in [NAME, "Amelia Brennecke", "Bruno Castellanos", "Carmen Dobrovolsky", "Dmitri Eckhardt"]]
    assert len(crowd) > SCOPE_FEW
    assert NAME not in [c.name for c in offers(crowd)]


def test_words_heard_with_confidence_or_the_name_heard_right_get_no_offer():
    near = [LexName(NAME, "PERSON", SCOPE_FOLDER)]
    assert offers(near, probabilities=[0.99] * len(HEARD)) == []
    said = retrieve("Mthunzi Nxumalo scored twice".split(), near, probabilities=[0.3, 0.3, 0.9, 0.9])
    assert said == []


def test_loose_similarity_aligns_sounds_and_syllable_counts_keep_runs_name_sized():
    # Double Metaphone codes kept in order: "shapiso makatou" / "tshepiso mokgatle"
    assert loose_similarity("shapisomakatou", "tshepisomokgatle") >= 0.7
    assert loose_similarity("thesecondhalf", "tshepisomokgatle") < loose_similarity("shapisomakatou",
                                                                                    "tshepisomokgatle")
    assert syllables("andshouldknow") == 3 and syllables("szczytno") == 2
    assert alike_in_length("funzinksumolo", "mthunzinxumalo")
    assert not alike_in_length("scoredtwiceinthesecondhalf", "nxumalo")


def segment(*words: tuple[str, float, float], prob: float = 0.6):
    from kgbuild.speech.transcript import Piece

    pieces = [Piece(" " + w, a, b, 0.5) for w, a, b in words]
    return [(Piece("".join(p.text for p in pieces), pieces[0].start, pieces[-1].end, prob), pieces)]


def test_a_decode_that_recites_two_offered_names_over_one_run_keeps_neither():
    first = segment(("Ziamaraquist", 0.0, 1.0), ("bled", 1.0, 1.3), ("the", 1.3, 1.4), ("walk.", 1.4, 1.9))
    names = (Candidate("Zyrtek Dynamics", "ORG", SCOPE_FOLDER, 0.6, 0, 1),
             Candidate("Xiomara Quispe", "PERSON", SCOPE_CORPUS, 0.72, 0, 1))
    recited = segment(("Zyrtek", 0.0, 0.3), ("Dynamics,", 0.3, 0.5), ("Xiomara", 0.5, 0.8), ("Quispe", 0.8, 1.0),
                      ("led", 1.0, 1.3), ("the", 1.3, 1.4), ("walk.", 1.4, 1.9), prob=0.7)
    segments, kept = merge(first, Clip(0.0, 1.9, names), recited)
    assert kept == [] and "Zyrtek" not in "".join(w.text for _, ws in segments for w in ws)
    # the same decode with one name over the run is a correction
    heard = segment(("Xiomara", 0.0, 0.5), ("Quispe", 0.5, 1.0), ("led", 1.0, 1.3), ("the", 1.3, 1.4),
                    ("walk.", 1.4, 1.9), prob=0.7)
    _, kept = merge(first, Clip(0.0, 1.9, names), heard)
    assert [k.name for k in kept] == ["Xiomara Quispe"]


def test_a_surname_alone_is_not_written_after_a_given_name_of_someone_else():
    """"Przemislaw Dubrovsky" must not become "Przemislaw Dobrovolsky" from the corpus's "Amelia
    Dobrovolsky" (a person nobody named); the surname alone, or after the name's own given name
    misheard, is still a correction."""
    def heard(*words: str, prob: float):
        return segment(*[(w, float(k), k + 1.0) for k, w in enumerate(words)], prob=prob)

    first = heard("The", "letter", "was", "signed", "by", "Przemislaw", "Dubrovsky", "himself.", prob=0.6)
    amelia = (Candidate("Amelia Dobrovolsky", "PERSON", SCOPE_CORPUS, 0.7, 6, 7),)
    biased = heard("The", "letter", "was", "signed", "by", "Przemislaw", "Dobrovolsky", "himself.", prob=0.7)
    _, kept = merge(first, Clip(0.0, 8.0, amelia), biased)
    assert kept == []
    # the given name the first pass heard is the candidate's own, misheard: kept
    own = (Candidate("Przemyslaw Dobrovolsky", "PERSON", SCOPE_CORPUS, 0.7, 6, 7),)
    _, kept = merge(first, Clip(0.0, 8.0, own), biased)
    assert [k.name for k in kept] == ["Przemyslaw Dobrovolsky"]
    # a surname after a title or a lower-case word is a correction
    for before in ("Doctor", "from"):
        first = heard("A", "letter", before, "Dubrovsky", "arrived.", prob=0.6)
        biased = heard("A", "letter", before, "Dobrovolsky", "arrived.", prob=0.7)
        alone = (Candidate("Amelia Dobrovolsky", "PERSON", SCOPE_CORPUS, 0.7, 3, 4),)
        _, kept = merge(first, Clip(0.0, 5.0, alone), biased)
        assert [k.name for k in kept] == ["Amelia Dobrovolsky"], before
