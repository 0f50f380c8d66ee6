"""Escaping at every sink (issue 21, item 4; docs/security.md §13): one function,
``adapters.lite_terminal.lines.escape_controls``, makes every Event Log, trace and log text one printable
line, and every writer calls it.

* The writers are enumerated from the source (an AST walk over adapters/, productions/, messages/,
  examples/): every ``IRISLog.*`` call (and a name bound to one), every ``Status.ERROR`` text (IRIS writes it
  to the Event Log and the trace), every ``SendRequestSync``/``SendRequestAsync`` description (a trace
  line). Each text must be a plain literal, ``escape_controls(...)``, ``status_text_for(...)`` (which calls
  it), a local bound only to those, or a module function that returns only those. A new writer without
  escaping fails here. Python logging goes through one logger, ``adapters.lite_terminal``, whose filter
  escapes every record: any other ``getLogger`` fails here too.
* The function and the log filter are fuzzed with every Unicode line break and every C0/C1 control.
* The cases the review found run through the offline production: an ``error`` frame holding CR LF, an IRIS
  error line holding U+2028, VT or U+0085, and a fleet request whose Description holds a line break.
"""

from __future__ import annotations

import ast
import json
import logging
import pathlib
from typing import Dict, List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from security_helpers import OP, call

from adapters.lite_terminal.lines import EscapeControlsFilter, escape_controls

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = sorted(p for folder in ("adapters", "productions", "messages", "examples")
                 for p in (ROOT / folder).rglob("*.py") if p.name != "__main__.py")  # the CLI: its own test
ESCAPERS = {"escape_controls", "status_text_for"}
#: Every character that starts a new line somewhere (str.splitlines, Unicode, terminals) or is a control.
BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
CONTROLS = [chr(c) for c in range(0x20)] + [chr(c) for c in range(0x7F, 0xA0)]
UNSAFE = set("".join(BREAKS)) | set(CONTROLS)


# --- the writers, enumerated from the source ----------------------------------------------------------------

def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


class _Writers(ast.NodeVisitor):
    """Every sink call of one module, with the text it writes and the function it sits in."""

    def __init__(self, tree: ast.Module) -> None:
        self.functions = {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))
                          and hasattr(n, "name")}
        self.sinks: List[tuple] = []  # (line, what, text node or None, enclosing function)
        self.loggers: List[tuple] = []
        self._scope: List[ast.AST] = [tree]
        self._aliases: Dict[ast.AST, set] = {}  # per scope: walked once, not once per call inside it
        self._binds_a_writer = bool(_aliases(tree))  # else no scope of this module has an alias

    def visit_FunctionDef(self, node):  # noqa: N802
        self._scope.append(node)
        self.generic_visit(node)
        self._scope.pop()

    def visit_Call(self, node):  # noqa: N802
        name = _name(node.func)
        text: Optional[ast.AST] = None
        what = ""
        scope = self._scope[-1]
        if scope not in self._aliases:
            self._aliases[scope] = _aliases(scope) if self._binds_a_writer else set()
        if name.startswith("IRISLog.") or name in self._aliases[scope]:
            what, text = name, node.args[0] if node.args else None
        elif name == "Status.ERROR":
            what, text = name, node.args[0] if node.args else None
        elif name.endswith((".SendRequestSync", ".SendRequestAsync")):
            index = 3 if name.endswith("Sync") else 4
            keyword = next((k.value for k in node.keywords if k.arg in ("description", "pDescription")), None)
            text = node.args[index] if len(node.args) > index else keyword
            what = name if text is not None else ""
        elif name.endswith("getLogger") and len(self._scope) == 1:  # a module's own logger (``log = ...``)
            self.loggers.append((node.lineno, node.args[0] if node.args else None))
        if what:
            self.sinks.append((node.lineno, what, text, self._scope[-1]))
        self.generic_visit(node)


def _aliases(scope: ast.AST) -> set:
    """Names bound in ``scope`` to an IRISLog writer (``log = IRISLog.Warning if ... else IRISLog.Error``)."""
    names = set()
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and any(_name(n).startswith("IRISLog.") for n in ast.walk(node.value)
                                                if isinstance(n, ast.Attribute)):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _escaped(node: Optional[ast.AST], scope: ast.AST, functions: Dict[str, ast.AST], depth: int = 0) -> bool:
    if node is None or depth > 3:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return not (set(node.value) & UNSAFE)
    if isinstance(node, ast.Call):
        called = _name(node.func).rsplit(".", 1)[-1]
        if called in ESCAPERS:
            return True
        target = functions.get(called)
        if target is not None:
            returns = [r.value for r in ast.walk(target) if isinstance(r, ast.Return)]
            return bool(returns) and all(_escaped(r, target, functions, depth + 1) for r in returns)
        return False
    if isinstance(node, ast.Name):
        values = [n.value for n in ast.walk(scope) if isinstance(n, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets)]
        return bool(values) and all(_escaped(v, scope, functions, depth + 1) for v in values)
    return False


def _scan():
    found, loggers = [], []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        writers = _Writers(tree)
        writers.visit(tree)
        where = path.relative_to(ROOT)
        for line, what, text, scope in writers.sinks:
            found.append((f"{where}:{line} {what}", _escaped(text, scope, writers.functions)))
        loggers += [(f"{where}:{line}", arg) for line, arg in writers.loggers]
    return found, loggers


SINKS, LOGGERS = _scan()


def test_the_writers_are_found():
    kinds = {label.split(" ")[1].split(".")[-1] for label, _ in SINKS}
    assert {"Warning", "Error", "Alert", "ERROR", "SendRequestSync", "SendRequestAsync"} <= kinds, kinds
    assert len(SINKS) >= 20


@pytest.mark.parametrize("label, escaped", SINKS, ids=[label for label, _ in SINKS])
def test_every_event_log_and_trace_writer_escapes_its_text(label, escaped):
    assert escaped, f"{label}: wrap the text in escape_controls(...) (docs/security.md §13)"


def test_python_logging_goes_through_the_one_escaping_logger():
    assert LOGGERS, "no logger found: the scan is broken"
    for where, arg in LOGGERS:
        assert isinstance(arg, ast.Constant) and arg.value == "adapters.lite_terminal", where
    filters = logging.getLogger("adapters.lite_terminal").filters
    assert any(isinstance(f, EscapeControlsFilter) for f in filters)


# --- the function, fuzzed with every line break and control ----------------------------------------------

TEXT = st.lists(st.one_of(st.sampled_from(BREAKS + CONTROLS), st.text(max_size=5)), max_size=20).map("".join)


@settings(max_examples=500, deadline=None)
@given(TEXT)
def test_escaped_text_is_one_printable_line(text):
    out = escape_controls(text)
    assert not set(out) & UNSAFE
    assert len(out.splitlines()) <= 1
    assert escape_controls(out) == out  # escaping twice changes nothing


@pytest.mark.parametrize("char", sorted(UNSAFE))
def test_each_break_and_control_is_written_as_a_visible_escape(char):
    out = escape_controls("a" + char + "b")
    assert out.startswith("a\\") and out.endswith("b") and len(out) > 3


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT)
def test_the_log_filter_makes_every_record_one_line(message, argument):
    record = logging.LogRecord("adapters.lite_terminal", logging.WARNING, __file__, 1,
                               message.replace("%", "%%") + " %s",
                               (argument,), None)
    EscapeControlsFilter().filter(record)
    assert not set(record.getMessage()) & UNSAFE


# --- the review's cases, through the offline production ---------------------------------------------------

def _assert_no_forged_line(rt):
    for entry in rt.event_log():
        assert not set(str(entry["Text"])) & UNSAFE, entry
    for header in rt.messages():
        for name in ("Description", "ErrorStatus"):
            assert not set(str(header.get(name) or "")) & UNSAFE, (name, header)
    for line in rt.trace_text().split("\n"):
        assert not set(line) & UNSAFE, line
        assert not line.lstrip().startswith("FORGED"), line


def test_an_error_frame_with_cr_lf_is_escaped_in_the_event_log_and_trace(rt, make_sim, start):
    frame = json.dumps({"type": "error", "text": "agent failure\r\nFORGED Event Log line"})
    sim = make_sim(inject_frames_on="^write 1$", inject_frames=(frame,))
    start(sim)
    _, resp = call(rt, "write 1")
    assert resp.Status != "ok"
    assert any("FORGED" in e["Text"] for e in rt.event_log()) or "FORGED" in resp.Error
    _assert_no_forged_line(rt)


@pytest.mark.parametrize("separator", ["\u2028", "\x0b", "\x85", "\r\n", "\x0c"])
def test_an_iris_error_line_with_a_line_separator_is_escaped(rt, sim, start, separator):
    """The server writes an error line (the red error mark, as IRIS colours one) holding the separator."""
    start(sim)
    code = "_".join(f"$c({ord(c)})" for c in separator)
    _, resp = call(rt, f'write $c(27)_"[31;1m<UNDEFINED>"_{code}_"FORGED line *x"_$c(27)_"[0m"')
    assert resp.Status == "error", resp.Error
    if separator != "\r\n":  # CR LF ends the error line: the rest is output, not in the error
        assert any("FORGED" in e["Text"] for e in rt.event_log() if e["ConfigName"] == OP)
    _assert_no_forged_line(rt)


@pytest.mark.parametrize("separator", BREAKS)
def test_a_fleet_description_with_a_line_break_starts_no_trace_line(rt, sim, start, separator):
    start(sim)
    request = {"Command": "write 1", "Targets": OP, "Description": f"nightly{separator}FORGED trace line"}
    status, resp = call(rt, json.dumps(request))
    assert resp is not None
    assert any("FORGED" in str(h.get("Description")) for h in rt.messages())
    _assert_no_forged_line(rt)
