"""The event stage against a small hand-checked set (events_gold.json): every expected
event type, trigger and role filler must be found, and nothing in the event-free sentence."""

import json
from pathlib import Path

import pytest

from kgbuild.datamodel import CharSpan, Item, Source
from kgbuild.stages.entity_linker import EntityLinker
from kgbuild.stages.event_extractor import TRIGGER_LABEL, EventExtractor
from kgbuild.stages.spacy_ner import SpacyNER

GOLD = json.loads((Path(__file__).parent / "events_gold.json").read_text())


@pytest.fixture(scope="module")
def extracted():
    items = [Item.from_text(Source(None, f"{n}.txt", f"{n:064d}", 1, "text/plain", "text"), case["text"])
             for n, case in enumerate(GOLD)]
    for stage in (SpacyNER(), EntityLinker(), EventExtractor()):
        stage(items)
    return items


def readable(item):
    """Events as (type, trigger text, {role: sorted filler labels or literals})."""
    labels = {iri: e.label for iri, e in item.entities.items()}
    triggers = {m.iri: m for m in item.mentions}
    out = []
    for ev in item.events:
        roles = {}
        for role, filler in ev.arguments:
            roles.setdefault(role, []).append(labels.get(filler, filler))
        out.append((ev.event_type, triggers[ev.trigger].text, {r: sorted(v) for r, v in roles.items()}))
    return out


@pytest.mark.parametrize("n", range(len(GOLD)), ids=[c["text"][:40] for c in GOLD])
def test_hand_checked_events(extracted, n):
    item, case = extracted[n], GOLD[n]
    assert item.ok, item.failure
    found = readable(item)
    if not case["events"]:
        assert found == []
    for want in case["events"]:
        match = [f for f in found if f[0] == want["type"] and f[1] == want["trigger"]]
        assert match, f"{want['type']} '{want['trigger']}' not found in {found}"
        roles = match[0][2]
        for role, filler in want["args"].items():
            expected = sorted(filler) if isinstance(filler, list) else [filler]
            assert all(f in roles.get(role, []) for f in expected), f"{role}: want {expected}, got {roles}"


def test_trigger_is_a_mention_with_exact_span(extracted):
    item = extracted[0]
    trigger = next(m for m in item.mentions if m.label == TRIGGER_LABEL)
    span = trigger.provenance.anchor(CharSpan)
    assert item.text[span.start:span.end] == "died" and trigger.entity is None
    assert item.events[0].trigger == trigger.iri and item.events[0].extractor == "events"
