"""A spoken name the first pass turns into words far from it ("Mthunzi Nxumalo" heard by Whisper
base as "and funzink sumolo", Festival's US voice) is written right when a text beside the
recording names it — offered by scope, kept by the second pass's checks — and a name of that
scope the recording does not say changes nothing."""

from __future__ import annotations

import pytest

from kgbuild.speech.asr_eval import transcribe
from kgbuild.speech.lexicon import SCOPE_CORPUS, SCOPE_FOLDER, LexName, letters

NAME = "Mthunzi Nxumalo"
SAID = "Mthunzi Nxumalo scored twice in the second half."
CROWD = [LexName(f"{first} {last}", "PERSON", SCOPE_CORPUS)  # the rest of the corpus: names it does not say
         for first in ("Amelia", "Bruno", "Carmen", "Dmitri") for last in ("Brennecke", "Fontaine", "Halvorsen")]


@pytest.fixture(scope="module")
def stage():
    from kgbuild.stages.whisper_transcriber import WhisperTranscriber

    st = WhisperTranscriber(model="base")
    st.warm_up()
    return st


def spelt(text: str, name: str) -> bool:
    return letters([name]) in letters(text.split())


def test_a_name_of_the_nearest_scope_corrects_what_sound_alone_cannot(stage, festival_clip):
    clip = festival_clip(SAID)
    heard = transcribe(stage, clip, [LexName(NAME, "PERSON", SCOPE_CORPUS), *CROWD])
    assert not spelt(heard.text, NAME), "the first pass heard the name: this clip no longer tests scope"
    assert heard.meta.get("_speech_bias") in (None, [])  # in the corpus's scope it is too far to offer

    near = transcribe(stage, clip, [LexName(NAME, "PERSON", SCOPE_FOLDER), *CROWD])
    assert spelt(near.text, NAME)
    assert [b["name"] for b in near.meta["_speech_biased"]] == [NAME]
    assert near.text.endswith("scored twice in the second half.")  # the words around it as heard


def test_a_name_of_the_scope_that_the_recording_does_not_say_changes_nothing(stage, festival_clip):
    clip = festival_clip(SAID)
    plain = transcribe(stage, clip, None)
    # "Phuntsok Wangchuk" sounds like "funzink" (Double Metaphone FNTSK, FNTSNK): offered, decoded
    # with, and refused by the second pass's checks
    other = transcribe(stage, clip, [LexName("Phuntsok Wangchuk", "PERSON", SCOPE_FOLDER), *CROWD])
    assert [c[0] for c in other.meta["_speech_bias"]] == ["Phuntsok Wangchuk"]
    assert other.meta["_speech_biased"] == []
    assert other.text == plain.text and "Wangchuk" not in other.text
