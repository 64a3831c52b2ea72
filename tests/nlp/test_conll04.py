import json

import pytest

from kgbuild.errors import InputError
from kgbuild.nlp.conll04 import Sentence, conll_type, load, signatures, spans_from_bilou
from kgbuild.nlp.scoring import score


def test_bilou_and_bio_decode_to_the_same_spans():
    assert spans_from_bilou(["B-Peop", "L-Peop", "O", "U-Loc"]) == [(0, 2, "Peop"), (3, 4, "Loc")]
    assert spans_from_bilou(["B-Peop", "I-Peop", "O", "B-Loc"]) == [(0, 2, "Peop"), (3, 4, "Loc")]
    # malformed: a type switch closes the open span; a stray I- opens one
    assert spans_from_bilou(["B-Org", "I-Loc", "O", "I-Peop"]) == [(0, 1, "Org"), (1, 2, "Loc"), (3, 4, "Peop")]


def test_load_and_signatures(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps([{"tokens": ["Ann", "works", "for", "IBM"], "tags": ["U-Peop", "O", "O", "U-Org"],
                                 "relations": [{"head": 0, "tail": 1, "type": "Work_For"}]}]))
    sents = load(path)
    assert sents[0].spans == [(0, 1, "Peop"), (3, 4, "Org")] and sents[0].relations == [(0, 1, "Work_For")]
    assert signatures(sents) == {"Work_For": [("Peop", "Org")]}
    path.write_text('[{"tokens": ["a"]}]')
    with pytest.raises(InputError):
        load(path)


def test_spacy_labels_map_to_conll_types():
    assert [conll_type(x) for x in ("PERSON", "ORG", "GPE", "FAC", "NORP", "DATE", "Peop")] == \
        ["Peop", "Org", "Loc", "Loc", "Other", None, "Peop"]


def test_strict_relation_scoring_needs_spans_and_types():
    gold = [Sentence(["A", "x", "B"], [(0, 1, "Peop"), (2, 3, "Org")], [(0, 1, "Work_For")])]
    right = [Sentence(["A", "x", "B"], [(0, 1, "Peop"), (2, 3, "Org")], [(0, 1, "Work_For")])]
    wrong_type = [Sentence(["A", "x", "B"], [(0, 1, "Peop"), (2, 3, "Loc")], [(0, 1, "Work_For")])]
    assert score(gold, right)["rel_micro_f1"] == 100.0 and score(gold, right)["ner_f1"] == 100.0
    result = score(gold, wrong_type)
    assert result["rel_micro_f1"] == 0.0 and result["ner_f1"] == 50.0
    assert result["per_type"]["Work_For"]["predicted"] == 1 and result["per_type"]["Work_For"]["support"] == 1
