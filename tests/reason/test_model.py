"""The link predictor's modules on tiny synthetic graphs with a pattern to learn."""

import pytest
import torch

from kgbuild.reason.decoders import DECODERS
from kgbuild.reason.link_predictor import LinkPredictor
from kgbuild.reason.rgcn_encoder import BasisRGCNConv
from kgbuild.reason.sampling import sample_neighbors
from kgbuild.reason.train import TrainConfig, evaluate_model, train

N = 30  # entities


def ring_graph() -> torch.Tensor:
    """next: i -> i+1, prev: i+1 -> i, and skip: i -> i+2 (next twice). Every relation is a
    deterministic function, so held-out links are predictable from the rest."""
    rows = []
    for i in range(N):
        rows += [(i, 0, (i + 1) % N), ((i + 1) % N, 1, i), (i, 2, (i + 2) % N)]
    return torch.tensor(rows)


def pairs_graph() -> torch.Tensor:
    """Symmetric relations only (what DistMult can model): partner i <-> i xor 1, and
    opposite i <-> i + N/2, stated both ways."""
    rows = []
    for i in range(N):
        rows += [(i, 0, i ^ 1), (i, 1, (i + N // 2) % N)]
    return torch.tensor(rows)


def split(triples: torch.Tensor, seed: int = 0):
    perm = torch.randperm(len(triples), generator=torch.Generator().manual_seed(seed))
    test = triples[perm[:12]]
    return triples[perm[12:]], test


@pytest.fixture(autouse=True)
def one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_conv_modes_match_the_definition():
    """Both ways of computing the R-GCN layer equal sum_r mean_j W_r x_j + W_0 x_i."""
    torch.manual_seed(0)
    conv = BasisRGCNConv(8, 6, num_relations=5, num_bases=2)
    x = torch.randn(10, 8)
    edge_index, edge_type = torch.randint(0, 10, (2, 40)), torch.randint(0, 5, (40,))
    weight = torch.einsum("rb,bio->rio", conv.comp, conv.basis)
    expected = conv.root(x).clone()
    for r in range(5):
        for i in range(10):
            m = (edge_index[1] == i) & (edge_type == r)
            if m.any():
                expected[i] += (x[edge_index[0][m]] @ weight[r]).mean(0)
    for mode in ("relation", "basis"):
        conv.mode = mode
        assert torch.allclose(conv(x, edge_index, edge_type), expected, atol=1e-5), mode


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_decoder_score_all_matches_forward(name):
    torch.manual_seed(0)
    dec = DECODERS[name](3, 8)
    h, cands = torch.randn(4, 8), torch.randn(7, 8)
    r = torch.tensor([0, 1, 4, 5])
    full = dec.score_all(h, r, cands)
    for j in range(7):
        assert torch.allclose(full[:, j], dec(h, r, cands[j].expand(4, -1)), atol=1e-4)


@pytest.mark.parametrize("decoder,layers", [("complex", 1), ("distmult", 1), ("rotate", 0)])
def test_learns_the_ring(decoder, layers):
    triples = pairs_graph() if decoder == "distmult" else ring_graph()
    train_part, test = split(triples)
    cfg = TrainConfig(decoder=decoder, channels=32, num_layers=layers, epochs=150, lr=0.02, batch_size=64,
                      eval_every=1000, reg=0.0, dropout=0.0, input_dropout=0.0, edge_dropout=0.1, max_seconds=20)
    R = int(triples[:, 1].max()) + 1
    model, info = train(train_part, N, R, cfg)
    ei, et = LinkPredictor.message_graph(train_part, R)
    m = evaluate_model(model, ei, et, test, triples)
    # Random ranking over 30 candidates gives MRR ~0.13.
    assert m["mrr"] > 0.5, (decoder, m)


def test_early_stopping_keeps_the_best_validation_model():
    triples = ring_graph()
    train_part, valid = split(triples, seed=1)
    cfg = TrainConfig(channels=32, epochs=60, lr=0.02, batch_size=64, eval_every=5, reg=0.0, max_seconds=20)
    model, info = train(train_part, N, 3, cfg, valid=valid, filter_triples=triples)
    ei, et = LinkPredictor.message_graph(train_part, 3)
    assert info["valid_mrr"] == pytest.approx(evaluate_model(model, ei, et, valid, triples)["mrr"], abs=1e-6)
    assert info["valid_mrr"] == max(h["valid_mrr"] for h in info["history"])


def test_neighbor_sampler_returns_real_edges_within_fanout():
    edge_index = torch.randint(0, 50, (2, 400))
    from torch_geometric.utils import sort_edge_index

    # CSC: edges sorted by target, colptr over targets
    src, dst = sort_edge_index(edge_index, sort_by_row=False)
    colptr = torch.zeros(51, dtype=torch.long)
    colptr[1:] = torch.bincount(dst, minlength=50).cumsum(0)
    seed = torch.tensor([3, 7, 11])
    out = sample_neighbors(colptr, src, seed, [4, 2])
    assert out.node[:3].tolist() == [3, 7, 11] and len(set(out.node.tolist())) == len(out.node)
    real = set(zip(src.tolist(), dst.tolist()))
    sampled = list(zip(out.node[out.row].tolist(), out.node[out.col].tolist()))
    assert sampled and all(e in real for e in sampled)
    assert all(src[e] == out.node[r] and dst[e] == out.node[c] for e, r, c in zip(out.edge, out.row, out.col))
    first_hop = out.col[: out.num_sampled_edges[0]]
    assert torch.bincount(first_hop).max() <= 4


def test_minibatch_training_with_link_neighbor_loader():
    triples = ring_graph()
    train_part, test = split(triples)
    cfg = TrainConfig(channels=32, epochs=60, lr=0.02, batch_size=16, batching="neighbor", num_neighbors=[5],
                      eval_every=1000, reg=0.0, dropout=0.0, input_dropout=0.0, max_seconds=20)
    model, info = train(train_part, N, 3, cfg)
    assert info["batching"] == "neighbor"
    ei, et = LinkPredictor.message_graph(train_part, 3)
    assert evaluate_model(model, ei, et, test, triples)["mrr"] > 0.4


def test_features_place_an_entity_never_seen_in_training():
    """Entity 5 has no training edge; its features (the position on the ring, as sin/cos) are
    all the model knows of it. Trained on features alone (node_dropout=1), the feature path
    must be enough to rank 5 right after 4, before 6 and two after 3."""
    triples = ring_graph()
    angle = 2 * torch.pi * torch.arange(N).float() / N
    feats = torch.stack([f(k * angle) for k in (1, 2, 3) for f in (torch.sin, torch.cos)], dim=1)
    seen = triples[(triples[:, 0] != 5) & (triples[:, 2] != 5)]
    cfg = TrainConfig(channels=32, num_layers=0, epochs=200, lr=0.02, batch_size=64, eval_every=1000, reg=0.0,
                      dropout=0.0, input_dropout=0.0, max_seconds=20, node_dropout=1.0)
    model, _ = train(seen, N, 3, cfg, features=feats)
    z = model.encode(*LinkPredictor.message_graph(seen, 3))
    with torch.no_grad():
        for head, rel in ((4, 0), (6, 1), (3, 2)):
            scores = model(z, torch.tensor([head]), torch.tensor([rel]))[0]
            assert int((scores > scores[5]).sum()) < 2, (head, rel)
