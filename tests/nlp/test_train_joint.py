import json

import pytest
import torch

from kgbuild.nlp import conll04
from kgbuild.nlp.predictor import Predictor
from kgbuild.nlp.train_joint import CHECKPOINT, TrainConfig, TrainingStopped, train
from textmodel import synthetic


def _heads(folder):
    return torch.load(folder / "heads.pt", weights_only=True)


def test_a_spent_time_budget_fails_loudly_and_the_same_command_resumes_to_the_same_model(tmp_path):
    path = tmp_path / "train.json"
    path.write_text(json.dumps(synthetic(8)))
    sents = conll04.load(path)
    cfg = TrainConfig(epochs=2, batch_size=8, threads=1, hints=False)
    train(sents, None, tmp_path / "whole", cfg, log=lambda _: None)

    budget = TrainConfig(epochs=2, batch_size=8, threads=1, hints=False, max_minutes=0.0)
    with pytest.raises(TrainingStopped) as info:
        train(sents, None, tmp_path / "cut", budget, log=lambda _: None)
    assert "after epoch 1 of 2" in str(info.value) and "resume" in str(info.value)
    # no model folder that looks finished, a checkpoint instead: never a weaker model, quietly
    assert not (tmp_path / "cut" / "kgbuild-model.json").exists() and (tmp_path / "cut" / CHECKPOINT).is_file()

    lines = []
    meta = train(sents, None, tmp_path / "cut", cfg, log=lines.append)
    assert any("resuming after epoch 1 of 2" in line for line in lines)
    assert meta["epochs_run"] == 2 and not (tmp_path / "cut" / CHECKPOINT).exists()
    whole, resumed = _heads(tmp_path / "whole"), _heads(tmp_path / "cut")
    for part in ("ner_head", "rel_head", "shape"):
        for key, value in whole[part].items():
            assert torch.equal(value, resumed[part][key]), (part, key)
    pred = Predictor(tmp_path / "cut")
    assert len(pred.relations([(s.words, s.spans) for s in sents[:3]])) == 3


def test_the_model_is_the_mean_of_the_last_epochs_weights(tmp_path):
    path = tmp_path / "train.json"
    path.write_text(json.dumps(synthetic(8)))
    sents = conll04.load(path)

    def cfg(**extra):
        return TrainConfig(epochs=2, batch_size=8, threads=1, hints=False, **extra)

    train(sents, None, tmp_path / "last", cfg(average_last=1), log=lambda _: None)
    with pytest.raises(TrainingStopped):  # its checkpoint holds the weights after epoch 1
        train(sents, None, tmp_path / "first", cfg(average_last=1, max_minutes=0.0), log=lambda _: None)
    train(sents, None, tmp_path / "mean", cfg(average_last=2), log=lambda _: None)
    first = torch.load(tmp_path / "first" / CHECKPOINT, weights_only=False)["model"]
    last, mean = _heads(tmp_path / "last"), _heads(tmp_path / "mean")
    for part in ("ner_head", "rel_head"):
        for key, value in mean[part].items():
            expected = (first[f"{part}.{key}"] + last[part][key]) / 2
            assert torch.allclose(value, expected, atol=1e-6), (part, key)
            assert not torch.allclose(value, last[part][key]), (part, key)  # averaging changed something
