from kgbuild.fusion.atoms import Atom
from kgbuild.fusion.features import FEATURES, name_features, pair_features
from kgbuild.fusion.names import blocking_keys, tokens


def test_tokens_drop_titles_possessives_and_accents():
    assert tokens("Dr. Anna Kowalczyk's") == ("anna", "kowalczyk")
    assert tokens("Tomasz Wróblewski") == ("tomasz", "wroblewski")


def test_misheard_surnames_share_a_block_and_different_types_do_not():
    assert blocking_keys("Anna Kowalczyk", "PERSON") & blocking_keys("Kowalchuk", "PERSON")
    assert blocking_keys("Gothenburg", "GPE") & blocking_keys("Gotenburg", "LOC")  # GPE and LOC are one group
    assert not blocking_keys("Anna Kowalczyk", "PERSON") & blocking_keys("Kowalczyk", "ORG")
    assert blocking_keys("Baltic Institute of Chemistry", "ORG") & blocking_keys("BIC", "ORG")  # acronym


def test_sound_counts_only_with_spelling():
    assert name_features("Kowalczyk", "Kowalchuk")["phonetic"] == 1.0
    assert name_features("Canada", "Pima County")["phonetic"] == 0.0  # KNT and KNT, spelt apart
    assert name_features("Anna Kowalczyk", "Adam Kowalczyk")["first_name_clash"] > 0.2
    assert name_features("J. Harper", "Jon Harper")["first_name_clash"] == 0.0  # an initial is no clash


def test_pair_features_have_the_declared_shape_and_see_shared_sources():
    a = Atom("a", "Anna Kowalczyk", "PERSON", sources=frozenset({"s1"}), neighbours=frozenset({"x", "y"}))
    b = Atom("b", "Kowalczyk", "PERSON", sources=frozenset({"s1"}), neighbours=frozenset({"x"}))
    f = dict(zip(FEATURES, pair_features(a, b)))
    assert len(f) == len(FEATURES)
    assert f["same_source"] == 1.0 and f["neighbour_jaccard"] == 0.5 and f["alias_subset"] == 1.0
    assert f["context_cosine"] == 0.5  # no context: neutral
