"""Scoring of `kgbuild eval coref` (kgbuild/nlp/coref_eval.py) on hand-built items and a
fake pipeline: no model is loaded."""

import json

import pytest
from typer.testing import CliRunner

from kgbuild.cli.main import app
from kgbuild.datamodel import (
    CharSpan,
    Entity,
    Item,
    Mention,
    Provenance,
    Relation,
    Source,
)
from kgbuild.ids import NS, OPEN_NS, mint
from kgbuild.pipeline import coref_eval
from kgbuild.pipeline.config import Pipeline
from kgbuild.pipeline.coref_eval import norm_name, score
from kgbuild.stages import Stage
from kgbuild.stages.text_reader import TextReader

TEXT = "Dr. Ann Lee joined Acme Corp. in 2001. She later moved to Boston. It was raining. The company grew."
#       0         1         2         3         4         5         6         7         8         9
#       0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789
PARAGRAPH = {
    "id": "p01", "split": "dev", "text": TEXT,
    "chains": [{"entity": "Ann Lee", "type": "PERSON", "mentions": [[39, 42]]},
               {"entity": "Acme Corp.", "type": "ORG", "mentions": [[82, 93]]}],
    "relations": [{"head": "Ann Lee", "type": "Work_For", "tail": "Acme Corp.", "via_reference": False},
                  {"head": "Ann Lee", "type": "Live_In", "tail": "Boston", "via_reference": True},
                  {"head": "Acme Corp.", "type": "OrgBased_In", "tail": "Boston", "via_reference": True}],
}
SOURCE = Source(None, "p01.txt", "1" * 64, len(TEXT), "text/plain", "text")


def test_offsets_in_this_file():
    assert TEXT[39:42] == "She" and TEXT[82:93] == "The company" and TEXT[66:68] == "It"


def entity(label, kind):
    return Entity(mint("entity", kind, label), label, kind)


def mention(start, end, ent, kind=None):
    prov = Provenance(SOURCE.iri, (CharSpan(start, end),), "test")
    return Mention(TEXT[start:end], ent.entity_type, "text", prov, entity=ent.iri, kind=kind)


def relation(head, local, tail, ns=NS):
    return Relation(head.iri, ns + local, tail.iri, (), "test")


def predicted_item():
    lee, acme, boston = entity("Dr. Ann Lee", "PERSON"), entity("Acme Corp", "ORG"), entity("Boston", "GPE")
    item = Item.from_text(SOURCE, TEXT)
    item.entities = {e.iri: e for e in (lee, acme, boston)}
    item.mentions = [
        mention(0, 11, lee),                      # a name: not a reference, ignored
        mention(39, 42, lee, "pronoun"),          # She -> Ann Lee: correct (title and case ignored)
        mention(66, 68, acme, "pronoun"),         # It -> Acme: spurious (expletive)
        mention(82, 93, lee, "nominal"),          # The company -> Ann Lee: right span, wrong entity
    ]
    item.relations = [
        relation(lee, "worksFor", acme),          # correct, direct
        relation(lee, "livesIn", boston),         # correct, via a reference
        relation(acme, "livesIn", boston),        # wrong type
        relation(lee, "livesIn", boston, OPEN_NS),  # open relation: not in the CoNLL04 schema, ignored
    ]
    return item


def test_norm_name():
    assert norm_name("Dr. Ann  Lee") == norm_name("ann lee") == "ann lee"
    assert norm_name("Acme Corp") == norm_name("Acme Corp.") == norm_name("The Acme Corp.'s") == "acme corp"
    assert norm_name("Senator Paul Grant") == "paul grant" and norm_name(None) is None


def test_scores_references_and_relations():
    result = score([PARAGRAPH], [predicted_item()])
    assert result["coref"] == {"precision": 1 / 3, "recall": 0.5, "f1": 0.4, "tp": 1, "predicted": 3, "gold": 2}
    assert result["coref_detection"]["tp"] == 2 and result["coref_detection"]["predicted"] == 3
    rel = result["relations"]
    assert (rel["tp"], rel["predicted"], rel["gold"]) == (2, 3, 3)
    via = result["relations_via_reference"]
    # via-reference: 1 of 2 gold found; predictions other than the correct direct one: 2
    assert (via["tp"], via["predicted"], via["gold"]) == (1, 2, 2) and via["recall"] == 0.5
    direct = result["relations_direct"]
    assert (direct["tp"], direct["predicted"], direct["gold"]) == (1, 2, 1)
    assert result["relations_per_type"]["Live_In"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3),
                                                       "tp": 1, "predicted": 2, "gold": 1}
    [errors] = result["errors"]
    assert errors["relations_missed"] == ["acme corp OrgBased_In boston"]
    assert any("'It'" in e for e in errors["references_spurious"])


def test_test_split_errors_are_not_listed_and_failures_count_as_empty():
    item = predicted_item()
    item.failure = "boom"
    result = score([{**PARAGRAPH, "split": "test"}], [item])
    assert result["errors"] == [] and result["failed"] == [{"id": "p01", "failure": "boom"}]
    assert result["coref"]["predicted"] == 0 and result["relations"]["recall"] == 0.0


class FakeCoref(Stage):
    """Links every "She" to the first PERSON-looking name and says she lives in Boston."""

    type_name = "fake_coref"
    requires = frozenset({"text"})
    produces = frozenset({"mentions", "entities", "relations"})
    modalities = frozenset({"text"})

    def process(self, items):
        for item in items:
            text = item.view(None).text
            lee, boston = entity("Ann Lee", "PERSON"), entity("Boston", "GPE")
            item.entities.update({lee.iri: lee, boston.iri: boston})
            start = text.find("She")
            prov = Provenance(item.source.iri, (CharSpan(start, start + 3),), self.name)
            item.mentions.append(Mention("She", "PERSON", "text", prov, entity=lee.iri, kind="pronoun"))
            item.relations.append(Relation(lee.iri, NS + "livesIn", boston.iri, (), self.name))


def test_runs_a_pipeline_on_paragraphs_as_text_files():
    pipe = Pipeline("fake", [TextReader(), FakeCoref()])
    items = coref_eval.run_pipeline(pipe, [PARAGRAPH])
    assert [i.source.relpath for i in items] == ["p01.txt"] and items[0].ok, items[0].failure
    result = score([PARAGRAPH], items)
    assert result["coref"]["tp"] == 1 and result["relations_via_reference"]["tp"] == 1


def test_cli_on_a_tiny_gold(tmp_path):
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps({"paragraphs": [PARAGRAPH, {**PARAGRAPH, "id": "p02", "split": "test"}]}))
    pipeline = tmp_path / "reader.yaml"
    pipeline.write_text("name: reader\nstages:\n  - type: text_reader\n")
    result = CliRunner().invoke(app, ["eval", "coref", "--gold", str(gold), "--split", "test",
                                      "--pipeline", str(pipeline), "--threads", "1", "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    out = json.loads(result.stdout)
    assert out["paragraphs"] == 1 and out["splits"] == {"test": 1}
    assert out["coref"]["gold"] == 2 and out["relations"]["gold"] == 3 and out["relations"]["predicted"] == 0
    table = CliRunner().invoke(app, ["eval", "coref", "--gold", str(gold), "--split", "all",
                                     "--pipeline", str(pipeline), "--threads", "1"])
    assert table.exit_code == 0 and "via a reference" in table.stdout
    bad = CliRunner().invoke(app, ["eval", "coref", "--gold", str(gold), "--split", "train"])
    assert bad.exit_code == 2 and "unknown split" in bad.output


def test_shipped_gold_loads_by_split():
    dev, test = coref_eval.load_gold(split="dev"), coref_eval.load_gold(split="test")
    assert len(dev) == 24 and len(test) >= 24 and {p["split"] for p in dev} == {"dev"}
