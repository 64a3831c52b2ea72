"""kgbuild.speech.asr_eval: manifests, normalisers and WER (the model-free parts)."""

from __future__ import annotations

import json

import pytest

from helpers import SAMPLE  # noqa: I001
from kgbuild.errors import ConfigError
from kgbuild.speech.asr_eval import basic_normalize, normalizer, read_manifest, word_error_rate


def test_manifest_paths_are_relative_to_the_manifest(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"RIFF")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"audio": "a.wav", "text": "hello"}) + "\n\n"
                        + json.dumps({"audio": str(SAMPLE / "harper_statement.flac"), "text": "x"}) + "\n")
    cases = read_manifest(manifest)
    assert [c.audio for c in cases] == [tmp_path / "a.wav", SAMPLE / "harper_statement.flac"]


@pytest.mark.parametrize("line, words", [
    ("not json", "not a JSON object"),
    ('{"audio": "a.wav"}', '"text": "non-empty reference"'),
    ('{"audio": "missing.wav", "text": "hi"}', "not found"),
])
def test_manifest_errors_name_the_line(tmp_path, line, words):
    (tmp_path / "a.wav").write_bytes(b"RIFF")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"audio": "a.wav", "text": "ok"}) + "\n" + line + "\n")
    with pytest.raises(ConfigError, match=words) as info:
        read_manifest(manifest)
    assert f"{manifest}:2" in info.value.message


def test_word_error_rate_is_corpus_level():
    # 1 substitution + 1 deletion over 5 reference words, not the mean of per-file rates
    assert word_error_rate(["a b c", "d e"], ["a x c", "d"]) == pytest.approx(2 / 5)
    assert word_error_rate(["a b"], [""]) == 1.0
    assert word_error_rate(["", "a"], ["uh", "a"]) == 1.0  # an emptied reference counts its insertions


def test_basic_normaliser():
    assert basic_normalize("Well-known Mr. Smith's 'quote': \"Hi!\"") == "well known mr smith's quote hi"


def test_whisper_normaliser_handles_numbers_and_spellings():
    pytest.importorskip("whisper", reason="the openai-whisper extra is not installed")
    norm = normalizer("whisper")
    assert norm("Mr. Smith paid twenty-three dollars") == norm("mister smith paid $23")
    assert norm("The colour grey.") == norm("the color gray")
