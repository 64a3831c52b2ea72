import dataclasses

import pytest

from kgbuild.datamodel import Box, CharSpan, Mention, Provenance, TimedSpan, Timeline, TimeRange


def test_selectors_follow_media_fragments():
    assert Box(10.4, 20.6, 30, 40).fragment() == "xywh=pixel:10,21,30,40"
    assert TimeRange(1.234, 5.0).fragment() == "t=1.23,5.00"


def test_records_are_frozen():
    m = Mention("Paris", "GPE", "text", Provenance("s", (CharSpan(0, 5),), "ner"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.text = "Rome"


def test_mention_iri_depends_on_anchor_and_source():
    prov = Provenance("src1", (CharSpan(0, 5),), "ner")
    a = Mention("Paris", "GPE", "text", prov)
    assert a.iri == Mention("Paris", "GPE", "text", prov, confidence=0.5).iri  # confidence is not identity
    assert a.iri != Mention("Paris", "GPE", "text", Provenance("src1", (CharSpan(10, 15),), "ner")).iri
    assert a.iri != Mention("Paris", "GPE", "text", Provenance("src2", (CharSpan(0, 5),), "ner")).iri


def test_timeline_maps_char_spans_to_time():
    # "Marie Curie lived in Paris"
    words = (TimedSpan(0, 5, 0.0, 0.4, 0.9), TimedSpan(6, 11, 0.4, 0.9, 0.7), TimedSpan(12, 17, 1.0, 1.3, 0.99),
             TimedSpan(18, 20, 1.3, 1.4, 0.99), TimedSpan(21, 26, 1.5, 2.0, 0.5))
    tl = Timeline(words=words, segments=(TimedSpan(0, 26, 0.0, 2.0),))
    assert tl.time_range(CharSpan(0, 11)) == TimeRange(0.0, 0.9)
    assert tl.time_range(CharSpan(21, 26)) == TimeRange(1.5, 2.0)
    assert tl.confidence(CharSpan(0, 11)) == pytest.approx(0.8)
    assert tl.time_range(CharSpan(30, 35)) is None
    segments_only = Timeline(words=(), segments=tl.segments)
    assert segments_only.time_range(CharSpan(21, 26)) == TimeRange(0.0, 2.0)


def test_layout_maps_spans_to_the_box_around_their_lines():
    from kgbuild.datamodel import Layout, RegionSpan

    # "OPEN DAILY\nCafe Luna" read as two lines
    layout = Layout((RegionSpan(0, 10, Box(10, 10, 100, 20), 0.9), RegionSpan(11, 20, Box(12, 40, 80, 20), 0.7)))
    assert layout.box(CharSpan(11, 20)) == Box(12, 40, 80, 20)
    assert layout.box(CharSpan(5, 15)) == Box(10, 10, 100, 50)
    assert layout.confidence(CharSpan(5, 15)) == pytest.approx(0.8)
    assert layout.box(CharSpan(30, 40)) is None
