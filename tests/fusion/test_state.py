"""Fusion's own state: which atoms a changed source touches, found by an index."""

from __future__ import annotations

import sqlite3

from kgbuild.fusion.atoms import Atom
from kgbuild.fusion.state import FusionState


def atom(iri: str, *sources: str) -> Atom:
    return Atom(iri, iri.title(), "PERSON", sources=frozenset(sources), mentions=len(sources))


def test_atoms_of_sources_follow_puts_and_drops(tmp_path):
    state = FusionState(tmp_path / "fusion.sqlite")
    state.put_atom(atom("ada", "s1", "s2"), {"k:ada"})
    state.put_atom(atom("alan", "s2"), {"k:alan"})
    state.put_atom(atom("grace", "s3"), {"k:grace"})
    assert state.atoms_of_sources({"s2"}) == {"ada", "alan"}
    assert state.atoms_of_sources({"s1", "s3"}) == {"ada", "grace"}
    state.put_atom(atom("ada", "s1"), {"k:ada"})  # re-read: no longer mentioned in s2
    state.drop_atom("grace")
    assert state.atoms_of_sources({"s2", "s3"}) == {"alan"}
    assert state.atoms_of_sources({"s9"}) == set()
    state.close()


def test_a_state_from_before_the_index_gets_it_when_opened(tmp_path):
    path = tmp_path / "fusion.sqlite"
    state = FusionState(path)
    state.put_atom(atom("ada", "s1", "s2"), set())
    state.put_atom(atom("alan", "s2"), set())
    state.close()
    with sqlite3.connect(path) as db:  # as an earlier kgbuild left it: atoms, no index
        db.execute("DROP TABLE atom_sources")
    state = FusionState(path)
    assert state.atoms_of_sources({"s2"}) == {"ada", "alan"}
    assert state.atoms_of_sources({"s1"}) == {"ada"}
    state.close()
