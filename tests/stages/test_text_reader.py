from kgbuild.datamodel import Item
from kgbuild.media.discovery import discover
from kgbuild.stages.text_reader import TextReader


def items_for(folder):
    return [Item(src) for src in discover(folder).sources]


def test_reads_utf8_and_drops_bom(tmp_path):
    (tmp_path / "a.txt").write_bytes("\ufeffMarie Curie lived in Paris.".encode("utf-8"))
    items = TextReader()(items_for(tmp_path))
    assert items[0].ok and items[0].text == "Marie Curie lived in Paris."
    assert items[0].views["text"].modality == "text"
    assert items[0].activities[0].stage == "text_reader"


def test_bad_text_files_fail_with_position_and_reason(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin1.txt").write_bytes("line one\ncaf\xe9".encode("latin-1"))
    (tmp_path / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "good.txt").write_text("Fine text.")
    items = {it.source.relpath: it for it in TextReader(name="read")(items_for(tmp_path))}
    assert items["good.txt"].ok
    empty, latin, binary = items["empty.txt"].failure, items["latin1.txt"].failure, items["binary.md"].failure
    assert empty.cause_code == "E302" and "empty" in empty.reason
    assert latin.cause_code == "E303" and latin.position == "byte 12 (line 2)"
    assert "stage 'read' failed on latin1.txt at byte 12 (line 2)" in latin.reason
    assert binary.position == "byte 8" and "NUL" in binary.reason


def test_size_limit(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 1000)
    item = TextReader(max_bytes=100)(items_for(tmp_path))[0]
    assert not item.ok and "over the 100-byte limit" in item.failure.reason
