"""Finding model files offline.

Weights that no package ships (the YOLO detector) are looked up on a search path:
``$KGBUILD_MODEL_PATH`` (``os.pathsep``-separated), then ``./models``, then
``../shared/models`` — each relative to the working directory and to the repository
that holds this package, so the CLI works from any directory of a checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import MissingDependencyError, ModelNotFoundError

_REPO = Path(__file__).resolve().parent.parent


def search_path() -> list[Path]:
    dirs: list[Path] = []
    env = os.environ.get("KGBUILD_MODEL_PATH", "")
    dirs += [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    for base in (Path.cwd(), _REPO):
        dirs += [base / "models", base.parent / "shared" / "models"]
    unique: list[Path] = []
    for d in dirs:
        if d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def find_model_file(name: str) -> Path | None:
    """``name`` as a path if it exists, else the first match on the search path."""
    direct = Path(name).expanduser()
    if direct.exists():
        return direct.resolve()
    if direct.is_absolute() or len(direct.parts) > 1:
        return None
    for d in search_path():
        candidate = d / name
        if candidate.exists():
            return candidate.resolve()
    return None


def require_model_file(name: str, *, what: str, how_to_get: str) -> Path:
    found = find_model_file(name)
    if found is None:
        looked = "\n    ".join(str(d) for d in search_path())
        raise ModelNotFoundError(
            f"{what} '{name}' not found. Looked for it as a path and in:\n    {looked}",
            hint=how_to_get + " — or set KGBUILD_MODEL_PATH to the folder that holds it.",
        )
    return found


def require_module(module: str, *, extra: str, purpose: str):
    """Import an optional dependency or explain which extra installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs the Python package '{module}', which is not installed ({exc})",
            hint=f"pip install 'kgbuild[{extra}]'",
        ) from None
