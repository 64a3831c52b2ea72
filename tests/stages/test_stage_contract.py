"""The stage contract, enforced: fingerprints that do not move when a model loads, field
names checked when a class is defined, one stage per single-valued field, text views."""

from __future__ import annotations

import os

import pytest

from kgbuild.errors import FieldConflictError, KGBuildError, ModelNotFoundError, StageContractError
from kgbuild.pipeline.config import Pipeline
from kgbuild.pipeline.stage_cache import caches_output
from kgbuild.stages import Stage, available, get_stage_class
from kgbuild.stages.base import FIELDS

# Stage types whose default parameters name a model that only a user supplies.
NEEDS_USER_MODEL = {"transformer_ner"}


@pytest.mark.parametrize("type_name", available())
def test_fingerprint_is_the_same_before_and_after_warm_up(type_name):
    stage = get_stage_class(type_name)()
    before = stage.fingerprint(), stage.model_info()
    try:
        stage.warm_up()
    except ModelNotFoundError as exc:
        if type_name in NEEDS_USER_MODEL or not os.environ.get("CI"):
            pytest.skip(f"{type_name}: {exc.message}")
        raise
    assert (stage.fingerprint(), stage.model_info()) == before
    # a second object of the same configuration, never warmed up, agrees too
    assert get_stage_class(type_name)().fingerprint() == before[0]


def test_a_code_revision_changes_the_fingerprint():
    """A stage whose code now writes something else says so, and stores built before re-run it."""
    cls = get_stage_class("spacy_ner")
    revised = type("RevisedNer", (cls,), {"revision": cls.revision + 1})
    assert revised().fingerprint() != cls().fingerprint()
    assert type("SameNer", (cls,), {})().fingerprint() == cls().fingerprint()


@pytest.mark.parametrize("type_name", available())
def test_every_registered_stage_declares_real_fields_and_round_trips(type_name):
    cls = get_stage_class(type_name)
    assert all(name in FIELDS or name.startswith("view:") for name in cls.requires | cls.produces)
    stage = cls()
    again = cls.from_config(stage.to_config())
    assert again.to_config() == stage.to_config() and again.fingerprint() == stage.fingerprint()


def test_model_stages_say_so_and_only_they_are_snapshotted():
    model_stages = {name for name in available() if get_stage_class(name).has_model}
    assert {"spacy_ner", "whisper", "yolo", "ocr", "relations"} <= model_stages
    assert not {"entity_linker", "text_reader", "scene_relations"} & model_stages
    for name in available():
        assert caches_output(get_stage_class(name)()) == (name in model_stages)


@pytest.mark.parametrize("attr", ["requires", "produces"])
def test_a_misspelt_field_fails_when_the_class_is_defined(attr):
    with pytest.raises(StageContractError) as caught:
        type("Typo", (Stage,), {attr: frozenset({"source", "mentinos"})})
    assert caught.value.code == "E105"
    assert "'mentinos'" in caught.value.message and "Typo" in caught.value.message


class _Loud(Stage):
    """Fails if anything tries to load it: wiring must be judged without models."""

    def _load(self) -> None:
        raise AssertionError("a model was loaded before the wiring was checked")


class ImageText(_Loud):
    produces = frozenset({"text", "layout"})
    modalities = frozenset({"image"})


class AnyText(_Loud):
    produces = frozenset({"text"})


class AudioText(_Loud):
    produces = frozenset({"text", "timeline"})
    modalities = frozenset({"speech"})


class Caption(_Loud):
    produces = frozenset({"view:caption"})
    modalities = frozenset({"image"})


def test_two_stages_filling_the_same_field_for_a_modality_are_rejected_naming_both():
    with pytest.raises(FieldConflictError) as caught:
        Pipeline("p", [ImageText(name="ocr"), AnyText(name="captioner")])
    err = caught.value
    assert err.code == "E104" and isinstance(err, KGBuildError)
    assert "'ocr'" in err.message and "'captioner'" in err.message and "'text'" in err.message
    assert "image" in err.message
    with pytest.raises(FieldConflictError):
        Pipeline("p", [Caption(name="a"), Caption(name="b")])


def test_disjoint_modalities_and_separate_views_do_not_conflict():
    Pipeline("p", [ImageText(name="ocr"), AudioText(name="speech"), Caption(name="caption")])


def test_a_caption_view_stage_is_one_module_and_one_pipeline_line():
    pipe = Pipeline.from_config({"name": "p", "stages": [
        {"type": "caption_sidecar"}, {"type": "spacy_ner"}, {"type": "entity_linker"}]})
    assert [s.type_name for s in pipe.stages][0] == "caption_sidecar"
