"""A model the default pipeline needs, when missing, skips a test here and fails it under CI."""

from __future__ import annotations

import pytest

from helpers import missing, need_module


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_under_ci_a_missing_model_fails_and_names_it(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="the YOLO model yolov8n_int8.onnx is missing"):
        missing("the YOLO model yolov8n_int8.onnx", "it lives in ../shared/models")
    with pytest.raises(pytest.fail.Exception, match="no_such_kgbuild_package"):
        need_module("no_such_kgbuild_package")


def test_elsewhere_a_missing_model_skips_and_says_why(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="the relation model .* is missing: `make"):
        missing("the relation model models/relations-conll04", "`make` trains it")
    assert need_module("json").dumps([]) == "[]"
