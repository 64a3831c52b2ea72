"""Issue 17, item 5: control characters and ANSI escapes from file names and labels never
reach a terminal raw (kgbuild query, kgbuild stats), and XML results stay well-formed.

Before: ``kgbuild stats`` printed a file named ``evil\\x1b]0;pwned\\x07.txt`` raw (it retitled
the terminal), and the endpoint's XML results contained raw \\x01 and \\x1b, which no XML
parser accepts.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import xml.etree.ElementTree as ET

from helpers import KGBUILD, REPO, run_cli
from security.hostile import ESCAPES, request

LABEL_QUERY = "SELECT ?l WHERE { GRAPH ?g { <urn:test:evil> rdfs:label ?l } }"
RAW = ("\x1b", "\x01", "\x07")


def test_xml_results_are_well_formed(serve, cartesian_store):
    url, _ = serve(cartesian_store)
    query = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + LABEL_QUERY
    status, _, body = request(url, query=query, headers={"Accept": "application/sparql-results+xml"})
    assert status == 200
    literal = ET.fromstring(body).find(".//{http://www.w3.org/2005/sparql-results#}literal").text
    assert literal == "Ada\ufffd \ufffd]0;pwned\ufffd \ufffd[31mLovelace\ufffd[0m"
    status, _, body = request(url, query=query)  # JSON carries every character, escaped
    assert json.loads(body)["results"]["bindings"][0]["l"]["value"] == ESCAPES
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o FILTER(?s = <urn:test:evil>) } }"
    status, _, body = request(url, query=construct, headers={"Accept": "application/rdf+xml"})
    assert status == 200
    ET.fromstring(body)


def test_query_table_shows_escapes_not_controls(cartesian_store):
    out = run_cli("query", "--store", cartesian_store, LABEL_QUERY, check=True).stdout
    assert not any(c in out for c in RAW), repr(out)
    assert "Ada\\x01" in out and "\\x1b]0;pwned\\x07" in out and "\\x1b[31mLovelace" in out


def test_stats_shows_escapes_not_controls(hostile_build):
    corpus, store, _ = hostile_build
    out = run_cli("stats", "--store", store, check=True).stdout
    assert not any(c in out for c in RAW), repr(out)
    assert "evil\\x1b]0;pwned\\x07\\x1b[31mname.txt" in out


def run_in_terminal(*args: str) -> bytes:
    """stdout of a kgbuild command whose stdout is a terminal (a pseudo-terminal)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([*KGBUILD, *args], stdout=follower, stderr=subprocess.PIPE, cwd=REPO,
                            env={**os.environ, "COLUMNS": "200"})
    os.close(follower)
    out = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    proc.wait(60)
    assert proc.returncode == 0, proc.stderr.read()
    return out


def test_machine_formats_are_escaped_on_a_terminal_only(cartesian_store):
    on_terminal = run_in_terminal("query", "--store", str(cartesian_store), "-f", "csv", LABEL_QUERY)
    assert not any(c.encode() in on_terminal for c in RAW), on_terminal
    assert b"\\x1b]0;pwned" in on_terminal
    piped = run_cli("query", "--store", cartesian_store, "-f", "csv", LABEL_QUERY, check=True).stdout
    assert ESCAPES in piped  # to a file or a pipe, the data as it is
