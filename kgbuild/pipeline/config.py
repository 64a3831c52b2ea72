"""Loading, validating and saving pipelines.

A pipeline file is checked in three passes, each failing with the file name and the
place in it: YAML syntax, the pipeline schema (pydantic), then each stage's own
parameters and the wiring between stages (every field a stage reads must be produced
by an earlier stage). All of it happens before a model is loaded or a file is read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ConfigError, FieldConflictError, WiringError
from ..fusion.params import FusionParams
from ..ids import sha256_text
from ..stages import Stage, get_stage_class

# The default pipelines, shipped as package data: kgbuild/pipelines is a link to the checkout's
# top-level pipelines/ folder, so the two cannot drift (a wheel carries the files themselves).
PACKAGED_PIPELINES = Path(__file__).resolve().parent.parent / "pipelines"


class StageSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str
    name: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class PipelineSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    batch_size: int = Field(16, ge=1, description="items per batch handed to each stage")
    stages: list[StageSpec] = Field(min_length=1)
    fusion: dict[str, Any] | None = Field(None, description="entity fusion after each build (kgbuild.fusion.fuse.FusionParams)")


def _format_validation(exc: ValidationError, prefix: str = "") -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"{prefix}{loc}: {err['msg']}")
    return "\n    ".join(lines)


class Pipeline:
    def __init__(self, name: str, stages: list[Stage], *, description: str = "", batch_size: int = 16,
                 origin: str = "<memory>", fusion: FusionParams | None = None) -> None:
        self.name = name
        self.fusion = fusion  # None: no fusion after builds (kgbuild fuse can still run it)
        self.stages = stages
        self.description = description
        self.batch_size = batch_size
        self.origin = origin
        self.check_wiring()

    @classmethod
    def from_config(cls, config: dict[str, Any], origin: str = "<memory>") -> Pipeline:
        try:
            spec = PipelineSpec.model_validate(config)
        except ValidationError as exc:
            raise ConfigError(f"invalid pipeline {origin}:\n    {_format_validation(exc)}") from None
        stages = []
        for index, stage_spec in enumerate(spec.stages):
            where = f"{origin}, stages[{index}] ({stage_spec.name or stage_spec.type})"
            try:
                stage_cls = get_stage_class(stage_spec.type)
            except ConfigError as exc:
                raise type(exc)(f"{where}: {exc.message}", hint=exc.hint) from None
            try:
                stages.append(stage_cls.from_config(stage_spec.model_dump()))
            except ValidationError as exc:
                raise ConfigError(f"invalid parameters in {where}:\n    {_format_validation(exc, 'params.')}") from None
        fusion = None
        if spec.fusion is not None:
            try:
                fusion = FusionParams.model_validate(spec.fusion)
            except ValidationError as exc:
                raise ConfigError(f"invalid fusion parameters in {origin}:\n    {_format_validation(exc, 'fusion.')}") from None
        return cls(spec.name, stages, description=spec.description, batch_size=spec.batch_size, origin=origin,
                   fusion=fusion)

    def check_wiring(self) -> None:
        names = [s.name for s in self.stages]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigError(f"{self.origin}: stage names must be unique; repeated: {', '.join(duplicates)}")
        available = {"source"}
        for index, stage in enumerate(self.stages):
            missing = sorted(stage.requires - available)
            if missing:
                producers = sorted({type(s).__name__ for s in self.stages if s.produces & set(missing)})
                hint = (f"put a stage that produces it earlier ({', '.join(producers)} in this pipeline)"
                        if producers else "add a stage that produces it before this one")
                raise WiringError(
                    f"{self.origin}, stages[{index}] ('{stage.name}', type {stage.type_name}) needs "
                    f"{', '.join(repr(m) for m in missing)}, which no earlier stage produces "
                    f"(available there: {', '.join(sorted(available))})",
                    hint=hint,
                )
            available |= stage.produces
            if any(name.startswith("view:") for name in stage.produces):
                available.add("text")  # text stages read every view
        self._check_fills()

    def _check_fills(self) -> None:
        """One stage per modality fills a single-valued field: a second would silently
        overwrite the first, or leave its alignment behind (OCR's layout under other text)."""
        for later_index, later in enumerate(self.stages):
            for earlier in self.stages[:later_index]:
                clash = sorted(earlier.fills() & later.fills())
                shared = _shared_modalities(earlier, later)
                if clash and shared:
                    raise FieldConflictError(
                        f"{self.origin}: stages '{earlier.name}' ({earlier.type_name}) and '{later.name}' "
                        f"({later.type_name}) both fill {', '.join(map(repr, clash))} for {shared}",
                        hint="keep one of them, restrict one to other modalities, or have the second "
                        "add its own text view (produces view:<name>)")

    def to_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "batch_size": self.batch_size,
            "stages": [stage.to_config() for stage in self.stages],
            **({"fusion": self.fusion.model_dump()} if self.fusion is not None else {}),
        }

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_config(), sort_keys=False)

    def fingerprint(self) -> str:
        """Changes when any stage, its parameters or its model changes."""
        return sha256_text(json.dumps([s.fingerprint() for s in self.stages]))[:16]


def _shared_modalities(a: Stage, b: Stage) -> str:
    """The modalities both stages apply to, in words ("" when none)."""
    if not a.modalities and not b.modalities:
        return "every modality"
    shared = (a.modalities or b.modalities) if not (a.modalities and b.modalities) else a.modalities & b.modalities
    return ", ".join(sorted(shared))


def pipeline_names() -> list[str]:
    """The pipelines found by name: ``./pipelines/*.yaml`` and the packaged ones."""
    folders = (Path.cwd() / "pipelines", PACKAGED_PIPELINES)
    return sorted({p.stem for folder in folders if folder.is_dir() for p in folder.glob("*.y*ml")})


def resolve_pipeline_path(name_or_path: str | Path) -> Path:
    """A path as given, else ``<name>.yaml`` in ``./pipelines`` of the working directory,
    else among the pipelines that ship with kgbuild (package data, so an installed kgbuild
    finds ``default`` from any folder)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    stem = path.name if path.suffix in (".yaml", ".yml") else f"{path.name}.yaml"
    for base in (Path.cwd() / "pipelines", PACKAGED_PIPELINES):
        if (base / stem).is_file():
            return base / stem
    raise ConfigError(f"pipeline '{name_or_path}' not found",
                      hint=f"give a YAML path or one of: {', '.join(pipeline_names()) or '(none found)'}")


def load_pipeline(name_or_path: str | Path = "default") -> Pipeline:
    path = resolve_pipeline_path(name_or_path)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"YAML syntax error in {where}: {exc.problem}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read pipeline {path}: {exc}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: a pipeline file must be a mapping with 'name' and 'stages'")
    return Pipeline.from_config(config, origin=str(path))
