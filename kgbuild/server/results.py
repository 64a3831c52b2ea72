"""Writing SPARQL results in the negotiated format, with the row and size limits applied.

Used by the query workers (:mod:`kgbuild.server.query_worker`), so it imports neither
FastAPI nor anything heavy: a worker that was killed at its deadline is replaced by a new
process, and its start-up time is paid again.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

SOLUTION_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
BOOLEAN_TYPES = {k: v for k, v in SOLUTION_TYPES.items()
                 if v in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML)}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

# Characters XML 1.0 cannot carry, not even as a character reference (&#1; is an error).
# Labels and file names come from the corpus and may hold them; a results document with one
# is rejected whole by every XML parser, so they are written as U+FFFD instead.
XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def offered_for(form: str | None) -> dict | None:
    """The media types offered for a query form (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
    offered: dict[str, dict] = {"SELECT": SOLUTION_TYPES, "ASK": BOOLEAN_TYPES, "CONSTRUCT": GRAPH_TYPES,
                                "DESCRIBE": GRAPH_TYPES}
    return offered.get(form or "")


class NotAcceptable(Exception):
    """No offered media type matches the client's Accept header (HTTP 406)."""


class TooManyRows(Exception):
    pass


class TooLarge(Exception):
    """The serialised result is bigger than the byte limit."""


def negotiate(accept: str | None, offered: dict) -> str:
    """The first offered media type the client accepts, by q-value then order."""
    default = next(iter(offered))
    if not accept:
        return default
    ranges = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        ranges.append((-q, i, media.lower()))
    for _, _, media in sorted(ranges):
        if media in offered:
            return media
        if media in ("*/*", "application/*", "text/*"):
            prefix = media.split("/")[0]
            for candidate in offered:
                if media == "*/*" or candidate.startswith(prefix + "/"):
                    return candidate
    raise NotAcceptable(f"none of the accepted types ({accept}) is offered; offered: {', '.join(offered)}")


def _bytes(data: bytes | None) -> bytes:
    assert data is not None  # serialising without an output file returns the bytes
    return data


def materialise(result, accept: str | None, *, max_rows: int, max_bytes: int) -> tuple[bytes, str]:
    """(body, media type) of a pyoxigraph query result, raising TooManyRows or TooLarge."""
    if isinstance(result, ox.QueryBoolean):
        media = negotiate(accept, BOOLEAN_TYPES)
        return _bytes(result.serialize(format=SOLUTION_TYPES[media])), media
    if isinstance(result, ox.QueryTriples):
        media = negotiate(accept, GRAPH_TYPES)
        triples = _take(result, max_rows)
        body = _bytes(ox.serialize(triples, format=GRAPH_TYPES[media]))
        if media == "application/rdf+xml":  # written raw by pyoxigraph: see XML_INVALID
            body = XML_INVALID.sub("\ufffd", body.decode("utf-8")).encode("utf-8")
    else:
        media = negotiate(accept, SOLUTION_TYPES)
        variables = result.variables
        body = _bytes(serialize_solutions(variables, _take(result, max_rows), SOLUTION_TYPES[media]))
    if len(body) > max_bytes:
        raise TooLarge(len(body))
    return body, media


def _take(result, max_rows: int) -> list:
    rows = []
    for row in result:
        rows.append(row)
        if len(rows) > max_rows:
            raise TooManyRows(len(rows))
    return rows


def xml_text(value: str) -> str:
    from xml.sax.saxutils import escape

    # A raw CR would be read back as LF (XML end-of-line handling): keep it as a reference.
    return escape(XML_INVALID.sub("\ufffd", value)).replace("\r", "&#13;")


def xml_attr(value: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(XML_INVALID.sub("\ufffd", value), {"\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


def serialize_solutions(variables, rows, fmt) -> bytes:
    # pyoxigraph serialises only live QuerySolutions, and re-running the query through a
    # tiny in-memory store would cost a second evaluation, so the four formats are written
    # here from the rows.
    import csv
    import io
    import json

    names = [v.value for v in variables]
    if fmt == ox.QueryResultsFormat.JSON:
        def term(t):
            if isinstance(t, ox.NamedNode):
                return {"type": "uri", "value": t.value}
            if isinstance(t, ox.BlankNode):
                return {"type": "bnode", "value": t.value}
            out = {"type": "literal", "value": t.value}
            if t.language:
                out["xml:lang"] = t.language
            elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                out["datatype"] = t.datatype.value
            return out
        bindings = [{n: term(r[n]) for n in names if r[n] is not None} for r in rows]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}).encode()
    if fmt in (ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV):
        buf = io.StringIO()
        if fmt == ox.QueryResultsFormat.CSV:
            writer = csv.writer(buf, lineterminator="\r\n")
            writer.writerow(names)
            for r in rows:
                writer.writerow(["" if r[n] is None else r[n].value for n in names])
        else:
            buf.write("\t".join("?" + n for n in names) + "\n")
            for r in rows:
                buf.write("\t".join("" if r[n] is None else str(r[n]) for n in names) + "\n")
        return buf.getvalue().encode()
    parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    parts += [f"<variable name={xml_attr(n)}/>" for n in names]
    parts.append("</head><results>")
    for r in rows:
        parts.append("<result>")
        for n in names:
            t = r[n]
            if t is None:
                continue
            if isinstance(t, ox.NamedNode):
                inner = f"<uri>{xml_text(t.value)}</uri>"
            elif isinstance(t, ox.BlankNode):
                inner = f"<bnode>{xml_text(t.value)}</bnode>"
            elif t.language:
                inner = f"<literal xml:lang={xml_attr(t.language)}>{xml_text(t.value)}</literal>"
            else:
                inner = f"<literal datatype={xml_attr(t.datatype.value)}>{xml_text(t.value)}</literal>"
            parts.append(f"<binding name={xml_attr(n)}>{inner}</binding>")
        parts.append("</result>")
    parts.append("</results></sparql>")
    return "".join(parts).encode()
