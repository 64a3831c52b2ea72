from kgbuild.fusion.evidence import MentionRow
from kgbuild.fusion.grounding import ground, groups


def _m(iri, source, modality, label, text, *, entity=None, span=None, box=None, time=None, conf=0.9):
    return MentionRow(iri, source, modality, label, text, entity, conf, span, time, box)


def test_groups_pair_captions_articles_and_videos():
    found = groups({"a": ("photos/horse.jpg", "image"), "b": ("photos/horse.txt", "text"),
                    "c": ("articles/x/story.txt", "text"), "d": ("articles/x/pic.png", "image"),
                    "e": ("clip.mp4", "video"), "f": ("notes.txt", "text"), "g": ("cat.png", "image")})
    assert found == {"caption:photos/horse": ["a", "b"], "article:articles/x": ["c", "d"], "video:e": ["e"]}


def test_caption_words_and_one_name_ground_to_their_boxes():
    rows = [_m("w-man", "cap", "text", "OBJECT_NOUN", "man", span=(2, 5)),
            _m("w-horse", "cap", "text", "OBJECT_NOUN", "horse", span=(12, 17)),
            _m("n", "cap", "text", "PERSON", "Bruno Pusterla", entity="E", span=(30, 44)),
            _m("b-person", "img", "image", "PERSON", "person", entity="D1", box=(10, 10, 100, 300)),
            _m("b-dup", "img", "image", "PERSON", "person", entity="D2", box=(12, 12, 90, 280), conf=0.5),
            _m("b-horse", "img", "image", "ANIMAL", "horse", entity="D3", box=(100, 100, 300, 200))]
    got = {(g.said.iri, g.seen.iri): g.confidence for g in ground("caption:x", rows)}
    assert set(got) == {("w-man", "b-person"), ("w-horse", "b-horse"), ("n", "b-person")}
    assert got[("n", "b-person")] > 0.5  # the duplicate box does not halve the evidence


def test_plural_words_take_every_box_and_video_words_need_the_object_on_screen():
    rows = [_m("w", "v", "speech", "OBJECT_NOUN", "dogs", span=(0, 4), time=(1.0, 1.3)),
            _m("late", "v", "speech", "OBJECT_NOUN", "cat", span=(10, 13), time=(9.0, 9.2)),
            _m("d1", "v", "video", "ANIMAL", "dog", entity="D1", box=(0, 0, 50, 50), time=(0.0, 3.0)),
            _m("d2", "v", "video", "ANIMAL", "dog", entity="D2", box=(100, 0, 50, 50), time=(0.5, 2.0)),
            _m("c", "v", "video", "ANIMAL", "cat", entity="D3", box=(0, 100, 50, 50), time=(0.0, 2.0))]
    pairs = {(g.said.iri, g.seen.iri) for g in ground("video:v", rows, slack=2.0)}
    assert pairs == {("w", "d1"), ("w", "d2")}  # the cat left the screen 7 s before it was named


def test_a_second_man_is_not_guessed_and_the_man_refers_back():
    text = "A man waits. A man in sunglasses stands beside him. The tall man smiles."
    spans = [(2, 5), (15, 18), (61, 64)]
    assert [text[a:b] for a, b in spans] == ["man", "man", "man"]
    rows = [_m(f"w{i}", "cap", "text", "OBJECT_NOUN", "man", span=s) for i, s in enumerate(spans)]
    rows += [_m("big", "img", "image", "PERSON", "person", entity="D1", box=(0, 0, 200, 400)),
             _m("small", "img", "image", "PERSON", "person", entity="D2", box=(300, 0, 100, 300)),
             _m("mid", "img", "image", "PERSON", "person", entity="D3", box=(500, 0, 120, 300))]
    got = {g.said.iri: g.seen.iri for g in ground("caption:x", rows, text_of={"cap": text}.get)}
    assert got == {"w0": "big", "w2": "big"}  # w1: one of two other people, not guessed
    two = [r for r in rows if r.iri != "mid"]  # with one other person left, the second man is that one
    got = {g.said.iri: g.seen.iri for g in ground("caption:x", two, text_of={"cap": text}.get)}
    assert got == {"w0": "big", "w1": "small", "w2": "small"}


def test_a_name_set_beside_a_grounded_word_takes_its_box():
    text = "A close-up of Chelsea, a striped cat with green eyes. Beside her, a dog called Rex."
    rows = [_m("chelsea", "cap", "text", "ORG", "Chelsea", entity="N1", span=(14, 21)),
            _m("cat", "cap", "text", "OBJECT_NOUN", "cat", span=(33, 36)),
            _m("dog", "cap", "text", "OBJECT_NOUN", "dog", span=(68, 71)),
            _m("rex", "cap", "text", "PERSON", "Rex", entity="N2", span=(79, 82)),
            _m("b-cat", "img", "image", "ANIMAL", "cat", entity="D1", box=(0, 0, 100, 100)),
            _m("b-dog", "img", "image", "ANIMAL", "dog", entity="D2", box=(200, 0, 100, 100))]
    assert [text[a:b] for a, b in ((14, 21), (33, 36), (68, 71), (79, 82))] == ["Chelsea", "cat", "dog", "Rex"]
    got = {g.said.iri: g.seen.iri for g in ground("caption:x", rows, text_of={"cap": text}.get)}
    assert got["chelsea"] == "b-cat" and got["rex"] == "b-dog"


def test_one_person_in_view_beside_several_names_is_the_subject():
    """An article names its subject three times and a colleague once beside a picture of one
    person: the subject is grounded, less surely than a lone name would be."""
    rows = [_m("h1", "art", "text", "PERSON", "Grace Hopper", entity="H", span=(0, 12)),
            _m("a1", "art", "text", "PERSON", "Howard Aiken", entity="A", span=(40, 52)),
            _m("h2", "art", "text", "PERSON", "Hopper", entity="H", span=(60, 66)),
            _m("h3", "art", "text", "PERSON", "Hopper", entity="H", span=(90, 96)),
            _m("box", "img", "image", "PERSON", "person", entity="D", box=(0, 0, 300, 400))]
    got = {g.said.iri: (g.seen.iri, g.confidence) for g in ground("article:x", rows)}
    assert set(got) == {"h1", "h2", "h3"}
    lone = {g.said.iri: g.confidence for g in ground("article:x", [r for r in rows if r.entity != "A"])}
    assert got["h1"][1] < lone["h1"]


def test_occupations_and_roles_name_person_boxes():
    from kgbuild.vision.visual_words import visual_class

    for word in ("photographer", "photographers", "scientist", "commander", "astronaut", "nurse", "firefighters",
                 "policemen", "tennis player"):
        assert visual_class(word) == "person", word
    for word in ("model", "general", "guide", "bus", "coach bus"):
        assert visual_class(word) != "person", word


def test_a_person_noun_right_before_a_name_is_a_title_not_another_person():
    text = "Commander Eileen Collins in her NASA portrait."
    rows = [_m("w", "cap", "text", "OBJECT_NOUN", "Commander", span=(0, 9)),
            _m("n", "cap", "text", "PERSON", "Eileen Collins", entity="E", span=(10, 24)),
            _m("box", "img", "image", "PERSON", "person", entity="D", box=(0, 0, 300, 400))]
    got = {g.said.iri for g in ground("caption:x", rows, text_of={"cap": text}.get)}
    assert got == {"n"}
