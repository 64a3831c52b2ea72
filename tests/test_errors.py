"""Error codes: every error raised has a real code, and the CLI reports them in one place."""

from __future__ import annotations

import ast
import pickle
import urllib.error
from pathlib import Path

from helpers import REPO
from kgbuild.errors import DecodeError, KGBuildError, StageFailure

PACKAGE = REPO / "kgbuild"

# Call sites that still build the placeholder-coded base class, per file. They live in modules
# being reworked at the time of writing; each should raise ExecutorError (E501) instead. The
# count may only go down: a new `KGBuildError(...)` anywhere fails this test.
PENDING: dict[str, int] = {}


def _calls(path: Path, name: str) -> int:
    tree = ast.parse(path.read_text(), str(path))
    return sum(1 for node in ast.walk(tree) if isinstance(node, ast.Call)
               and isinstance(node.func, ast.Name) and node.func.id == name)


def test_nothing_is_raised_with_the_placeholder_code():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        n = _calls(path, "KGBuildError")
        if n:
            found[path.relative_to(REPO).as_posix()] = n
    over = {f: n for f, n in found.items() if n > PENDING.get(f, 0)}
    assert not over, f"KGBuildError (E000) built directly; raise a coded subclass instead: {over}"


def test_an_unexpected_exception_in_a_stage_is_recorded_as_E310_with_its_class_in_the_reason():
    failure = StageFailure("ner", "urn:src", "a.txt", ValueError("bad span"))
    assert failure.cause_code == "E310"
    assert failure.detail == "ValueError: bad span"
    assert "stage 'ner' failed on a.txt: ValueError: bad span" in failure.reason


def test_a_foreign_code_attribute_is_not_taken_for_an_error_code():
    # HTTPError has an int `code` (the status); it must not end up as the failure's code.
    cause = urllib.error.HTTPError("http://x", 404, "Not Found", {}, None)
    assert StageFailure("fetch", "urn:src", "a.txt", cause).cause_code == "E310"


def test_our_errors_keep_their_code_and_position_and_survive_a_process_boundary():
    failure = StageFailure("reader", "urn:src", "a.txt", DecodeError("not UTF-8", position="byte 3"))
    assert (failure.cause_code, failure.position) == ("E303", "byte 3")
    again = pickle.loads(pickle.dumps(failure))
    assert (again.cause_code, again.position, again.reason) == ("E303", "byte 3", failure.reason)


def test_every_error_class_raised_has_a_real_code():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    codes = {cls.__name__: cls.code for cls in subclasses(KGBuildError)}
    assert "E000" not in codes.values(), codes


def test_cli_commands_leave_error_reporting_to_main():
    """`kgbuild.cli.main` reports a KGBuildError once (message, hint, code, exit 2); a command
    that catches one itself would duplicate that and drift from it."""
    catching = []
    for path in sorted((PACKAGE / "cli").glob("*_cmd.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and "KGBuildError" in ast.unparse(node.type or ast.Name("")):
                catching.append(f"{path.name}:{node.lineno}")
    assert not catching, catching
