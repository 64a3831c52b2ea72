"""``kgbuild fuse``, ``kgbuild eval fusion`` and ``kgbuild train fusion``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .main import STORE_OPTION, app, err, eval_app, train_app


@app.command("fuse")
def fuse_cmd(
    store: Path = STORE_OPTION,
    rebuild: bool = typer.Option(False, "--rebuild", help="Forget what fusion knows and redo it for the whole store."),
    threshold: float = typer.Option(None, "--threshold", help="Link probability needed to merge (default 0.5)."),
    no_context: bool = typer.Option(False, "--no-context", help="Skip MiniLM context vectors (faster, less precise)."),
    explain: str = typer.Option(None, "--explain", help="Show the members and merges of the entity with this name "
                                "(label, alias, near spelling, 'NAME [TYPE]') or IRI."),
    split: list[str] = typer.Option(None, "--split", help="Give twice: two entities (labels, 'NAME [TYPE]' or IRIs) "
                                    "that must never be one entity; the merge is undone and remembered."),
) -> None:
    """Resolve entities across documents and modalities, and ground words to boxes.

    `kgbuild build` runs this after every build when the pipeline has a `fusion:` block (the
    default does); it is incremental: only what changed since the last run is redone.

    Examples:\n
      kgbuild fuse\n
      kgbuild fuse --store kg/ --explain "Anna Kowalczyk"\n
      kgbuild fuse --store kg/ --split "Anna Kowalczyk" --split "Adam Kowalczyk"
    """
    from ..fusion import explain as explain_mod
    from ..fusion.fuse import fuse
    from ..fusion.params import FusionParams
    from ..store import KGStore

    if not (store / "oxigraph" / "CURRENT").exists():  # never make an empty store where none was built
        KGStore(store, read_only=True)  # raises the usual "no kgbuild store at ..." (E401)
    kg = KGStore(store)
    try:  # closed on every path: an error must not leave the store locked for the caller's process
        if explain:
            explain_mod.print_explanation(kg, explain)
            return
        params = FusionParams(**({"threshold": threshold} if threshold is not None else {}), context=not no_context)
        if split:
            if len(split) != 2:
                raise typer.BadParameter("give --split exactly twice: --split A --split B")
            explain_mod.split(kg, split[0], split[1], params)
        report = fuse(kg, params, rebuild=rebuild)
    finally:
        kg.close()
    merged = {str(size): n for size, n in sorted(report.clusters.items())}
    typer.echo(json.dumps({"sources_changed": report.sources_changed, "sources_removed": report.sources_removed,
                           "entities_resolved": report.atoms_touched, "links": report.links,
                           "clusters_by_size": merged, "groundings": report.groundings,
                           "evidence_lost": dict(sorted(report.evidence_lost.items())),
                           "seconds": round(report.seconds, 2)}))


@eval_app.command("fusion")
def eval_fusion(
    gold: Path = typer.Option(..., "--gold", exists=True, dir_okay=False, help="Gold file (format: docs/fusion.md)."),
    store: Path = typer.Option(None, "--store", help="A store already built from the gold's corpus; "
                                                     "default: build one in a temporary folder."),
    pipeline: str = typer.Option("default", "--pipeline", help="Pipeline for the build."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Pairwise precision/recall/F1 of entity clusters and precision/recall of grounding links."""
    import tempfile

    from ..fusion.evaluate import evaluate, load_gold
    from ..pipeline.config import load_pipeline
    from ..pipeline.runner import build
    from ..store import KGStore

    gold_data = load_gold(gold)
    with tempfile.TemporaryDirectory(prefix="kgbuild-eval-fusion-") as tmp:
        folder = store or Path(tmp) / "kg"
        kg = KGStore(folder)
        pipe = load_pipeline(pipeline)
        if store is None or pipe.fusion is not None:
            build(gold_data["_root"], kg, pipe)  # incremental: a built store only catches up
        result = evaluate(kg, gold_data)
    if as_json:
        typer.echo(json.dumps(result))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"fusion against {gold}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    Console().print(table)


@train_app.command("fusion")
def train_fusion(
    train: Path = typer.Option(..., "--train", exists=True, dir_okay=False, help="CoNLL04-format JSON (names, contexts)."),
    dev: Path = typer.Option(..., "--dev", exists=True, dir_okay=False, help="CoNLL04-format JSON to measure on."),
    out: Path = typer.Option(..., "--out", help="Model JSON to write (kgbuild ships kgbuild/fusion/fusion-model.json)."),
    epochs: int = typer.Option(40, "--epochs", min=1),
    seed: int = typer.Option(13, "--seed"),
) -> None:
    """Train the fusion pair model on pairs built from CoNLL04 names (see kgbuild/fusion/training.py)."""
    import datetime

    from ..fusion.training import train as run

    model, metrics = run(train, dev, epochs=epochs, seed=seed)
    version = f"conll04-{datetime.date.today().isoformat()}-s{seed}"
    model.save(out, {"version": version, "epochs": epochs, "train": train.name, "dev": dev.name, **metrics})
    err.print(f"wrote {out}", highlight=False)
    typer.echo(json.dumps({"out": str(out), "version": version, **metrics}))
