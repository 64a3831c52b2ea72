"""``kgbuild reason train | predict | similar | infer | runs | forget`` and ``kgbuild eval linkpred``:
link prediction over the built graph (a relational GNN, see docs/reasoning.md)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer

from ..errors import ConfigError
from .main import STORE_OPTION, app, err, eval_app

reason_app = typer.Typer(help="Learn over the built graph (R-GCN link prediction): train, predict missing links, "
                              "find similar entities, write inferred links back.", no_args_is_help=True)
app.add_typer(reason_app, name="reason")

RUN_OPTION = typer.Option(None, "--run", help="Model run id (default: the latest under <store>/reason/).")
JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")


class Decoder(str, Enum):
    complex = "complex"
    distmult = "distmult"
    rotate = "rotate"


class Dataset(str, Enum):
    nations = "nations"
    kinships = "kinships"
    umls = "umls"


def _progress(label: str, quiet: bool = False):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .render import console

    return Progress(TextColumn(f"[bold]{label}[/]"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                    TimeElapsedColumn(), console=console, disable=quiet, transient=True)


def _threads(threads: int) -> None:
    import torch

    if threads:
        torch.set_num_threads(threads)


def _run(store: Path, run_id: str | None):
    from ..reason.runs import load_run

    return load_run(store, run_id)


def _aliases(store: Path) -> dict[str, list[str]]:
    """Other names of the model's entities (fused members' labels, aliases), for look-ups."""
    from ..errors import StoreError
    from ..graph.resolve import entity_names
    from ..store import KGStore

    try:
        return {iri: names for iri, (_, _, _, names) in entity_names(KGStore(store, read_only=True)).items()}
    except StoreError:  # the run outlived its store: labels only
        return {}


def short_relation(iri: str) -> str:
    from ..reason.data import short_name

    return short_name(iri)


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    from rich.table import Table

    from .render import console

    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@reason_app.command("train")
def train_cmd(
    store: Path = STORE_OPTION,
    decoder: Decoder = typer.Option(Decoder.complex, "--decoder", help="KGE decoder on top of the R-GCN."),
    channels: int = typer.Option(128, "--channels", min=2, help="Embedding size (even)."),
    layers: int = typer.Option(1, "--layers", min=0, help="R-GCN layers (0: plain KGE)."),
    bases: int = typer.Option(4, "--bases", min=1, help="R-GCN basis matrices."),
    epochs: int = typer.Option(300, "--epochs", min=1),
    max_seconds: float = typer.Option(120.0, "--max-seconds", help="Stop training after this long."),
    features: bool = typer.Option(True, "--features/--no-features", help="MiniLM label embeddings as node features."),
    batching: str = typer.Option("auto", "--batching", help="auto | full | neighbor (LinkNeighborLoader)."),
    threads: int = typer.Option(0, "--threads", min=0, help="torch CPU threads (0: torch's default)."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when available), cpu or cuda."),
    seed: int = typer.Option(0, "--seed"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Train a link predictor on the store's entity–relation graph and save the run under
    <store>/reason/<run-id>/ (config, metrics, checkpoint, id mapping)."""
    from ..reason.runs import STORE_DEFAULTS, train_on_store
    from ..reason.train import TrainConfig

    if batching not in ("auto", "full", "neighbor"):
        raise ConfigError(f"unknown --batching '{batching}'", hint="auto, full or neighbor")
    _threads(threads)
    cfg = TrainConfig(**{**STORE_DEFAULTS, "decoder": decoder.value, "channels": channels, "num_layers": layers,
                         "num_bases": bases, "epochs": epochs, "max_seconds": max_seconds, "batching": batching,
                         "threads": threads, "device": device, "seed": seed})
    log = None if quiet else (lambda line: err.print(line, highlight=False))
    with _progress("training", quiet) as bar:
        task = bar.add_task("train", total=1.0)
        run = train_on_store(store, cfg, features=features, log=log,
                             progress=lambda f: bar.update(task, completed=f))
    valid = run.metrics.get("valid") or {}
    typer.echo(json.dumps({"run": run.run_id, "folder": str(run.folder), "entities": run.metrics["entities"],
                           "relations": run.metrics["relations"], "triples": run.metrics["triples"],
                           "epochs": run.metrics["epochs"], "train_seconds": round(run.metrics["train_seconds"], 2),
                           **{f"valid_{k}": round(v, 4) for k, v in valid.items() if k != "queries"}}))


@reason_app.command("predict")
def predict_cmd(
    store: Path = STORE_OPTION,
    head: str = typer.Option(None, "--head", help="Known subject (label or IRI): rank objects."),
    tail: str = typer.Option(None, "--tail", help="Known object (label or IRI): rank subjects."),
    relation: str = typer.Option(..., "--relation", "-r", help="Predicate IRI, kg:/open: name, or local name."),
    k: int = typer.Option(10, "--k", min=1),
    typed: bool = typer.Option(True, "--typed/--any-type",
                               help="Answers only of the entity types the relation has been stated with on that "
                               "side (no PERSON as an employer); --any-type ranks every entity."),
    run_id: str = RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Ranked answers to (head, relation, ?) or (?, relation, tail), with the model's probability
    and the facts that support each answer. Never the inverse of a stated fact of a relation
    the graph states one way only (the cup is inside the table: not the table inside the cup).
    Entities are found by label, alias or a near spelling, as `kgbuild path` finds them."""
    if (head is None) == (tail is None):
        raise ConfigError("give exactly one of --head and --tail")
    run = _run(store, run_id)
    heads = tail is not None
    entity = run.graph.entity_id(head if head is not None else tail, _aliases(store))
    rel = run.graph.relation_id(relation)
    answers = run.predict(entity, rel, k=k, heads=heads, typed=typed)
    note = run.type_note(entity, rel, heads=heads)
    answer_types = sorted(run.answer_types(rel, heads=heads)) if typed else None
    g = run.graph
    query = (f"({g.labels[entity]}, {relation}, ?)" if head is not None else f"(?, {relation}, {g.labels[entity]})")
    if as_json:
        typer.echo(json.dumps({"run": run.run_id, "query": query, "answer_types": answer_types, "note": note,
                               "answers": answers}, indent=2))
        return
    if note:
        err.print(f"[yellow]note:[/] {note}", highlight=False)
    if answer_types is not None:
        err.print(f"[dim]answers of type {', '.join(t or 'untyped' for t in answer_types)} "
                  f"(as stated with {short_relation(g.relations[rel])}; --any-type for all)[/]", highlight=False)
    _table(f"{query}  — run {run.run_id}", ("rank", "answer", "type", "score", "stated", "because"),
           [(str(a["rank"]), a["label"] or a["iri"], a["type"], f"{a['score']:.3f}", "yes" if a["known"] else "",
             "; ".join(a["because"])) for a in answers])


@reason_app.command("similar")
def similar_cmd(
    entity: str = typer.Argument(..., help="Entity label or IRI."),
    store: Path = STORE_OPTION,
    k: int = typer.Option(10, "--k", min=1),
    run_id: str = RUN_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Nearest entities in the model's embedding space (cosine)."""
    run = _run(store, run_id)
    idx = run.graph.entity_id(entity, _aliases(store))
    found = run.similar(idx, k)
    if as_json:
        typer.echo(json.dumps({"run": run.run_id, "entity": run.graph.entities[idx], "similar": found}, indent=2))
        return
    _table(f"entities like {run.graph.labels[idx]} — run {run.run_id}", ("rank", "entity", "type", "similarity"),
           [(str(s["rank"]), s["label"] or s["iri"], s["type"], f"{s['similarity']:.3f}") for s in found])


@reason_app.command("infer")
def infer_cmd(
    store: Path = STORE_OPTION,
    min_score: float = typer.Option(0.5, "--min-score", min=0.0, max=1.0, help="Least probability to write a link."),
    per_query: int = typer.Option(3, "--per-query", min=1, help="At most this many answers per (subject, relation)."),
    limit: int = typer.Option(1000, "--limit", min=1, help="At most this many links in all."),
    run_id: str = RUN_OPTION,
    remove: bool = typer.Option(False, "--remove", help="Remove the run's inferred links instead (with --all: every run's)."),
    all_runs: bool = typer.Option(False, "--all", help="With --remove: every run's inferred links."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the model's confident new links into the named graph kgid:graph/inferred/<run> as
    kg:Relation nodes with kg:inferred true (no direct triple), or remove them."""
    from ..reason.layout import list_runs, remove_inferred
    from ..store import KGStore

    if remove:
        runs: list[str] = [] if all_runs or run_id else list_runs(store)
        target = None if all_runs else (run_id or (runs[-1] if runs else None))
        dropped = remove_inferred(KGStore(store), target) if (target or all_runs) else []
        typer.echo(json.dumps({"removed_graphs": dropped}))
        return
    from ..reason.infer import candidate_links, write_inferred

    run = _run(store, run_id)
    links = candidate_links(run, min_score=min_score, per_query=per_query, limit=limit)
    written = write_inferred(KGStore(store), run, links)
    g = run.graph
    if as_json:
        typer.echo(json.dumps({"run": run.run_id, "graph": run.graph_iri, "written": written,
                               "links": [{"subject": g.entities[x["head"]], "predicate": g.relations[x["relation"]],
                                          "object": g.entities[x["tail"]], "confidence": x["score"]} for x in links]},
                              indent=2))
        return
    from ..reason.data import short_name

    _table(f"{written} inferred link(s) → {run.graph_iri}", ("subject", "predicate", "object", "confidence"),
           [(g.labels[x["head"]], short_name(g.relations[x["relation"]]), g.labels[x["tail"]], f"{x['score']:.3f}")
            for x in links])


@reason_app.command("runs")
def runs_cmd(store: Path = STORE_OPTION) -> None:
    """Model runs under the store, oldest first, with their validation MRR."""
    from ..reason.layout import list_runs, runs_dir

    rows: list[tuple[str, ...]] = []
    for rid in list_runs(store):
        metrics = json.loads((runs_dir(store) / rid / "metrics.json").read_text())
        mrr = (metrics.get("valid") or {}).get("mrr")
        rows.append((rid, str(metrics.get("triples")), f"{mrr:.3f}" if mrr is not None else "", metrics.get("ended", "")))
    _table(f"model runs in {store}", ("run", "triples", "valid MRR", "ended"), rows)


@reason_app.command("forget")
def forget_cmd(
    run_id: str = typer.Argument(..., help="Run id whose inferred links are dropped."),
    store: Path = STORE_OPTION,
    delete: bool = typer.Option(False, "--delete", help="Also delete the run's folder (model and mapping)."),
) -> None:
    """Drop a run's inferred links from the store (and, with --delete, the run itself)."""
    import shutil

    from ..reason.layout import remove_inferred, runs_dir
    from ..store import KGStore

    dropped = remove_inferred(KGStore(store), run_id)
    folder = runs_dir(store) / run_id
    if delete and folder.is_dir():
        shutil.rmtree(folder)
    typer.echo(json.dumps({"removed_graphs": dropped, "deleted_run": delete and not folder.exists()}))


@eval_app.command("linkpred")
def eval_linkpred(
    dataset: Dataset = typer.Option(..., "--dataset", help="Standard split shipped inside PyPI pykeen."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (mrr, hits_at_1/3/10, seconds)."),
    max_seconds: float = typer.Option(60.0, "--max-seconds", help="Training budget."),
    epochs: int = typer.Option(None, "--epochs", min=1, help="At most this many epochs (default: the budget decides)."),
    decoder: Decoder = typer.Option(Decoder.complex, "--decoder"),
    threads: int = typer.Option(1, "--threads", min=0, help="torch CPU threads (0: torch's default)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Train the R-GCN link predictor on a standard split and report filtered, both-sides,
    realistic-tie MRR and Hits@1/3/10 on its test triples."""
    from ..reason import benchmark

    _threads(threads)
    cfg = benchmark.config_for(dataset.value, max_seconds=max_seconds, epochs=epochs or 100_000,
                               decoder=decoder.value, seed=seed)
    with _progress(f"training on {dataset.value}", as_json) as bar:
        task = bar.add_task("train", total=1.0)
        result = benchmark.run(dataset.value, cfg, progress=lambda f: bar.update(task, completed=f))
    if as_json:
        typer.echo(json.dumps({k: result[k] for k in ("mrr", "hits_at_1", "hits_at_3", "hits_at_10", "seconds")}
                              | {"dataset": dataset.value, "epochs": result["epochs"]}))
        return
    typer.echo(f"{dataset.value}: filtered MRR {result['mrr']:.4f}  Hits@1 {result['hits_at_1']:.4f}  "
               f"Hits@3 {result['hits_at_3']:.4f}  Hits@10 {result['hits_at_10']:.4f}  "
               f"({result['epochs']} epochs, {result['seconds']:.1f} s)")
