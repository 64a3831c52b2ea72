import pytest
import torch

from kgbuild.datamodel import CharSpan, Item, Source
from kgbuild.errors import ModelNotFoundError
from kgbuild.nlp.joint_model import default_encoder
from kgbuild.stages.transformer_ner import TransformerNER
from textmodel import tiny_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_model(str(tmp_path_factory.getbasetemp() / "tiny-text-model"))


def text_item(text):
    return Item.from_text(Source(None, "t.txt", "7" * 64, len(text), "text/plain", "text"), text)


@pytest.fixture(scope="module")
def constructed(tmp_path_factory):
    """A 2-layer BERT token classifier built here (random weights, offline) whose bias makes
    every word B-PER: enough to check decoding and offsets of the generic HF backend."""
    from transformers import AutoTokenizer, BertConfig, BertForTokenClassification

    tok = AutoTokenizer.from_pretrained(default_encoder())
    config = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, id2label={0: "O", 1: "B-PER", 2: "I-PER"},
                        label2id={"O": 0, "B-PER": 1, "I-PER": 2})
    model = BertForTokenClassification(config)
    with torch.no_grad():
        model.classifier.bias[:] = torch.tensor([0.0, 50.0, 0.0])
    out = tmp_path_factory.mktemp("hf-ner")
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def test_generic_token_classifier_spans_map_back_to_text(constructed):
    text = "Ada Lovelace met\nCharles Babbage."
    item = TransformerNER(model=str(constructed))([text_item(text)])[0]
    assert item.ok, item.failure
    words = [m.text for m in item.mentions]
    assert words == ["Ada", "Lovelace", "met", "Charles", "Babbage", "."]
    for m in item.mentions:
        span = m.provenance.anchor(CharSpan)
        assert text[span.start:span.end] == m.text and m.label == "PERSON" and 0 < m.confidence <= 1


def test_joint_model_folder_gives_conll04_types_as_kgbuild_labels(tiny):
    text = "Anna Berg works for Acme Corp. Luis Ortiz lives in Lyon."
    item = TransformerNER(model=str(tiny))([text_item(text)])[0]
    assert item.ok, item.failure
    assert {m.label for m in item.mentions} <= {"PERSON", "ORG", "LOC", "MISC"}
    for m in item.mentions:
        span = m.provenance.anchor(CharSpan)
        assert text[span.start:span.end] == m.text


def test_unknown_model_is_a_coded_error():
    with pytest.raises(ModelNotFoundError):
        TransformerNER(model="/nonexistent/ner-model").warm_up()
