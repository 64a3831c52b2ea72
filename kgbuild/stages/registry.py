"""Stage registry: the names pipeline YAML files use for stage types.

Built-in stages are listed as dotted paths and imported only when a pipeline uses them,
so ``kgbuild --help`` never pays for torch. Third-party packages add stages through the
``kgbuild.stages`` entry-point group, or at run time with :func:`register_stage`.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from ..errors import UnknownStageError
from .base import Stage

_BUILTIN = {
    "text_reader": "kgbuild.stages.text_reader:TextReader",
    "spacy_ner": "kgbuild.stages.spacy_ner:SpacyNER",
    "yolo": "kgbuild.stages.yolo_detector:YoloDetector",
    "whisper": "kgbuild.stages.whisper_transcriber:WhisperTranscriber",
    "entity_linker": "kgbuild.stages.entity_linker:EntityLinker",
}

_registered: dict[str, type[Stage]] = {}


def register_stage(name: str):
    """Class decorator: ``@register_stage("my_stage")``."""

    def decorate(cls: type[Stage]) -> type[Stage]:
        cls.type_name = name
        _registered[name] = cls
        return cls

    return decorate


def _plugins() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group="kgbuild.stages")}


def available() -> list[str]:
    return sorted(set(_BUILTIN) | set(_registered) | set(_plugins()))


def get_stage_class(name: str) -> type[Stage]:
    if name in _registered:
        return _registered[name]
    target = _BUILTIN.get(name) or _plugins().get(name)
    if target is None:
        raise UnknownStageError(
            f"unknown stage type '{name}'", hint=f"known stage types: {', '.join(available())}"
        )
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    _registered[name] = cls
    return cls
