import json

import torch

from kgbuild.nlp import conll04
from kgbuild.nlp.joint_model import _between
from kgbuild.nlp.predictor import Predictor
from kgbuild.nlp.train_joint import TrainConfig, train
from textmodel import synthetic


def test_the_between_context_pools_exactly_the_pieces_between_the_two_arguments_in_either_order():
    torch.manual_seed(0)
    h = torch.randn(2, 12, 4)
    pairs = torch.tensor([
        (0, 1, 3, 7, 9),   # head first: pieces 4..6 lie between
        (1, 8, 10, 2, 4),  # tail first: pieces 5..7
        (0, 1, 3, 4, 6),   # adjacent: nothing between
    ])
    got = _between(h, pairs)
    assert torch.equal(got[0], h[0, 4:7].max(dim=0).values)
    assert torch.equal(got[1], h[1, 5:8].max(dim=0).values)
    assert torch.equal(got[2], torch.zeros(4))


def test_a_build_pools_in_bounded_pieces_and_gets_the_same_values_as_training():
    torch.manual_seed(1)
    h = torch.randn(3, 20, 8)
    pairs = torch.tensor([(r, a, a + 1, b, b + 1) for r in range(3) for a in range(0, 18, 3) for b in range(0, 18, 3)
                          if a != b])
    with torch.enable_grad():
        whole = _between(h, pairs)
    with torch.inference_mode():
        pieces = _between(h, pairs, budget=2 * 20 * 8)  # two ranges at a time
    assert torch.equal(whole, pieces)


def test_a_model_read_with_the_between_context_keeps_it_through_save_and_load(tmp_path):
    path = tmp_path / "train.json"
    path.write_text(json.dumps(synthetic(8)))
    sents = conll04.load(path)
    cfg = TrainConfig(epochs=1, batch_size=8, threads=1, hints=False, pair_context="between")
    meta = train(sents, None, tmp_path / "m", cfg, log=lambda _: None)
    assert meta["pair_context"] == "between"
    pred = Predictor(tmp_path / "m")
    hidden = pred.model.encoder.config.hidden_size
    assert pred.model.pair_context == "between" and pred.model.rel_head[1].in_features == 5 * hidden
    assert len(pred.relations([(s.words, s.spans) for s in sents[:3]])) == 3
