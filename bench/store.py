"""The store: loading a kgbuild-shaped graph, and four query shapes, kgbuild vs raw pyoxigraph vs rdflib.

The graph is made by kgbuild's own RDF writer (:func:`kgbuild.store.rdf.source_quads`) from
generated items: one named graph per source (~490 quads: 40 mentions with their selectors,
3 relations, 2 activities, the source's own facts) plus the shared entities graph, entities
drawn Zipf-like from a pool of 4 per source, as names recur in a real corpus.

Loads, each into a fresh folder, the quads made beforehand (generation is not timed):

* ``kgbuild`` — the build's write path: batches of 16 sources (the pipeline's default batch)
  handed to :class:`~kgbuild.store.bulk_writer.BulkWriter`, ingest-state marks included;
* ``kgbuild-replace`` — the write path before it: one named-graph replace and one state mark
  per source (``--no-before`` skips it);
* ``pyoxigraph bulk_extend`` — every quad in one call; ``pyoxigraph bulk_load`` — from N-Quads;
* ``rdflib`` — an in-memory ``Dataset`` parsing the same N-Quads (``--no-rdflib`` skips it).

Queries (median of 3, over the union of the graphs, same answers checked across engines):
a 3-pattern join, GROUP BY, top-k, a transitive property path.

    .venv/bin/python bench/store.py                   # 200k quads -> bench/results/store.json
    .venv/bin/python bench/store.py --quads 1000000   # -> bench/results/store-1000000.json

``--virtuoso`` measures instead the server write path: the same batches written by
:class:`~kgbuild.store.gsp_writer.GraphStoreWriter` with 1, 2 and 4 writers (``--writers``)
into a Virtuoso started on loopback by ``scripts/virtuoso-server.sh`` (a fresh database, every
graph deleted between runs), each run's triples counted on the server
(-> ``bench/results/store-virtuoso.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kgbuild.datamodel import Activity, CharSpan, Entity, Item, Mention, Provenance, Relation, Source  # noqa: E402
from kgbuild.ids import NS, mint  # noqa: E402
from kgbuild.store.bulk_writer import BulkWriter, SourceWrite  # noqa: E402
from kgbuild.store.ingest_state import DoneMark, IngestState  # noqa: E402
from kgbuild.store.oxigraph_store import KGStore  # noqa: E402
from kgbuild.store.rdf import PREFIXES, entity_quads, source_quads  # noqa: E402

BATCH = 16
QUADS_PER_SOURCE = 490  # measured below and reported
TYPES = ["PERSON", "ORG", "GPE", "DATE", "NORP"]
PREDICATES = [NS + "worksFor", NS + "basedIn", NS + "locatedIn"]

PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
QUERIES = {
    "3-pattern join": """SELECT (COUNT(*) AS ?n) WHERE {
        ?m a kg:Mention ; kg:refersTo ?e . ?e rdfs:label ?name }""",
    "GROUP BY": """SELECT ?label (COUNT(?m) AS ?n) WHERE { ?m a kg:Mention ; kg:label ?label }
        GROUP BY ?label ORDER BY ?label""",
    "top-k": """SELECT ?e (COUNT(?m) AS ?n) WHERE { ?m kg:refersTo ?e } GROUP BY ?e ORDER BY DESC(?n) ?e LIMIT 10""",
    "property path": """SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {
        <%s> (kg:worksFor|kg:basedIn|kg:locatedIn)+ ?x }""",
}


# the graph --------------------------------------------------------------------------


def make_sources(n_sources: int, seed: int = 7) -> list[tuple[Item, list[Entity]]]:
    rnd = random.Random(seed)
    pool = 4 * n_sources
    entities = [Entity(mint("entity", i), f"Name {i}", TYPES[i % len(TYPES)]) for i in range(pool)]
    out = []
    for s in range(n_sources):
        sha = f"{s:064x}"
        src = Source(Path(f"/corpus/doc{s}.txt"), f"doc{s}.txt", sha, 4000, "text/plain", "text")
        item = Item(src, meta={"language": "en", "characters": 4000})
        used: dict[str, Entity] = {}
        mentions = []
        for m in range(40):
            e = entities[min(pool - 1, int(rnd.paretovariate(1.1)) - 1)] if rnd.random() < 0.5 else rnd.choice(entities)
            used[e.iri] = e
            mention = Mention(e.label, e.entity_type, "text", Provenance(src.iri, (CharSpan(m * 90, m * 90 + 8),), "ner"),
                              confidence=round(rnd.random(), 3), entity=e.iri)
            mentions.append(mention)
        item.mentions = mentions
        for r in range(3):
            a, b = rnd.sample(mentions, 2)
            assert a.entity is not None and b.entity is not None
            item.relations.append(Relation(a.entity, PREDICATES[r % 3], b.entity, (a.iri, b.iri), "relations",
                                           round(rnd.random(), 3)))
        item.activities = [Activity("ner", "spacy_ner", "en_core_web_sm", "3.8", "fp-ner"),
                           Activity("relations", "relation_extractor", "conll04", "1", "fp-rel")]
        item.entities = used
        out.append((item, list(used.values())))
    return out


def source_writes(sources) -> list[tuple[list[SourceWrite], list[ox.Quad]]]:
    """Per batch: each source's graph and state mark, and the batch's entity quads."""
    batches = []
    for start in range(0, len(sources), BATCH):
        part = sources[start:start + BATCH]
        writes = []
        for item, _ in part:
            src = item.source
            quads = source_quads(item, pipeline="bench", pipeline_fingerprint="fp", paths=[src.relpath])
            writes.append(SourceWrite(src.iri, quads, DoneMark(src.sha256, "text", "ok", "fp", [src.relpath],
                                                               {"ner": "fp"})))
        batches.append((writes, list(entity_quads([e for _, es in part for e in es]))))
    return batches


# loading ----------------------------------------------------------------------------


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def load_kgbuild(batches, folder: Path) -> KGStore:
    store = KGStore(folder)
    writer = BulkWriter(store, IngestState(store.state_path))
    for writes, shared in batches:
        writer.write(writes, shared)
    writer.flush()
    store.flush()
    return store


def load_replace(batches, folder: Path) -> KGStore:
    """The write path before the bulk writer (kept here as the 'before' figure)."""
    store = KGStore(folder)
    state = IngestState(store.state_path)
    for writes, shared in batches:
        store.add(shared)
        for w in writes:
            store.replace_graph(w.graph, w.quads)
            m = w.mark
            state.mark_done(m.sha256, m.modality, m.status, m.fingerprint, m.paths, m.stages, m.reason)
    store.flush()
    return store


def bulk_extend(store: ox.Store, quads: list[ox.Quad]) -> None:
    store.bulk_extend(quads)
    store.flush()


def bulk_load(store: ox.Store, nquads: bytes) -> None:
    store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
    store.flush()


def timed(fn, *args):
    started = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - started


# queries ----------------------------------------------------------------------------


def ox_rows(result) -> list[tuple]:
    names = [v.value for v in result.variables]
    return [tuple(row[n].value if row[n] is not None else None for n in names) for row in result]


def run_queries(engines: dict, hub: str, repeat: int = 3) -> dict:
    out: dict = {}
    for name, text in QUERIES.items():
        sparql = text % hub if "%s" in text else text
        answers = {}
        for engine, run in engines.items():
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                rows = run(sparql)
                times.append(time.perf_counter() - started)
            answers[engine] = rows
            out.setdefault(name, {})[engine] = statistics.median(times)
        first = next(iter(answers.values()))
        for engine, rows in answers.items():
            if rows != first:
                raise SystemExit(f"{name}: {engine} answers differently: {rows[:3]} vs {first[:3]}")
        out[name]["rows"] = len(first)
    return out


def server_writers(batches, counts: list[int], work: Path) -> dict:
    """Write throughput into Virtuoso with each number of writer threads."""
    import socket
    import subprocess
    import urllib.parse
    import urllib.request

    from kgbuild.store.gsp_writer import GraphStoreWriter

    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    port = free_port()
    log = (work / "virtuoso.out").open("w")
    proc = subprocess.Popen(["bash", str(REPO / "scripts" / "virtuoso-server.sh"), str(work / "virtuoso"), str(port),
                             str(free_port())], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def count() -> int:
        query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                                                 "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/kgbuild/')) }"})
        req = urllib.request.Request(f"{base}/sparql?{query}", headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=600) as resp:
            return int(json.load(resp)["results"]["bindings"][0]["n"]["value"])

    deadline = time.monotonic() + 120
    while True:
        try:
            count()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f"virtuoso did not start: see {work / 'virtuoso.out'}") from None
            time.sleep(0.5)
    graphs = sorted({w.graph for writes, _ in batches for w in writes} | {q.graph_name.value for _, sh in batches
                                                                          for q in sh})
    triples = sum(len(w.quads) for writes, _ in batches for w in writes)
    out = {}
    try:
        for n in counts:
            state = IngestState(work / f"state-{n}.sqlite")
            writer = GraphStoreWriter(base + "/sparql-graph-crud-auth", state, writers=n, user="dba", password="dba")
            started = time.perf_counter()
            for writes, shared in batches:
                writer.write(writes, shared)
            seconds = time.perf_counter() - started
            on_server = count()
            out[n] = {"seconds": seconds, "triples_per_s": triples / seconds, "sources_per_s": sum(len(w) for w, _ in batches) / seconds,
                      "triples_on_server": on_server}
            print(f"{n} writer(s): {seconds:.2f} s, {triples / seconds:,.0f} triples/s, {on_server:,} on the server",
                  flush=True)
            writer.delete_graphs(graphs)  # a fresh start for the next run
            writer.close()
            state.close()
    finally:
        proc.terminate()
        proc.wait(60)
    base_s = out[counts[0]]["seconds"]
    for row in out.values():
        row["speedup"] = base_s / row["seconds"]
    return {"source_triples": triples, "writers": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quads", type=int, default=200_000, help="about this many quads (default 200k)")
    ap.add_argument("--no-before", action="store_true", help="skip the per-source replace path")
    ap.add_argument("--no-rdflib", action="store_true", help="skip rdflib (slow past ~300k quads)")
    ap.add_argument("--out", type=Path, help="results JSON (default bench/results/store[-N].json)")
    ap.add_argument("--virtuoso", action="store_true", help="measure writers into a Virtuoso server instead")
    ap.add_argument("--writers", default="1,2,4", help="writer counts for --virtuoso (default 1,2,4)")
    args = ap.parse_args()

    n_sources = max(1, args.quads // QUADS_PER_SOURCE)
    t0 = time.perf_counter()
    batches = source_writes(make_sources(n_sources))
    quads = [q for writes, shared in batches for q in (*shared, *(q for w in writes for q in w.quads))]
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    assert nquads is not None
    print(f"{n_sources} sources, {len(quads)} quads written ({len(set(quads))} distinct), "
          f"{len(nquads) / 1e6:.0f} MB of N-Quads, made in {time.perf_counter() - t0:.1f} s", flush=True)

    work = Path(tempfile.mkdtemp(prefix="kgbuild-store-bench-"))
    if args.virtuoso:
        try:
            result = server_writers(batches, [int(n) for n in args.writers.split(",")], work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        out = args.out or REPO / "bench" / "results" / "store-virtuoso.json"
        out.write_text(json.dumps({"quads": len(quads), "sources": n_sources, "batch": BATCH, **result,
                                   "machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg()}}, indent=2) + "\n")
        print(f"wrote {out}")
        return
    loads: dict = {}
    try:
        store, s = timed(load_kgbuild, batches, work / "kgbuild")
        loads["kgbuild"] = {"seconds": s, "disk_mb": du(work / "kgbuild" / "oxigraph") / 1e6}
        if not args.no_before:
            before, s = timed(load_replace, batches, work / "replace")
            loads["kgbuild-replace (before)"] = {"seconds": s, "disk_mb": du(work / "replace" / "oxigraph") / 1e6}
            del before
        raw = ox.Store(str(work / "raw"))
        _, s = timed(bulk_extend, raw, quads)
        loads["pyoxigraph bulk_extend"] = {"seconds": s, "disk_mb": du(work / "raw") / 1e6}
        raw2 = ox.Store(str(work / "raw2"))
        _, s = timed(bulk_load, raw2, nquads)
        loads["pyoxigraph bulk_load"] = {"seconds": s, "disk_mb": du(work / "raw2") / 1e6}
        engines = {
            "kgbuild": lambda q: ox_rows(store.query(q)),
            "pyoxigraph": lambda q: ox_rows(raw.query(PROLOGUE + q, use_default_graph_as_union=True)),
        }
        if not args.no_rdflib:
            import rdflib

            ds = rdflib.Dataset(default_union=True)
            _, s = timed(lambda: ds.parse(data=nquads, format="nquads"))
            loads["rdflib"] = {"seconds": s, "disk_mb": None}

            def rdflib_rows(q):
                return [tuple(str(v) if v is not None else None for v in row) for row in ds.query(PROLOGUE + q)]

            engines["rdflib"] = rdflib_rows
        assert len(store) == len(raw), (len(store), len(raw))
        hub = mint("entity", 0)
        queries = run_queries(engines, hub)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = loads["pyoxigraph bulk_extend"]["seconds"]
    print(f"\n{'load':28} {'seconds':>8} {'quads/s':>10} {'bulk_extend / it':>17} {'disk MB':>8}")
    for name, row in loads.items():
        row["quads_per_s"] = len(quads) / row["seconds"]
        row["vs_bulk_extend"] = base / row["seconds"]
        disk = f"{row['disk_mb']:.0f}" if row["disk_mb"] is not None else "memory"
        print(f"{name:28} {row['seconds']:8.2f} {row['quads_per_s']:10.0f} {row['vs_bulk_extend']:16.2f}× {disk:>8}")
    names = [e for e in ("kgbuild", "pyoxigraph", "rdflib") if e in engines]
    print(f"\n{'query (median of 3, s)':28} " + " ".join(f"{e:>11}" for e in names) + f" {'rows':>6}")
    for q, row in queries.items():
        print(f"{q:28} " + " ".join(f"{row[e]:11.3f}" for e in names) + f" {row['rows']:6d}")
    out = args.out or REPO / "bench" / "results" / ("store.json" if args.quads == 200_000 else f"store-{args.quads}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "quads": len(quads), "distinct_quads": len(set(quads)), "sources": n_sources, "batch": BATCH,
        "loads": loads, "queries": queries,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load_avg": os.getloadavg(),
                    "pyoxigraph": ox.__version__},
    }, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
