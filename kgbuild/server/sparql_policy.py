"""What a query or update sent to the endpoint may reach beyond the store.

pyoxigraph evaluates ``SERVICE <iri>`` by fetching the IRI over HTTP, and ``LOAD <iri>``
likewise, with no switch to turn that off. Left alone, anyone who can send a query could
make the server fetch any URL it can reach (a cloud metadata service, an admin page on
loopback) and relay the answer. So the text is checked before it is evaluated: federation
is off unless the operator lists the endpoints it may call (``--service``, ``--load``).

pyoxigraph exposes no parser, so this is a small lexer: it blanks strings, comments and IRIs
(where the words could appear harmlessly), then finds the keywords. It fails closed: a word
that might be the keyword counts as one, and an endpoint it cannot resolve is refused.
SPARQL lets ``\\uXXXX`` escapes stand for any character of the query (oxigraph expands them
before parsing), so the text is checked both as sent and with them expanded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import ConfigError, QueryRefused
from ..store.rdf import PREFIXES

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_STRING = re.compile(r"'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*(?:\"\"\"|$)"
                     r"|'(?:[^'\\\n\r]|\\.)*(?:'|$)|\"(?:[^\"\\\n\r]|\\.)*(?:\"|$)", re.S)
_IRI = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")
_COMMENT = re.compile(r"#[^\n\r]*")
# A keyword is a word of its own: not part of a prefixed name (ex:SERVICE, service:x), a
# variable (?service), a blank node (_:service) or a language tag ("x"@service).
_KEYWORD = re.compile(r"(?<![\w:?$@\\-])(SERVICE|LOAD)(?![\w:\\-])", re.I)
_SILENT = re.compile(r"\s*SILENT(?![\w:\\-])", re.I)
_PNAME = re.compile(r"\s*((?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?):((?:[\w\-:%\u00B7-\uFFFF]|\\.|\.(?=[\w\-:%\\\u00B7-\uFFFF]))*)")
_PREFIX_DECL = re.compile(r"PREFIX\s+((?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?):\s*<", re.I)
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _expand_codepoints(text: str) -> str:
    def one(m: re.Match) -> str:
        value = int(m.group(1) or m.group(2), 16)
        if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
            return m.group(0)
        return chr(value)

    return _CODEPOINT.sub(one, text)


def _skeleton(text: str) -> tuple[str, dict[int, str]]:
    """The text with strings and comments blanked, and IRIs blanked between their angle
    brackets; and each IRI's value by the position of its '<'."""
    out = list(text)
    iris: dict[int, str] = {}
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            m = _COMMENT.match(text, i)
        elif c in "'\"":
            m = _STRING.match(text, i)
        elif c == "<":
            m = _IRI.match(text, i)
            if m:
                iris[i] = text[i + 1:m.end() - 1]
                out[i + 1:m.end() - 1] = " " * (m.end() - i - 2)
                i = m.end()
                continue
        else:
            i += 1
            continue
        if not m:  # '<' as less-than
            i += 1
            continue
        out[i:m.end()] = " " * (m.end() - i)
        i = m.end()
    return "".join(out), iris


def _targets(text: str) -> Iterable[tuple[str, str | None, str]]:
    """(keyword, endpoint IRI or None when it cannot be told, how it was written) for every
    SERVICE and LOAD in the text."""
    skeleton, iris = _skeleton(text)
    prefixes = dict(PREFIXES)
    for m in _PREFIX_DECL.finditer(skeleton):
        if m.end() - 1 in iris:
            prefixes[m.group(1)] = iris[m.end() - 1]
    for m in _KEYWORD.finditer(skeleton):
        keyword = m.group(1).upper()
        pos = m.end()
        silent = _SILENT.match(skeleton, pos)
        if silent:
            pos = silent.end()
        while pos < len(skeleton) and skeleton[pos].isspace():
            pos += 1
        if pos in iris:  # oxigraph expands \u escapes inside an IRI whether or not elsewhere
            yield keyword, _expand_codepoints(iris[pos]), f"<{iris[pos]}>"
            continue
        name = _PNAME.match(skeleton, pos)
        if name and name.group(1) in prefixes:
            local = re.sub(r"\\(.)", r"\1", name.group(2))
            yield keyword, prefixes[name.group(1)] + local, name.group(0).strip()
            continue
        yield keyword, None, skeleton[pos:pos + 40].split("{")[0].strip() or "(nothing)"


def validate(entries: Iterable[str], option: str) -> tuple[str, ...]:
    """The allow-list as given on the command line, or ConfigError for an entry that is not
    an absolute http(s) IRI with a host."""
    from urllib.parse import urlsplit

    out = []
    for entry in entries:
        parts = urlsplit(entry)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{option} {entry!r}: not an http(s) URL", hint=f"e.g. {option} https://query.wikidata.org/sparql")
        out.append(entry)
    return tuple(out)


def allowed(iri: str, allow_list: Iterable[str]) -> bool:
    """An entry ending in '/' allows every IRI under it; any other entry, itself only."""
    if not iri.lower().startswith(("http://", "https://")):
        return False
    return any(iri == entry or (entry.endswith("/") and iri.startswith(entry)) for entry in allow_list)


# Neither keyword can appear without these letters, or an escape that could spell them.
_MAYBE = re.compile(r"service|load|\\u|\\U", re.I)


def check(text: str, *, services: Iterable[str] = (), loads: Iterable[str] = ()) -> None:
    """Raise QueryRefused unless every SERVICE and LOAD in ``text`` names an allowed endpoint."""
    if not _MAYBE.search(text):
        return
    services, loads = tuple(services), tuple(loads)
    for variant in dict.fromkeys((text, _expand_codepoints(text))):
        for keyword, iri, written in _targets(variant):
            allow_list, option = (services, "--service") if keyword == "SERVICE" else (loads, "--load")
            if iri is None or not _ABSOLUTE.match(iri):
                raise QueryRefused(f"{keyword} {written}: only an absolute http(s) IRI can be allowed here",
                                   hint=f"name the endpoint as <http://...>; the server allows the ones given with {option}")
            if allowed(iri, allow_list):
                continue
            what = "federated queries (SERVICE)" if keyword == "SERVICE" else "LOAD"
            if not allow_list:
                raise QueryRefused(f"{what} are off on this endpoint: it does not fetch <{iri}>",
                                   hint=f"the operator can allow endpoints with `kgbuild serve {option} URL`")
            raise QueryRefused(f"{keyword} <{iri}> is not among the allowed endpoints",
                               hint=f"allowed: {', '.join(allow_list)}")


_FORM = re.compile(r"(?<![\w:?$@\\-])(SELECT|CONSTRUCT|DESCRIBE|ASK)(?![\w:\\-])", re.I)
_FROM = re.compile(r"(?<![\w:?$@\\-])FROM(?![\w:\\-])", re.I)


def query_form(text: str) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the form of a query, read before it is evaluated
    (to negotiate the result's media type first), or None when it cannot be told."""
    m = _FORM.search(_skeleton(_expand_codepoints(text))[0])
    return m.group(1).upper() if m else None


def has_dataset_clause(text: str) -> bool:
    """Whether a query names its own dataset (FROM, FROM NAMED)."""
    return _FROM.search(_skeleton(_expand_codepoints(text))[0]) is not None
