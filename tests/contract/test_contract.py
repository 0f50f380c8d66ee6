"""adapters/lite_terminal/contract.py: one list of statuses, one request check, one classification."""

import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.lite_terminal import errors
from adapters.lite_terminal.client import CommandResult
from adapters.lite_terminal.contract import (
    RESPONSE_STATUSES,
    CommandRequest,
    ConnectOptions,
    InvalidRequest,
    Status,
    classify,
    server_identity,
)


def result(status="ok", output="", error="", ran=True):
    return CommandResult(command="c", output=output, raw_output=output, status=status, error=error,
                         namespace="USER", elapsed=0.0, ran=ran)


def test_a_response_never_says_skipped():
    assert Status.SKIPPED not in RESPONSE_STATUSES and len(RESPONSE_STATUSES) == len(Status) - 1


def test_a_status_is_its_word_in_json_and_text():
    assert json.dumps({"Status": Status.LOST}) == '{"Status": "lost"}'
    assert f"{Status.OK}" == "ok" and str(Status.MISMATCH) == "mismatch" and Status.OK == "ok"


@given(st.text(max_size=200))
def test_an_iris_error_is_error_whatever_its_text_says(text):
    assert classify(result("error", error=text)).status is Status.ERROR


def test_a_command_not_run_because_the_namespace_switch_failed_is_unreachable():
    assert classify(result("error", error="<NAMESPACE>", ran=False)).status is Status.UNREACHABLE
    assert classify(result("ok", ran=False)).status is Status.UNREACHABLE
    # a switch that timed out or was lost keeps that status: it may have been sent
    assert classify(result("lost", ran=False)).status is Status.LOST


@pytest.mark.parametrize("exc, status", [
    (errors.InvalidArgument("x"), Status.INVALID),
    (ValueError("x"), Status.INVALID),
    (errors.ConnectError("x"), Status.UNREACHABLE),
    (errors.AuthError("x"), Status.UNREACHABLE),
    (errors.NamespaceError("x"), Status.UNREACHABLE),
    (errors.SessionClosed("x"), Status.UNREACHABLE),
    (errors.NotSent("x"), Status.UNREACHABLE),
    (errors.ConnectionLost("x"), Status.LOST),
    (errors.RemoteError("x"), Status.LOST),
    (RuntimeError("x"), Status.LOST),
])
def test_an_exception_is_classified_by_its_class(exc, status):
    verdict = classify(exc)
    assert verdict.status is status
    if status is Status.LOST:
        assert "may or may not have run" in verdict.error


def test_expect_turns_only_an_ok_into_mismatch():
    assert classify(result("ok", output="up"), "^up$").status is Status.OK
    assert classify(result("ok", output="down"), "^up$").status is Status.MISMATCH
    assert classify(result("error", output="down"), "^up$").status is Status.ERROR


def test_failure_classes():
    assert Status.OK.failure is None
    assert Status.ERROR.failure == Status.MISMATCH.failure == "command"
    assert {s.failure for s in Status if s not in (Status.OK, Status.ERROR, Status.MISMATCH)} == {"session"}


@pytest.mark.parametrize("a, b", [
    (("localhost", 1), ("LOCALHOST", 1)),
    (("iris.example.com.", 1), ("IRIS.example.com", 1)),
    (("[::1]", 52773), ("0:0:0:0:0:0:0:1", None)),
    (("h", "52773"), ("h", None)),
])
def test_one_identity_per_server(a, b):
    assert server_identity(*a) == server_identity(*b)


def test_different_servers_differ():
    assert server_identity("h", 1) != server_identity("h", 2)
    assert server_identity("h", 1, "/a") != server_identity("h", 1, "/b")


def test_connect_options_are_frozen_and_show_no_password():
    options = ConnectOptions("::1", 443, tls=True)
    assert options.authority == "[::1]:443" and options.endpoint == "wss://[::1]:443"
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.host = "x"  # type: ignore[misc]
    assert "password" not in repr(options).lower()


@pytest.mark.parametrize("fields, says", [
    ({}, "empty command"),
    ({"Command": 5}, "Command must be text"),
    ({"Command": "w 1", "Namespace": "A B"}, "not a valid IRIS namespace"),
    ({"Command": "w 1", "Timeout": "soon"}, "Timeout"),
    ({"Command": "w 1", "InputLines": "a"}, "InputLines"),
    ({"Command": "w 1", "InputLines": ["a\nb"]}, "InputLines entry 1"),
    ({"Command": "w 1", "Expect": "("}, "Expect"),
    ({"Command": "w 1", "Session": " s"}, "Session"),
])
def test_a_bad_request_is_refused_naming_the_field(fields, says):
    with pytest.raises(InvalidRequest, match=says):
        CommandRequest.parse(fields)


def test_a_good_request_is_parsed_once():
    request = CommandRequest.parse({"Command": "w 1", "Namespace": "user", "Timeout": "2.5",
                                    "InputLines": ["a"], "Expect": "1"})
    assert request == CommandRequest("w 1", "USER", "", 2.5, ("a",), "1")
    assert CommandRequest.parse({"Command": "w 1", "Timeout": -1}).timeout == -1.0
