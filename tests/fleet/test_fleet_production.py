"""TerminalFleetProcess end to end: the real pyprod components on the offline IRIS runtime, one Lite
Terminal simulator per IRIS server, one TerminalCommandOperation per server.

What an IRIS user would check: the FleetCommandResponse, what ran on each server, the per-target requests
and responses in the trace, and the Event Log.
"""

from __future__ import annotations

import pytest
from fleet_helpers import FLEET, VERSION_A, VERSION_B, closed_port, per_target_headers, simulators

from simulator.harness import peak_concurrency

# Several operations import adapters.terminal_outbound in one process; IRIS gives each job its own copy.
pytestmark = pytest.mark.filterwarnings("ignore:offline IRIS. module")
WAIT = 30


def run(rt, **fields):
    """A FleetCommandRequest to the fleet process, as the Testing Service sends it; its response."""
    from messages.fleet import FleetCommandRequest, FleetCommandResponse  # needs the runtime's iris module

    status, response = rt.send_sync(FLEET, FleetCommandRequest(**fields), timeout=WAIT)
    assert status == 1, status
    assert isinstance(response, FleetCommandResponse), response
    return response


def ops(sims, prefix="iris"):
    return {f"{prefix}{i + 1}": (s.host, s.port) for i, s in enumerate(sims)}


def test_every_target_runs_once_and_identical_outputs_are_grouped_with_counts(rt, start):
    with simulators(3, {1: {"version": VERSION_B}}) as sims:
        start(ops(sims))
        resp = run(rt, Command="write $zversion", Description="which version")
        assert [[e.input for e in s.executed] for s in sims] == [["write $zversion"]] * 3
    assert (resp.Status, resp.TargetCount, resp.NotOkCount, resp.Counts) == ("ok", 3, 0, {"ok": 3})
    assert [r["Target"] for r in resp.Results] == ["iris1", "iris2", "iris3"]
    assert [r["Status"] for r in resp.Results] == ["ok"] * 3
    assert resp.Results[1]["Output"] == VERSION_B and resp.Results[1]["ServerVersion"] == VERSION_B
    assert [r["Server"] for r in resp.Results] == [f"{s.host}:{s.port}" for s in sims]
    assert resp.Groups == [
        {"Status": "ok", "Output": VERSION_A, "Targets": ["iris1", "iris3"]},
        {"Status": "ok", "Output": VERSION_B, "Targets": ["iris2"]},
    ]
    hops = per_target_headers(rt)
    ends = [(h["TypeName"], h["TargetConfigName"] if h["TypeName"] == "Request" else h["SourceConfigName"])
            for h in hops]
    assert sorted(ends) == sorted((kind, f"iris{i}") for i in (1, 2, 3) for kind in ("Request", "Response"))
    assert all(h["Description"] == "fleet: which version" for h in hops if h["TypeName"] == "Request")


@pytest.mark.parametrize(("setting", "asked", "expected"), [("2", "", 2), ("10", "50%", 3), ("1", "", 1)])
def test_no_more_than_max_concurrency_targets_run_at_once(rt, start, setting, asked, expected):
    with simulators(6) as sims:
        start(ops(sims), fleet={"MaxConcurrency": setting})
        resp = run(rt, Command='hang 0.3 write "up"', MaxConcurrency=asked)
        spans = [span for s in sims for span in s.command_spans]
    assert resp.Status == "ok" and resp.Counts == {"ok": 6}
    assert len(spans) == 6
    assert peak_concurrency(spans) == expected  # never more, and the limit was really used
    assert resp.PeakConcurrency == expected


def test_after_max_errors_failures_nothing_new_is_sent_and_the_rest_are_skipped(rt, start):
    with simulators(3) as sims:
        targets = {"dead1": ("127.0.0.1", closed_port()), "dead2": ("127.0.0.1", closed_port())}
        targets.update(ops(sims))
        start(targets, fleet={"MaxConcurrency": "1", "MaxErrors": "2"})
        resp = run(rt, Command="write 1")
        assert all(s.executed == [] and s.logins == 0 for s in sims)
    assert [r["Status"] for r in resp.Results] == ["unreachable"] * 2 + ["skipped"] * 3
    assert "MaxErrors is 2" in resp.Results[2]["Error"]
    assert (resp.Status, resp.NotOkCount, resp.Counts) == ("failed", 5, {"skipped": 3, "unreachable": 2})
    requests = [h for h in per_target_headers(rt) if h["TypeName"] == "Request"]
    assert [h["TargetConfigName"] for h in requests] == ["dead1", "dead2"]


def test_a_percentage_max_errors_from_the_request(rt, start):
    with simulators(2) as sims:
        targets = {"dead": ("127.0.0.1", closed_port())}
        targets.update(ops(sims))
        start(targets, fleet={"MaxConcurrency": "1"})
        resp = run(rt, Command="write 1", MaxErrors="30%")  # 30% of 3 targets, rounded up: 1
    assert [r["Status"] for r in resp.Results] == ["unreachable", "skipped", "skipped"]


def test_an_unreachable_target_and_a_lost_connection_do_not_stop_the_others(rt, start):
    with simulators(2, {1: {"close_mid_output_on": "zzcut"}}) as sims:
        targets = ops(sims)
        targets["iris3"] = ("127.0.0.1", closed_port())
        start(targets)
        resp = run(rt, Command='write "zzcut ",$zversion')
    statuses = {r["Target"]: r["Status"] for r in resp.Results}
    assert statuses == {"iris1": "ok", "iris2": "lost", "iris3": "unreachable"}
    assert "may or may not have run" in resp.Results[1]["Error"]
    assert "the command was not sent" in resp.Results[2]["Error"]
    assert (resp.Status, resp.NotOkCount) == ("partial", 2)
    assert resp.Counts == {"lost": 1, "ok": 1, "unreachable": 1}
    # The failures came back as OK-status responses that carry them: an error %Status would go to the
    # process's OnError on IRIS and could end the whole fan-out (docs/pyprod-runtime.md §9.2).
    replies = [h for h in per_target_headers(rt) if h["TypeName"] == "Response"]
    assert len(replies) == 3 and all(h["IsError"] == 0 for h in replies)


def test_a_target_that_is_not_running_is_reported_and_the_others_still_run(rt, start):
    with simulators(1) as sims:
        start(ops(sims), fleet={"Targets": "iris1,Ghost Operation"})
        resp = run(rt, Command="write 1")
    statuses = [(r["Target"], r["Status"]) for r in resp.Results]
    assert statuses == [("iris1", "ok"), ("Ghost Operation", "unreachable")]
    assert "could not send to Ghost Operation" in resp.Results[1]["Error"]


@pytest.mark.parametrize(
    ("fields", "fleet", "why"),
    [
        ({"Command": 'zn "%SYS"'}, {}, "DenyPatterns"),
        ({"Command": "write 1", "Namespace": "%SYS"}, {"AllowedNamespaces": "USER"}, "AllowedNamespaces"),
        ({"Command": "write 1", "Targets": "iris1,elsewhere"}, {}, "'elsewhere' not in Targets"),
        ({"Command": "kill ^X"}, {"AllowPatterns": "^WRITE\\b"}, "AllowPatterns"),
    ],
)
def test_the_policy_is_applied_once_before_any_target_is_reached(rt, start, fields, fleet, why):
    with simulators(2) as sims:
        start(ops(sims), fleet=fleet)
        resp = run(rt, **fields)
        assert all(s.logins == 0 and s.executed == [] for s in sims)
    assert resp.Status == "denied" and why in resp.Error
    assert {r["Status"] for r in resp.Results} == {"denied"} and resp.NotOkCount == resp.TargetCount
    assert per_target_headers(rt) == []  # no TerminalCommandRequest was ever sent
    warnings = [e["Text"] for e in rt.event_log("Warning") if "denied fleet command" in e["Text"]]
    assert len(warnings) == 1 and why in warnings[0]


@pytest.mark.parametrize(
    ("fields", "fleet", "why"),
    [
        ({"Command": "write 1", "MaxConcurrency": "0"}, {}, "request field MaxConcurrency"),
        ({"Command": "write 1"}, {"MaxErrors": "lots"}, "setting MaxErrors"),
        ({"Command": "write 1"}, {"FleetOutputChars": "fifty"}, "FleetOutputChars='fifty' is not a whole"),
        ({"Command": "write 1"}, {"FleetOutputChars": "-5"}, "FleetOutputChars='-5' is out of range"),
        ({"Command": "write 1", "Expect": "(["}, {}, "not a valid regular expression"),
        ({"Command": "   "}, {}, "empty command"),
        ({"Command": "write 1", "Timeout": "soon"}, {}, "Timeout"),
        ({"Command": "write 1", "InputLines": "yes"}, {}, "InputLines must be a list"),
        ({"Command": "write 1", "Namespace": "NO SUCH"}, {}, "not a valid IRIS namespace name"),
        ({"Command": "write 1"}, {"Targets": ""}, "no targets"),
    ],
)
def test_a_wrong_request_or_setting_is_invalid_and_reaches_no_server(rt, start, fields, fleet, why):
    with simulators(1) as sims:
        start(ops(sims), fleet=fleet)
        resp = run(rt, **fields)
        assert sims[0].logins == 0
    assert resp.Status == "invalid" and why in resp.Error
    assert per_target_headers(rt) == []
    assert any(why in e["Text"] for e in rt.event_log("Error"))


def test_output_kept_in_the_fleet_response_is_bounded_but_groups_compare_whole_outputs(rt, start):
    with simulators(2, {1: {"version": VERSION_B}}) as sims:
        start(ops(sims), fleet={"FleetOutputChars": "50"})
        resp = run(rt, Command='for i=1:1:100 write "x"\nwrite $zversion')
    first, second = (r["Output"] for r in resp.Results)
    assert first.startswith("x" * 50) and "fleet response keeps the first 50" in first
    assert len(resp.Groups) == 2  # the outputs differ only after the cut ($ZVERSION): never grouped together


@pytest.mark.parametrize(("flag", "ok_status"), [(1, True), (0, False)])
def test_failures_in_response_makes_the_operation_answer_ok_with_the_failure(rt, start, flag, ok_status):
    from messages.terminal import TerminalCommandRequest, TerminalCommandResponse  # noqa: F401

    with simulators(1) as sims:
        start(ops(sims))
        status, resp = rt.send_sync("iris1", TerminalCommandRequest(Command="write nosuchvar",
                                                                    FailuresInResponse=flag), timeout=WAIT)
    assert resp.Status == "error" and "<UNDEFINED>" in resp.Error
    assert (status == 1) is ok_status


def test_an_ok_output_that_does_not_match_expect_is_a_mismatch_and_keeps_its_output(rt, start):
    with simulators(2, {1: {"version": VERSION_B}}) as sims:
        start(ops(sims))
        resp = run(rt, Command="write $zversion", Expect=r" 2025\.\d ")
    assert [r["Status"] for r in resp.Results] == ["ok", "mismatch"]
    assert resp.Results[1]["Output"] == VERSION_B and "does not match Expect" in resp.Results[1]["Error"]
    assert (resp.Status, resp.NotOkCount) == ("partial", 1)
    assert [g["Status"] for g in resp.Groups] == ["ok", "mismatch"]


def test_expect_on_a_single_request_to_the_operation(rt, start):
    from messages.terminal import TerminalCommandRequest, TerminalCommandResponse  # noqa: F401

    with simulators(1) as sims:
        start(ops(sims))
        status, resp = rt.send_sync("iris1", TerminalCommandRequest(Command="write 6*7", Expect="^42$"),
                                    timeout=WAIT)
        assert status == 1 and resp.Status == "ok"
        status, resp = rt.send_sync("iris1", TerminalCommandRequest(Command="write 6*9", Expect="^42$"),
                                    timeout=WAIT)
        assert resp.Status == "mismatch" and resp.Output == "54"
        assert "LiteTerminal mismatch: output does not match Expect '^42$'" in str(status)
        status, resp = rt.send_sync("iris1", TerminalCommandRequest(Command="write 1", Expect="(["),
                                    timeout=WAIT)
        assert resp.Status == "invalid" and "not a valid regular expression" in resp.Error
        ran = [e.input for e in sims[0].executed if e.input != "kill"]  # kill: the session reset
        assert ran == ["write 6*7", "write 6*9"]  # the invalid Expect sent nothing


def test_is_every_mirror_member_healthy(rt, start):
    """The issue's first use case: the mirror role of every server, grouped, with a check."""
    roles = {0: {"mirror_member": True, "mirror_primary": True}, 1: {"mirror_member": True},
             2: {"mirror_member": True}, 3: {}}
    with simulators(4, roles) as sims:
        start(ops(sims))
        resp = run(rt, Command='write $SYSTEM.Mirror.IsMember(),",",$SYSTEM.Mirror.IsPrimary()', Expect="^1,")
    assert resp.Groups == [
        {"Status": "ok", "Output": "1,1", "Targets": ["iris1"]},
        {"Status": "ok", "Output": "1,0", "Targets": ["iris2", "iris3"]},
        {"Status": "mismatch", "Output": "0,0", "Targets": ["iris4"]},
    ]
    assert (resp.Status, resp.Counts) == ("partial", {"ok": 3, "mismatch": 1})


# Every service request, fleet ones too, goes through the Terminal Process (docs/security.md §10).
SERVICE_ITEM = ('<Item Name="Terminal Command Service" ClassName="LiteTerminal.TerminalCommandService" '
                'PoolSize="0" Enabled="true">'
                '<Setting Target="Host" Name="Target">Terminal Process</Setting></Item>'
                '<Item Name="Terminal Process" ClassName="LiteTerminal.TerminalCommandProcess" PoolSize="1" '
                'Enabled="true"><Setting Target="Host" Name="Target">iris1</Setting>'
                '<Setting Target="Host" Name="AllowedTargets">iris1,iris2</Setting></Item>')


def test_the_adapterless_service_sends_a_json_request_with_targets_to_the_fleet(rt, start):
    import json

    with simulators(2) as sims:
        start(ops(sims), extra_items=SERVICE_ITEM)
        svc = rt.create_business_service("Terminal Command Service")
        status, raw = svc.process_input(json.dumps({"Command": "write 6*7", "Targets": "iris1,iris2",
                                                    "max_concurrency": "1"}))
        fleet = rt.to_python(raw)
        status_one, raw_one = svc.process_input("write 6*7")  # no Targets: one server, as before
        one = rt.to_python(raw_one)
    assert status == 1 and type(fleet).__name__ == "FleetCommandResponse"
    assert fleet.Groups == [{"Status": "ok", "Output": "42", "Targets": ["iris1", "iris2"]}]
    assert fleet.PeakConcurrency == 1
    assert type(one).__name__ == "TerminalCommandResponse" and one.Output == "42"
    status, raw = svc.process_input(json.dumps({"Command": "write 1", "Targets": "iris1", "Session": "s"}))
    assert raw is None and "unknown request field(s) Session" in str(status)


def test_two_fleet_requests_at_once_keep_their_own_state(rt, start):
    import threading

    from messages.fleet import FleetCommandRequest, FleetCommandResponse  # noqa: F401

    results = {}

    def ask(word):
        results[word] = rt.send_sync(FLEET, FleetCommandRequest(Command=f'hang 0.2 write "{word}"',
                                                                MaxConcurrency="1"), timeout=WAIT)[1]

    with simulators(3) as sims:
        start(ops(sims))
        threads = [threading.Thread(target=ask, args=(w,)) for w in ("alpha", "beta")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT)
    for word in ("alpha", "beta"):
        resp = results[word]
        assert resp.Command == f'hang 0.2 write "{word}"' and resp.Counts == {"ok": 3}
        assert resp.Groups == [{"Status": "ok", "Output": word, "Targets": ["iris1", "iris2", "iris3"]}]
