"""The one way kgbuild opens its SQLite state files."""

from __future__ import annotations

import pytest

from kgbuild.store.sqlite import open_state, transaction

SCHEMA = "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v INTEGER NOT NULL);"


def test_open_state_creates_the_folder_in_wal_mode_and_applies_the_schema_idempotently(tmp_path):
    path = tmp_path / "deep" / "state.sqlite"
    db = open_state(path, SCHEMA, synchronous="NORMAL")
    assert path.exists()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    db.execute("INSERT INTO t VALUES ('a', 1)")  # autocommit: no transaction left open
    db.close()
    again = open_state(path, SCHEMA)
    assert again.execute("SELECT v FROM t").fetchall() == [(1,)]
    assert again.execute("PRAGMA synchronous").fetchone()[0] == 2  # SQLite's default, FULL


def test_a_transaction_commits_together_or_not_at_all(tmp_path):
    db = open_state(tmp_path / "s.sqlite", SCHEMA)
    with transaction(db, immediate=True):
        db.execute("INSERT INTO t VALUES ('a', 1)")
        db.execute("INSERT INTO t VALUES ('b', 2)")
    with pytest.raises(ValueError), transaction(db):
        db.execute("INSERT INTO t VALUES ('c', 3)")
        raise ValueError("half-way")
    assert db.execute("SELECT k FROM t ORDER BY k").fetchall() == [("a",), ("b",)]
    assert not db.in_transaction
