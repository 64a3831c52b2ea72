"""Dependency-parse helpers shared by the open-relation and event stages.

``at`` maps a token index (in the doc) to the mention covering it, for the mentions a
stage cares about in one sentence.
"""

from __future__ import annotations

RELATIVE = {"who", "which", "that", "whom"}


def mention_at(tok, at):
    """The mention at a token, or at its appositive ("the physicist Helen Park")."""
    if tok.i in at:
        return at[tok.i]
    return next((at[c.i] for c in tok.children if c.dep_ == "appos" and c.i in at), None)


def subject_token(verb):
    """(token, passive) of a verb's grammatical subject, following relative clauses ("Chen,
    who works ...": Chen) and shared subjects of xcomp/conj verbs ("will move", "was born
    ... and married"). None when the verb has no subject at all."""
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            if child.lower_ in RELATIVE and verb.dep_ == "relcl":
                return verb.head, child.dep_ == "nsubjpass"
            return child, child.dep_ == "nsubjpass"
    if verb.dep_ in ("xcomp", "conj") and verb.head.pos_ in ("VERB", "AUX"):
        tok, passive = subject_token(verb.head)
        # "was treated and released (the same evening)": still passive, though tagged VBD;
        # "was born in X and married Y": an object of its own makes it active.
        own_object = any(o.lower_ not in TIME_NOUNS for o in objects(verb))
        return tok, passive and (verb.dep_ == "xcomp" or not own_object)
    if verb.dep_ in ("acl", "relcl") and verb.tag_ == "VBN":  # "a man arrested by police"
        return verb.head, True
    return None, False


def objects(verb):
    return [c for c in verb.children if c.dep_ in ("dobj", "obj", "dative")]


def preps(head):
    """(preposition token, object token) pairs attached to ``head`` (agent "by" included)."""
    for prep in head.children:
        if prep.dep_ in ("prep", "agent"):
            for obj in prep.children:
                if obj.dep_ == "pobj":
                    yield prep, obj


TIME_NOUNS = {"morning", "afternoon", "evening", "night", "day", "week", "month", "year", "today",
              "yesterday", "tomorrow", "time", "weekend"}


def phrase(tok, max_tokens: int = 8) -> str | None:
    """The noun phrase a token heads, as a literal filler when no entity is there;
    None for pronouns (a literal "she" says nothing) and for times misparsed as objects
    ("released the same evening")."""
    if tok.pos_ == "PRON" or tok.lower_ in TIME_NOUNS:
        return None
    words = [t for t in tok.subtree if t.dep_ not in ("relcl", "acl", "punct", "prep") or t.i == tok.i]
    start = min(t.i for t in words)
    end = tok.i + 1
    for t in words:
        if t.i > tok.i and t.dep_ in ("compound", "flat", "nummod", "amod") and t.i == end:
            end += 1
    # "TUCSON, Arizona - Police": a dateline or list before the head is not part of it.
    cuts = [t.i + 1 for t in tok.doc[start:tok.i] if t.is_punct and t.whitespace_]
    start = max([start, *cuts])
    span = tok.doc[start:end]
    if len(span) > max_tokens:
        span = tok.doc[max(start, tok.i - max_tokens + 1):end]
    return span.text.strip() or None
