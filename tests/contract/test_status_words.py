"""Status words come from ``contract.Status`` / ``FleetStatus`` (issue 15 item 1): the hosts never spell a
status as a string literal, so a word cannot drift from the one list (messages and JSON keep the words, as the
enum's values). Checked on the source of every host module; a name such as ``getattr(result, "error")`` is
an attribute, not a status."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from adapters.lite_terminal.contract import FleetStatus, Status

ROOT = Path(__file__).resolve().parents[2]
HOSTS = [
    "productions/terminal.py", "productions/fleet.py", "productions/fleet_logic.py",
    "productions/command_files.py", "messages/terminal.py", "messages/fleet.py", "adapters/terminal_core.py",
    "adapters/sessions.py", "adapters/inbound.py", "adapters/schedule.py", "adapters/iris_status.py",
    "adapters/lite_terminal/fleet.py", "adapters/lite_terminal/checks.py", "adapters/lite_terminal/memory.py",
]
WORDS = {s.value for s in Status} | {s.value for s in FleetStatus}
ATTRIBUTE_CALLS = {"getattr", "hasattr", "setattr"}


def _status_literals(source: str):
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ATTRIBUTE_CALLS:
            names.update(id(arg) for arg in node.args[1:2])
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in WORDS
                and id(node) not in names):
            yield node.lineno, node.value


@pytest.mark.parametrize("path", HOSTS)
def test_no_host_spells_a_status_word(path):
    found = list(_status_literals((ROOT / path).read_text(encoding="utf-8")))
    assert found == [], f"{path}: use contract.Status / FleetStatus instead of {found}"


def test_the_check_finds_a_spelled_status():
    assert list(_status_literals('if result.status == "lost":\n    pass\n')) == [(1, "lost")]
    assert list(_status_literals('x = getattr(result, "error", "")\n')) == []


def test_the_words_on_the_wire_are_the_enum_values():
    from offline_iris import OfflineIRIS

    with OfflineIRIS():  # message modules import pyprod, which needs the embedded iris module
        from messages.fleet import FLEET_STATUSES

    assert FLEET_STATUSES == ("ok", "partial", "failed", "denied", "invalid")
    assert [s.value for s in Status] == ["ok", "error", "timeout", "interrupted", "lost", "unreachable",
                                         "invalid", "denied", "mismatch", "skipped"]
