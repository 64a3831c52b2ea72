"""``kgbuild``: build a knowledge graph from media, then query, export and inspect it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from .. import __version__
from ..errors import KGBuildError

# Third-party libraries must never install packages or fetch weights behind the user's back.
os.environ.setdefault("YOLO_AUTOINSTALL", "False")
os.environ.setdefault("YOLO_OFFLINE", "True")
os.environ.setdefault("YOLO_VERBOSE", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


class _Commands(TyperGroup):
    """The root command group: a :class:`KGBuildError` from any command, at any depth, is
    reported here, once (code, message, hint; exit status 2), so commands just raise."""

    # ctx is click's Context, which newer typers vendor as a private module: no public name for both.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KGBuildError as exc:
            fail(exc)


def _flags_show_no_type() -> None:
    """Typer (0.29) prints ``<bool>`` as the type of every on/off flag in --help: a flag takes
    no value, so it shows none."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if getattr(self, "is_flag", False) else shown(self, ctx)

    setattr(TyperOption, "display_type_rich", display_type_rich)  # noqa: B010 - a method of a library class


_flags_show_no_type()

app = typer.Typer(
    name="kgbuild",
    cls=_Commands,
    help="Turn a folder of text, images and speech into one knowledge graph, then query it with SPARQL.\n\n"
    "Typical use:\n\n"
    "  kgbuild build data/sample --store out/kg\n\n"
    "  kgbuild query --store out/kg 'SELECT ?label ?type WHERE { ?e a kg:Entity ; rdfs:label ?label ; kg:entityType ?type }'\n\n"
    "  kgbuild stats --store out/kg",
    no_args_is_help=True,
    rich_markup_mode="rich",
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
err = Console(stderr=True)

STORE_OPTION = typer.Option(Path("out/kg"), "--store", "-s", help="Store folder (an Oxigraph database).")


def fail(exc: KGBuildError, code: int = 2) -> None:
    err.print(f"[bold red]error[/] {exc.message}", highlight=False)
    if exc.hint:
        err.print(f"  [dim]hint:[/] {exc.hint}", highlight=False)
    err.print(f"  [dim]code {exc.code}[/]")
    raise typer.Exit(code)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"kgbuild {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    pass


eval_app = typer.Typer(help="Measure quality against standard data sets (one subcommand per task).",
                       no_args_is_help=True)
train_app = typer.Typer(help="Train the models stages use (one subcommand per model).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")


def _register_commands() -> None:
    """Every ``*_cmd.py`` module in this package adds its commands to ``app`` (or to
    ``eval_app``/``train_app``) when imported."""
    import importlib
    import pkgutil

    here = [str(Path(__file__).parent)]
    for info in sorted(pkgutil.iter_modules(here), key=lambda i: i.name):
        if info.name.endswith("_cmd"):
            importlib.import_module(f"{__package__}.{info.name}")


_register_commands()


def main() -> None:
    app()
