"""Pipeline stages: one class per module, looked up by type name in :mod:`.registry`."""

from .base import FIELDS, Stage, StageParams
from .registry import available, get_stage_class, register_stage

__all__ = ["FIELDS", "Stage", "StageParams", "available", "get_stage_class", "register_stage"]
