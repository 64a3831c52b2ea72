"""Issue 17, items 3 and 9: a link in the corpus to a file outside it is skipped (listed with
the reason, not a failure), not ingested unless asked (--follow-links), and never served; /media re-checks on every request that the file is a regular
file inside a corpus root; every file the walk finds (or cannot read) is accounted for.

Before: ``secret.txt -> /etc/passwd`` was ingested, its lines became entities and
``/media/<sha>`` served the file; a file deeper than PATH_MAX was skipped without a word.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from helpers import run_cli
from security.hostile import SECRET, request


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stats(store) -> dict:
    return json.loads(run_cli("stats", "--store", store, "--json", check=True).stdout)


def test_link_leaving_the_corpus_is_skipped_not_ingested(hostile_build):
    corpus, store, output = hostile_build
    skipped = output[output.index("skipped files (1)"):]  # the build summary lists it, with the reason
    assert "secret.txt" in skipped and "link to a file outside the corpus, not followed" in skipped
    assert "--follow-links" in skipped
    data = stats(store)
    assert "secret.txt" not in {f["path"] for f in data["failures"]}  # a choice, not a failure
    ok = {s["path"] for s in data["sources"] if s["status"] == "ok"}
    assert {"ok.txt", "copy_of_ok.txt", corpus["evil"]} <= ok  # links inside the corpus are followed
    found = run_cli("query", "--store", store, "-f", "json",
                    f'ASK {{ {{ ?s kg:sha256 "{sha(SECRET.encode())}" }} UNION {{ ?e rdfs:label "Margaret Hamilton" }} }}',
                    check=True)
    assert json.loads(found.stdout)["boolean"] is False


def test_media_never_serves_a_file_outside_the_corpus(hostile_build, serve):
    corpus, store, _ = hostile_build
    url, _ = serve(store)
    assert request(url, f"/media/{sha(SECRET.encode())}")[0] == 404
    status, headers, body = request(url, f"/media/{sha((corpus['root'] / 'ok.txt').read_bytes())}")
    assert status == 200 and body.startswith(b"Ada Lovelace")


def test_media_rechecks_the_file_at_request_time(hostile_build, tmp_path):
    """A link that replaces a source after the build, to a file outside the corpus with the
    very same bytes (so the hash matches), is not followed."""
    from fastapi.testclient import TestClient

    from kgbuild.server.app import create_app

    corpus, store, _ = hostile_build
    original = corpus["root"] / "ok.txt"
    data = original.read_bytes()
    outside = tmp_path / "same-bytes.txt"
    outside.write_bytes(data)
    with TestClient(create_app(store), base_url="http://127.0.0.1") as client:
        assert client.get(f"/media/{sha(data)}").status_code == 200
        moved = original.with_name("ok.txt.bak")
        original.rename(moved)
        try:
            original.symlink_to(outside)
            # Both of the source's paths now lead outside: ok.txt, and copy_of_ok.txt through two links.
            response = client.get(f"/media/{sha(data)}")
            assert response.status_code == 404 and "E405" in response.text
        finally:
            original.unlink()
            moved.rename(original)
        assert client.get(f"/media/{sha(data)}").status_code == 200


def test_media_headers_and_active_content(hostile_build, tmp_path):
    """Media are sent with their type, nosniff and a sandbox CSP; a type that could run
    script in this origin (a store can be edited to claim text/html) is an attachment."""
    from fastapi.testclient import TestClient

    from kgbuild.server.app import create_app
    from kgbuild.store import KGStore

    corpus, store, _ = hostile_build
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    digest = sha((corpus["root"] / "ok.txt").read_bytes())
    with TestClient(create_app(copy), base_url="http://127.0.0.1") as client:
        response = client.get(f"/media/{digest}")
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in response.headers["content-security-policy"]
        assert "content-disposition" not in response.headers
    kg = KGStore(copy)
    kg.update(f'DELETE {{ GRAPH ?g {{ ?s kg:mediaType ?t }} }} INSERT {{ GRAPH ?g {{ ?s kg:mediaType "text/html" }} }} '
              f'WHERE {{ GRAPH ?g {{ ?s kg:sha256 "{digest}" ; kg:mediaType ?t }} }}')
    kg.close()
    with TestClient(create_app(copy), base_url="http://127.0.0.1") as client:
        response = client.get(f"/media/{digest}")
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment;")
        assert "sandbox" in response.headers["content-security-policy"]


def _walk(fd: int, prefix: str, out: list[str]) -> None:
    """Every non-hidden file under a folder, through folder descriptors (no PATH_MAX)."""
    for entry in sorted(os.scandir(fd), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            inner = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            try:
                _walk(inner, f"{prefix}{entry.name}/", out)
            finally:
                os.close(inner)
        else:
            out.append(prefix + entry.name)


def test_every_file_found_is_accounted_for(hostile_build):
    from kgbuild.media.discovery import discover

    corpus, store, _ = hostile_build
    fd = os.open(corpus["root"], os.O_RDONLY)
    try:
        on_disk: list[str] = []
        _walk(fd, "", on_disk)
    finally:
        os.close(fd)
    found = discover(corpus["root"])
    accounted = ([s.relpath for s in found.sources] + [p for p, _ in found.unreadable] + found.unsupported
                 + [p for p, _ in found.skipped])
    assert sorted(accounted) == sorted(on_disk)
    reasons = dict(found.unreadable)
    assert "longer than the system's limit" in reasons[corpus["deep"]]
    assert {"pipe.txt", "dangling.txt"} <= set(reasons)
    assert [p for p, _ in found.skipped] == ["secret.txt"]
    # ... and the build recorded each of them.
    failed = {f["path"] for f in stats(store)["failures"]}
    assert {corpus["deep"], "pipe.txt", "dangling.txt"} <= failed


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists a folder whatever its mode")
def test_a_folder_that_cannot_be_listed_is_reported(tmp_path):
    from kgbuild.media.discovery import discover

    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "a.txt").write_text("x")
    (tmp_path / "closed").chmod(0)
    try:
        found = discover(tmp_path)
        assert [p for p, _ in found.unreadable] == ["closed"] and "folder not listed" in found.unreadable[0][1]
    finally:
        (tmp_path / "closed").chmod(stat.S_IRWXU)


def test_following_outside_links_is_an_explicit_choice(tmp_path, monkeypatch):
    from kgbuild.media.discovery import discover

    (tmp_path / "outside.txt").write_text("elsewhere")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "link.txt").symlink_to(tmp_path / "outside.txt")
    assert [s.relpath for s in discover(corpus).sources] == []
    assert [s.relpath for s in discover(corpus, follow_outside_links=True).sources] == ["link.txt"]
    monkeypatch.setenv("KGBUILD_FOLLOW_OUTSIDE_LINKS", "1")
    assert [s.relpath for s in discover(corpus).sources] == ["link.txt"]
    # A single file named on the command line is the corpus, wherever it lives.
    monkeypatch.delenv("KGBUILD_FOLLOW_OUTSIDE_LINKS")
    (found,) = discover(corpus / "link.txt").sources
    assert found.path == Path(tmp_path / "outside.txt").resolve() and found.relpath == "outside.txt"


def test_follow_links_ingests_outside_targets_that_the_server_still_does_not_serve(tmp_path):
    from fastapi.testclient import TestClient

    from kgbuild.server.app import create_app
    from security.conftest import TEXT_PIPELINE

    (tmp_path / "outside.txt").write_text(SECRET)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "inside.txt").write_text("Ada Lovelace lived in London.")
    (corpus / "link.txt").symlink_to(tmp_path / "outside.txt")
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(TEXT_PIPELINE)
    store = tmp_path / "store"
    skipped = run_cli("build", corpus, "--store", store, "--pipeline", pipeline)
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr  # skipped is no failure
    assert "link.txt" in skipped.stdout and "outside the corpus" in skipped.stdout
    assert {s["path"] for s in stats(store)["sources"]} == {"inside.txt"}
    followed = run_cli("build", corpus, "--store", store, "--pipeline", pipeline, "--follow-links")
    assert followed.returncode == 0, followed.stdout + followed.stderr
    assert "skipped files" not in followed.stdout
    assert {s["path"] for s in stats(store)["sources"] if s["status"] == "ok"} == {"inside.txt", "link.txt"}
    with TestClient(create_app(store), base_url="http://127.0.0.1") as client:
        assert client.get(f"/media/{sha(SECRET.encode())}").status_code == 404
        assert client.get(f"/media/{sha((corpus / 'inside.txt').read_bytes())}").status_code == 200
