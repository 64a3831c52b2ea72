"""Filtered link-prediction ranking with realistic ties (Bordes et al. 2013; Berrendorf et al. 2020).

For a test triple (h, r, t) the tail query ``(h, r, ?)`` scores every entity; every *other*
entity known to complete the query in train, valid or test is removed ("filtered"), and the
true tail's rank is the mean of its optimistic and pessimistic ranks ("realistic"): a model
that gives every entity the same score gets the rank in the middle, not rank 1. Head queries
``(?, r, t)`` are asked as tail queries of the reciprocal relation ``r + R``; both sides count.
"""

from __future__ import annotations

from collections import defaultdict

import torch


def known_answers(triples: torch.Tensor, num_relations: int) -> dict[tuple[int, int], list[int]]:
    """(head, relation) -> every tail, with reciprocal queries ``(t, r + R) -> h``."""
    answers: dict[tuple[int, int], set[int]] = defaultdict(set)
    for h, r, t in triples.tolist():
        answers[(h, r)].add(t)
        answers[(t, r + num_relations)].add(h)
    return {k: sorted(v) for k, v in answers.items()}


def realistic_ranks(scores: torch.Tensor, targets: torch.Tensor, filter_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Ranks (1 = best) of ``targets`` in each row of ``scores``.

    ``filter_mask`` is True where a candidate must be ignored (another known answer); the
    target itself is never filtered. Ties count half: rank = 1 + #better + #equal_others / 2.
    """
    true = scores.gather(1, targets.view(-1, 1))
    if filter_mask is not None:
        mask = filter_mask.clone()
        mask.scatter_(1, targets.view(-1, 1), False)
        scores = scores.masked_fill(mask, float("-inf"))
    better = (scores > true).sum(1)
    equal = (scores == true).sum(1) - 1
    return 1.0 + better.double() + equal.double() / 2.0


def metrics_from_ranks(ranks: torch.Tensor) -> dict[str, float]:
    ranks = ranks.double()
    return {"mrr": float((1.0 / ranks).mean()),
            "hits_at_1": float((ranks <= 1).double().mean()),
            "hits_at_3": float((ranks <= 3).double().mean()),
            "hits_at_10": float((ranks <= 10).double().mean()),
            "mean_rank": float(ranks.mean()),
            "queries": int(ranks.numel())}


@torch.no_grad()
def evaluate(score_fn, triples: torch.Tensor, num_entities: int, num_relations: int,
             filter_triples: torch.Tensor, batch_size: int = 512) -> dict[str, float]:
    """Filtered both-sides MRR and Hits@k of ``score_fn(heads, relations) -> [B, num_entities]``
    (relations >= ``num_relations`` are the reciprocals) on ``triples`` ([n, 3] long)."""
    if len(triples) == 0:
        return metrics_from_ranks(torch.ones(0))
    answers = known_answers(filter_triples, num_relations)
    heads = torch.cat([triples[:, 0], triples[:, 2]])
    rels = torch.cat([triples[:, 1], triples[:, 1] + num_relations])
    tails = torch.cat([triples[:, 2], triples[:, 0]])
    ranks = []
    for start in range(0, len(heads), batch_size):
        h, r, t = heads[start:start + batch_size], rels[start:start + batch_size], tails[start:start + batch_size]
        scores = score_fn(h, r).float().cpu()
        mask = torch.zeros_like(scores, dtype=torch.bool)
        for i, key in enumerate(zip(h.tolist(), r.tolist())):
            others = answers.get(key)
            if others:
                mask[i, others] = True
        ranks.append(realistic_ranks(scores, t.cpu(), mask))
    return metrics_from_ranks(torch.cat(ranks))
