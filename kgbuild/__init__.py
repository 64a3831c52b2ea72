"""kgbuild: turn a corpus of text, images, audio and video into one knowledge graph.

The public Python API (:mod:`kgbuild.api`) is reachable from here: ``kgbuild.build``,
``kgbuild.load_pipeline``, ``kgbuild.open_store``, ``kgbuild.query``, ``kgbuild.KGStore``,
``kgbuild.BuildOptions``. It is imported on first use, so ``import kgbuild.errors`` (or the
CLI's ``--help``) does not load the pipeline machinery.
"""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_API = ("BuildOptions", "BuildReport", "KGStore", "Pipeline", "build", "load_pipeline", "open_store", "query")
__all__ = [*_API, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(f"{__name__}.api"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
