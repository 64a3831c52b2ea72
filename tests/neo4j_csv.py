"""An independent check of a `neo4j-admin database import full` folder, as neo4j-admin reads it
(Neo4j 5 operations manual, "Import: CSV header format"), for tests that cannot run Java:

* import.sh names the node and relationship files (``--nodes=F``, ``--relationships=F``);
* every header field is ``name``, ``name:TYPE`` or ``name:TYPE[]`` with a type neo4j-admin knows,
  or one of ``:ID(space)`` / ``name:ID(space)``, ``:LABEL``, ``:START_ID(space)``,
  ``:END_ID(space)``, ``:TYPE``, ``:IGNORE``; a node file has one ID column, a relationship
  file one START_ID, one END_ID and one TYPE;
* every row has as many fields as its header, and typed fields parse (int, float, boolean,
  arrays split on the array delimiter);
* IDs are unique within their ID space, and every START_ID/END_ID exists in its space.

Returns what was read, for counting: ``{"nodes": {file: [row dicts]}, "relationships": {...}}``."""

from __future__ import annotations

import csv
import re
from pathlib import Path

TYPES = {"int", "long", "float", "double", "boolean", "byte", "short", "char", "string", "point", "date",
         "localtime", "time", "localdatetime", "datetime", "duration"}
FIELD = re.compile(r"^(?P<name>[^:]*)(?::(?P<kind>[A-Za-z_]+)(?P<array>\[\])?(?:\((?P<space>[^)]*)\))?)?$")
ARRAY_SEP = ";"


def _parse(value: str, kind: str, array: bool, where: str):
    if array:
        return [_parse(v, kind, False, where) for v in value.split(ARRAY_SEP)] if value else []
    if value == "":
        return None
    if kind in ("int", "long", "short", "byte"):
        return int(value)
    if kind in ("float", "double"):
        return float(value)
    if kind == "boolean":
        assert value in ("true", "false"), f"{where}: boolean '{value}'"
        return value == "true"
    return value


def _header(fields: list[str], path: Path) -> list[tuple[str, str, bool, str | None]]:
    out = []
    for field in fields:
        m = FIELD.match(field)
        assert m, f"{path.name}: header field '{field}' is not name[:type][(space)]"
        name, kind, array, space = m["name"], m["kind"] or "string", bool(m["array"]), m["space"]
        special = kind in ("ID", "LABEL", "START_ID", "END_ID", "TYPE", "IGNORE")
        assert special or kind.lower() in TYPES, f"{path.name}: unknown type '{kind}' in '{field}'"
        assert special or name, f"{path.name}: a property column needs a name: '{field}'"
        assert space is None or kind in ("ID", "START_ID", "END_ID"), f"{path.name}: an ID space on '{field}'"
        assert not (special and array), f"{path.name}: '{field}'"
        assert kind not in ("LABEL", "START_ID", "END_ID", "TYPE") or not name, \
            f"{path.name}: '{field}' takes no name"
        out.append((name, kind if special else kind.lower(), array, space))
    return out


def check_import_folder(folder: Path) -> dict:
    script = (folder / "import.sh").read_text()
    assert "neo4j-admin database import full" in script
    nodes = re.findall(r"--nodes=(\S+)", script)
    rels = re.findall(r"--relationships=(\S+)", script)
    assert nodes and rels, "import.sh names no node or relationship file"
    ids: dict[str | None, set[str]] = {}
    read = {"nodes": {}, "relationships": {}}
    for group, files in (("nodes", nodes), ("relationships", rels)):
        for name in files:
            path = folder / name
            with path.open(newline="", encoding="utf-8") as fh:
                rows = list(csv.reader(fh))
            assert rows, f"{name} is empty: it needs a header"
            header = _header(rows[0], path)
            kinds = [k for _, k, _, _ in header]
            if group == "nodes":
                assert kinds.count("ID") == 1, f"{name}: a node file has one ID column"
                assert not {"START_ID", "END_ID", "TYPE"} & set(kinds), f"{name}: relationship columns in a node file"
            else:
                assert (kinds.count("START_ID"), kinds.count("END_ID"), kinds.count("TYPE")) == (1, 1, 1), \
                    f"{name}: a relationship file has one START_ID, END_ID and TYPE column"
                assert "ID" not in kinds and "LABEL" not in kinds
            records = []
            for number, row in enumerate(rows[1:], 2):
                where = f"{name}:{number}"
                assert len(row) == len(header), f"{where}: {len(row)} fields, the header has {len(header)}"
                record = {}
                for (col, kind, array, space), value in zip(header, row):
                    if kind == "ID":
                        assert value, f"{where}: empty ID"
                        assert value not in ids.setdefault(space, set()), f"{where}: ID '{value}' twice in space {space}"
                        ids[space].add(value)
                        record[col or ":ID"] = value
                    elif kind in ("START_ID", "END_ID", "TYPE", "LABEL"):
                        assert value, f"{where}: empty {kind}"
                        record[":" + kind] = (space, value) if kind in ("START_ID", "END_ID") else value
                    elif kind != "IGNORE":
                        record[col] = _parse(value, kind, array, where)
                records.append(record)
            read[group][name] = records
    for name, records in read["relationships"].items():
        for record in records:
            for end in (":START_ID", ":END_ID"):
                space, value = record[end]
                assert value in ids.get(space, ()), f"{name}: {end} '{value}' is not an ID in space {space}"
    return read
