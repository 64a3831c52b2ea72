"""The coreference gold set (data/coref-eval) cannot drift: offsets point at pronouns or
definite nominals, names are written in the text, gold.json is what paragraphs.txt builds."""

import importlib.util
import itertools
import json
import re
from pathlib import Path

DIR = Path(__file__).resolve().parents[1] / "data" / "coref-eval"
GOLD = json.loads((DIR / "gold.json").read_text(encoding="utf-8"))
PARAGRAPHS = GOLD["paragraphs"]

PRONOUNS = {"he", "she", "it", "they", "him", "her", "them", "his", "hers", "its", "their", "theirs",
            "himself", "herself", "itself", "themselves"}
NOMINAL = re.compile(r"^[Tt]he [a-z]+( [a-z]+)?$")  # "the company", "the city", "the law firm"
RELATION_TYPES = {"Work_For", "Live_In", "OrgBased_In", "Located_In", "Kill"}


def _builder():
    spec = importlib.util.spec_from_file_location("coref_gold_build", DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gold_json_is_built_from_paragraphs_txt():
    build = _builder()
    assert build.render(build.build((DIR / "paragraphs.txt").read_text(encoding="utf-8"))) == \
        (DIR / "gold.json").read_text(encoding="utf-8"), "run data/coref-eval/build.py"


def test_size_ids_and_split():
    ids = [p["id"] for p in PARAGRAPHS]
    assert len(ids) >= 48 and ids == [f"p{n:02d}" for n in range(1, len(ids) + 1)]
    for p in PARAGRAPHS:
        assert p["split"] == ("dev" if int(p["id"][1:]) <= 24 else "test"), p["id"]


def test_mentions_point_at_pronouns_or_definite_nominals():
    for p in PARAGRAPHS:
        text, seen = p["text"], []
        for chain in p["chains"]:
            assert chain["type"] in {"PERSON", "ORG", "GPE", "LOC", "FAC"}
            assert chain["entity"] in text, (p["id"], chain["entity"])  # the name itself is in the text
            assert chain["mentions"], (p["id"], chain["entity"])
            for start, end in chain["mentions"]:
                surface = text[start:end]
                assert surface.lower() in PRONOUNS or NOMINAL.match(surface), (p["id"], start, end, surface)
                # whole words only
                assert (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())
                # a reference follows a name of its entity (no cataphora in this set)
                assert text.find(chain["entity"]) < start, (p["id"], surface)
                seen.append((start, end))
        seen.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(seen)), p["id"]  # no overlapping mentions


def test_relations_name_entities_written_in_the_text():
    for p in PARAGRAPHS:
        chains = {c["entity"] for c in p["chains"]}
        for rel in p["relations"]:
            assert rel["type"] in RELATION_TYPES
            assert rel["head"] in p["text"] and rel["tail"] in p["text"], (p["id"], rel)
            assert rel["head"] != rel["tail"]
            if rel["via_reference"]:
                assert {rel["head"], rel["tail"]} & chains, (p["id"], rel)


def test_make_up():
    """Hard negatives and both kinds of reference are present in each split."""
    for split in ("dev", "test"):
        ps = [p for p in PARAGRAPHS if p["split"] == split]
        surfaces = [p["text"][s:e].lower() for p in ps for c in p["chains"] for s, e in c["mentions"]]
        assert sum(s in PRONOUNS for s in surfaces) >= 15 and sum(s.startswith("the ") for s in surfaces) >= 5
        assert sum(1 for p in ps if not p["chains"]) >= 3  # no reference at all
        assert sum(1 for p in ps if sum(c["type"] == "PERSON" for c in p["chains"]) >= 2) >= 2  # two people
        assert sum(r["via_reference"] for p in ps for r in p["relations"]) >= 20
