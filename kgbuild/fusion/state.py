"""Fusion's memory between builds (``<store>/fusion.sqlite``).

It keeps what incremental fusion needs so that a new document costs work in proportion to
what it touches: the atoms with their features and blocking keys, the accepted links, the
clusters, splits made by hand, and — per owner (an atom or a grounding group) — exactly the
quads fusion wrote for it, so they can be withdrawn precisely when the owner changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..store.sqlite import open_state, transaction
from .atoms import Atom
from .resolver import Link

SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (graph TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS atoms (iri TEXT PRIMARY KEY, data TEXT NOT NULL, embedding BLOB);
CREATE TABLE IF NOT EXISTS keys (key TEXT NOT NULL, iri TEXT NOT NULL, PRIMARY KEY (key, iri));
CREATE INDEX IF NOT EXISTS keys_by_iri ON keys(iri);
CREATE TABLE IF NOT EXISTS links (a TEXT NOT NULL, b TEXT NOT NULL, score REAL NOT NULL, method TEXT NOT NULL,
                                  owner TEXT NOT NULL, PRIMARY KEY (a, b, method));
CREATE INDEX IF NOT EXISTS links_by_b ON links(b);
CREATE INDEX IF NOT EXISTS links_by_owner ON links(owner);
CREATE TABLE IF NOT EXISTS atom_sources (source TEXT NOT NULL, iri TEXT NOT NULL, PRIMARY KEY (source, iri));
CREATE INDEX IF NOT EXISTS atom_sources_by_iri ON atom_sources(iri);
CREATE TABLE IF NOT EXISTS cannot (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b));
CREATE TABLE IF NOT EXISTS canon (iri TEXT PRIMARY KEY, canonical TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS canon_by_canonical ON canon(canonical);
CREATE TABLE IF NOT EXISTS ledger (owner TEXT NOT NULL, quad TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ledger_by_owner ON ledger(owner);
CREATE TABLE IF NOT EXISTS groups (key TEXT PRIMARY KEY, sources TEXT NOT NULL);
"""


class FusionState:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.db = open_state(self.path, SCHEMA)
        self._index_atom_sources()

    def _index_atom_sources(self) -> None:
        """A state written before the (source, atom) index existed gets it from the atoms."""
        if self.db.execute("SELECT 1 FROM atom_sources LIMIT 1").fetchone():
            return
        rows = [(src, iri) for iri, data in self.db.execute("SELECT iri, data FROM atoms")
                for src in json.loads(data)["sources"]]
        if rows:
            with transaction(self.db):
                self.db.executemany("INSERT OR IGNORE INTO atom_sources VALUES (?, ?)", rows)

    def close(self) -> None:
        self.db.close()

    def begin(self) -> None:
        self.db.execute("BEGIN")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    # sources -------------------------------------------------------------------------
    def sources(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT graph, fingerprint FROM sources"))

    def set_sources(self, current: dict[str, str]) -> None:
        self.db.execute("DELETE FROM sources")
        self.db.executemany("INSERT INTO sources VALUES (?, ?)", current.items())

    # atoms ---------------------------------------------------------------------------
    def atoms(self, iris: Iterable[str] | None = None) -> dict[str, Atom]:
        rows = (self.db.execute("SELECT data, embedding FROM atoms") if iris is None else
                (r for iri in set(iris) for r in self.db.execute("SELECT data, embedding FROM atoms WHERE iri=?", (iri,))))
        out = {}
        for data, blob in rows:
            atom = Atom.from_json(json.loads(data), np.frombuffer(blob, dtype=np.float32) if blob else None)
            out[atom.iri] = atom
        return out

    def atoms_of_sources(self, graphs: set[str]) -> set[str]:
        """Atoms with a mention in any of ``graphs`` (an index: proportional to the change)."""
        return {iri for g in graphs for (iri,) in self.db.execute("SELECT iri FROM atom_sources WHERE source=?", (g,))}

    def put_atom(self, atom: Atom, keys: set[str]) -> None:
        blob = atom.embedding.astype(np.float32).tobytes() if atom.embedding is not None else None
        self.db.execute("INSERT OR REPLACE INTO atoms VALUES (?, ?, ?)", (atom.iri, json.dumps(atom.to_json()), blob))
        self.db.execute("DELETE FROM keys WHERE iri=?", (atom.iri,))
        self.db.executemany("INSERT OR IGNORE INTO keys VALUES (?, ?)", ((k, atom.iri) for k in keys))
        self.db.execute("DELETE FROM atom_sources WHERE iri=?", (atom.iri,))
        self.db.executemany("INSERT OR IGNORE INTO atom_sources VALUES (?, ?)", ((s, atom.iri) for s in atom.sources))

    def drop_atom(self, iri: str) -> None:
        for table, col in (("atoms", "iri"), ("keys", "iri"), ("atom_sources", "iri"), ("links", "a"), ("links", "b")):
            self.db.execute(f"DELETE FROM {table} WHERE {col}=?", (iri,))

    def block(self, keys: Iterable[str]) -> dict[str, list[str]]:
        return {k: [r[0] for r in self.db.execute("SELECT iri FROM keys WHERE key=?", (k,))] for k in set(keys)}

    # links and clusters --------------------------------------------------------------
    def replace_links(self, owner: str, links: list[Link]) -> None:
        self.db.execute("DELETE FROM links WHERE owner=?", (owner,))
        self.db.executemany("INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?, ?)",
                            ((k.a, k.b, k.score, k.method, owner) for k in links))

    def drop_model_links(self, iri: str) -> None:
        self.db.execute("DELETE FROM links WHERE method IN ('model', 'appearance') AND (a=? OR b=?)", (iri, iri))

    def add_links(self, links: list[Link], owner: str) -> None:
        self.db.executemany("INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?, ?)",
                            ((k.a, k.b, k.score, k.method, owner) for k in links))

    def links_of_owner(self, owner: str) -> list[Link]:
        return [Link(a, b, s, m) for a, b, s, m in
                self.db.execute("SELECT a, b, score, method FROM links WHERE owner=?", (owner,))]

    def links_of(self, iris: Iterable[str]) -> list[Link]:
        out = {}
        for iri in set(iris):
            for a, b, s, m in self.db.execute("SELECT a, b, score, method FROM links WHERE a=? OR b=?", (iri, iri)):
                out[(a, b, m)] = Link(a, b, s, m)
        return list(out.values())

    def cannot(self) -> set[tuple[str, str]]:
        return set(self.db.execute("SELECT a, b FROM cannot"))

    def add_cannot(self, a: str, b: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO cannot VALUES (?, ?)", tuple(sorted((a, b))))

    def canonical(self, iri: str) -> str | None:
        row = self.db.execute("SELECT canonical FROM canon WHERE iri=?", (iri,)).fetchone()
        return row[0] if row else None

    def members(self, canonical: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT iri FROM canon WHERE canonical=?", (canonical,))]

    def set_canon(self, mapping: dict[str, str]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO canon VALUES (?, ?)", mapping.items())

    def drop_canon(self, iri: str) -> None:
        self.db.execute("DELETE FROM canon WHERE iri=?", (iri,))

    # what was written ----------------------------------------------------------------
    def written(self, owner: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT quad FROM ledger WHERE owner=?", (owner,))]

    def set_written(self, owner: str, quads: list[str]) -> None:
        self.db.execute("DELETE FROM ledger WHERE owner=?", (owner,))
        self.db.executemany("INSERT INTO ledger VALUES (?, ?)", ((owner, q) for q in quads))

    # grounding groups ----------------------------------------------------------------
    def groups(self) -> dict[str, list[str]]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, sources FROM groups")}

    def set_group(self, key: str, sources: list[str] | None) -> None:
        self.db.execute("DELETE FROM groups WHERE key=?", (key,))
        if sources is not None:
            self.db.execute("INSERT INTO groups VALUES (?, ?)", (key, json.dumps(sorted(sources))))
