import os

from kgbuild.media.discovery import discover


def test_discover_classifies_and_orders(tmp_path):
    (tmp_path / "b.txt").write_text("hello")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.JPG").write_bytes(b"\xff\xd8")
    (tmp_path / "notes.numbers").write_bytes(b"PK")
    (tmp_path / ".hidden.txt").write_text("x")
    found = discover(tmp_path)
    assert [s.relpath for s in found.sources] == ["b.txt", "sub/a.JPG"]
    assert [s.modality for s in found.sources] == ["text", "image"]
    assert found.sources[1].media_type == "image/jpeg"
    assert found.unsupported == ["notes.numbers"]


def test_animated_gif_is_an_image(tmp_path):
    (tmp_path / "anim.gif").write_bytes(b"GIF89a")
    (src,) = discover(tmp_path).sources
    assert (src.media_type, src.modality) == ("image/gif", "image")


def test_discover_records_broken_links_and_survives_loops(tmp_path):
    (tmp_path / "ok.txt").write_text("fine")
    os.symlink(tmp_path / "missing.txt", tmp_path / "dangling.txt")
    os.symlink(tmp_path, tmp_path / "loop")  # a folder link pointing at its parent
    found = discover(tmp_path)
    assert [s.relpath for s in found.sources] == ["ok.txt"]
    assert [path for path, _ in found.unreadable] == ["dangling.txt"]
    assert "cannot read" in found.unreadable[0][1]


def test_same_bytes_under_two_paths_share_a_sha(tmp_path):
    (tmp_path / "a.txt").write_text("same")
    (tmp_path / "b.txt").write_text("same")
    a, b = discover(tmp_path).sources
    assert a.sha256 == b.sha256 and a.iri == b.iri
