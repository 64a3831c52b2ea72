"""Issue 17, item 4: the server answers only the Host names it is known by (DNS rebinding)
and sends security headers on every response.

Before: any Host was served, so a page on attacker.example whose name was made to resolve
to 127.0.0.1 could read the endpoint and the corpus's media; no CSP, nosniff or framing
rules were sent.
"""

from __future__ import annotations

import pytest

from security.hostile import request

PATHS = ["/", "/api", "/sparql?query=ASK%7B%7D", "/api/search?q=a", "/media/" + "0" * 64, "/static/js/app.js", "/docs"]


def check_headers(headers: dict, path: str) -> None:
    assert headers["x-content-type-options"] == "nosniff", path
    assert headers["x-frame-options"] == "DENY", path
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp or "sandbox" in csp, (path, csp)


def test_foreign_host_is_refused_everywhere(serve, cartesian_store):
    url, _ = serve(cartesian_store)
    port = url.rsplit(":", 1)[1]
    for path in PATHS:
        status, headers, body = request(url, path, headers={"Host": "attacker.example"})
        assert status == 400 and b"DNS rebinding" in body, (path, status, body)
        check_headers(headers, path)
        status, _, _ = request(url, path, headers={"Host": f"attacker.example:{port}"})
        assert status == 400
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}", "LOCALHOST."):
        assert request(url, "/api", headers={"Host": host})[0] == 200, host
    # A Host that merely contains an allowed name is not it.
    for host in ("localhost.attacker.example", "127.0.0.1.attacker.example", "attacker.example#@localhost", ""):
        assert request(url, "/api", headers={"Host": host})[0] == 400, host


def test_a_proxy_name_is_allowed_on_request(serve, cartesian_store):
    url, _ = serve(cartesian_store, "--allowed-host", "kg.example.org")
    assert request(url, "/api", headers={"Host": "kg.example.org"})[0] == 200
    assert request(url, "/api", headers={"Host": "attacker.example"})[0] == 400


def test_security_headers_on_every_response(serve, cartesian_store):
    url, _ = serve(cartesian_store)
    seen = set()
    for path in PATHS + ["/sparql?query=SELECT", "/api/neighbors?entity=nobody"]:
        status, headers, _ = request(url, path)
        seen.add(status)
        check_headers(headers, path)
        if path == "/":
            assert "script-src 'self';" in headers["content-security-policy"]  # no inline script
    assert {200, 400, 404} <= seen, seen
    status, headers, _ = request(url, "/docs")
    assert status == 200 and "cdn.jsdelivr.net" in headers["content-security-policy"]  # Swagger UI only


@pytest.mark.parametrize("bound,host,allowed", [
    ("127.0.0.1", "127.0.0.1:7878", True),
    ("127.0.0.1", "10.0.0.5", False),  # bound to loopback: other addresses are not its names
    ("0.0.0.0", "10.0.0.5:7878", True),  # bound to every interface: any IP (rebinding needs a name)
    ("0.0.0.0", "[fe80::1]:7878", True),
    ("0.0.0.0", "attacker.example", False),
    ("kg.internal", "KG.internal:80", True),
    ("::", "localhost", True),
])
def test_host_policy(bound, host, allowed):
    from kgbuild.server.security import HostPolicy

    assert HostPolicy(bound).allows(host) is allowed
    assert HostPolicy(bound, ["*"]).allows(host)
