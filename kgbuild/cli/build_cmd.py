"""``kgbuild build`` and ``kgbuild stages``."""

from __future__ import annotations

import contextlib
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ..errors import ConfigError
from .main import app
from .store_option import STATE_OPTION, STORE_LOCATION_OPTION, open_location

console = Console(stderr=True)


class ExecutorKind(str, Enum):
    local = "local"
    ray = "ray"


@app.command()
def build(
    corpus: Path = typer.Argument(..., help="A folder of media (searched recursively) or a single file."),
    store: str = STORE_LOCATION_OPTION,
    state: Path = STATE_OPTION,
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
    file_timeout: float = typer.Option(None, "--file-timeout", min=0, show_default=False,
                                       help="Seconds one file may take before it is recorded as failed (E304) and "
                                       "the build goes on; 0: no limit. In this process an alarm stops the stage "
                                       "(a native call when it returns); a worker process is killed. On Ray: per "
                                       "model stage. Default: 600."),
    batch_timeout: float = typer.Option(None, "--batch-timeout", min=0,
                                        help="Seconds a batch may take before its files are retried one by one, "
                                        "each under --file-timeout, to find the slow one. Default: --file-timeout."),
    max_memory_mb: float = typer.Option(None, "--max-memory-mb", min=0, show_default=False,
                                        help="Memory (MB) one process may use, its models included; a file that "
                                        "takes it over is recorded as failed (E305) and the build goes on. "
                                        "Default: half the machine's memory, shared by the workers (at least "
                                        "2048 each; in this process, enforced with an rlimit). A value given runs the work in worker "
                                        "processes, even with --workers 1 (on Ray: one per actor), whose resident "
                                        "memory is also watched; 0: no limit."),
    max_mentions: int = typer.Option(None, "--max-mentions", min=0, show_default=False,
                                     help="Mentions one file may give; a file with more is recorded as failed "
                                     "(E308) rather than written (a megabyte on one line, a list of a million "
                                     "names); 0: no cap. Default: 250000."),
    follow_links: bool = typer.Option(False, "--follow-links",
                                      help="Ingest the files that links in the corpus point to outside it (by "
                                      "default they are skipped and listed with the reason; the server never "
                                      "serves them). Links to folders are never followed."),
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
    store_writers: int = typer.Option(None, "--writers", min=1, show_default=False,
                                      help="With --store URL: graphs written to the server at once by this process "
                                      "(default 4). Each finished source is one graph, so writers never touch the "
                                      "same one. With --workers N > 1 or --executor ray the workers write their own "
                                      "batches' graphs instead (this process keeps the ingest state)."),
    fuse_every: int = typer.Option(0, "--fuse-every", min=0, show_default=False,
                                   help="Also run fusion after every N written batches, so a large corpus's entities "
                                   "are resolved while it lands (fusion is incremental: the result is the same)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Extract entities from every supported file under CORPUS into the store.

    Unchanged files already in the store are skipped, so re-running is cheap. A file that
    cannot be processed is recorded with its reason and the rest of the batch goes on.

    Limits hold by default, per file: time (--file-timeout), memory (--max-memory-mb) and
    mentions (--max-mentions); a file over one is recorded as failed with its code and the
    build goes on. Links to files outside CORPUS are skipped (--follow-links). A full disk
    stops the build (E410): what was written is kept, and the next build does the rest.

    --store URL builds into a SPARQL server (Virtuoso: scripts/virtuoso-server.sh): each
    finished source's graph is written by --writers parallel Graph Store writes (with worker
    processes or Ray: by the worker that ran it); the ingest state stays local (--state),
    and a source is done only once the server has acknowledged its graph.

    Exit status: 0 all ingested, 3 some files failed (the rest were ingested),
    2 usage or configuration error (nothing was processed).
    """
    from ..pipeline import load_pipeline
    from ..pipeline.options import BuildOptions
    from ..pipeline.runner import build as run_build
    from .render import print_build_report

    if not corpus.exists():
        raise ConfigError(f"corpus path '{corpus}' does not exist")
    pipe = load_pipeline(pipeline)
    kg = open_location(store, state=state)
    progress = Progress(TextColumn("[bold]building[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TimeRemainingColumn(), console=console, disable=quiet, transient=False)
    try:
        with progress:
            task = progress.add_task("files", total=None)
            defaults = BuildOptions()  # an option not given keeps BuildOptions' default (its help says which)
            options = BuildOptions(force=force, workers=workers, executor=executor.value, ray_address=address,
                                   max_memory_mb=max_memory_mb, threads=threads, rehash=rehash,
                                   retry_failed=retry_failed, batch_timeout_s=batch_timeout, follow_links=follow_links,
                                   store_writers=store_writers, fuse_every=fuse_every,
                                   file_timeout_s=defaults.file_timeout_s if file_timeout is None else file_timeout,
                                   max_mentions=defaults.max_mentions if max_mentions is None else max_mentions)
            report = run_build(corpus, kg, pipe, options,
                               on_start=lambda n: progress.update(task, total=n),
                               on_progress=lambda n: progress.advance(task, n))
    except BaseException:
        with contextlib.suppress(OSError):  # the error in flight is the one to tell (a full disk: E410)
            kg.flush()
        raise
    kg.flush()
    if not quiet:
        print_build_report(report, getattr(kg, "url", store))  # a server's URL without its credentials
        print_skipped(report.skipped)
    raise typer.Exit(report.exit_code)


def print_skipped(skipped: list[tuple[str, str]]) -> None:
    """Files not read on purpose (links out of the corpus): neither ingested nor failed."""
    from .render import cell, console

    if not skipped:
        return
    table = Table(title=f"skipped files ({len(skipped)}): not read, on purpose", title_style="bold yellow")
    for col in ("path", "reason"):
        table.add_column(col, overflow="fold")
    for path, reason in skipped:
        table.add_row(cell(path), cell(reason))
    console.print(table)


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
