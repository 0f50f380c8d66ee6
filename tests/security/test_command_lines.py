"""One definition of the lines the server runs (adapters/lite_terminal/lines.py), used by the client when it
sends and by the policy when it checks.

The attack it closes: the client split with ``str.splitlines()`` (which also breaks at VT, FF, FS/GS/RS,
U+0085, U+2028, U+2029) while the policy split only at CR/LF, so ``write 1`` U+2028 ``halt`` passed
``AllowPatterns=^WRITE\\b`` and the server ran HALT. Now a line ends only at CR LF, LF or CR, and any
other character that could split or disguise a line is refused, by the client before it connects and by the
policy (``denied``, with the character named) before anything is sent.
"""

from __future__ import annotations

import json
import logging
import sys
import unicodedata

import pytest
from security_helpers import BP, OP, PASSWORD, call, executed, warnings_of

from adapters.lite_terminal import LiteTerminal, TerminalError
from adapters.lite_terminal.lines import UnsafeCommandText, command_lines, escape_controls
from productions.policy import DEFAULT_DENY, check_command

#: Every character Python's str.splitlines() breaks at, besides CR and LF.
OTHER_SPLITLINES_BREAKS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]

REFUSED = OTHER_SPLITLINES_BREAKS + [
    "\x00",  # NUL
    "\x08",  # backspace: rewrites what a terminal or a log viewer shows
    "\x1b",  # ESC: ANSI sequences in the Event Log
    "\x7f",  # DEL
    "\x9b",  # C1 CSI
    "\ud800",  # a lone surrogate (cannot be encoded as UTF-8 on the wire)
    "\u200b",  # ZERO WIDTH SPACE
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE ("Trojan Source")
    "\u2066",  # LEFT-TO-RIGHT ISOLATE
    "\ufeff",  # BYTE ORDER MARK / ZERO WIDTH NO-BREAK SPACE
]


# ---------------------------------------------------------------------------------------------------------
# The rule


@pytest.mark.parametrize(
    "command, lines",
    [
        ("write 1", ["write 1"]),
        ("write 1\r\nwrite 2", ["write 1", "write 2"]),
        ("write 1\nwrite 2", ["write 1", "write 2"]),
        ("write 1\rwrite 2", ["write 1", "write 2"]),
        ("write 1\n\r\nwrite 2\r", ["write 1", "", "write 2"]),  # LF, then CR LF; a final line end
        ("write 1\n", ["write 1"]),
        ("", []),
        ("\tw 1", ["\tw 1"]),  # a tab is a blank, not a line end
        ('write "naïve ☃ 日本語"', ['write "naïve ☃ 日本語"']),
    ],
)
def test_a_line_ends_at_cr_lf_lf_or_cr_and_a_final_line_end_adds_no_line(command, lines):
    assert command_lines(command) == lines


def test_every_character_str_splitlines_breaks_at_is_either_a_line_end_here_or_refused():
    breaks = [chr(c) for c in range(sys.maxunicode + 1)
              if not 0xD800 <= c <= 0xDFFF and len(("a" + chr(c) + "b").splitlines()) == 2]
    assert sorted(breaks) == sorted(["\n", "\r"] + OTHER_SPLITLINES_BREAKS)
    for char in breaks:
        if char in "\r\n":
            assert command_lines("a" + char + "b") == ["a", "b"]
        else:
            with pytest.raises(UnsafeCommandText):
                command_lines("a" + char + "b")


@pytest.mark.parametrize("char", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
def test_controls_separators_surrogates_and_invisible_format_characters_are_refused(char):
    with pytest.raises(UnsafeCommandText) as caught:
        command_lines("write 1\r\nwrite 2" + char + "halt")
    message = str(caught.value)
    assert f"U+{ord(char):04X}" in message and "line 2, column 8" in message
    assert isinstance(caught.value, ValueError)


def test_every_control_separator_and_surrogate_in_unicode_is_refused_except_tab_cr_lf():
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs") and char not in "\t\r\n":
            with pytest.raises(UnsafeCommandText):
                command_lines(char)


def test_the_refusal_names_the_character_but_never_repeats_the_command():
    secret_looking = "set pw=\"Kumquat-in-a-command\"\u2028halt"
    with pytest.raises(UnsafeCommandText) as caught:
        command_lines(secret_looking)
    assert "Kumquat" not in str(caught.value) and "LINE SEPARATOR" in str(caught.value)


def test_escape_controls_makes_any_text_one_printable_line():
    forged = "job.cos\nERROR [LiteTerminal] forged entry\r\x1b[31mred\u2028\ttab\x00"
    escaped = escape_controls(forged)
    assert escaped == "job.cos\\nERROR [LiteTerminal] forged entry\\r\\x1b[31mred\\u2028\\ttab\\x00"
    assert escaped.isprintable()
    assert escape_controls('write "naïve ☃"') == 'write "naïve ☃"'  # ordinary text untouched


def test_the_clients_log_lines_are_escaped_so_server_text_cannot_forge_a_line(caplog):
    with caplog.at_level(logging.DEBUG, logger="adapters.lite_terminal"):
        logging.getLogger("adapters.lite_terminal").warning("server said %s", "ok\n2026-01-01 ERROR forged")
    assert [r.getMessage() for r in caplog.records] == ["server said ok\\n2026-01-01 ERROR forged"]


# ---------------------------------------------------------------------------------------------------------
# The policy and the client use it


@pytest.mark.parametrize("char", OTHER_SPLITLINES_BREAKS, ids=ascii)
def test_the_policy_denies_write_then_a_separator_then_halt_under_an_allow_list(char):
    decision = check_command("write 1" + char + "halt", r"^WRITE\b", DEFAULT_DENY)
    assert not decision.allowed
    assert decision.reason.startswith("unsafe command text:") and f"U+{ord(char):04X}" in decision.reason


def test_the_client_sends_exactly_the_lines_the_policy_checked_joined_by_crlf(sim):
    with LiteTerminal(sim.host, sim.port, username="_SYSTEM", password=PASSWORD, namespace="USER",
                      connect_timeout=3.0, response_timeout=5.0) as term:
        result = term.execute("write 1\rwrite 2\nwrite 3\r\n")
    assert result.status == "ok"
    assert executed(sim) == ["write 1\r\nwrite 2\r\nwrite 3"]


def test_the_client_refuses_unsafe_text_before_it_connects(sim):
    term = LiteTerminal(sim.host, sim.port, username="_SYSTEM", password=PASSWORD, namespace="USER",
                        connect_timeout=3.0, response_timeout=5.0)
    try:
        with pytest.raises((UnsafeCommandText, TerminalError)) as caught:
            term.execute("write 1\u2028halt")
        assert "U+2028" in str(caught.value)
    finally:
        term.close()
    assert sim.logins == 0 and executed(sim) == []


# ---------------------------------------------------------------------------------------------------------
# Through the production


def test_write_line_separator_halt_is_denied_end_to_end_and_never_sent(rt, sim, start):
    start(sim, {(BP, "Host", "AllowPatterns"): r"^WRITE\b"})
    status, resp = call(rt, json.dumps({"Command": "write 1\u2028halt"}))
    assert resp.Status == "denied" and "U+2028 LINE SEPARATOR" in resp.Error
    assert executed(sim) == [] and sim.logins == 0
    warning = [w for w in warnings_of(rt, BP) if w.startswith("denied command")]
    assert len(warning) == 1 and "\u2028" not in warning[0] and "\\u2028" in warning[0]


def test_a_request_sent_straight_to_the_operation_is_denied_by_its_policy_not_sent(rt, sim, start):
    """The operation is reachable without the process (docs/security.md §1); its own policy reads the text
    with the same line function and refuses it, whatever its patterns (docs/security.md §10), so nothing
    with two readings reaches the server by that way either (and the client would refuse it as invalid)."""
    from messages.terminal import TerminalCommandRequest  # needs the runtime's iris module (rt)

    start(sim, {(OP, "Host", "DenyPatterns"): ""})
    status, resp = rt.send_sync(OP, TerminalCommandRequest(Command="write 1\x0chalt"))
    assert resp.Status == "denied" and "U+000C" in resp.Error
    assert executed(sim) == [] and sim.logins == 0


def test_a_request_description_with_a_line_break_is_escaped_in_the_trace(rt, sim, start):
    start(sim)
    status, resp = call(rt, json.dumps({"Command": "write 1", "Description": "nightly\nFORGED header"}))
    assert resp.Status == "ok"
    descriptions = [str(h.get("Description", "")) for h in rt.messages()]
    assert "nightly\\nFORGED header" in descriptions and not any("\n" in d for d in descriptions)
