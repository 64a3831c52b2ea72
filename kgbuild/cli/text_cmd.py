"""``kgbuild train relations`` and ``kgbuild eval conll04``: the text model's train/eval loop."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .main import err, eval_app, train_app


@train_app.command("relations")
def train_relations(
    train: Path = typer.Option(..., "--train", exists=True, dir_okay=False, help="CoNLL04-format JSON to train on."),
    dev: Path = typer.Option(None, "--dev", exists=True, dir_okay=False,
                             help="CoNLL04-format JSON scored after training (dev_metrics.json)."),
    out: Path = typer.Option(..., "--out", help="Model folder to write (encoder, tokenizer, heads, config, metrics)."),
    encoder: str = typer.Option(None, "--encoder", help="HF model name (cached) or folder; default: the packaged MiniLM."),
    epochs: int = typer.Option(8, "--epochs", min=1),
    batch_size: int = typer.Option(16, "--batch-size", min=1),
    lr: float = typer.Option(2e-4, "--lr", help="Encoder learning rate (heads use 10x)."),
    threads: int = typer.Option(0, "--threads", min=0,
                                help="torch CPU threads; 0: 2, or 1 while the machine is busy (checked each epoch)."),
    max_minutes: float = typer.Option(None, "--max-minutes", help="Stop after this long; the model so far is kept."),
    limit: int = typer.Option(None, "--limit", help="Train on the first N sentences only (smoke tests)."),
    seed: int = typer.Option(13, "--seed"),
) -> None:
    """Train the joint entity + relation model (CoNLL04 schema) that the `relations` and
    `transformer_ner` stages use, and score it on --dev."""
    from ..nlp import conll04
    from ..nlp.train_joint import TrainConfig, train as run

    train_set = conll04.load(train)
    dev_set = conll04.load(dev) if dev else None
    cfg = TrainConfig(encoder=encoder, epochs=epochs, batch_size=batch_size, lr=lr, head_lr=10 * lr,
                      threads=threads, max_minutes=max_minutes, limit=limit, seed=seed)
    err.print(f"training on {len(train_set)} sentences, {cfg.epochs} epochs, "
              f"{cfg.threads or 'auto (1-2)'} thread(s)", highlight=False)
    meta = run(train_set, dev_set, out, cfg, log=lambda line: err.print(line, highlight=False))
    typer.echo(json.dumps({"out": str(out), "train_seconds": meta["train_seconds"], **meta.get("dev", {})}))


@eval_app.command("conll04")
def eval_conll04(
    file: Path = typer.Option(..., "--file", exists=True, dir_okay=False, help="CoNLL04-format JSON (e.g. dev.json)."),
    model: str = typer.Option("relations-conll04", "--model", help="Model folder, or a name on the model search path."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    gold_entities: bool = typer.Option(False, "--gold-entities", help="Score relations between gold entities."),
    threads: int = typer.Option(2, "--threads", min=1),
    quantize: bool = typer.Option(False, "--quantize/--no-quantize",
                                  help="int8 encoder, as the `relations` stage runs it (costs the tagger ~3 F1)."),
) -> None:
    """Entity F1 and strict relation F1 (spans, entity types and relation type must all match)."""
    from rich.console import Console
    from rich.table import Table

    from ..errors import ModelNotFoundError
    from ..models import find_model_file
    from ..nlp import conll04
    from ..nlp.predictor import Predictor
    from ..nlp.scoring import predict, score

    folder = find_model_file(model)
    if folder is None:
        raise ModelNotFoundError(f"model '{model}' not found", hint="`make models/relations-conll04`")
    gold = conll04.load(file)
    predictor = Predictor(folder, threads=threads, quantize=quantize)
    result = score(gold, predict(predictor, gold, gold_entities=gold_entities))
    result["quantized"] = predictor.quantized
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    out = Console()
    out.print(f"{file}: {result['sentences']} sentences, model {folder}")
    out.print(f"entity F1 {result['ner_f1']:.2f}   strict relation micro-F1 {result['rel_micro_f1']:.2f}   "
              f"macro-F1 {result['rel_macro_f1']:.2f}")
    for title, rows in (("relations", result["per_type"]), ("entities", result["ner_per_type"])):
        table = Table(title=title)
        for col in ("type", "P", "R", "F1", "gold", "predicted"):
            table.add_column(col, justify="left" if col == "type" else "right")
        for kind, s in rows.items():
            table.add_row(kind, f"{s['precision']:.2f}", f"{s['recall']:.2f}", f"{s['f1']:.2f}",
                          str(s["support"]), str(s["predicted"]))
        out.print(table)
