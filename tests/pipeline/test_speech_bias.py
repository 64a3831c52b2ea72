"""The corpus lexicon biases speech, and the result does not depend on ingest order.

A text spells "Maximilian Oberhuber"; a recording (Festival's US voice) says the name, which
Whisper base alone hears as "Maximilian Uber Huber". Built together, recording first then text,
or text first then recording, the store ends with the same quads: the transcript says
"Oberhuber", its segment and mention carry kg:biasedBy, and the mention kg:heardAs what the
first pass heard. A second build of an unchanged corpus decodes nothing again.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from speech.festival import festival_wav

NAME = "Maximilian Oberhuber"
SAID = "Maximilian Oberhuber won the mountain race again."
TEXT = "Maximilian Oberhuber is a runner from the Tyrol. He trains every morning.\n"
PIPELINE = """name: bias-test
batch_size: 4
stages:
  - type: text_reader
    name: text
  - type: whisper
    name: speech
    params: {model: base, beam_size: 5}
  - type: spacy_ner
    name: ner
  - type: entity_linker
    name: link
"""


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return festival_wav(SAID, tmp_path_factory.mktemp("clip") / "race.wav")


def build(corpus: Path, store: Path, pipeline: Path):
    from kgbuild.api import build as kg_build

    return kg_build(corpus, store, pipeline)


def quads(store_path: Path) -> set[str]:
    from kgbuild.api import open_store

    store = open_store(store_path, read_only=True)
    try:
        return {str(q) for q in store.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", prefixes=False)}
    finally:
        store.close()


def rows(store_path: Path, sparql: str) -> list[tuple]:
    from kgbuild.api import open_store

    store = open_store(store_path, read_only=True)
    try:
        return [tuple(str(v.value) if v is not None else None for v in row) for row in store.query(sparql)]
    finally:
        store.close()


def test_a_text_ingested_before_or_after_gives_the_same_quads(clip, tmp_path, monkeypatch):
    from kgbuild.stages.whisper_transcriber import WhisperTranscriber

    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(PIPELINE)
    decoded: list[bool] = []  # one entry per file the whisper stage decodes: a second pass or not
    real = WhisperTranscriber._transcribe

    def spy(self, item):
        decoded.append(bool(item.meta.get("_speech_candidates")))
        return real(self, item)

    monkeypatch.setattr(WhisperTranscriber, "_transcribe", spy)

    def corpus(*, audio: bool, text: bool) -> Path:
        """One corpus folder (its root is a fact of the store too), holding what it is told."""
        folder = tmp_path / "corpus" / "news"
        folder.mkdir(parents=True, exist_ok=True)
        for name, wanted in (("race.wav", audio), ("runner.txt", text)):
            if not wanted:
                (folder / name).unlink(missing_ok=True)
        if audio and not (folder / "race.wav").exists():
            shutil.copy(clip, folder / "race.wav")
        if text:
            (folder / "runner.txt").write_text(TEXT)
        return folder.parent

    together = corpus(audio=True, text=True)
    build(together, tmp_path / "kg-together", pipeline)
    assert decoded == [False, True]  # first pass, then the second once the text's names are known

    decoded.clear()
    build(together, tmp_path / "kg-together", pipeline)
    assert decoded == []  # nothing changed: nothing decoded again

    audio_first = corpus(audio=True, text=False)
    build(audio_first, tmp_path / "kg-audio-first", pipeline)
    corpus(audio=True, text=True)
    decoded.clear()
    build(audio_first, tmp_path / "kg-audio-first", pipeline)
    assert decoded == [True]  # only the second pass, on the stored first pass

    text_first = corpus(audio=False, text=True)
    build(text_first, tmp_path / "kg-text-first", pipeline)
    corpus(audio=True, text=True)
    build(text_first, tmp_path / "kg-text-first", pipeline)

    reference = quads(tmp_path / "kg-together")
    assert quads(tmp_path / "kg-audio-first") == reference
    assert quads(tmp_path / "kg-text-first") == reference

    said = rows(tmp_path / "kg-together", """
        SELECT ?text ?segBias ?mention ?mBias ?heard WHERE {
          ?t a kg:Transcript ; kg:text ?text ; kg:segment ?seg .
          ?seg kg:biasedBy ?segBias .
          ?m kg:transcript ?t ; kg:text ?mention ; kg:biasedBy ?mBias ; kg:heardAs ?heard .
        }""")
    assert said, "no biased segment or mention"
    text, seg_bias, mention, m_bias, heard = said[0]
    assert "Oberhuber" in text and seg_bias == NAME and m_bias == NAME and "Oberhuber" in mention
    assert "Oberhuber" not in heard  # what the first pass heard


def test_a_recording_without_names_is_never_decoded_twice(clip, tmp_path, monkeypatch):
    """Names from elsewhere in the corpus far from every word of a recording change nothing (a
    text in the recording's own folder may offer its few names by scope: kgbuild/speech/scoped.py)."""
    from kgbuild.stages.whisper_transcriber import WhisperTranscriber

    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(PIPELINE)
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(clip, folder / "race.wav")
    (folder / "elsewhere").mkdir()
    (folder / "elsewhere" / "other.txt").write_text("Rosalind Abernathy met Pavel Jankowski in Montgomery.\n")
    decoded: list[bool] = []
    real = WhisperTranscriber._transcribe
    monkeypatch.setattr(WhisperTranscriber, "_transcribe",
                        lambda self, item: decoded.append(bool(item.meta.get("_speech_candidates"))) or real(self, item))
    build(folder, tmp_path / "kg", pipeline)
    assert decoded == [False]
    assert not rows(tmp_path / "kg", "SELECT ?s WHERE { ?s kg:biasedBy ?n }")
