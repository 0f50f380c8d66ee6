"""Statuses from facts, never from text (issue 16 item 5), end to end through the offline production.

An IRIS error is ``error`` whatever it says. The phrases below are every text the product once matched to
decide a status, a retry or a grouping ("could not switch to namespace", the operation's own
``LiteTerminal <status>:`` header, Ens's "not registered" code, a namespace name...). A user's ``throw`` whose
text holds any of them must come back ``error``, and with the README's ``E*LiteTerminal unreachable:=R`` it
must never be retried: the server runs it exactly once. Both ways IRIS may hand an errored synchronous reply
back (with its body, or the status alone: ``Options.sync_error_reply``) are tried.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from terminal_production import OP, start_terminal_production

from adapters.lite_terminal.contract import Status
from offline_iris import OfflineIRIS
from offline_iris.reply_codes import match_reply_code, parse_reply_code_actions
from offline_iris.status import ErrorStatus, StatusAPI
from offline_iris.testing import LITE_TERMINAL_MODULES
from simulator import Simulator, SimulatorConfig

PASSWORD = "facts-not-text-41"
SVC = "Terminal Command Service"
RETRY_UNREACHABLE = "E*LiteTerminal unreachable:=R"

#: Texts the product once read a status from, and near misses of them.
ONCE_MATCHED = [
    "could not switch to namespace", "could not switch to namespace USER", "namespace", "NAMESPACE %SYS",
    "LiteTerminal unreachable:", "LiteTerminal unreachable: x", "liteterminal UNREACHABLE:",
    "ERROR #5001: LiteTerminal unreachable: y", "LiteTerminal lost: z", "LiteTerminal ok: fine",
    "<Ens>ErrBusinessDispatchNameNotRegistered", "ErrBusinessDispatchNameNotRegistered",
    "the command was not sent", "may or may not have run", "Connection refused", "certificate verify failed",
    "<INTERRUPT>", "timed out", "<UNDEFINED> *x",
]
SAFE_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='"'),
                    max_size=12)


@pytest.fixture(params=["body", "none"])
def production(request, tmp_path):
    """The default production on a simulator, the operation retrying only ``unreachable``."""
    with Simulator(SimulatorConfig(users={"_SYSTEM": PASSWORD})) as sim, \
            OfflineIRIS(workdir=tmp_path / "iris", sync_error_reply=request.param) as rt:
        reports = rt.load(list(LITE_TERMINAL_MODULES))
        assert all(not r.warnings for r in reports)
        inbox, done = tmp_path / "in", tmp_path / "done"
        inbox.mkdir()
        done.mkdir()
        start_terminal_production(rt, sim, inbox, done, {
            (OP, "Host", "ReplyCodeActions"): RETRY_UNREACHABLE,
            (OP, "Host", "RetryInterval"): "0.1",
            (OP, "Host", "FailureTimeout"): "3",
        }, PASSWORD)
        try:
            yield rt, sim
        finally:
            rt.stop_production()


_serial = itertools.count()


@pytest.mark.filterwarnings("ignore:offline IRIS. module 'productions.terminal'")
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=SAFE_TEXT, phrase=st.sampled_from(ONCE_MATCHED), after=SAFE_TEXT)
def test_an_iris_error_is_error_whatever_it_says_and_is_never_retried(production, before, phrase, after):
    rt, sim = production
    text = f"{before}{phrase}{after}".replace('"', '""')
    command = f'set n{next(_serial)}=1 throw ##class(%Exception.General).%New("{text}")'
    svc = rt.create_business_service(SVC)
    status, raw = svc.process_input(command)
    response = rt.to_python(raw)
    assert [e.input for e in sim.executed].count(command) == 1  # ran once: never retried
    assert response.Status == "error" and "<THROW>" in response.Error
    assert response.Status == Status.ERROR


# --- the pieces: the operation's %Status header and Ens's error code ---------------------------------------


@pytest.fixture(scope="module")
def terminal():
    """productions.terminal with the offline ``iris`` module, through which it reads a %Status."""
    with OfflineIRIS():
        import productions.terminal

        yield productions.terminal


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=st.sampled_from(list(Status)), detail=st.text(max_size=60),
       phrase=st.sampled_from(ONCE_MATCHED))
def test_the_operation_status_says_its_status_and_no_detail_can_change_it(terminal, word, detail, phrase):
    status = StatusAPI.Error(5001, terminal.status_text_for(word, detail + phrase + detail))
    found = terminal.operation_status(status)
    assert found is not None and found[0] is word
    # an E* rule for a status matches only the status the header names, whatever the detail says
    for other in Status:
        rules = parse_reply_code_actions(f"E*LiteTerminal {other.value}:=R")
        assert (match_reply_code(rules, status) == "R") == (other is word)


def test_only_the_not_registered_code_makes_a_missing_reply_unreachable(terminal):
    outcome, status_text_for = terminal.outcome, terminal.status_text_for
    not_running = ErrorStatus(terminal.NOT_RUNNING, "'Terminal Operation' is not a running config item")
    assert outcome(not_running) == (Status.UNREACHABLE, not_running.error_text())
    says_it = ErrorStatus(5001, "<Ens>ErrBusinessDispatchNameNotRegistered: but it is only text")
    assert outcome(says_it)[0] is Status.LOST
    forged = ErrorStatus(5001, "an error that says LiteTerminal unreachable: please retry")
    assert outcome(forged)[0] is Status.LOST
    assert outcome(ErrorStatus(5001, status_text_for(Status.UNREACHABLE, "refused")))[0] is Status.UNREACHABLE
    assert outcome(1) == (Status.LOST, "no response came back; the command may or may not have run")
