import json
from dataclasses import replace

import pytest

from helpers import run_cli
from kgbuild.cli.text_cmd import pipeline_relation_params
from kgbuild.pipeline.config import resolve_pipeline_path
from textmodel import synthetic, tiny_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_model(str(tmp_path_factory.getbasetemp() / "tiny-text-model"))


def test_eval_scores_the_default_pipelines_configuration_and_prints_each_type(tiny, tmp_path):
    dev = tmp_path / "dev.json"
    dev.write_text(json.dumps(synthetic(6, seed=2)))
    params = pipeline_relation_params("default")
    result = json.loads(run_cli("eval", "conll04", "--file", dev, "--model", tiny, "--json", check=True).stdout)
    assert result["quantized"] == ({True: "all", False: "none"}.get(params.quantize, params.quantize))
    assert result["threshold"] == params.threshold and result["window"] == params.window
    assert set(result["per_type"]) == {"Work_For", "Kill", "OrgBased_In", "Live_In", "Located_In"}
    from kgbuild.threads import use_bf16

    assert result["precision"] == ("bf16" if use_bf16(params.precision) else "fp32")
    for mode, precision in (("pipeline", "bf16"), ("model", "fp32")):  # what was asked is what ran
        asked = json.loads(run_cli("eval", "conll04", "--file", dev, "--model", tiny, "--json", "--mode", mode,
                                   "--precision", precision, check=True).stdout)
        assert asked["precision"] == precision, (mode, precision)
    table = run_cli("eval", "conll04", "--file", dev, "--model", tiny, "--quantize", "all", check=True).stdout
    assert "int8: all, fp32" in table  # int8 Linears take fp32 activations: no bf16 autocast with them
    for column in ("Work_For", "OrgBased_In", "micro", "Peop", " P ", " R ", " F1 "):
        assert column in table, table


def test_pipeline_mode_scores_what_the_pipelines_stages_put_in_the_graph(tiny, tmp_path):
    """The default mode runs the pipeline's own stages: a pipeline without an NER stage has no
    mentions, so its graph holds no relation and scores none, while the joint model alone
    (--mode model) does find relations in the same sentences."""
    import yaml

    dev = tmp_path / "dev.json"
    dev.write_text(json.dumps(synthetic(6, seed=3)))
    config = yaml.safe_load(open(resolve_pipeline_path("default"), encoding="utf-8"))
    config["stages"] = [s for s in config["stages"] if s["type"] != "spacy_ner"]
    no_ner = tmp_path / "no-ner.yaml"
    no_ner.write_text(yaml.safe_dump(config))

    def evaluate(*args):
        return json.loads(run_cli("eval", "conll04", "--file", dev, "--model", tiny, "--json", "--threshold", "0",
                                  *args, check=True).stdout)

    alone = evaluate("--mode", "model", "--pipeline", no_ner)
    without_ner = evaluate("--pipeline", no_ner)
    default = evaluate()
    assert alone["mode"] == "model" and alone["rel_micro"]["predicted"] > 0
    assert without_ner["mode"] == "pipeline" and without_ner["rel_micro"]["predicted"] == 0
    assert without_ner["ner_micro"]["predicted"] == 0
    assert default["rel_micro"]["predicted"] > 0 and default["ner_micro"]["predicted"] > 0
    assert default["entities"].startswith("pipeline (joint arguments")


def test_from_graph_scores_evidence_spans_with_the_graphs_types():
    from kgbuild.datamodel import Entity, Item, Relation, Source
    from kgbuild.ids import NS
    from kgbuild.nlp.scoring import from_graph, sentence_text
    from kgbuild.nlp.spacy_docs import mention_at

    words = ["Ann", "Lee", "works", "for", "Acme", "Corp", "."]
    text, _ = sentence_text(words)
    item = Item.from_text(Source(None, "t.txt", "5" * 64, len(text), "text/plain", "text"), text)
    ann = mention_at(item, 0, 7, "PERSON", "ner")
    acme = mention_at(item, text.index("Acme"), text.index("Acme") + 9, "ORG", "ner")
    part = mention_at(item, text.index("Acme"), text.index("Acme") + 3, "ORG", "ner")  # inside a word
    item.entities = {"e:ann": Entity("e:ann", "Ann Lee", "PERSON"), "e:acme": Entity("e:acme", "Acme Corp", "ORG")}
    item.mentions = [replace(ann, entity="e:ann"), replace(acme, entity="e:acme"), replace(part, entity="e:acme")]
    a, c, p = item.mentions
    item.relations = [Relation("e:ann", NS + "worksFor", "e:acme", (a.iri, c.iri), "relations/m", 0.9),
                      Relation("e:ann", NS + "worksFor", "e:acme", (a.iri, p.iri), "relations/m", 0.8),
                      Relation("e:ann", NS + "near", "e:acme", (a.iri, c.iri), "open_relations/m", 0.8)]
    sentence = from_graph(item, words)
    rels = {(sentence.spans[h], sentence.spans[t], k) for h, t, k in sentence.relations}
    assert ((0, 2, "Peop"), (4, 6, "Org"), "Work_For") in rels and len(rels) == 2
    assert all(s[0] < 0 for h, t, _ in sentence.relations for s in (sentence.spans[t],) if s != (4, 6, "Org"))


def test_from_graph_gives_a_mention_the_period_conll04_glues_to_a_word_but_no_cut_word():
    from kgbuild.datamodel import Entity, Item, Relation, Source
    from kgbuild.ids import NS
    from kgbuild.nlp.scoring import from_graph, sentence_text
    from kgbuild.nlp.spacy_docs import mention_at

    words = ["Cheek", "lives", "in", "Addis", "Ababa", ",", "Ethiopia."]
    text, _ = sentence_text(words)
    item = Item.from_text(Source(None, "t.txt", "6" * 64, len(text), "text/plain", "text"), text)
    at = text.index("Ethiopia")
    item.entities = {"e:c": Entity("e:c", "Cheek", "PERSON"), "e:e": Entity("e:e", "Ethiopia", "GPE")}
    item.mentions = [replace(mention_at(item, 0, 5, "PERSON", "ner"), entity="e:c"),
                     replace(mention_at(item, at, at + 8, "GPE", "ner"), entity="e:e"),  # "Ethiopia", no period
                     replace(mention_at(item, at, at + 6, "GPE", "ner"), entity="e:e")]  # "Ethiop": a cut word
    c, e, cut = item.mentions
    item.relations = [Relation("e:c", NS + "livesIn", "e:e", (c.iri, e.iri), "relations/m", 0.9),
                      Relation("e:c", NS + "livesIn", "e:e", (c.iri, cut.iri), "relations/m", 0.9)]
    sentence = from_graph(item, words)
    tails = sorted(sentence.spans[t][:2] for _, t, _ in sentence.relations)
    assert tails[1] == (6, 7) and tails[0][0] < 0
