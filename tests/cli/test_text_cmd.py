import json

import pytest

from helpers import run_cli
from textmodel import tiny_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_model(str(tmp_path_factory.getbasetemp() / "tiny-text-model"))


def test_train_writes_a_complete_model_folder(tiny):
    for name in ("kgbuild-model.json", "heads.pt", "dev_metrics.json", "encoder/config.json", "encoder/tokenizer.json"):
        assert (tiny / name).is_file(), name
    meta = json.loads((tiny / "kgbuild-model.json").read_text())
    assert meta["signatures"]["Work_For"] == [["Peop", "Org"]] and meta["train_seconds"] > 0


def test_eval_conll04_json_has_the_contract_keys(tiny):
    proc = run_cli("eval", "conll04", "--file", tiny.parent / "dev.json", "--model", tiny, "--json", check=True)
    result = json.loads(proc.stdout)
    assert {"ner_f1", "rel_micro_f1", "rel_macro_f1", "per_type"} <= set(result)
    assert set(result["per_type"]) == {"Work_For", "Kill", "OrgBased_In", "Live_In", "Located_In"}
    assert all({"precision", "recall", "f1"} <= set(v) for v in result["per_type"].values())
    table = run_cli("eval", "conll04", "--file", tiny.parent / "dev.json", "--model", tiny, check=True).stdout
    assert "strict relation micro-F1" in table and "Work_For" in table


def test_eval_rejects_a_file_that_is_not_conll04(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"words": []}]')
    proc = run_cli("eval", "conll04", "--file", bad, "--model", "/nonexistent")
    assert proc.returncode == 2 and "E201" in proc.stderr + proc.stdout
