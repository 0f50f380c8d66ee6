"""One rule for every host of a fleet: one identity per server, one grouping rule, one status vocabulary.

The production's fleet process, ``run_on_servers`` and the CLI refuse the same duplicates and group the same
outputs (adapters/lite_terminal/fleet.py): two spellings of one server are one server, and targets share a
group only when their status and *whole* output are known to be identical.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.lite_terminal.__main__ import EXIT_USAGE, main
from adapters.lite_terminal.client import CommandResult
from adapters.lite_terminal.contract import FleetStatus, Status
from adapters.lite_terminal.fleet import (
    Server,
    fleet_status,
    group_results,
    refuse_duplicates,
    run_on_servers,
)
from adapters.lite_terminal.memory import MemoryTerminal
from productions.fleet_logic import FleetRun, FleetSchedule

# --- one identity -------------------------------------------------------------------------------------------

SAME_SERVER = [
    ("localhost:1972", "LOCALHOST:1972"),
    ("iris.example.com", "IRIS.example.com.:52773"),  # case, trailing dot, default port
    ("[::1]:80", "[0:0::1]:80"),  # IPv6 spellings
    ("[::1]", "[::0001]:52773"),
    ("10.0.0.1:1", "10.0.0.1:01"),
]


@pytest.mark.parametrize("first, second", SAME_SERVER)
def test_two_spellings_of_one_server_are_refused_before_anything_runs(first, second):
    opened = []
    with pytest.raises(ValueError, match="servers given twice"):
        run_on_servers([first, second], "set ^x($i(^x))=1", username="u", password="p",
                       opener=MemoryTerminal.opener(opened=opened))
    assert opened == []


def test_different_servers_are_not_duplicates():
    refuse_duplicates([Server("a", 1), Server("a", 2), Server("b", 1), Server("::1", 1), Server("::2", 1)])


@pytest.mark.parametrize("first, second", SAME_SERVER[:2])
def test_the_cli_refuses_one_server_given_twice_with_a_usage_error(first, second, capsys):
    code = main(["--host", first, "--host", second, "write 1"], environ={"IRIS_PASSWORD": "pw"})
    assert code == EXIT_USAGE
    assert "given twice" in capsys.readouterr().err


# --- one grouping rule --------------------------------------------------------------------------------------

entries = st.lists(
    st.tuples(st.sampled_from([s.value for s in Status]), st.sampled_from(["", "a", "b", "a\n"]),
              st.integers(0, 2)),
    max_size=12,
)


@given(entries)
def test_a_group_holds_only_identical_whole_outputs_and_every_cut_output_stands_alone(items):
    named = [(f"t{i}", status, whole, dropped) for i, (status, whole, dropped) in enumerate(items)]
    groups = group_results(named)
    by_name = {name: (status, whole, dropped) for name, status, whole, dropped in named}
    assert sorted(n for _s, _w, names in groups for n in names) == sorted(by_name)  # each target once
    for status, whole, names in groups:
        assert all(by_name[n][:2] == (status, whole) for n in names)
        if len(names) > 1:
            assert all(by_name[n][2] == 0 for n in names)
    whole_alike = {}
    for name, status, whole, dropped in named:
        if not dropped:
            whole_alike.setdefault((status, whole), []).append(name)
    assert sorted(whole_alike.values()) == sorted(names for _s, _w, names in groups
                                                  if not by_name[names[0]][2])


def _per_server(results):
    """An Opener whose MemoryTerminal answers with ``results[host]``."""
    def opener(options, username, password):
        def respond(command, namespace, lines):
            return results[options.host]
        return MemoryTerminal(options, username, password, respond)
    return opener


def _result(output, dropped=0):
    return CommandResult(command="c", output=output, raw_output=output, status="ok", error="",
                         namespace="USER", elapsed=0.0, output_dropped=dropped)


def test_run_on_servers_never_groups_outputs_cut_alike_and_says_what_was_dropped():
    # the client kept head and tail: both look the same, but what was dropped from the middle differs
    results = {"a": _result("head...tail", 100), "b": _result("head...tail", 100), "c": _result("same"),
               "d": _result("same")}
    fleet = run_on_servers(list(results), "c", username="u", password="p", max_output_chars=10,
                           opener=_per_server(results))
    assert [g.servers for g in fleet.groups] == [("a:52773",), ("b:52773",), ("c:52773", "d:52773")]
    assert [r.output_dropped for r in fleet.results] == [100, 100, 0, 0]
    data = json.loads(json.dumps(fleet.to_dict()))
    assert [r["OutputDropped"] for r in data["Results"]] == [100, 100, 0, 0]
    assert data["Status"] == "ok" and data["Counts"] == {"ok": 4}


def test_the_fleet_process_groups_by_whole_output_and_keeps_cut_outputs_apart():
    targets = ["A", "B", "C", "D"]
    run = FleetRun(FleetSchedule(targets, max_concurrency=4), "c", output_chars=5)
    run.schedule.take_all()
    run.record("A", {"Status": "ok", "Output": "12345-one"})  # same first 5, whole outputs differ
    run.record("B", {"Status": "ok", "Output": "12345-two"})
    run.record("C", {"Status": "ok", "Output": "cut by the operation", "OutputDropped": 7})
    run.record("D", {"Status": "ok", "Output": "cut by the operation", "OutputDropped": 7})
    fields = FleetRun.from_json(run.to_json()).response_fields()
    assert [g["Targets"] for g in fields["Groups"]] == [["A"], ["B"], ["C"], ["D"]]
    assert [r["OutputDropped"] for r in fields["Results"]] == [4, 4, 7 + 15, 7 + 15]  # its own and ours
    assert all("Unseen" not in r for r in fields["Results"])


# --- one status vocabulary ----------------------------------------------------------------------------------


def test_fleet_statuses_and_skipped_targets_are_the_contract_s_values():
    assert fleet_status([Status.OK, Status.OK]) is FleetStatus.OK
    assert fleet_status([Status.OK, Status.SKIPPED]) is FleetStatus.PARTIAL
    assert fleet_status([]) is FleetStatus.FAILED
    results = {"a": CommandResult("c", "x", "x", "error", "<THROW>", "USER", 0.0)}
    fleet = run_on_servers(["a", "b"], "c", username="u", password="p", max_errors=1, max_concurrency=1,
                           opener=_per_server(dict(results, b=_result("x"))))
    assert [r.status for r in fleet.results] == [Status.ERROR, Status.SKIPPED]
    assert fleet.results[1].status is Status.SKIPPED and fleet.status is FleetStatus.FAILED


@settings(deadline=None, max_examples=30)
@given(st.lists(st.sampled_from(["", "x", "skipped", "OK", "bogus", "ok"]), min_size=1, max_size=4))
def test_a_target_answering_with_an_unknown_status_word_is_an_error(words):
    targets = [f"t{i}" for i in range(len(words))]
    run = FleetRun(FleetSchedule(targets, max_concurrency=len(targets)), "c")
    run.schedule.take_all()
    for target, word in zip(targets, words):
        run.record(target, {"Status": word})
    for result, word in zip(run.response_fields()["Results"], words):
        assert result["Status"] == (word if word in ("ok", "skipped") else "error")
