"""TerminalProduction end to end: what the real pyprod loader makes of our modules (run once per test process,
its classes replayed after, tests/terminal_production.py) and pyprod's runtime code on the offline IRIS
runtime, the real Lite Terminal client, and the Lite Terminal simulator as the server.

Each test starts the production with overrides pointing the operation at a fresh simulator, and checks what
an IRIS user would check: the response, what ran on the server (``sim.executed``), the message trace and
the Event Log.
"""

import json
import os

import pytest
from terminal_production import FILES, OP, PRODUCTION, SCHED, offline_iris, start_terminal_production

from simulator import Simulator, SimulatorConfig

PASSWORD = "Tr0ub4dor-zeta-77"  # distinctive, so "never appears anywhere" is a meaningful search
BP, SVC = "Terminal Process", "Terminal Command Service"
WAIT = 15  # seconds: upper bound for any wait, so nothing can hang

# The runtime warns that several items import productions.terminal in one process (IRIS gives each job its
# own copy). That module keeps no mutable globals, only constants, so sharing it changes nothing here.
pytestmark = pytest.mark.filterwarnings("ignore:offline IRIS. module 'productions.terminal'")


@pytest.fixture
def rt(tmp_path):
    """A fresh offline IRIS per test, so the trace and Event Log hold only that test's traffic."""
    with offline_iris(tmp_path / "iris") as runtime:
        yield runtime


@pytest.fixture
def sim():
    with Simulator(SimulatorConfig(users={"_SYSTEM": PASSWORD})) as server:
        yield server


@pytest.fixture
def start(rt, sim, tmp_path):
    """start(**overrides) runs the production against ``sim``; stopped after the test."""
    inbox, done = tmp_path / "in", tmp_path / "done"
    inbox.mkdir()
    done.mkdir()
    started = []

    def _start(overrides=None, credentials=True):
        start_terminal_production(rt, sim, inbox, done, overrides, PASSWORD if credentials else None)
        started.append(1)
        return inbox, done

    yield _start
    if started:
        rt.stop_production()


def call(rt, command_or_json):
    """The adapterless service, as ObjectScript or director.create_business_service would call it."""
    svc = rt.create_business_service(SVC)
    status, raw = svc.process_input(command_or_json)
    return status, rt.to_python(raw)


def bodies(rt):
    return [rt.body(h).get("json", {}) for h in rt.messages()]


def executed(sim):
    return [e.input for e in sim.executed]


# --------------------------------------------------------------------------------------------------------


def test_adapterless_call_runs_on_the_server_and_returns_the_output(rt, sim, start):
    start()
    status, resp = call(rt, 'write "hello"')
    assert status == 1
    assert (resp.Status, resp.Output, resp.Namespace, resp.Target) == ("ok", "hello", "USER", OP)
    assert resp.ServerVersion.startswith("IRIS for UNIX")
    assert 'write "hello"' in executed(sim)


def test_json_request_answers_read_from_input_lines_and_picks_the_namespace(rt, sim, start):
    start()
    request = json.dumps({"Command": 'read "Name: ",n write !,"Hi ",n', "InputLines": ["Ada"],
                          "Namespace": "%SYS"})
    status, resp = call(rt, request)
    assert status == 1 and resp.Status == "ok"
    assert resp.Output.endswith("Hi Ada") and resp.Namespace == "%SYS"


def test_scheduled_commands_run_every_call_interval(rt, sim, start):
    start({(SCHED, "Adapter", "CallInterval"): "0.1", (SCHED, "Adapter", "Commands"): "write 6*7"})
    rt.wait_for(lambda: executed(sim).count("write 6*7") >= 3, timeout=WAIT)
    scheduled = [h for h in rt.messages() if h["SourceConfigName"] == SCHED and h["TypeName"] == "Request"]
    assert len(scheduled) >= 3 and all(h["Description"] == "scheduled command" for h in scheduled)


def test_a_dropped_file_runs_once_as_one_script_and_is_archived(rt, sim, start):
    inbox, done = start()
    (inbox / "job.cos").write_text('set a=20\nwrite a+1\n')
    rt.wait_for(lambda: any(b.get("Output") == "21" for b in bodies(rt)), timeout=WAIT)
    rt.wait_for(lambda: (done / "job.cos").exists() or not (inbox / "job.cos").exists(), timeout=WAIT)
    requests = [h for h in rt.messages() if h["SourceConfigName"] == FILES]
    assert len(requests) == 1 and requests[0]["Description"].startswith("file ")
    assert any("write a+1" in c for c in executed(sim))


def test_a_file_created_empty_and_filled_after_a_poll_runs_once_and_is_archived_once(rt, sim, start):
    """A 0-byte file may not be written yet: the service answers with an error status, so EnsLib.File leaves
    it in FilePath (docs/offline-runtime.md §8.1); once written (ConfirmComplete=Size keeps that a later
    second than the listing saw) the next poll hands it over, and it runs once."""
    inbox, done = start({(FILES, "Adapter", "FileAccessTimeout"): "1"})
    job = inbox / "job.cos"
    job.touch()
    rt.wait_for(lambda: any("job.cos is empty (0 bytes)" in e["Text"] for e in rt.event_log("Error")),
                timeout=WAIT)
    assert job.exists() and not os.listdir(done) and executed(sim) == []
    job.write_text("set a=20\nwrite a+1\n")
    rt.wait_for(lambda: any(b.get("Output") == "21" for b in bodies(rt)), timeout=WAIT)
    rt.wait_for(lambda: not job.exists(), timeout=WAIT)
    rt.run_for(2.5)  # more polls, each longer than FileAccessTimeout: nothing runs or is archived again
    assert os.listdir(done) == ["job.cos"] and (done / "job.cos").read_text() == "set a=20\nwrite a+1\n"
    assert sum("write a+1" in c for c in executed(sim)) == 1
    assert len([h for h in rt.messages() if h["SourceConfigName"] == FILES]) == 1
    assert sum("job.cos is empty" in e["Text"] for e in rt.event_log("Error")) == 1


def test_a_too_large_file_is_reported_not_run_and_not_retried(rt, sim, start):
    inbox, _ = start({(FILES, "Host", "MaxFileChars"): "10"})
    (inbox / "big.cos").write_text('write "this script is longer than ten characters"\n')
    rt.wait_for(lambda: any("big.cos" in e["Text"] for e in rt.event_log("Error")), timeout=WAIT)
    rt.wait_for(lambda: not (inbox / "big.cos").exists(), timeout=WAIT)
    rt.run_for(0.3)  # several more polls: still reported once
    assert sum("big.cos" in e["Text"] for e in rt.event_log("Error")) == 1
    assert executed(sim) == []


def test_an_iris_error_fails_the_operation_with_the_iris_error_text(rt, sim, start):
    start()
    status, resp = call(rt, "write undefinedvar")
    assert resp.Status == "error" and "<UNDEFINED>" in resp.Error
    op_replies = [h for h in rt.messages() if h["SourceConfigName"] == OP]
    assert op_replies and op_replies[0]["IsError"]
    assert "<UNDEFINED>" in op_replies[0]["ErrorStatus"]


def test_fail_on_command_error_0_returns_the_iris_error_as_a_normal_response(rt, sim, start):
    start({(OP, "Host", "FailOnCommandError"): "0"})
    status, resp = call(rt, "write undefinedvar")
    assert status == 1 and resp.Status == "error" and "<UNDEFINED>" in resp.Error
    assert not any(h["IsError"] for h in rt.messages())


def test_a_command_over_response_timeout_times_out(rt, sim, start):
    start({(OP, "Adapter", "ResponseTimeout"): "0.5"})
    status, resp = call(rt, "hang 5")
    assert resp.Status == "timeout"
    status, resp = call(rt, "write 1")  # the session is usable afterwards
    assert resp.Status == "ok" and resp.Output == "1"


def test_a_request_timeout_overrides_the_adapter_default(rt, sim, start):
    start()
    status, resp = call(rt, json.dumps({"Command": "hang 5", "Timeout": 0.5}))
    assert resp.Status == "timeout"


@pytest.mark.parametrize("command", ['zn "%SYS"', 'ZN "%SYS"', ' znspace  "%SYS"', 'set $namespace="%SYS"',
                                     'write 1\nzn "%SYS"', "halt"])
def test_a_denied_command_gets_a_denied_response_and_a_warning_and_never_runs(rt, sim, start, command):
    start()
    status, resp = call(rt, command)
    assert status == 1 and resp.Status == "denied" and "DenyPatterns" in resp.Error
    assert executed(sim) == []
    assert any("denied command" in e["Text"] for e in rt.event_log("Warning"))
    assert not any(h["TargetConfigName"] == OP for h in rt.messages())


def test_a_target_outside_allowed_targets_is_denied(rt, sim, start):
    start()
    status, resp = call(rt, json.dumps({"Command": "write 1", "Target": "Some Other Operation"}))
    assert resp.Status == "denied" and "AllowedTargets" in resp.Error
    assert executed(sim) == []


def test_allow_patterns_restrict_commands(rt, sim, start):
    start({(BP, "Host", "AllowPatterns"): r"^WRITE\b"})
    assert call(rt, "w 1")[1].Status == "ok"
    assert call(rt, "set x=1")[1].Status == "denied"


def test_named_sessions_keep_locals_across_messages(rt, sim, start):
    start({(OP, "Adapter", "StayConnected"): "0"})
    call(rt, json.dumps({"Command": "set x=41", "Session": "calc"}))
    _, same = call(rt, json.dumps({"Command": "write x+1", "Session": "calc"}))
    _, other = call(rt, json.dumps({"Command": "write x+1"}))
    assert same.Status == "ok" and same.Output == "42" and same.Session == "calc"
    assert other.Status == "error" and "<UNDEFINED>" in other.Error


def test_max_sessions_refuses_one_more_named_session(rt, sim, start):
    start({(OP, "Adapter", "MaxSessions"): "1"})
    assert call(rt, json.dumps({"Command": "write 1", "Session": "a"}))[1].Status == "ok"
    _, resp = call(rt, json.dumps({"Command": "write 1", "Session": "b"}))
    assert resp.Status == "unreachable" and "MaxSessions=1" in resp.Error


def test_a_lost_connection_is_reported_and_the_command_not_resent(rt, sim, start):
    start()
    sim.configure(close_mid_output_on="boom")
    status, resp = call(rt, 'write "boom"')
    assert resp.Status == "lost" and "may or may not have run" in resp.Error
    assert executed(sim).count('write "boom"') == 1
    sim.configure(close_mid_output_on=None)
    assert call(rt, "write 2")[1].Output == "2"  # a fresh session afterwards


def test_output_is_truncated_with_a_marker(rt, sim, start):
    start({(OP, "Adapter", "MaxOutputChars"): "5"})
    _, resp = call(rt, 'write "0123456789"')
    assert resp.OutputTruncated == 1
    # the client keeps the head and a short tail (IRIS prints its errors last): 4 + 1 characters here
    assert resp.Output.startswith("01239\n[output truncated by MaxOutputChars=5: 5 of 10 characters dropped")


def test_missing_credentials_stop_the_operation_from_starting(rt, sim, start):
    start(credentials=False)
    errors = [e["Text"] for e in rt.event_log("Error")
              if e["SourceClass"] == "LiteTerminal.TerminalOutboundAdapter" and e["ConfigName"] == OP]
    assert len(errors) == 1 and "Item 'Terminal Operation' was not started" in errors[0]
    assert "setting Credentials='LiteTerminal' names no entry in the credentials store" in errors[0]
    _, resp = call(rt, "write 1")  # the process answers: the operation is not running, nothing was sent
    assert resp.Status == "unreachable" and "Terminal Operation" in resp.Error
    assert sim.logins == 0


def test_the_trace_lists_every_hop_with_searchable_columns(rt, sim, start):
    start()
    call(rt, 'write "traced"')
    rows = rt.messages()
    hops = [(h["TypeName"], h["SourceConfigName"], h["TargetConfigName"]) for h in rows]
    assert hops == [("Request", SVC, BP), ("Request", BP, OP), ("Response", OP, BP), ("Response", BP, SVC)]
    response = rt.body(rows[2])
    columns = response["Columns"]  # the IRIS properties the Message Viewer and SQL search
    assert columns["Command"] == 'write "traced"' and columns["Status"] == "ok"
    assert columns["Namespace"] == "USER" and isinstance(columns["ElapsedMs"], int)
    assert response["json"]["Output"] == "traced"  # the JSON body the Visual Trace shows
    assert 'write "traced"' in rt.trace_text()


def test_no_password_in_messages_event_log_or_trace(rt, sim, start):
    start({(SCHED, "Adapter", "CallInterval"): "0.1", (SCHED, "Adapter", "Commands"): "write 3"})
    call(rt, "write 1")
    call(rt, "write undefinedvar")
    call(rt, 'zn "%SYS"')
    rt.wait_for(lambda: any(h["SourceConfigName"] == SCHED for h in rt.messages()), timeout=WAIT)
    everything = [rt.trace_text(), json.dumps(rt.event_log(), default=str)]
    everything += [json.dumps(rt.body(h), default=str) for h in rt.messages()]
    assert all(PASSWORD not in text for text in everything)
    db = os.path.join(rt.workdir, "iris.sqlite3")
    with open(db, "rb") as f:
        assert PASSWORD.encode() not in f.read()


def test_stopping_the_production_closes_the_terminal_sessions(rt, sim, start):
    start()
    call(rt, json.dumps({"Command": "set x=1", "Session": "kept"}))
    call(rt, "write 1")
    assert sim.open_terminals() == 2
    rt.stop_production()
    rt.wait_for(lambda: sim.open_terminals() == 0, timeout=WAIT)
    rt.start_production(PRODUCTION, overrides={(OP, "Adapter", "Server"): sim.host,
                                               (OP, "Adapter", "Port"): str(sim.port),
                                               (SCHED, "Adapter", "Commands"): ""})


def test_the_service_takes_a_request_message_as_objectscript_callers_send_it(rt, sim, start):
    from messages.terminal import TerminalCommandRequest

    start()
    status, resp = rt.send_sync(SVC, TerminalCommandRequest(Command="write 5*5", Description="from COS"))
    assert status == 1 and resp.Output == "25"
    assert rt.messages()[0]["Description"] == "from COS"


def test_bad_service_input_is_an_error_status_that_says_why(rt, sim, start):
    start()
    status, resp = call(rt, '{"Command": "write 1", "Colour": "red"}')
    assert resp is None and "unknown request field(s) Colour" in str(status)
    status, resp = call(rt, '{"Command": ')
    assert resp is None and "not a valid JSON request" in str(status)
    assert executed(sim) == []
