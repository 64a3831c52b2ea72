"""Rebuild gold.json from paragraphs.txt (the human-edited source of the coreference gold set).

    .venv/bin/python data/coref-eval/build.py           # writes data/coref-eval/gold.json
    .venv/bin/python data/coref-eval/build.py --check   # exit 1 if gold.json is out of date

A reference is written ``[surface|Entity Name]`` in the text; the brackets are removed and
the surface's character offsets recorded in the entity's chain. See README.md.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "paragraphs.txt"
GOLD = HERE / "gold.json"

RELATION_TYPES = ("Work_For", "Kill", "OrgBased_In", "Live_In", "Located_In")
CHAIN_TYPES = ("PERSON", "ORG", "GPE", "LOC", "FAC")
SPLITS = ("dev", "test")
_REF = re.compile(r"\[([^\[\]|]+)\|([^\[\]|]+)\]")
_HEADER = re.compile(r"^## (p\d{2,3}) (dev|test) ([a-z-]+)$")


class GoldError(ValueError):
    pass


def _paragraph(header: str, lines: list[str]) -> dict:
    m = _HEADER.match(header)
    if not m:
        raise GoldError(f"bad header {header!r}: expected '## pNN dev|test style'")
    pid, split, style = m.groups()
    body = [ln for ln in lines if ln.strip()]
    if not body:
        raise GoldError(f"{pid}: no text")
    marked, rest = body[0], body[1:]
    text, refs, pos = [], [], 0
    for ref in _REF.finditer(marked):
        text.append(marked[pos:ref.start()])
        start = sum(map(len, text))
        text.append(ref.group(1))
        refs.append((ref.group(2).strip(), start, start + len(ref.group(1))))
        pos = ref.end()
    text.append(marked[pos:])
    text = "".join(text)
    if "[" in text or "]" in text or "|" in text:
        raise GoldError(f"{pid}: malformed reference markup in {marked!r}")
    types, relations, notes = {}, [], []
    for line in rest:
        key, _, value = line.partition(":")
        value = value.strip()
        if key == "chain":
            name, _, kind = value.rpartition("=")
            types[name.strip()] = kind.strip()
        elif key == "rel":
            parts = [p.strip() for p in value.split("|")]
            if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != "via_reference"):
                raise GoldError(f"{pid}: bad relation line {line!r}")
            relations.append({"head": parts[0], "type": parts[1], "tail": parts[2],
                              "via_reference": len(parts) == 4})
        elif key == "note":
            notes.append(value)
        else:
            raise GoldError(f"{pid}: unknown line {line!r}")
    chains = []
    for name in dict.fromkeys(r[0] for r in refs):
        if name not in types:
            raise GoldError(f"{pid}: reference to {name!r} without a 'chain:' line")
        chains.append({"entity": name, "type": types[name],
                       "mentions": [[s, e] for n, s, e in refs if n == name]})
    for name, kind in types.items():
        if name not in {c["entity"] for c in chains}:
            raise GoldError(f"{pid}: chain {name!r} has no reference in the text")
        if kind not in CHAIN_TYPES:
            raise GoldError(f"{pid}: chain {name!r} has type {kind!r}, not one of {CHAIN_TYPES}")
    for rel in relations:
        if rel["type"] not in RELATION_TYPES:
            raise GoldError(f"{pid}: relation type {rel['type']!r} is not one of {RELATION_TYPES}")
        for arg in (rel["head"], rel["tail"]):
            if arg not in text:
                raise GoldError(f"{pid}: relation argument {arg!r} is not written in the text")
        if rel["via_reference"] and not {rel["head"], rel["tail"]} & set(types):
            raise GoldError(f"{pid}: relation {rel} is via_reference but neither argument has a chain")
    out = {"id": pid, "split": split, "style": style, "text": text, "chains": chains, "relations": relations}
    if notes:
        out["note"] = " ".join(notes)
    return out


def build(source: str) -> dict:
    blocks: list[tuple[str, list[str]]] = []
    for line in source.splitlines():
        if line.startswith("## "):
            blocks.append((line.strip(), []))
        elif line.startswith("#") or not blocks:
            continue
        else:
            blocks[-1][1].append(line.rstrip())
    paragraphs = [_paragraph(h, body) for h, body in blocks]
    ids = [p["id"] for p in paragraphs]
    if len(set(ids)) != len(ids):
        raise GoldError("duplicate paragraph ids")
    return {"description": "kgbuild coreference + relation gold set (data/coref-eval/README.md); "
                           "built from paragraphs.txt by build.py",
            "relation_types": list(RELATION_TYPES),
            "paragraphs": paragraphs}


def render(gold: dict) -> str:
    text = json.dumps(gold, indent=1, ensure_ascii=False)
    return re.sub(r"\[\s+(\d+),\s+(\d+)\s+\]", r"[\1, \2]", text) + "\n"  # offsets on one line


def main(argv: list[str]) -> int:
    text = render(build(SOURCE.read_text(encoding="utf-8")))
    if "--check" in argv:
        if not GOLD.is_file() or GOLD.read_text(encoding="utf-8") != text:
            print(f"{GOLD} is out of date: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    GOLD.write_text(text, encoding="utf-8")
    n = len(json.loads(text)["paragraphs"])
    print(f"wrote {GOLD} ({n} paragraphs)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
