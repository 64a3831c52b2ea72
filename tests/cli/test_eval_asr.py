"""`kgbuild eval asr` as a user runs it, on the sample corpus's two speech clips."""

from __future__ import annotations

import json

from helpers import REPO, SAMPLE, run_cli  # noqa: I001


def test_eval_asr_json(tmp_path):
    refs = json.loads((REPO / "data" / "sample_transcripts.json").read_text())
    manifest = tmp_path / "sample.jsonl"
    manifest.write_text("".join(json.dumps({"audio": str(SAMPLE / name), "text": text}) + "\n"
                                for name, text in sorted(refs.items())))
    norm = "basic"  # Whisper's normaliser imports PyTorch; tests/test_asr_eval.py covers it
    proc = run_cli("eval", "asr", "--manifest", manifest, "--json", "--normalizer", norm, check=True)
    result = json.loads(proc.stdout)
    assert result["n"] == len(refs) and result["failed"] == 0 and result["normalizer"] == norm
    assert 0.0 <= result["wer"] <= 0.1
    assert 0.0 < result["rtf"] < 2.0 and result["audio_seconds"] > 15
    assert result["model"].startswith("base (")  # the default model


def test_eval_asr_bad_manifest_is_a_usage_error(tmp_path):
    manifest = tmp_path / "bad.jsonl"
    manifest.write_text('{"audio": "nowhere.wav", "text": "hi"}\n')
    proc = run_cli("eval", "asr", "--manifest", manifest)
    assert proc.returncode == 2
    assert "bad.jsonl:1" in proc.stderr and "not found" in proc.stderr and "E101" in proc.stderr
