"""The event ontology: ACE 2005-style types, their trigger words and how roles attach.

A trigger is a verb (by lemma) or a noun (by lemma) from this table. For a verb, the
grammatical subject of the active voice fills ``subject`` and the direct object fills
``object``; in the passive the subject fills ``object`` and the "by" phrase fills
``subject`` ("Delaney had been dismissed by Copperline": Copperline is the agent).
Prepositional phrases fill the roles in ``PREP_ROLES`` by the preposition and the kind of
entity (a place, a time, anything else). Nouns take their "of" phrase and possessor as
``object``/``subject`` ("the death of Moreno", "Northwind's move").

Movement verbs without an object give their subject the ``artifact`` role, as ACE does
for people who move themselves ("Delaney moved to Tucson").

Roles: agent (who does it), patient (who it is done to: the one born, killed, arrested,
hired), person (both sides of a marriage), participant (of a meeting), artifact (what is
moved), buyer/seller are agent/patient of Transfer, time, place, origin, destination,
instrument, org (the organisation of a Personnel event).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Trigger:
    event_type: str
    subject: str | None = "agent"  # role of the active-voice subject
    object: str | None = "patient"  # role of the direct object / passive subject
    forms: frozenset[str] = frozenset()  # surface forms only (lemma is ambiguous), lower case
    alone: str | None = None  # role of the subject when there is no object (None: ``subject``)


def _t(event_type: str, subject: str | None = "agent", obj: str | None = "patient", forms=(), alone=None) -> Trigger:
    return Trigger(event_type, subject, obj, frozenset(forms), alone)


def _move(obj: str | None = "artifact") -> Trigger:
    # ACE: whoever moves themselves is the Artifact; an Agent moves something else.
    return _t("Movement.Transport", "agent", obj, alone="artifact")


VERBS: dict[str, Trigger] = {
    # Life
    "bear": _t("Life.Be-Born", None, "patient", forms=("born",)),
    "die": _t("Life.Die", "patient", None),
    "kill": _t("Life.Die"), "murder": _t("Life.Die"), "assassinate": _t("Life.Die"),
    "execute": _t("Life.Die"), "shoot": _t("Conflict.Attack"),
    "marry": _t("Life.Marry", "person", "person"), "wed": _t("Life.Marry", "person", "person"),
    "divorce": _t("Life.Divorce", "person", "person"),
    "injure": _t("Life.Injure"), "wound": _t("Life.Injure"),
    # Movement
    "move": _move(), "relocate": _move(), "travel": _move(None), "fly": _move(), "arrive": _move(None),
    "emigrate": _move(None), "immigrate": _move(None), "return": _move(None), "carry": _move(),
    # Conflict
    "attack": _t("Conflict.Attack"), "strike": _t("Conflict.Attack"), "assault": _t("Conflict.Attack"),
    "bomb": _t("Conflict.Attack"), "stab": _t("Conflict.Attack"), "invade": _t("Conflict.Attack"),
    "protest": _t("Conflict.Demonstrate", "agent", None),
    # Contact
    "meet": _t("Contact.Meet", "participant", "participant"), "visit": _t("Contact.Meet", "participant", "participant"),
    # Personnel
    "hire": _t("Personnel.Start-Position", "org", "patient"), "appoint": _t("Personnel.Start-Position", "org", "patient"),
    "select": _t("Personnel.Start-Position", "org", "patient"), "join": _t("Personnel.Start-Position", "patient", "org"),
    "retire": _t("Personnel.End-Position", "patient", None), "resign": _t("Personnel.End-Position", "patient", None),
    "fire": _t("Personnel.End-Position", "org", "patient"), "dismiss": _t("Personnel.End-Position", "org", "patient"),
    "elect": _t("Personnel.Elect", "agent", "patient"),
    # Transaction
    "buy": _t("Transaction.Transfer-Ownership"), "acquire": _t("Transaction.Transfer-Ownership"),
    "purchase": _t("Transaction.Transfer-Ownership"), "sell": _t("Transaction.Transfer-Ownership"),
    "pay": _t("Transaction.Transfer-Money"), "donate": _t("Transaction.Transfer-Money"),
    # Business
    "found": _t("Business.Start-Org", "agent", "org", forms=("founded", "founds", "found", "founding")),
    "establish": _t("Business.Start-Org", "agent", "org"),
    # Justice
    "arrest": _t("Justice.Arrest-Jail"), "detain": _t("Justice.Arrest-Jail"), "jail": _t("Justice.Arrest-Jail"),
    "imprison": _t("Justice.Arrest-Jail"), "charge": _t("Justice.Charge-Indict"), "indict": _t("Justice.Charge-Indict"),
    "convict": _t("Justice.Convict"), "sentence": _t("Justice.Sentence"), "sue": _t("Justice.Sue"),
    "release": _t("Justice.Release-Parole", "agent", "patient"),
}

NOUNS: dict[str, Trigger] = {
    "birth": _t("Life.Be-Born", "patient", "patient"), "death": _t("Life.Die", "patient", "patient"),
    "murder": _t("Life.Die"), "killing": _t("Life.Die"), "marriage": _t("Life.Marry", "person", "person"),
    "wedding": _t("Life.Marry", "person", "person"), "attack": _t("Conflict.Attack"),
    "assault": _t("Conflict.Attack"), "meeting": _t("Contact.Meet", "participant", "participant"),
    "visit": _t("Contact.Meet", "participant", "participant"), "arrest": _t("Justice.Arrest-Jail"),
    "move": _t("Movement.Transport", "agent", "artifact"), "relocation": _t("Movement.Transport", "agent", "artifact"),
    "acquisition": _t("Transaction.Transfer-Ownership"), "retirement": _t("Personnel.End-Position", "patient", "patient"),
    "resignation": _t("Personnel.End-Position", "patient", "patient"), "election": _t("Personnel.Elect"),
}

PLACE_LABELS = {"GPE", "LOC", "FAC", "Loc"}
TIME_LABELS = {"DATE", "TIME"}

# (preposition, kind of filler) -> role; kind is "place", "time" or "other".
PREP_ROLES = {
    ("in", "place"): "place", ("at", "place"): "place", ("near", "place"): "place", ("outside", "place"): "place",
    ("on", "time"): "time", ("in", "time"): "time", ("at", "time"): "time", ("during", "time"): "time",
    ("since", "time"): "time", ("by", "time"): "time",
    ("from", "place"): "origin", ("to", "place"): "destination", ("into", "place"): "destination",
    ("with", "other"): "instrument", ("for", "other"): "org", ("as", "other"): "position",
}
# Contact.Meet "with X": X is the other participant, not an instrument.
TYPE_PREP_ROLES = {"Contact.Meet": {("with", "other"): "participant"},
                   "Personnel.End-Position": {("from", "other"): "org"},
                   "Personnel.Start-Position": {("at", "other"): "org"},
                   "Movement.Transport": {("from", "other"): "origin", ("to", "other"): "destination"}}

# What a role accepts: an entity of these types, never a bare phrase ("org" = "a fourth term"
# is wrong, so the role stays empty). Roles not listed take any entity or phrase except a
# value: a number, an amount or a date is no agent, patient or participant.
ROLE_TYPES = {
    "org": frozenset({"ORG", "Org"}),
    "place": frozenset(PLACE_LABELS), "origin": frozenset(PLACE_LABELS), "destination": frozenset(PLACE_LABELS),
    "time": frozenset(TIME_LABELS),
}
VALUE_LABELS = frozenset({"CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY", "DATE", "TIME"})


def role_accepts(role: str, label: str | None) -> bool:
    """Whether a filler typed ``label`` (None: a literal phrase) may fill ``role``."""
    allowed = ROLE_TYPES.get(role)
    if allowed is not None:
        return label in allowed
    return label not in VALUE_LABELS
