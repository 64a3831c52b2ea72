"""One Virtuoso and one FalkorDB per test session, for the push and parity tests."""

from __future__ import annotations

import pytest

from push_servers import falkordb_server, virtuoso_server


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(scope="session")
def falkordb_url(tmp_path_factory):
    with falkordb_server(tmp_path_factory.mktemp("falkordb")) as url:
        yield url
