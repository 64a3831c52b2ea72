from kgbuild.nlp.normalise import parse_date, parse_number, resolve_aliases, strip_honorifics

XSD = "http://www.w3.org/2001/XMLSchema#"


def test_dates():
    assert parse_date("Tuesday, 12 March 2024") == ("2024-03-12", XSD + "date")
    assert parse_date("November 19, 1956") == ("1956-11-19", XSD + "date")
    assert parse_date("May 2023") == ("2023-05", XSD + "gYearMonth")
    assert parse_date("1998") == ("1998", XSD + "gYear")
    assert parse_date("the end of 2025") is None and parse_date("April") is None
    assert parse_date("31 February 2020") is None


def test_numbers():
    assert parse_number("1,400") == "1400" and parse_number("$85 million") == "85000000"
    assert parse_number("twelve") == "12" and parse_number("2.5%") == "2.5"
    assert parse_number("about 1,400") is None


def test_honorifics_and_aliases():
    assert strip_honorifics("Dr. Marie Curie") == "Marie Curie" and strip_honorifics("Martin Luther King Jr.") == "Martin Luther King"
    assert strip_honorifics("Detective") == "Detective"
    names = [("PERSON", "Bruno Pusterla"), ("PERSON", "Pusterla"), ("PERSON", "Bruno"),
             ("ORG", "Tucson Police Department"), ("ORG", "TPD"), ("GPE", "Tucson")]
    out = resolve_aliases(names)
    assert out[("PERSON", "Pusterla")] == out[("PERSON", "Bruno")] == "Bruno Pusterla"
    assert out[("ORG", "TPD")] == "Tucson Police Department" and ("GPE", "Tucson") not in out
