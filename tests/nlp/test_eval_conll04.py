import json

import pytest

from helpers import run_cli
from kgbuild.cli.text_cmd import pipeline_relation_params
from textmodel import synthetic, tiny_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_model(str(tmp_path_factory.getbasetemp() / "tiny-text-model"))


def test_eval_scores_the_default_pipelines_configuration_and_prints_each_type(tiny, tmp_path):
    dev = tmp_path / "dev.json"
    dev.write_text(json.dumps(synthetic(6, seed=2)))
    params = pipeline_relation_params("default")
    result = json.loads(run_cli("eval", "conll04", "--file", dev, "--model", tiny, "--json", check=True).stdout)
    assert result["quantized"] == ({True: "all", False: "none"}.get(params.quantize, params.quantize))
    assert result["threshold"] == params.threshold and result["window"] == params.window
    assert set(result["per_type"]) == {"Work_For", "Kill", "OrgBased_In", "Live_In", "Located_In"}
    table = run_cli("eval", "conll04", "--file", dev, "--model", tiny, "--quantize", "all", check=True).stdout
    assert "int8: all" in table
    for column in ("Work_For", "OrgBased_In", "micro", "Peop", " P ", " R ", " F1 "):
        assert column in table, table
