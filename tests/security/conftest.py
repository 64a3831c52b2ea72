"""Fixtures for the security suite: stores to attack, servers on loopback, a listener.
The helpers they use are in security/hostile.py.

Every request goes to 127.0.0.1; a "second client" only binds another loopback source
address (127.0.0.2) so that the server can tell it apart from the flooding one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli, start_server
from security.hostile import ESCAPES, Listener, make_hostile_corpus

# The smallest pipeline that turns text into entities: no speech, vision or relation models.
TEXT_PIPELINE = """name: security-test
batch_size: 4
stages:
  - {type: text_reader, name: text}
  - {type: spacy_ner, name: ner}
  - {type: entity_linker, name: link}
"""


@pytest.fixture(scope="session")
def cartesian_store(tmp_path_factory) -> Path:
    """3,000 triples in 30 graphs (a three-way cartesian product of them never finishes) and
    one literal full of control characters."""
    import pyoxigraph as ox

    from kgbuild.store import KGStore

    path = tmp_path_factory.mktemp("cartesian") / "store"
    store = KGStore(path)
    p = ox.NamedNode("urn:test:p")
    store.add(ox.Quad(ox.NamedNode(f"urn:test:s{i}"), p, ox.Literal(f"value {i}"), ox.NamedNode(f"urn:test:g{i % 30}"))
              for i in range(3000))
    store.add([ox.Quad(ox.NamedNode("urn:test:evil"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                       ox.Literal(ESCAPES), ox.NamedNode("urn:test:g0"))])
    store.close()
    return path


@pytest.fixture
def serve():
    """start(store, *options) -> (base URL, pid) of `kgbuild serve` on a free loopback port;
    every server started is stopped at the end."""
    started = []

    def start(store, *extra: str) -> tuple[str, int]:
        proc, url = start_server(store, *extra)
        started.append(proc)
        return url, proc.pid

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(10)
        except Exception:  # noqa: BLE001 - a server that does not stop is killed
            proc.kill()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="session")
def hostile_build(tmp_path_factory):
    """(corpus info, store, build output) of `kgbuild build` over make_hostile_corpus."""
    base = tmp_path_factory.mktemp("hostile")
    corpus = make_hostile_corpus(base / "corpus")
    pipeline = base / "pipeline.yaml"
    pipeline.write_text(TEXT_PIPELINE)
    store = base / "store"
    proc = run_cli("build", base / "corpus", "--store", store, "--pipeline", pipeline)
    assert proc.returncode in (0, 3), proc.stdout + proc.stderr  # 3: some files failed, as they should
    return {**corpus, "root": base / "corpus"}, store, proc.stdout + proc.stderr
