"""What rule-based coreference needs to know about English words: which pronouns and
definite nominals refer to what kind of entity, and the gender a first name or a title
usually signals (only to tell "he" from "she"; a name not listed is compatible with both).
"""

from __future__ import annotations

PERSON_TYPES = frozenset({"PERSON"})
GROUP_TYPES = frozenset({"ORG", "NORP"})
PLACE_TYPES = frozenset({"GPE", "LOC", "FAC"})

# pronoun -> (gender, the entity types it may refer to)
PRONOUNS: dict[str, tuple[str | None, frozenset[str]]] = {
    **{w: ("m", PERSON_TYPES) for w in ("he", "him", "his", "himself")},
    **{w: ("f", PERSON_TYPES) for w in ("she", "her", "hers", "herself")},
    **{w: (None, GROUP_TYPES) for w in ("they", "them", "their", "theirs", "themselves")},
    "its": (None, GROUP_TYPES | PLACE_TYPES),
}

# "the <noun>" -> the entity types it may refer to
NOMINALS: dict[str, frozenset[str]] = {
    **{w: frozenset({"ORG"}) for w in (
        "company", "firm", "corporation", "group", "agency", "organization", "organisation", "bank", "airline",
        "carrier", "automaker", "retailer", "startup", "manufacturer", "insurer", "lender", "conglomerate",
        "university", "college", "school", "institute", "party", "ministry", "department", "club", "team",
        "union", "charity", "foundation", "museum", "hospital", "newspaper", "network", "studio", "label",
        "band", "publisher", "board", "council", "committee", "court", "administration", "government")},
    **{w: PLACE_TYPES for w in (
        "city", "town", "village", "country", "nation", "state", "capital", "region", "province", "island",
        "county", "district", "territory", "kingdom", "republic", "port", "metropolis")},
}

MALE_TITLES = frozenset({"mr", "sir", "lord", "king", "prince", "father", "brother", "duke", "baron", "earl",
                         "emperor", "sultan", "tsar", "czar", "congressman", "assemblyman", "councilman",
                         "businessman", "spokesman", "chairman", "actor", "monk", "pope"})
FEMALE_TITLES = frozenset({"mrs", "ms", "miss", "dame", "lady", "queen", "princess", "mother", "sister",
                           "duchess", "baroness", "countess", "empress", "congresswoman", "assemblywoman",
                           "councilwoman", "businesswoman", "spokeswoman", "chairwoman", "actress", "nun"})

MALE_NAMES = frozenset("""
aaron abdul adam adrian ahmed alan albert alex alexander alfred ali andre andrew andy angelo anthony antonio
arthur ben benjamin bernard bill billy bob bobby boris brad bradley brandon brian bruce bruno carl carlos
charles charlie chris christopher clarence craig dale dan daniel danny darren dave david dean dennis derek
dmitri don donald doug douglas duncan dylan earl ed eddie edgar edward eli elijah emmanuel eric ernest ethan
eugene evan felix fernando francis francisco frank fred frederick gabriel gary gene george gerald gilbert
giovanni glenn gordon graham greg gregory guy hans harold harry harvey hassan hector henry herbert howard hugh
hugo ian igor isaac ivan jack jacob jake james jamal jason javier jay jeff jeffrey jeremy jerome jerry jesse jim
jimmy joe joel john johnny jon jonathan jorge jose joseph josh joshua juan julian justin karl keith ken kenneth
kevin kurt larry lawrence leo leon leonard lewis liam louis lucas luis luke malcolm marcus mario mark martin
marvin mason matt matthew maurice max michael miguel mike mohamed mohammed muhammad nathan neil nicholas nick
noah norman oliver omar oscar otto pablo patrick paul pedro peter philip phillip pierre rafael ralph randy ray
raymond richard rick ricky rob robert roberto roger roland ronald roy russell ryan sam samuel scott sean
sergei seth shawn simon stanley stephen steve steven stuart ted terry thomas tim timothy tom tommy tony travis
trevor tyler victor vincent vladimir walter warren wayne william willie yusuf youssef zachary
""".split())

FEMALE_NAMES = frozenset("""
abigail ada adriana agnes aisha alexandra alice alicia alison amanda amber amelia amy ana andrea angela anita
ann anna anne annie april audrey barbara beatrice betty beverly brenda bridget brittany camila carla carmen
carol caroline catherine charlotte cheryl chloe christina christine claire clara claudia cynthia daisy dana
danielle deborah debra denise diana diane dolores donna doris dorothy edith eileen elaine eleanor elena
elizabeth ella ellen emily emma erica erin esther eva evelyn fatima fiona florence frances gabriela gail
gloria grace hannah harriet hazel heather helen ingrid irene isabel isabella jacqueline jane janet janice
jasmine jean jennifer jessica jill joan joanna jodie josephine joy joyce judith judy julia julie karen kate
katherine kathleen kathryn katie kelly kimberly kristen laura lauren leah leslie lily linda lisa lois lori
louise lucy lydia madison margaret maria marie marilyn marion martha mary maya megan melanie melissa mia
michelle mildred miriam molly monica nancy naomi natalie natasha nicole nina nora olga olivia pamela patricia
paula pauline peggy penelope priya rachel rebecca regina rita rosa rose ruth sabrina sally samantha sandra
sara sarah sharon shirley silvia sofia sophia sophie stephanie susan suzanne sylvia tamara teresa theresa
tina tracy valerie vanessa vera veronica victoria virginia wendy yasmin yvonne zoe
""".split())


def name_gender(name: str) -> str | None:
    """"m", "f", or None (unknown) for a person's name as written (with any title before it),
    from a gendered title or the first name."""
    from .normalise import TITLE_QUALIFIERS, TITLES

    for word in name.replace(".", " ").lower().split():
        if word in MALE_TITLES or word in MALE_NAMES:
            return "m"
        if word in FEMALE_TITLES or word in FEMALE_NAMES:
            return "f"
        if word not in TITLES and word not in TITLE_QUALIFIERS:
            break  # only the first name decides: "Ann Arbor Smith" is not "arbor"
    return None
