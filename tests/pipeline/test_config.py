import pytest
import yaml

from kgbuild.errors import ConfigError, UnknownStageError, WiringError
from kgbuild.pipeline import Pipeline, load_pipeline
from kgbuild.stages import get_stage_class


def write(tmp_path, text: str):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


def test_default_pipeline_loads_without_loading_models():
    pipe = load_pipeline("default")
    core = ["text_reader", "whisper", "yolo", "spacy_ner", "entity_linker"]
    types = [s.type_name for s in pipe.stages]
    assert [t for t in types if t in core] == core  # in this order; other stages may sit between
    assert types.index("video_objects") < types.index("entity_linker")  # tracks get entities too
    assert not any(s._warm for s in pipe.stages)


def test_pipeline_round_trips_through_yaml(tmp_path):
    pipe = load_pipeline("default")
    again = load_pipeline(write(tmp_path, pipe.to_yaml()))
    assert again.to_config() == pipe.to_config()
    assert again.fingerprint() == pipe.fingerprint()


def test_fingerprint_changes_with_a_parameter():
    base = load_pipeline("default").to_config()
    changed = yaml.safe_load(yaml.safe_dump(base))
    [yolo] = [s for s in changed["stages"] if s["type"] == "yolo"]
    yolo["params"]["conf"] = 0.5
    assert Pipeline.from_config(changed).fingerprint() != Pipeline.from_config(base).fingerprint()


def test_wiring_error_names_the_stage_and_missing_field(tmp_path):
    path = write(tmp_path, "name: bad\nstages:\n  - type: spacy_ner\n    name: ner\n  - type: text_reader\n")
    with pytest.raises(WiringError) as info:
        load_pipeline(path)
    message = str(info.value)
    assert "stages[0]" in message and "'ner'" in message and "'text'" in message and str(path) in message
    assert info.value.code == "E103"


def test_unknown_stage_lists_known_ones(tmp_path):
    with pytest.raises(UnknownStageError) as info:
        load_pipeline(write(tmp_path, "name: x\nstages:\n  - type: telepathy\n"))
    assert "telepathy" in str(info.value) and "spacy_ner" in str(info.value)


def test_bad_parameter_type_and_unknown_key_are_reported_with_location(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_pipeline(write(tmp_path, "name: x\nstages:\n  - type: text_reader\n    params: {batch_size: lots}\n"))
    assert "stages[0]" in str(info.value) and "params.batch_size" in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_pipeline(write(tmp_path, "name: x\nstages:\n  - type: text_reader\n    params: {colour: red}\n"))
    assert "colour" in str(info.value)


def test_yaml_syntax_error_gives_line_and_column(tmp_path):
    path = write(tmp_path, "name: x\nstages:\n  - type: [text_reader\n")
    with pytest.raises(ConfigError) as info:
        load_pipeline(path)
    assert f"{path}:" in str(info.value) and "syntax" in str(info.value)


def test_duplicate_stage_names_rejected(tmp_path):
    with pytest.raises(ConfigError, match="repeated: t"):
        load_pipeline(write(tmp_path, "name: x\nstages:\n  - {type: text_reader, name: t}\n  - {type: text_reader, name: t}\n"))


@pytest.mark.parametrize("stage_type", ["text_reader", "spacy_ner", "entity_linker", "yolo", "whisper"])
def test_every_stage_round_trips_its_config(stage_type):
    cls = get_stage_class(stage_type)
    stage = cls(name="s1")
    again = cls.from_config(stage.to_config())
    assert again.to_config() == stage.to_config()
    assert again.fingerprint() == stage.fingerprint()


def test_fusion_block_is_validated_before_anything_loads_and_round_trips(tmp_path):
    from helpers import REPO, run_cli

    default = load_pipeline("default")
    assert default.fusion is not None and default.fusion.threshold == 0.5
    assert Pipeline.from_config(default.to_config()).fusion == default.fusion
    proc = run_cli("validate", REPO / "pipelines/default.yaml")
    assert proc.returncode == 0 and "then fusion (threshold 0.5)" in proc.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nstages:\n  - type: text_reader\nfusion:\n  threshold: 2\n  bogus: 1\n")
    proc = run_cli("validate", bad)
    assert proc.returncode == 2
    assert "fusion.threshold" in proc.stderr + proc.stdout and "fusion.bogus" in proc.stderr + proc.stdout
