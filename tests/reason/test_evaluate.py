"""Filtered ranks with realistic ties, on examples small enough to check by hand."""

import torch

from kgbuild.reason.evaluate import evaluate, known_answers, metrics_from_ranks, realistic_ranks


def test_ties_count_half():
    scores = torch.tensor([[0.9, 0.5, 0.5, 0.5, 0.1]])
    # target 2: one better (0), two equal others (1, 3) -> 1 + 1 + 2/2 = 3
    assert realistic_ranks(scores, torch.tensor([2])).item() == 3.0
    # all equal: the middle of 5 -> 1 + 4/2 = 3
    assert realistic_ranks(torch.zeros(1, 5), torch.tensor([0])).item() == 3.0
    assert realistic_ranks(scores, torch.tensor([0])).item() == 1.0


def test_filtering_removes_other_answers_but_never_the_target():
    scores = torch.tensor([[0.9, 0.8, 0.7, 0.1]])
    mask = torch.tensor([[True, True, True, False]])  # 0 and 1 are other known answers; 2 is the target
    assert realistic_ranks(scores, torch.tensor([2]), mask).item() == 1.0
    assert realistic_ranks(scores, torch.tensor([2])).item() == 3.0


def test_both_sides_filtered_metrics():
    # 4 entities, 1 relation. Known: (0,0,1), (0,0,2). Test: (0,0,2).
    known = torch.tensor([[0, 0, 1], [0, 0, 2]])
    answers = known_answers(known, 1)
    assert answers[(0, 0)] == [1, 2] and answers[(2, 1)] == [0]

    def score_fn(h, r):
        # tail queries (r=0): prefer 1, then 2; head queries (r=1): entity 3 best, then 0
        out = torch.zeros(len(h), 4)
        for i, rel in enumerate(r.tolist()):
            out[i] = torch.tensor([0.0, 3.0, 2.0, 1.0]) if rel == 0 else torch.tensor([2.0, 1.0, 0.0, 3.0])
        return out

    m = evaluate(score_fn, torch.tensor([[0, 0, 2]]), 4, 1, known)
    # tail side: 1 is filtered -> rank 1; head side: 3 beats 0 -> rank 2. MRR = (1 + 1/2) / 2
    assert m["mrr"] == 0.75 and m["hits_at_1"] == 0.5 and m["hits_at_3"] == 1.0 and m["queries"] == 2


def test_metrics_from_ranks():
    m = metrics_from_ranks(torch.tensor([1.0, 2.0, 4.0, 20.0]))
    assert abs(m["mrr"] - (1 + 0.5 + 0.25 + 0.05) / 4) < 1e-12
    assert m["hits_at_1"] == 0.25 and m["hits_at_3"] == 0.5 and m["hits_at_10"] == 0.75
