"""Terminal output: the build summary and SPARQL results as tables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..media.discovery import MEDIA_TYPES

if TYPE_CHECKING:  # the CLI's --help must not import the pipeline
    from ..pipeline.runner import BuildReport

console = Console()


# Labels, texts and file names come from the corpus. Printed raw, an ESC in one could
# retitle the terminal, hide lines or (on some terminals) write to files; Rich would also
# read "[bold]" in one as markup. Tables therefore show every control character as a
# visible escape (\x1b), and machine formats are escaped the same way only when they go to
# a terminal: piped to a file, they keep the exact data.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]|\r(?!\n)")


def visible(text: str) -> str:
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def cell(value) -> str:
    """A corpus value for a Rich table: control characters visible, no markup read."""
    return escape(visible(str(value)))


def print_build_report(report: BuildReport, store: str | Path) -> None:
    table = Table(title=f"kgbuild → {store}", show_footer=False)
    for col in ("modality", "files", "processed", "mentions"):
        table.add_column(col, justify="right" if col != "modality" else "left")
    for modality in sorted(set(report.files) | set(report.mentions)):
        table.add_row(modality, str(report.files.get(modality, 0)), str(report.ingested.get(modality, 0)),
                      str(report.mentions.get(modality, 0)))
    console.print(table)
    if not report.files and not report.failures:
        console.print(f"[yellow]warning:[/] no supported files found under the corpus folder (supported: "
                      f"{', '.join(sorted(MEDIA_TYPES))}); nothing was built", highlight=False)
    console.print(
        f"entities touched: {len(report.entities)}   unchanged (skipped): {report.unchanged}   "
        f"unsupported (skipped): {len(report.unsupported)}   failed: {len(report.failures)}   "
        f"time: {report.seconds:.1f} s"
    )
    if report.fusion is not None:
        f = report.fusion
        merged = sum(size * n for size, n in f.clusters.items() if size > 1)
        runs = f" in {f.runs} runs" if f.runs > 1 else ""
        merging = (f"; the last run merged {merged} of its entities into" if f.runs > 1
                   else f", {merged} of them merged into")
        console.print(f"fusion{runs}: {f.sources_changed} changed / {f.sources_removed} removed sources, "
                      f"{f.atoms_touched} entities re-resolved{merging} "
                      f"{sum(n for size, n in f.clusters.items() if size > 1)} canonical entities, "
                      f"{f.groundings} groundings ({f.seconds:.1f} s)")
        if f.evidence_lost:
            lost = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(f.evidence_lost.items()))
            console.print(f"[yellow]fusion evidence lost:[/] {lost} (files moved or damaged since the build)",
                          highlight=False)
    if report.unsupported:
        shown = ", ".join(cell(p) for p in report.unsupported[:8]) + (" …" if len(report.unsupported) > 8 else "")
        console.print(f"[dim]unsupported file types, skipped: {shown}[/]")
    if report.failures:
        failed = Table(title="failed files (recorded in the store; the rest was ingested)", title_style="bold red")
        for col in ("path", "stage", "code", "reason"):
            failed.add_column(col, overflow="fold")
        for failure in report.failures:
            failed.add_row(cell(failure.path), cell(failure.stage), failure.code, cell(failure.reason))
        console.print(failed)


def term_text(term) -> str:
    if term is None:
        return ""
    return term.value


def print_solutions(solutions, *, title: str | None = None, limit: int | None = None) -> int:
    variables = [v.value for v in solutions.variables]
    table = Table(title=title)
    for var in variables:
        table.add_column(var, overflow="fold")
    count = 0
    for row in solutions:
        count += 1
        if limit is None or count <= limit:
            table.add_row(*(term_text(row[v]) for v in variables))
    console.print(table)
    console.print(f"[dim]{count} row{'s' if count != 1 else ''}[/]")
    return count
