from kgbuild.store.ingest_state import IngestState


def test_mark_done_and_read_back(tmp_path):
    state = IngestState(tmp_path / "s.sqlite")
    state.mark_done("a" * 64, "text", "ok", "fp1", ["x.txt", "copy/x.txt"], {"text": "f1", "ner": "f2"})
    rec = state.source("a" * 64)
    assert (rec.status, rec.fingerprint, rec.modality) == ("ok", "fp1", "text")
    assert state.paths_of("a" * 64) == ["copy/x.txt", "x.txt"]
    assert state.stage_fingerprints("a" * 64) == {"text": "f1", "ner": "f2"}
    state.mark_done("a" * 64, "text", "failed", "fp2", ["x.txt"], {"text": "f1"}, reason="boom")
    assert state.source("a" * 64).reason == "boom" and state.stage_fingerprints("a" * 64) == {"text": "f1"}


def test_remove_path_reports_orphans_only(tmp_path):
    state = IngestState(tmp_path / "s.sqlite")
    state.mark_done("b" * 64, "image", "ok", "fp", ["a.jpg", "b.jpg"], {})
    assert state.remove_path("a.jpg") is None  # b.jpg still holds the bytes
    assert state.remove_path("b.jpg") == "b" * 64
    assert state.remove_path("never.jpg") is None
    state.forget_source("b" * 64)
    assert state.source("b" * 64) is None and state.paths() == {}


def test_state_survives_reopen(tmp_path):
    IngestState(tmp_path / "s.sqlite").mark_done("c" * 64, "speech", "ok", "fp", ["a.wav"], {})
    assert IngestState(tmp_path / "s.sqlite").paths() == {"a.wav": "c" * 64}
