"""The ``kgbuild`` command line (typer)."""
