"""Within-document name normalisation and typed values for dates and numbers.

* Honorifics and titles are stripped from person names ("Detective Laura Chen" -> "Laura
  Chen"); possessives and a leading "the" are already dropped by :func:`kgbuild.ids.normalise_label`.
* Short forms resolve to the full name mentioned in the same document: a person's surname
  or first name ("Pusterla" -> "Bruno Pusterla"), variants with and without a middle name,
  and an organisation's leading words or acronym ("Northwind" -> "Northwind Aerospace").
  Only an unambiguous match resolves: two people called Harper leave "Harper" alone.
* Dates become ``xsd:date`` / ``xsd:gYearMonth`` / ``xsd:gYear`` lexical forms, amounts
  ``xsd:decimal``, when the whole mention parses; "the end of 2025" or "about 1,400" do not.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

XSD = "http://www.w3.org/2001/XMLSchema#"

HONORIFICS = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "rev", "reverend",
    "fr", "father", "sister", "brother", "st", "saint", "hon", "detective", "det", "officer", "sgt", "sergeant",
    "capt", "captain", "lt", "lieutenant", "col", "colonel", "gen", "general", "maj", "major", "adm", "admiral",
    "cmdr", "commander", "president", "senator", "sen", "rep", "representative", "governor", "gov", "mayor",
    "judge", "justice", "king", "queen", "prince", "princess", "pope", "chancellor", "minister", "premier",
    "chairman", "chief", "inspector", "constable", "coach", "mother",
}
SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"}

MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_MONTH = r"(?P<month>[a-z]{3,9})\.?"
_DATE_FORMS = [
    re.compile(rf"^{_WEEKDAY}(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})$"),
    re.compile(rf"^{_WEEKDAY}{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})$"),
    re.compile(r"^(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})$"),
    re.compile(rf"^(?:in\s+)?{_MONTH},?\s+(?P<year>\d{{4}})$"),
    re.compile(r"^(?:in\s+)?(?P<year>1\d{3}|20\d{2})$"),
]
_SCALE = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                     "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER = re.compile(r"^(?:[$€£¥]\s?)?(?P<num>-?\d[\d,]*(?:\.\d+)?|\.\d+|[a-z]+)\s*(?P<scale>thousand|million|billion|trillion)?"
                     r"\s*(?:%|percent|per cent|dollars?|euros?|pounds?|usd|eur|gbp)?$")
NUMERIC_LABELS = {"CARDINAL", "MONEY", "PERCENT", "QUANTITY"}


def strip_honorifics(name: str) -> str:
    words = name.split()
    while len(words) > 1 and words[0].lower().rstrip(".") in HONORIFICS:
        words = words[1:]
    while len(words) > 1 and words[-1].lower().strip(".,") in SUFFIXES:
        words = words[:-1]
    return " ".join(words).rstrip(",")


def parse_date(text: str) -> tuple[str, str] | None:
    """(lexical form, XSD datatype IRI) of a date mention, or None."""
    t = " ".join(text.lower().replace(",", ", ").split()).replace(" ,", ",")
    t = re.sub(r"^the\s+", "", t)
    for form in _DATE_FORMS:
        m = form.match(t)
        if not m:
            continue
        parts = m.groupdict()
        year = int(parts["year"])
        month = int(parts["mnum"]) if parts.get("mnum") else MONTHS.get(parts.get("month") or "", None)
        if parts.get("month") and month is None:
            return None
        if month is None:
            return f"{year:04d}", XSD + "gYear"
        if not parts.get("day"):
            return f"{year:04d}-{month:02d}", XSD + "gYearMonth"
        import datetime

        try:
            return datetime.date(year, month, int(parts["day"])).isoformat(), XSD + "date"
        except ValueError:
            return None
    return None


def parse_number(text: str) -> str | None:
    """``xsd:decimal`` lexical form of an amount ("1,400", "$85 million", "twelve"), or None."""
    m = _NUMBER.match(" ".join(text.lower().split()))
    if not m:
        return None
    raw = m.group("num")
    try:
        value = Decimal(_WORDS[raw]) if raw in _WORDS else Decimal(raw.replace(",", ""))
    except (InvalidOperation, KeyError):
        return None
    if m.group("scale"):
        value *= _SCALE[m.group("scale")]
    text = format(value.normalize(), "f")
    return text


def typed_value(label: str, text: str) -> tuple[str, str] | None:
    if label == "DATE":
        return parse_date(text)
    if label in NUMERIC_LABELS:
        value = parse_number(text)
        return (value, XSD + "decimal") if value is not None else None
    return None


def _acronym(words: list[str]) -> str:
    return "".join(w[0] for w in words if w[:1].isupper())


def resolve_aliases(names: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """For the (label, name) pairs of one document, a map from short forms to the full name
    they stand for. Names are already honorific-free display forms."""
    out: dict[tuple[str, str], str] = {}
    counts: dict[tuple[str, str], int] = {}
    for key in names:
        counts[key] = counts.get(key, 0) + 1
    people = [n for (label, n) in counts if label == "PERSON" and len(n.split()) > 1]
    # Full-name variants ("Eileen Collins", "Eileen Marie Collins") share first and last name.
    clusters: dict[tuple[str, str], list[str]] = {}
    for n in people:
        w = n.lower().split()
        clusters.setdefault((w[0], w[-1]), []).append(n)
    canonical = {ends: sorted(ns, key=lambda n: (-counts[("PERSON", n)], len(n), n))[0] for ends, ns in clusters.items()}
    for ends, ns in clusters.items():
        for n in ns:
            if n != canonical[ends]:
                out[("PERSON", n)] = canonical[ends]
    for (label, n) in counts:
        if label == "PERSON" and len(n.split()) == 1:
            word = n.lower()
            hits = {ends for ends in clusters if word in ends}
            if len(hits) == 1:
                out[(label, n)] = canonical[hits.pop()]
    orgs = [n for (label, n) in counts if label == "ORG"]
    for n in orgs:
        w = n.split()
        longer = [m for m in orgs if len(m.split()) > len(w) and (
            m.split()[:len(w)] == w or (len(w) == 1 and len(n) > 1 and n.isupper() and _acronym(m.split()) == n))]
        if len(longer) == 1:
            out[("ORG", n)] = longer[0]
    return out
