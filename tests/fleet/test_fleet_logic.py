"""The plain fleet logic: limits, scheduling, grouping, host lists, overall status, Expect."""

from __future__ import annotations

import pytest

from adapters.lite_terminal.checks import ExpectError, compile_expect, expect_problem, mismatch_reason
from adapters.lite_terminal.fleet import (
    FleetSchedule,
    compress_names,
    count_statuses,
    fleet_status,
    group_outputs,
    parse_limit,
    summary_line,
)

# --- limits ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "total", "expected"),
    [("10", 50, 10), (3, 50, 3), (" 7 ", 5, 7), ("20%", 50, 10), ("25%", 10, 3), ("1%", 3, 1),
     ("100%", 7, 7), ("33 %", 3, 1)],
)
def test_a_limit_is_a_count_or_a_percentage_of_the_targets_rounded_up(value, total, expected):
    assert parse_limit(value, total, "MaxConcurrency") == expected


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_an_empty_limit_gives_the_default(empty):
    assert parse_limit(empty, 50, "MaxErrors") is None
    assert parse_limit(empty, 50, "MaxConcurrency", 10) == 10


@pytest.mark.parametrize("bad", ["0", 0, "-1", "0%", "101%", "ten", "1.5", "5%%", True, "1e3", "10 targets"])
def test_a_bad_limit_is_refused_with_the_setting_named(bad):
    with pytest.raises(ValueError, match="MaxConcurrency"):
        parse_limit(bad, 50, "MaxConcurrency")


# --- scheduling --------------------------------------------------------------------------------------------


def test_never_more_than_max_concurrency_start_and_a_finished_one_frees_a_slot():
    s = FleetSchedule([f"t{i}" for i in range(5)], max_concurrency=2)
    assert s.take_all() == ["t0", "t1"]
    assert s.take() is None
    s.finish("t1", "ok")
    assert s.take_all() == ["t2"]
    s.finish("t0", "error")
    s.finish("t2", "ok")
    assert s.take_all() == ["t3", "t4"]
    assert not s.done
    s.finish("t3", "ok")
    s.finish("t4", "timeout")
    assert s.done and s.skipped == [] and s.peak_running == 2 and s.failures == 2


def test_once_max_errors_targets_failed_nothing_new_starts_and_the_rest_are_skipped():
    s = FleetSchedule([f"t{i}" for i in range(6)], max_concurrency=2, max_errors=2)
    assert s.take_all() == ["t0", "t1"]
    s.finish("t0", "unreachable")
    assert s.take_all() == ["t2"]
    s.finish("t2", "mismatch")  # second failure: stop
    assert s.stopped and s.take() is None
    assert not s.done  # t1 is still running and will be counted
    s.finish("t1", "ok")
    assert s.done and s.skipped == ["t3", "t4", "t5"]


def test_ok_and_skipped_are_not_failures():
    s = FleetSchedule(["a", "b"], max_concurrency=2, max_errors=1)
    s.take_all()
    s.finish("a", "ok")
    assert not s.stopped and s.failures == 0


def test_the_schedule_survives_a_round_trip_through_json_state():
    s = FleetSchedule(["a", "b", "c"], max_concurrency=1, max_errors=2)
    s.take()
    s.finish("a", "error")
    again = FleetSchedule.from_dict(s.to_dict())
    assert again == s
    assert again.take() == "b"


def test_a_schedule_refuses_nonsense():
    with pytest.raises(ValueError, match="unique"):
        FleetSchedule(["a", "a"])
    with pytest.raises(ValueError):
        FleetSchedule(["a"], max_concurrency=0)
    with pytest.raises(ValueError):
        FleetSchedule(["a"], max_errors=0)
    s = FleetSchedule(["a"])
    with pytest.raises(ValueError, match="not started"):
        s.finish("a", "ok")
    s.take()
    s.finish("a", "ok")
    with pytest.raises(ValueError, match="already"):
        s.finish("a", "ok")


# --- summaries ---------------------------------------------------------------------------------------------


def test_fleet_status_is_ok_partial_or_failed():
    assert fleet_status(["ok", "ok"]) == "ok"
    assert fleet_status(["ok", "skipped"]) == "partial"
    assert fleet_status(["error", "mismatch"]) == "failed"
    assert fleet_status([]) == "failed"


def test_identical_status_and_output_are_grouped_once_in_order_of_first_appearance():
    groups = group_outputs([
        ("a", "ok", "2025.3\n"), ("b", "error", ""), ("c", "ok", "2025.3\n"), ("d", "ok", "2024.1\n"),
        ("e", "unreachable", ""), ("f", "ok", "2025.3\n"),
    ])
    assert groups == [
        ("ok", "2025.3\n", ["a", "c", "f"]), ("error", "", ["b"]), ("ok", "2024.1\n", ["d"]),
        ("unreachable", "", ["e"]),
    ]


def test_counts_and_summary_line():
    counts = count_statuses(["ok", "error", "ok", "skipped"])
    assert counts == {"ok": 2, "error": 1, "skipped": 1}
    assert list(counts) == ["ok", "error", "skipped"]
    assert summary_line(counts, 1.234) == "4 targets: 2 ok, 1 error, 1 skipped in 1.23 s"


@pytest.mark.parametrize(
    ("names", "text"),
    [
        (["iris1", "iris2", "iris3", "iris5"], "iris[1-3,5]"),
        (["db", "iris2", "iris1"], "db, iris[1-2]"),
        (["node01", "node02", "node1"], "node1, node[01-02]"),
        (["x9"], "x9"),
        (["Terminal Operation", "Terminal Operation 2"], "Terminal Operation, Terminal Operation 2"),
        ([], ""),
    ],
)
def test_host_lists_are_compressed_like_dshbak(names, text):
    assert compress_names(names) == text


# --- Expect ------------------------------------------------------------------------------------------------


def test_expect_searches_the_output_line_by_line():
    assert mismatch_reason("", "anything") == ""
    assert mismatch_reason(r"^2025\.", "IRIS\n2025.3 build") == ""
    reason = mismatch_reason(r"^OK$", "FAILED\n")
    assert "does not match Expect '^OK$'" in reason and "FAILED" in reason
    assert "wrote nothing" in mismatch_reason("x", "")


def test_a_bad_expect_is_refused_before_anything_runs():
    assert "not a valid regular expression" in expect_problem("([")
    assert expect_problem("ok") == ""
    with pytest.raises(ExpectError):
        compile_expect("a" * 5000)


# --- the production's run state ----------------------------------------------------------------------------


def test_the_run_state_stays_within_an_iris_string_however_large_the_outputs():
    from productions.fleet_logic import FleetRun, output_share

    targets = [f"op{i}" for i in range(1000)]
    run = FleetRun(FleetSchedule(targets, max_concurrency=1000), "write x", output_chars=10 ** 9)
    assert run.output_chars == output_share(targets, "write x") > 500
    for target in run.schedule.take_all():
        run.record(target, {"Status": "ok", "Output": "x" * 50000 + target})
    state = run.to_json()
    assert len(state) < 3_641_144  # IRIS's longest string
    again = FleetRun.from_json(state)
    fields = again.response_fields()
    assert fields["Status"] == "ok" and fields["TargetCount"] == 1000
    assert len(fields["Groups"]) == 1000  # whole outputs differ (their ends), so no false grouping
    kept = run.output_chars
    assert f"fleet response keeps the first {kept} of 50003 characters" in fields["Results"][0]["Output"]
    assert fields["Results"][0]["OutputDropped"] == 50003 - kept


def test_each_reply_appends_to_the_run_state_and_the_answer_is_the_same_as_in_one_piece():
    from productions.fleet_logic import FleetRun

    targets = [f"op{i}" for i in range(6)]
    outcomes = {t: {"Status": "ok" if i % 3 else "error", "Output": f"line\n{i % 2}\u2028end",
                    "Error": "" if i % 3 else "boom", "ElapsedMs": i} for i, t in enumerate(targets)}
    whole = FleetRun(FleetSchedule(targets, max_concurrency=2), "write x", started_at=100.0)
    first = FleetRun(FleetSchedule(targets, max_concurrency=2), "write x", started_at=100.0)
    running = whole.schedule.take_all()
    assert first.schedule.take_all() == running
    state = first.to_json()
    while running:
        target = running.pop(0)
        whole.record(target, outcomes[target])
        running += whole.schedule.take_all()
        run = FleetRun.from_json(state)  # a fresh callback, as on each OnResponse
        run.record(target, outcomes[target])
        run.schedule.take_all()
        before, state = state, run.to_json()
        assert state.split("\n", 1)[1].startswith(before.split("\n", 1)[1])  # earlier results kept as is
    again = FleetRun.from_json(state)
    assert again.response_fields(now=101.0) == whole.response_fields(now=101.0)
    assert [r["Target"] for r in again.response_fields(now=101.0)["Results"]] == targets
    assert again.response_fields(now=101.0)["Results"][1]["Output"] == "line\n1\u2028end"


def test_a_reply_without_a_response_is_an_error_that_says_so():
    from productions.fleet_logic import result_from_response

    for missing in (None, ""):
        result = result_from_response(missing, "op1")
        assert result["Status"] == "error" and "op1 returned no response" in result["Error"]
