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

# Words that say what a person is, set before the name as a title ("Astronaut Eileen Collins",
# "Rear Admiral Grace Hopper", "photographer Ansel Adams"): ranks, offices, religious and
# academic titles, and the occupations news writing puts before names. Never part of a name.
TITLES = HONORIFICS | {
    "astronaut", "cosmonaut", "physicist", "chemist", "biologist", "astronomer", "scientist", "economist",
    "engineer", "architect", "doctor", "surgeon", "nurse", "pilot", "lawyer", "attorney", "prosecutor",
    "sheriff", "deputy", "trooper", "agent", "analyst", "executive", "ceo", "cfo", "coo", "cto", "chairwoman",
    "chairperson", "founder", "co-founder", "cofounder", "artist", "painter", "sculptor", "photographer", "poet",
    "novelist", "author", "writer", "composer", "conductor", "pianist", "violinist", "guitarist", "singer",
    "drummer", "rapper", "actor", "actress", "comedian", "director", "filmmaker", "producer", "journalist",
    "reporter", "editor", "columnist", "anchor", "broadcaster", "historian", "philosopher", "explorer",
    "activist", "candidate", "lawmaker", "congressman", "congresswoman", "assemblyman", "assemblywoman",
    "councilman", "councilwoman", "councillor", "councilor", "alderman", "commissioner", "ambassador", "envoy",
    "diplomat", "secretary", "spokesman", "spokeswoman", "spokesperson", "superintendent", "dean",
    "provost", "chancellor", "rector", "bishop", "archbishop", "cardinal", "rabbi", "imam", "sheikh", "pastor",
    "priest", "nun", "monk", "emperor", "empress", "sultan", "emir", "tsar", "czar", "duke", "duchess", "baron",
    "baroness", "countess", "earl", "marshal", "brigadier", "corporal", "cpl", "private", "pvt",
    "seaman", "airman", "ensign", "midshipman", "commodore", "vice-admiral", "gov.-elect", "president-elect",
    "striker", "goalkeeper", "defender", "midfielder", "quarterback", "pitcher",
    "manager", "coach", "referee", "umpire", "trainer", "jockey", "chef", "designer", "entrepreneur",
    "businessman", "businesswoman", "investor", "banker", "teacher", "professor", "lecturer", "researcher",
    "dr", "prof", "supt", "insp", "cmdr", "cdr", "lt", "lieut", "gen", "brig", "adm", "capt", "sgt", "maj",
    # council and civic titles in their written short forms ("Cllr Daniel Okafor")
    "cllr", "clr", "alderwoman", "selectman", "selectwoman", "mayoress", "commr", "amb", "rt",
    # music: forms of address and the players news writing sets before a name ("Maestro Di Stefano")
    "maestro", "maestra", "soprano", "mezzo-soprano", "tenor", "baritone", "cellist", "organist",
    "saxophonist", "trumpeter", "bassist", "bandleader", "choirmaster", "kapellmeister",
    # academic titles and their abbreviations, in English and the languages names come with
    "docent", "dott", "dottore", "dottoressa", "vice-chancellor", "emeritus",
    # forms of address of other languages
    "mme", "mlle", "madame", "mademoiselle", "monsieur", "messrs", "herr", "frau", "senor", "señor", "senora",
    "señora", "sra", "srta", "ustad", "pandit",
}
# Titles that only a person bears: a mention typed ORG or GPE that starts with one is a person's
# name ("Senator Kowalski" tagged ORG). Words that may begin other names ("General Motors",
# "King's College") are not here.
PERSONAL_TITLES = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "senator", "sen", "rep", "gov",
    "governor", "president", "mayor", "judge", "rev", "reverend", "lt", "sgt", "capt", "adm", "cmdr", "det",
    "detective", "officer", "astronaut", "congressman", "congresswoman", "ambassador", "spokesman", "spokeswoman",
    "cllr", "clr", "councillor", "councilor", "maestro", "maestra", "mme", "mlle", "herr", "frau", "dott",
}

# Words that only qualify a title ("Vice President", "Rear Admiral", "former Senator"): stripped
# with it, never on their own.
TITLE_QUALIFIERS = {"vice", "rear", "deputy", "acting", "former", "late", "assistant", "associate", "first",
                    "prime", "lieutenant", "chief", "senior", "junior", "grand", "head", "interim", "retired",
                    "state", "us", "u.s.", "federal", "district", "attorney", "general", "-"}


def title_words(words: list[str]) -> int:
    """How many of ``words`` (a name as written) are a leading title: 0 when none, and never
    all of them ("General Motors" keeps both words: a title must be followed by a name)."""
    n, titled = 0, 0
    while n < len(words) - 1:
        word = words[n].lower().strip(",")
        bare = word.rstrip(".")
        if bare in TITLES or word in TITLES:
            n += 1
            titled = n
        elif bare in TITLE_QUALIFIERS or word in TITLE_QUALIFIERS:
            n += 1
        else:
            break
    return titled


def only_title(words: list[str]) -> bool:
    """``words`` are a title and nothing else ("Admiral", "Rear Admiral"): no name follows."""
    return bool(words) and title_words([*words, "X"]) == len(words)


# Words before a title that make it a common noun ("the Admiral", "his General").
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "our", "his", "her", "their", "its", "my",
                "your", "whose"}


def title_names_nobody(words: list[str], before: str = "", after: str = "") -> bool:
    """A mention that is only a title ("Admiral", "Rear Admiral") and names nobody: a name
    follows it ("Admiral | Grace Hopper", tagged apart) or a determiner precedes it ("the
    Admiral"). A single capitalised title word with neither is a surname used as a name
    ("the murder of King in Memphis", "Bishop said"). ``before``/``after``: the text around."""
    if not only_title(words):
        return False
    nxt, prev = after.split()[:1], before.split()[-1:]
    if nxt and nxt[0][:1].isalpha() and nxt[0][:1].isupper():
        return True
    if len(words) > 1 or not words[0][:1].isupper():
        return True
    return bool(prev) and prev[0].lower() in _DETERMINERS


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
    words = words[title_words(words):]
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


# Lower-case words that begin a surname of several words ("De La Cruz", "van der Berg", "Al Amin").
SURNAME_PARTICLES = {"al", "el", "de", "di", "da", "das", "dos", "du", "del", "della", "der", "den", "van", "von",
                     "la", "le", "ter", "ten", "bin", "ibn", "ben", "abu", "st", "mac", "af", "zu"}
# Heads of organisation names that are named after a place ("Manchester City Council",
# "Leeds University", "Lagos State Police"): the leading words are then a place, and that
# place mentioned on its own is not the organisation.
PLACE_NAMED_HEADS = {
    "council", "city", "county", "borough", "district", "municipality", "parish", "state", "province",
    "university", "college", "polytechnic", "airport", "police", "constabulary", "hospital", "infirmary",
    "cathedral", "museum", "library", "zoo", "harbour", "harbor", "port", "station", "symphony", "philharmonic",
    "orchestra", "opera", "chamber", "metropolitan", "united", "rovers", "fc", "athletic", "assembly",
    "parliament", "legislature", "government", "mosque", "temple", "church", "diocese", "archdiocese",
}
_DOTTED_WORD = re.compile(r"^(?:[A-Za-z]\.){2,}$")  # "U.K.", "U.S.": one abbreviation written with periods


def undotted(name: str) -> str:
    """A name with each abbreviation written with periods written without ("U.K. Parliament"
    -> "UK Parliament"), so that the two spellings are one name."""
    return " ".join(w.replace(".", "").upper() if _DOTTED_WORD.match(w) else w for w in name.split())


def _surname(words: list[str]) -> str:
    """A person's surname in lower case: from the first particle after the first word ("Ana De
    La Cruz" -> "de la cruz"), else the last word."""
    low = [w.lower() for w in words]
    for i in range(1, len(low) - 1):
        if low[i] in SURNAME_PARTICLES:
            return " ".join(low[i:])
    return low[-1]


def resolve_aliases(names: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """For the (label, name) pairs of one document, a map from short forms to the full name
    they stand for. Names are already honorific-free display forms."""
    counts: dict[tuple[str, str], int] = {}
    for key in names:
        counts[key] = counts.get(key, 0) + 1
    # "U.K." and "UK" are one spelling: the dotted form takes the undotted one's place
    out: dict[tuple[str, str], str] = {k: undotted(k[1]) for k in counts if undotted(k[1]) != k[1]}
    for key, plain in out.items():
        counts[(key[0], plain)] = counts.get((key[0], plain), 0) + counts[key]
    counts = {k: c for k, c in counts.items() if k not in out}
    short = _person_aliases(counts)
    short.update(_name_aliases(counts))
    for key, full in short.items():
        out[key] = full
    for key, plain in list(out.items()):  # "U.K." -> "UK" -> "United Kingdom"
        out[key] = short.get((key[0], plain), plain)
    return out


def _person_aliases(counts: dict[tuple[str, str], int]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    people = [n for (label, n) in counts if label == "PERSON" and len(n.split()) > 1]
    # A name that begins with a particle ("De La Cruz") is a surname alone: it is the short
    # form of the one full name with that surname, else a name of its own.
    bare = {n for n in people if n.split()[0].lower() in SURNAME_PARTICLES}
    full = [n for n in people if n not in bare]
    # Full-name variants ("Eileen Collins", "Eileen Marie Collins") share first name and surname.
    clusters: dict[tuple[str, str], list[str]] = {}
    for n in full:
        clusters.setdefault((n.split()[0].lower(), _surname(n.split())), []).append(n)
    for n in sorted(bare):
        hits = [ends for ends in clusters if ends[1] == n.lower()]
        if len(hits) == 1:
            out[("PERSON", n)] = hits[0][1]  # replaced by the cluster's full name below
        else:
            clusters.setdefault(("", n.lower()), []).append(n)
    canonical = {ends: sorted(ns, key=lambda n: (-counts[("PERSON", n)], len(n), n))[0] for ends, ns in clusters.items()}
    for key, surname in list(out.items()):
        out[key] = next(canonical[ends] for ends in clusters if ends[1] == surname and ends[0])
    for ends, ns in clusters.items():
        for n in ns:
            if n != canonical[ends]:
                out[("PERSON", n)] = canonical[ends]
    for (label, n) in counts:
        if label == "PERSON" and len(n.split()) == 1:
            word = n.lower()
            matches = {ends for ends in clusters if word == ends[0] or word == ends[1] or word == ends[1].split()[-1]}
            if len(matches) == 1:
                out[(label, n)] = canonical[matches.pop()]
    return out


def _name_aliases(counts: dict[tuple[str, str], int]) -> dict[tuple[str, str], str]:
    """Organisations by their leading words ("Northwind" -> "Northwind Aerospace"), and names
    of any kind by their acronym ("BIC", "UK" -> "United Kingdom") within one type."""
    out: dict[tuple[str, str], str] = {}
    places = {n.lower() for (label, n) in counts if label in ("GPE", "LOC", "FAC")}
    for label in sorted({label for label, _ in counts if label != "PERSON"}):
        same = [n for (lab, n) in counts if lab == label]
        for n in same:
            w = n.split()
            acronym = [m for m in same if len(w) == 1 and len(n) > 1 and n.isupper() and len(m.split()) > 1
                       and _acronym(m.split()) == n]
            leading = [m for m in same if label == "ORG" and len(m.split()) > len(w) and m.split()[:len(w)] == w
                       and not _named_after_place(n, m.split()[len(w):], places)]
            longer = acronym or leading
            if len(set(longer)) == 1:
                out[(label, n)] = longer[0]
    return out


def _named_after_place(lead: str, rest: list[str], places: set[str]) -> bool:
    """Is ``lead`` a place, the rest of the organisation's name what the place has
    ("Manchester" + "City Council")? Then "Manchester" alone is the city, not the council."""
    return lead.lower() in places or any(w.lower().strip(".,") in PLACE_NAMED_HEADS for w in rest)
