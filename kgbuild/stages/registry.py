"""Stage registry: the names pipeline YAML files use for stage types.

Built-in stages register themselves with :func:`register_stage` in their own module under
``kgbuild/stages/``; the modules are imported on first lookup (stage modules import their
heavy libraries only in ``_load``, so this stays cheap). Third-party packages add stages
through the ``kgbuild.stages`` entry-point group, or at run time with :func:`register_stage`.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points
from pathlib import Path

from ..errors import UnknownStageError
from .base import Stage

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


_NOT_STAGES = {"base", "registry"}
_builtins_loaded = False


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
            if info.name not in _NOT_STAGES and not info.name.startswith("_"):
                importlib.import_module(f"{__package__}.{info.name}")
        _builtins_loaded = True


def available() -> list[str]:
    _load_builtins()
    return sorted(set(_registered) | set(_plugins()))


def get_stage_class(name: str) -> type[Stage]:
    """A registered type name, or ``package.module:Class`` for a stage class anywhere on
    the Python path (no registration needed)."""
    if ":" in name and name not in _registered:
        return _import_stage(name)
    if name not in _registered:
        _load_builtins()
    if name in _registered:
        return _registered[name]
    target = _plugins().get(name)
    if target is None:
        raise UnknownStageError(
            f"unknown stage type '{name}'", hint=f"known stage types: {', '.join(available())}"
        )
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    _registered[name] = cls
    return cls


def _import_stage(target: str) -> type[Stage]:
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise UnknownStageError(f"cannot import stage '{target}': {exc}",
                                hint="use package.module:ClassName with the module on the Python path") from None
    if not (isinstance(cls, type) and issubclass(cls, Stage)):
        raise UnknownStageError(f"'{target}' is not a Stage subclass")
    cls.type_name = cls.type_name or target
    return cls
