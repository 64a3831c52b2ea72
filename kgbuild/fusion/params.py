"""The ``fusion:`` block of a pipeline YAML, kept free of heavy imports: pipelines are
validated before anything is loaded."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FusionParams(BaseModel):
    """The ``fusion:`` block of a pipeline YAML (all optional)."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    threshold: float = Field(0.5, ge=0, le=1, description="link probability needed to merge two entities")
    clash: float = Field(0.3, ge=0, le=1, description="named members of one cluster must all score above this")
    model: str | None = None  # fusion model JSON; None: the one shipped with kgbuild
    context: bool = True  # MiniLM context vectors (off: names, types and neighbours only)
    encoder: str | None = None  # HF name or folder for context vectors; None: the packaged MiniLM
    grounding: bool = True
    slack: float = Field(2.0, ge=0, description="video: seconds between a word and an object on screen")
    max_block: int = 200
    # Processes featurising candidate pairs (fusion/parallel.py, a forked pool). 1 by default: fusion
    # runs inside the build, whose model threads make fork unsafe; 0: the CPU budget.
    workers: int = Field(1, ge=0, description="scoring processes for large runs (0: one per core)")
