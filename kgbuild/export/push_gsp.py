"""Push to a SPARQL 1.1 Graph Store HTTP Protocol endpoint, one named graph at a time.

Every named graph of the store (one per source, the entities graph, the store's own graph,
and whatever graphs later stages add) is sent as N-Triples in batches: the first batch with
PUT, which replaces the graph on the target, the rest with POST, which appends. A graph is
recorded as pushed, with the hash of its sorted triples, only once its last batch is
acknowledged, so an interrupted graph is re-sent whole (PUT again) on the next run. Graphs
pushed earlier but gone from the store (a changed source gets a new graph) are DELETEd.

N-Triples is sent as ``text/turtle`` (every N-Triples document is Turtle), which more
stores accept than ``application/n-triples``. Tested against Virtuoso 7
(``/sparql-graph-crud-auth``, digest auth).
"""

from __future__ import annotations

import time

import pyoxigraph as ox

from ..errors import MissingDependencyError, PushError
from ..store import KGStore
from .push_report import OnProgress, OnStart, PushReport
from .push_state import PushState, content_hash, target_key

RETRIES = 3
TIMEOUT_S = 120


def graph_lines(store: KGStore, graph: str) -> list[bytes]:
    """The graph's triples as sorted N-Triples lines: sorted so that the hash depends on the
    content only, never on the store's internal order."""
    result = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}",
                         prefixes=False)
    data = result.serialize(format=ox.RdfFormat.N_TRIPLES)
    return sorted(line for line in data.split(b"\n") if line.strip())


class _Client:
    def __init__(self, url: str, user: str | None, password: str | None, auth: str) -> None:
        try:
            import httpx
        except ImportError:
            raise MissingDependencyError("pushing over HTTP needs httpx",
                                         hint="pip install 'kgbuild[push]'") from None
        self.httpx = httpx
        self.url = url
        credentials = None
        if user is not None:
            credentials = (httpx.DigestAuth if auth == "digest" else httpx.BasicAuth)(user, password or "")
        self.client = httpx.Client(auth=credentials, timeout=TIMEOUT_S)

    def send(self, method: str, graph: str, body: bytes | None = None, ok=(200, 201, 204)) -> int:
        headers = {"Content-Type": "text/turtle; charset=utf-8"} if body is not None else {}
        last = ""
        for attempt in range(RETRIES):
            try:
                resp = self.client.request(method, self.url, params={"graph": graph}, content=body, headers=headers)
            except self.httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status_code in ok:
                    return resp.status_code
                last = f"HTTP {resp.status_code}: {resp.text[:300].strip()}"
                if resp.status_code < 500:
                    break  # the server said no; asking again will not change its mind
            time.sleep(0.5 * 2 ** attempt)
        raise PushError(f"{method} of graph <{graph}> to {target_key(self.url)} failed: {last}",
                        hint="check the URL and credentials (--user/--password); run the push again to resume")

    def close(self) -> None:
        self.client.close()


def push_gsp(store: KGStore, url: str, state: PushState, *, full: bool, batch: int, user: str | None,
             password: str | None, auth: str, on_start: OnStart, on_progress: OnProgress) -> PushReport:
    target = target_key(url)
    report = PushReport(target=target, unit="graphs")
    client = _Client(url, user, password, auth)
    try:
        if full:
            state.forget(target)
        done = state.pushed(target)
        # One graph in memory at a time: hash them all first, serialise again those to send.
        hashes, sizes = {}, {}
        for g in store.named_graphs():
            lines = graph_lines(store, g)
            hashes[g], sizes[g] = content_hash(lines), len(lines)
        unchanged = [g for g in hashes if done.get(g, (None,))[0] == hashes[g]]
        if unchanged and _target_was_reset(client, min(unchanged, key=lambda g: sizes[g])):
            state.forget(target)
            done, unchanged, report.reset = {}, [], True
        todo = [g for g in hashes if g not in unchanged]
        gone = sorted(set(done) - set(hashes))
        on_start(sum(sizes[g] for g in todo) + len(gone))
        for g in gone:
            client.send("DELETE", g, ok=(200, 204, 404))
            state.forget(target, [g])
            report.deleted += 1
            on_progress(1)
        for g in todo:
            lines = graph_lines(store, g)
            for i in range(0, max(len(lines), 1), batch):
                chunk = lines[i:i + batch]
                client.send("PUT" if i == 0 else "POST", g, b"\n".join(chunk) + b"\n")
                on_progress(len(chunk))
            state.record(target, [(g, content_hash(lines), len(lines))])
            report.sent += 1
            report.items += len(lines)
        report.skipped = len(unchanged)
    finally:
        client.close()
    return report


def _target_was_reset(client: _Client, graph: str) -> bool:
    """The state says the target has this graph; if the target answers 404 it was emptied or
    replaced since (a new server), and everything must be sent again. GET on the smallest
    graph: the Graph Store Protocol does not require HEAD (Virtuoso answers 501)."""
    return client.send("GET", graph, ok=(200, 404)) == 404
