"""The fleet process's state is an IRIS string: bounded in *encoded* length whatever the outputs hold
(issue 16 item 8). JSON writes a non-ASCII or control character as 6 characters and a character outside the
BMP as 12, so a budget in characters of output is not a bound (2 targets writing 1.4 M "é" with
FleetOutputChars=0 once made an 8.4 M-character property; IRIS's limit is 3,641,144)."""

from __future__ import annotations

import json

import pytest
from fleet_helpers import FLEET, simulators
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.iris_strings import IRIS_MAX_STRING, cut_to_json_length, iris_length, json_length
from adapters.lite_terminal.fleet import FleetSchedule
from productions.fleet_logic import STATE_BUDGET, FleetRun

pytestmark = pytest.mark.filterwarnings("ignore:offline IRIS. module")

#: One character of each cost class: ASCII, escaped ASCII, control, non-ASCII BMP, line separator, astral.
KINDS = ["a", '"', "\n", "\x01", "\x7f", "é", "\u2028", "\ud7ff", "\U0001F600", "\U0010FFFF"]


@st.composite
def outputs(draw):
    """An output of up to 2 M characters: runs of one kind (cheap to generate) around a random text."""
    runs = draw(st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 700_000)), max_size=3))
    middle = draw(st.text(max_size=50))
    return "".join(ch * n for ch, n in runs[:1]) + middle + "".join(ch * n for ch, n in runs[1:])


@settings(max_examples=40, deadline=None)
@given(st.lists(outputs(), min_size=1, max_size=4), st.sampled_from([0, 1, 5000, 10 ** 9]),
       st.text(max_size=30))
def test_the_run_state_fits_an_iris_string_whatever_the_outputs(outs, output_chars, error):
    targets = [f"op{i}" for i in range(len(outs))]
    run = FleetRun(FleetSchedule(targets, max_concurrency=len(targets)), "write x", output_chars=output_chars)
    run.schedule.take_all()
    for target, output in zip(targets, outs):
        run.record(target, {"Status": "ok", "Output": output, "Error": error * 1000,
                            "Namespace": "\u00e9" * 999})
        state = run.to_json()
        assert iris_length(state) <= STATE_BUDGET < IRIS_MAX_STRING
        run = FleetRun.from_json(state)
    results = run.response_fields()["Results"]
    for result, output in zip(results, outs):
        kept = result["Output"].split("\n[fleet response keeps the first ")[0]
        assert output.startswith(kept)
        assert result["OutputDropped"] == len(output) - len(kept)


def test_two_targets_writing_1_4_million_e_acute_with_no_output_limit_fit():
    run = FleetRun(FleetSchedule(["a", "b"], max_concurrency=2), "write x", output_chars=0)
    run.schedule.take_all()
    for target in ("a", "b"):
        run.record(target, {"Status": "ok", "Output": "é" * 1_400_000})
    assert len(run.to_json()) <= STATE_BUDGET  # was 8.4 M before the budget counted encoded characters


@given(st.text(), st.integers(-1, 200))
def test_a_cut_keeps_the_longest_start_whose_json_fits(text, limit):
    kept, dropped = cut_to_json_length(text, limit)
    assert text.startswith(kept) and dropped == len(text) - len(kept)
    assert json_length(kept) <= max(limit, 0) or dropped == 0 and json_length(text) <= limit
    if dropped:
        assert json_length(text[:len(kept) + 1]) > max(limit, 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 6000)), max_size=6), st.integers(0, 80_000))
def test_a_cut_across_many_thousands_of_characters_keeps_the_longest_start_whose_json_fits(runs, limit):
    text = "".join(ch * n for ch, n in runs)
    kept, dropped = cut_to_json_length(text, limit)
    assert text.startswith(kept) and dropped == len(text) - len(kept)
    assert json_length(kept) <= limit
    if dropped:
        assert json_length(text[:len(kept) + 1]) > limit


@given(st.text(st.characters(exclude_categories=())))  # lone surrogates included
def test_the_iris_length_of_a_text_counts_a_character_outside_the_bmp_as_two(text):
    assert iris_length(text) == len(text) + sum(ord(ch) > 0xFFFF for ch in text)


def test_end_to_end_the_fleet_process_answers_two_huge_non_ascii_outputs(rt, start):
    """Through the offline runtime, which raises <MAXSTRING> for an over-long IRISProperty (FleetState)."""
    from messages.fleet import FleetCommandRequest

    command = 'write $translate($justify("",1400000)," ","é")'
    with simulators(2) as sims:
        start({f"iris{i + 1}": (s.host, s.port) for i, s in enumerate(sims)},
              fleet={"FleetOutputChars": "0"}, operation_adapter={"MaxOutputChars": 0})
        status, resp = rt.send_sync(FLEET, FleetCommandRequest(Command=command), timeout=60)
    assert status == 1 and resp.Status == "ok", (status, getattr(resp, "Error", ""))
    for result in resp.Results:
        assert result["Output"].startswith("ééé") and result["OutputDropped"] > 1_000_000
    assert not [e for e in rt.event_log() if "MAXSTRING" in str(e)]


def test_the_alert_state_fits_an_iris_string_whatever_the_commands():
    from offline_iris import OfflineIRIS

    with OfflineIRIS():
        from productions.terminal import ALERT_STATE_BUDGET, bounded_alert_state

    many = {f"command {i} " + "é" * 1000: {"t": "error"} for i in range(1000)}  # 6 M characters as JSON
    kept = bounded_alert_state(many, "command 7 " + "é" * 1000)
    assert len(kept) <= ALERT_STATE_BUDGET
    assert list(json.loads(kept)) == ["command 7 " + "é" * 1000]
    small = {"a": {"t": "lost"}}
    assert bounded_alert_state(small, "a") == '{"a": {"t": "lost"}}'
    huge = {"x": {f"t{i}" + "\U0001F600" * 400: "error" for i in range(1000)}}
    assert bounded_alert_state(huge, "x") == "{}"


@pytest.mark.parametrize("field, value", [
    ("Command", "x" * (IRIS_MAX_STRING + 1)),
    ("Command", "\U0001F600" * (IRIS_MAX_STRING // 2 + 1)),  # counted as IRIS does: two per character
    ("Namespace", "N" * (IRIS_MAX_STRING + 1)),
])
def test_a_request_field_longer_than_an_iris_string_is_refused_with_a_clear_reason(rt, field, value):
    from productions.terminal import request_from_input

    with pytest.raises(ValueError, match=f"{field} is .* characters long; IRIS's longest string"):
        request_from_input({"Command": "write 1", field: value})
    assert request_from_input({"Command": "x" * 1000}).Command == "x" * 1000
