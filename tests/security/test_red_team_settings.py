"""Red team, settings and request fields: values a careless or hostile user types that must be refused,
not read as something else (docs/user-guide.md §2.1, §3).

Python's ``\\d`` matches every Unicode decimal digit and ``$`` matches before a final line break, and
``int()``/``float()`` accept both; so ``Port='５２７７３'`` (full-width digits), ``Port='52773\\n'`` and
``Namespace='%SYS\\n'`` were accepted. A host name such as ``192.168.1`` is no IP address, but the resolver
reads it as 192.168.0.1 (inet_aton's short forms), so a mistyped address silently reached another server.
A 5000-digit number made ``int()`` raise its own ValueError instead of the setting's message.
"""

from __future__ import annotations

import json
import socket

import pytest

from adapters.lite_terminal.contract import CommandRequest, InvalidRequest
from adapters.settings import SettingsError, namespace_problem, server_problem
from adapters.terminal_core import AdapterSettings

DEFAULTS = {"Server": "localhost", "Port": 52773, "PathPrefix": "", "Credentials": "LiteTerminal",
            "Namespace": "USER", "UseTLS": 0, "CAFile": "", "VerifyTLS": 1, "ConnectTimeout": 5,
            "ResponseTimeout": 30, "StayConnected": -1, "MaxSessions": 4, "SessionIdleTimeout": 300,
            "MaxOutputChars": 100000}


def refusal(**changes) -> str:
    with pytest.raises(SettingsError) as caught:
        AdapterSettings.from_values(dict(DEFAULTS, **changes), item="Terminal Operation")
    return str(caught.value)


@pytest.mark.parametrize("setting, value", [
    ("Port", "\uff15\uff12\uff17\uff17\uff13"),  # full-width 52773
    ("Port", "\u0665\u0662\u0667\u0667\u0663"),  # Arabic-Indic digits
    ("Port", "52773\n"),
    ("MaxSessions", "4\n"),
    ("MaxOutputChars", "\u0661\u0660\u0660"),
    ("ConnectTimeout", "\uff15"),
    ("ConnectTimeout", "5\n"),
    ("ResponseTimeout", "3\u0660"),
    ("SessionIdleTimeout", "300\n"),
    ("Namespace", "USER\n"),
    ("Namespace", "%SYS\n"),
])
def test_unicode_digits_and_a_final_line_break_are_refused(setting, value):
    text = refusal(**{setting: value})
    assert f"setting {setting}=" in text


@pytest.mark.parametrize("setting", ["Port", "MaxSessions", "MaxOutputChars", "ConnectTimeout"])
def test_a_number_too_long_for_python_is_refused_with_the_settings_message(setting):
    text = refusal(**{setting: "9" * 5000})
    assert text.startswith("Item 'Terminal Operation' was not started: setting " + setting + "=")


@pytest.mark.parametrize("server", ["192.168.1", "127.1", "10.0.0.1.5", "0x7f.1", "2130706433", "1.2.3.4.5",
                                    "017.0.0.1x.5", "iris.123"])
def test_a_host_name_that_looks_like_a_broken_ip_address_is_refused(server):
    reason, _fix = server_problem(server)
    assert reason, f"{server!r} was accepted"


def test_why_the_short_ip_forms_matter_the_resolver_turns_them_into_another_address():
    assert socket.inet_aton("192.168.1") == socket.inet_aton("192.168.0.1")  # the server one did not mean


@pytest.mark.parametrize("server", ["localhost", "iris.example.com", "iris-1.example.com", "10.0.0.7", "::1",
                                    "[::1]", "fe80::1", "1iris.example.com", "iris.example.com.", "a1.b2"])
def test_real_host_names_and_addresses_are_still_accepted(server):
    assert server_problem(server) == ("", "")


@pytest.mark.parametrize("name", ["USER\n", "%SYS\n", "USER\r", "\uff35SER", "US\u0130R"])
def test_a_namespace_name_with_a_line_break_or_a_look_alike_letter_is_no_namespace(name):
    assert namespace_problem(name)


# ---------------------------------------------------------------------------------------------------------
# Request fields (contract.CommandRequest.parse): refused as invalid, nothing sent


def read_request(fields):
    """``(request, "")`` or ``(None, why)``: CommandRequest.parse as the hosts call it."""
    try:
        return CommandRequest.parse(fields), ""
    except InvalidRequest as exc:
        return None, str(exc)


@pytest.mark.parametrize("lines", [["yes\r\nzn \"%SYS\""], ["a\nb"], ["a\rb"], ["ok\u2028halt"], ["x\x1b[2J"],
                                   ["\u202eevil"]])
def test_an_input_line_holding_a_line_end_or_control_character_is_invalid(lines):
    """One InputLines entry is one READ line. A READ answer holding CR LF is a paste of several lines
    (docs/protocol.md §6.2); what IRIS does with the lines after the first is not documented, so such an
    entry is refused (status invalid, nothing sent) rather than guessed at."""
    request, problem = read_request({"Command": "read x", "InputLines": lines})
    assert request is None and "InputLines" in problem


def test_ordinary_input_lines_with_tabs_and_unicode_are_still_accepted():
    lines = ["Ada\tLovelace", "\u00e9t\u00e9", ""]
    request, problem = read_request({"Command": "read x,y", "InputLines": lines})
    assert problem == "" and request.input_lines == ("Ada\tLovelace", "\u00e9t\u00e9", "")


@pytest.mark.parametrize("timeout", ["\uff15", "\u0665", "1\u0660"])
def test_a_request_timeout_in_unicode_digits_is_invalid(timeout):
    request, problem = read_request({"Command": "write 1", "Timeout": timeout})
    assert request is None and "Timeout" in problem


@pytest.mark.parametrize("namespace", ["%SYS\n", "USER\n"])
def test_a_request_namespace_with_a_final_line_break_is_invalid(namespace):
    request, problem = read_request(json.loads(json.dumps({"Command": "write 1", "Namespace": namespace})))
    assert request is None and "Namespace" in problem


@pytest.mark.parametrize("session", ["etl\u200b", "\u202eetl", "etl\ufeff"])
def test_a_session_name_with_an_invisible_character_is_invalid(session):
    """``etl`` and ``etl`` + ZERO WIDTH SPACE look the same in the trace but are two server processes."""
    request, problem = read_request({"Command": "write 1", "Session": session})
    assert request is None and "Session" in problem
