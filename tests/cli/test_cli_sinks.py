"""Every line the command line writes to the terminal is escaped where it carries outside text (issue 21,
item 4): the writers are enumerated from the source, so a new one that prints a server's or a file's text
unescaped fails here.

A writer is a call to ``.write``, ``.error`` or ``print`` in the CLI's modules. Its text must be a literal,
or made by a function that escapes (``status_line``, ``group_block``, ``escape_controls``, ``words``,
``json.dumps`` for JSON, ``_failure_text`` which calls ``status_line``), or an f-string whose parts are
those or numbers and names reviewed below. Output itself reaches the terminal through ``OutputStream``
(tests/cli/test_render.py: every prefixed line is one printable line).
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODULES = ["__main__", "render", "interactive", "runner", "inventory", "cli_args", "diagnose"]
ESCAPING = {"status_line", "group_block", "escape_controls", "words", "dumps", "_failure_text",
            "summary_line", "visible", "render"}
#: Plain values that hold no outside text: counts, a constant, a file stem made of [A-Za-z0-9._-] only,
#: a version or a note already escaped where it was made.
REVIEWED = {"not_shown", "CTRL_C_EXIT_BOUND", "stem", "version", "text"}
#: The channel itself: a method that only passes its text on.
CHANNELS = {"write", "error", "_write"}
WRITES = ("write", "error", "print")


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Subscript):
        return _name(node.value)
    return ""


def _safe(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Call):
        if _name(node.func) == "join":
            return all(_safe(a.elt) if isinstance(a, ast.GeneratorExp) else _safe(a) for a in node.args)
        return _name(node.func) in ESCAPING
    if isinstance(node, ast.BinOp):
        return _safe(node.left) and _safe(node.right)
    if isinstance(node, ast.JoinedStr):
        return all(_safe(v.value) if isinstance(v, ast.FormattedValue) else True for v in node.values)
    if isinstance(node, ast.Subscript):
        return _safe(node.value)
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _name(node) in REVIEWED
    return False


def writers():
    found = []
    for module in MODULES:
        path = ROOT / "adapters" / "lite_terminal" / f"{module}.py"
        tree = ast.parse(path.read_text())
        for function in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))]:
            if getattr(function, "name", "") in CHANNELS:
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and node.args and _name(node.func) in WRITES:
                    found.append((f"{module}.py:{node.lineno}", node.args[0]))
    return found


def test_the_writers_are_found():
    assert len(writers()) >= 15  # the enumeration sees the CLI's writers (not an empty walk)


@pytest.mark.parametrize("where, text", writers(), ids=[w for w, _ in writers()])
def test_every_writer_escapes_outside_text(where, text):
    assert _safe(text), f"{where}: build the text with status_line/escape_controls/words (docs/cli.md §5)"
