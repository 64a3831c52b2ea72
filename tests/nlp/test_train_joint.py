from textmodel import synthetic

from kgbuild.nlp import conll04
from kgbuild.nlp.predictor import Predictor
from kgbuild.nlp.train_joint import TrainConfig, train


def test_time_budget_stops_early_and_still_leaves_a_usable_model(tmp_path):
    path = tmp_path / "train.json"
    path.write_text(__import__("json").dumps(synthetic(16)))
    sents = conll04.load(path)
    meta = train(sents, None, tmp_path / "m", TrainConfig(epochs=5, max_minutes=0.0001, threads=1, hints=False),
                 log=lambda _: None)
    assert meta["stopped_early"] and meta["epochs_run"] == 1 and meta["steps"] == 1
    pred = Predictor(tmp_path / "m")
    assert len(pred.relations([(s.words, s.spans) for s in sents[:3]])) == 3
