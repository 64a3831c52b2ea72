"""Host header check and security headers, for every response the server sends.

Host: a page on ``attacker.example`` can make its own name resolve to 127.0.0.1 (DNS
rebinding) and then read a loopback server as if it were same-origin. The browser still
sends ``Host: attacker.example``, so a server that answers only the names it is known by
is out of reach. Allowed by default: the address it is bound to, ``localhost`` and the
loopback addresses, and, when bound to every interface, any IP address (a browser sends an
IP as Host only when the user typed that IP, which rebinding cannot do). A reverse proxy's
public name is added with ``--allowed-host``.

Headers: the explorer shows labels and snippets taken from the corpus. It writes them as
text, never as HTML, and the Content-Security-Policy makes sure that, should that ever slip,
no inline or foreign script runs; ``nosniff`` stops a browser from guessing a script out of
a text file; the page may not be framed (clickjacking).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
EVERY_INTERFACE = frozenset({"", "0.0.0.0", "::"})

# The explorer loads only its own files; Cytoscape and the query editor set styles through
# the CSSOM (allowed), images and players read /media, the page talks to /api and /sparql.
# Cytoscape also adds one fixed <style> element, allowed by its hash rather than by allowing
# inline styles (tests/server/test_explorer_browser.py fails on any CSP report).
CYTOSCAPE_STYLE = "'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"  # .__________cytoscape_container {...}
EXPLORER_CSP = (f"default-src 'self'; script-src 'self'; style-src 'self' {CYTOSCAPE_STYLE}; img-src 'self' data: blob:; "
                "media-src 'self' blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# FastAPI's /docs and /redoc pages load Swagger UI / ReDoc from a CDN with an inline script.
# They show no data from the corpus, only the API's schema.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
            "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
            "https://cdn.redoc.ly; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
COMMON = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
          (b"referrer-policy", b"no-referrer"), (b"cross-origin-resource-policy", b"same-origin"))


def _hostname(value: str) -> str:
    """The host part of a Host header (no port, no brackets, no trailing dot), lowercased."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


class HostPolicy:
    def __init__(self, bound_host: str = "127.0.0.1", allowed: Iterable[str] = ()) -> None:
        allowed = [a.strip() for a in allowed if a.strip()]
        self.anything = "*" in allowed
        self.names = set(LOOPBACK) | {_hostname(a) for a in allowed if a != "*"}
        bound = _hostname(bound_host)
        self.any_ip = bound in EVERY_INTERFACE
        if not self.any_ip:
            self.names.add(bound)

    def allows(self, host_header: str | None) -> bool:
        if self.anything:
            return True
        if not host_header:
            return False
        name = _hostname(host_header)
        return name in self.names or (self.any_ip and _is_ip(name))

    def describe(self) -> str:
        names = sorted(self.names) + (["any IP address"] if self.any_ip else [])
        return "any" if self.anything else ", ".join(names)


class SecurityMiddleware:
    """ASGI middleware (not Starlette's BaseHTTPMiddleware, which would copy every body)."""

    def __init__(self, app, hosts: HostPolicy) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
        path = scope.get("path", "")
        csp = (DOCS_CSP if path.startswith(DOCS_PATHS) else EXPLORER_CSP).encode()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in COMMON if k not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", csp))
                message = {**message, "headers": headers}
            await send(message)

        if not self.hosts.allows(host):
            # The allowed names are not listed: a rebinding page could read this answer.
            body = json.dumps({"detail": f"Host '{host}' is not served here (DNS rebinding protection); "
                                         "start the server with --allowed-host NAME to serve it under "
                                         "another name"}).encode()
            await send_with_headers({"type": "http.response.start", "status": 400,
                                     "headers": [(b"content-type", b"application/json"),
                                                 (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send_with_headers)
