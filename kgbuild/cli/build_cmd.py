"""``kgbuild build`` and ``kgbuild stages``."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ..errors import ConfigError
from .main import STORE_OPTION, app

console = Console(stderr=True)


class ExecutorKind(str, Enum):
    local = "local"
    ray = "ray"


@app.command()
def build(
    corpus: Path = typer.Argument(..., help="A folder of media (searched recursively) or a single file."),
    store: Path = STORE_OPTION,
    pipeline: str = typer.Option("default", "--pipeline", "-p",
                                 help="Pipeline name (pipelines/NAME.yaml) or path to a YAML file."),
    force: bool = typer.Option(False, "--force", help="Re-process sources even if unchanged."),
    workers: int = typer.Option(1, "--workers", "-w", min=1,
                                help="Worker processes, each with its own models and share of the cores. "
                                "1 runs in this process (model libraries still use every core)."),
    threads: int = typer.Option(None, "--threads", min=1,
                                help="CPU threads per worker (or for this process with --workers 1), shared by "
                                "every model library; by default the cores this process may use, divided among "
                                "the workers. --threads 1 --workers 1 keeps a build to one core."),
    file_timeout: float = typer.Option(600.0, "--file-timeout",
                                       help="Seconds one file may take before it is recorded as failed "
                                       "(E304; enforced with --workers 2 or more, and per model stage on Ray, "
                                       "where 0 turns it off)."),
    max_memory_mb: float = typer.Option(None, "--max-memory-mb", min=1,
                                        help="Resident memory one worker process may use (its models included); "
                                        "a file that takes a worker over it is recorded as failed (E305). "
                                        "Runs the work in worker processes, even with --workers 1 "
                                        "(on Ray: one per actor)."),
    executor: ExecutorKind = typer.Option("local", "--executor",
                                          help="local: this process or --workers processes; ray: Ray Data, one "
                                          "actor pool per model stage of --workers actors "
                                          "(pip install 'kgbuild\\[ray]')."),
    address: str = typer.Option(None, "--address",
                                help="With --executor ray: the cluster to join ('auto', or ray://HOST:10001); "
                                "by default a Ray is started on this machine."),
    retry_failed: bool = typer.Option(False, "--retry-failed",
                                      help="Process again files that failed in an earlier build and have not "
                                      "changed since (by default they are reported, not retried)."),
    rehash: bool = typer.Option(False, "--rehash",
                                help="Read every file to hash it again (by default a file whose size, time and "
                                "inode are unchanged keeps its remembered hash)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Extract entities from every supported file under CORPUS into the store.

    Unchanged files already in the store are skipped, so re-running is cheap. A file that
    cannot be processed is recorded with its reason and the rest of the batch goes on.

    Exit status: 0 all ingested, 3 some files failed (the rest were ingested),
    2 usage or configuration error (nothing was processed).
    """
    from ..pipeline import load_pipeline
    from ..pipeline.options import BuildOptions
    from ..pipeline.runner import build as run_build
    from ..store import KGStore
    from .render import print_build_report

    if not corpus.exists():
        raise ConfigError(f"corpus path '{corpus}' does not exist")
    pipe = load_pipeline(pipeline)
    kg = KGStore(store)
    progress = Progress(TextColumn("[bold]building[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TimeRemainingColumn(), console=console, disable=quiet, transient=False)
    try:
        with progress:
            task = progress.add_task("files", total=None)
            options = BuildOptions(force=force, workers=workers, file_timeout_s=file_timeout, executor=executor.value,
                                   ray_address=address, max_memory_mb=max_memory_mb, threads=threads,
                                   rehash=rehash, retry_failed=retry_failed)
            report = run_build(corpus, kg, pipe, options,
                               on_start=lambda n: progress.update(task, total=n),
                               on_progress=lambda n: progress.advance(task, n))
    finally:
        kg.flush()
    if not quiet:
        print_build_report(report, store)
    raise typer.Exit(report.exit_code)


@app.command()
def stages() -> None:
    """List the stage types a pipeline YAML can use, with their parameters and defaults."""
    from ..stages import available, get_stage_class

    table = Table(title="stage types")
    for col in ("type", "requires", "produces", "params (default)"):
        table.add_column(col)
    for name in available():
        cls = get_stage_class(name)
        params = ", ".join(f"{k}={f.default!r}" for k, f in cls.Params.model_fields.items())
        table.add_row(name, ", ".join(sorted(cls.requires)), ", ".join(sorted(cls.produces)), params)
    Console().print(table)


@app.command()
def validate(pipeline: str = typer.Argument("default", help="Pipeline name or YAML path.")) -> None:
    """Check a pipeline file (syntax, parameters, wiring) without loading any model."""
    from ..pipeline import load_pipeline

    pipe = load_pipeline(pipeline)
    fusion = (f"; then fusion (threshold {pipe.fusion.threshold})" if pipe.fusion is not None and pipe.fusion.enabled
              else "; no fusion")
    typer.echo(f"{pipe.origin}: ok — {len(pipe.stages)} stages: {' -> '.join(s.name for s in pipe.stages)}{fusion}")
