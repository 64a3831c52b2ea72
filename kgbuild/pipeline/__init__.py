"""Pipelines: YAML declarations of stages, validated and wired before any data flows."""

from .config import Pipeline, load_pipeline, resolve_pipeline_path

__all__ = ["Pipeline", "load_pipeline", "resolve_pipeline_path"]
