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


def test_a_build_classifies_many_pairs_in_pieces_with_the_values_of_one_piece(monkeypatch):
    import kgbuild.nlp.joint_model as jm

    class Encoder(torch.nn.Module):  # a stand-in transformer: embeddings in, the same states out
        config = type("Config", (), {"hidden_size": 8})()

        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(50, 8)

        def get_input_embeddings(self):
            return self.emb

        def forward(self, inputs_embeds, attention_mask):
            return type("Out", (), {"last_hidden_state": inputs_embeds})()

    torch.manual_seed(2)
    model = jm.JointModel(Encoder(), pair_context="between").eval()
    ids = torch.randint(0, 50, (2, 20))
    mask, shapes = torch.ones_like(ids), torch.zeros_like(ids)
    pairs = torch.tensor([(r, a, a + 1, b, b + 1) for r in range(2) for a in range(0, 18, 3) for b in range(0, 18, 3)
                          if a != b])
    with torch.inference_mode():
        whole = model.rel_logits(ids, mask, shapes, pairs)
        monkeypatch.setattr(jm, "PAIR_CHUNK", 7)
        pieces = model.rel_logits(ids, mask, shapes, pairs)
    assert pieces.shape == whole.shape and torch.allclose(pieces, whole, atol=1e-6)


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
