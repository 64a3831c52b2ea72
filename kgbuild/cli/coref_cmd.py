"""``kgbuild eval coref``: coreference and relations on the gold set in data/coref-eval."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .main import eval_app


@eval_app.command("coref")
def eval_coref(
    gold: Path = typer.Option(None, "--gold", exists=True, dir_okay=False,
                              help="Gold JSON (format: data/coref-eval/README.md); default: data/coref-eval/gold.json."),
    split: str = typer.Option("dev", "--split", help="dev (p01-p24, for tuning), test (for reporting) or all."),
    pipeline: str = typer.Option("default", "--pipeline", help="Pipeline whose stages run (fusion is not run)."),
    threads: int = typer.Option(2, "--threads", min=1, help="CPU threads for the models."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (with the dev paragraphs' errors)."),
) -> None:
    """Coreference P/R/F1 over pronoun and nominal mentions, and relation P/R/F1 (all, and
    those stated through a reference), on each paragraph run as a text file."""
    from ..pipeline.coref_eval import DEFAULT_GOLD, evaluate, render
    from ..threads import limit_cpu_threads

    limit_cpu_threads(threads)  # before any model loads
    result = evaluate(gold or DEFAULT_GOLD, split, pipeline)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    from rich.console import Console

    render(result, Console())
