"""Finding model files offline.

Weights that no package ships (the YOLO detector, the trained relation model) are looked up
on a search path, first match wins:

1. ``$KGBUILD_MODEL_PATH`` (``os.pathsep``-separated folders);
2. ``./models`` and ``../shared/models`` of the working directory;
3. ``models`` and ``../shared/models`` of the checkout that holds this package, when it
   runs from a checkout (an editable install), so the CLI works from any directory of it;
4. the user model directory, :func:`user_model_dir` (``~/.local/share/kgbuild/models`` on
   Linux, ``$XDG_DATA_HOME/kgbuild/models`` when that is set; platformdirs' user data
   directory on macOS and Windows): where ``kgbuild models train relations``,
   ``kgbuild models install`` and a checkout's ``make`` put models, so an installed
   ``kgbuild`` finds them from any folder.

``kgbuild models`` lists what each pipeline needs and where it was found.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import MissingDependencyError, ModelNotFoundError

_REPO = Path(__file__).resolve().parent.parent
ENV_VAR = "KGBUILD_MODEL_PATH"


def user_model_dir() -> Path:
    """The user's model directory (it may not exist yet)."""
    from platformdirs import user_data_path

    return user_data_path("kgbuild", appauthor=False) / "models"


def _checkout() -> Path | None:
    """The kgbuild checkout this package runs from, if any (an installed wheel has none)."""
    return _REPO if (_REPO / "pyproject.toml").is_file() and (_REPO / "kgbuild").is_dir() else None


def search_path() -> list[Path]:
    dirs: list[Path] = []
    env = os.environ.get(ENV_VAR, "")
    dirs += [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    cwd = Path.cwd()
    dirs += [cwd / "models", cwd.parent / "shared" / "models"]
    repo = _checkout()
    if repo is not None:
        dirs += [repo / "models", repo.parent / "shared" / "models"]
    dirs.append(user_model_dir())
    unique: list[Path] = []
    seen: set[Path] = set()
    for d in dirs:
        key = d.resolve()
        if key not in seen:
            seen.add(key)
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
            hint=how_to_get + f" — or put it in {user_model_dir()}, or set KGBUILD_MODEL_PATH to the folder "
            "that holds it (`kgbuild models` lists what each pipeline needs).",
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
