"""Fixtures: the generated documents (see make_documents.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents.make_documents import draw_report, draw_scan


@pytest.fixture(scope="session")
def documents(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("documents")
    work = tmp_path_factory.mktemp("work")
    return {
        "report": draw_report(folder / "report.pdf"),
        "scan": draw_scan(folder / "scan.pdf", work),
    }
