import torch

from kgbuild.nlp.conll04 import spans_from_bilou
from kgbuild.nlp.joint_model import NER_LABELS
from kgbuild.nlp.predictor import viterbi_bio


def _logp(rows):
    """Per-word log-probabilities with most mass on the given labels."""
    out = torch.full((len(rows), len(NER_LABELS)), -5.0)
    for w, weights in enumerate(rows):
        for label, p in weights.items():
            out[w, NER_LABELS.index(label)] = torch.tensor(p).log()
    return out


def test_constrained_decoding_never_starts_a_span_with_i_or_switches_type_inside_one():
    # arg-max per word would read "I-Org I-Org": a span with no start
    logp = _logp([{"I-Org": 0.5, "B-Org": 0.4}, {"I-Org": 0.9}])
    tags = [NER_LABELS[k] for k in viterbi_bio(logp, list(NER_LABELS))]
    assert tags == ["B-Org", "I-Org"]
    # arg-max would switch type in the middle of a name ("B-Peop I-Org")
    logp = _logp([{"B-Peop": 0.8, "B-Org": 0.15}, {"I-Org": 0.5, "I-Peop": 0.45}, {"O": 0.9}])
    tags = [NER_LABELS[k] for k in viterbi_bio(logp, list(NER_LABELS))]
    assert tags == ["B-Peop", "I-Peop", "O"] and spans_from_bilou(tags) == [(0, 2, "Peop")]


def test_every_decoded_sequence_is_well_formed():
    gen = torch.Generator().manual_seed(0)
    labels = list(NER_LABELS)
    for _ in range(50):
        logp = torch.randn(7, len(labels), generator=gen).log_softmax(-1)
        tags = [labels[k] for k in viterbi_bio(logp, labels)]
        for prev, tag in zip(["O", *tags], tags):
            if tag.startswith("I-"):
                assert prev != "O" and prev[2:] == tag[2:], tags
