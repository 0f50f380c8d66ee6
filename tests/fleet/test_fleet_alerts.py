"""A schedule that checks a whole fleet: one alert when a target goes bad, one when it recovers."""

from __future__ import annotations

from pathlib import Path

import pytest
from fleet_helpers import CHECK, simulators

from productions.fleet_logic import WHOLE_CHECK, alert_changes, load_alert_state

pytestmark = pytest.mark.filterwarnings("ignore:offline IRIS. module")
WAIT = 30
ALERT_ITEM = '<Item Name="Ens.Alert" ClassName="FleetSink.AlertSink" PoolSize="1" Enabled="true"/>'


def alerts(rt):
    return [e["Text"] for e in rt.event_log("Alert")]


def runs(sim, command):
    return sum(1 for e in sim.executed if e.input == command)


def test_alerts_are_raised_when_a_target_goes_bad_and_when_it_recovers_not_every_cycle(rt, start):
    command = 'write "zzcheck ",$zversion'
    with simulators(2, {1: {"close_mid_output_on": "zzcheck"}}) as sims:
        start({"iris1": (sims[0].host, sims[0].port), "iris2": (sims[1].host, sims[1].port)},
              check={"Targets": "iris1,iris2", "Expect": "^zzcheck IRIS"},
              check_adapter={"Commands": command, "CallInterval": "0.1"})
        rt.wait_for(lambda: runs(sims[1], command) >= 4, timeout=WAIT)
        bad = alerts(rt)
        assert len(bad) == 1, bad  # four bad cycles, one alert
        assert "iris2" in bad[0] and "failed: lost" in bad[0] and "iris1" not in bad[0]
        sims[1].configure(close_mid_output_on=None)
        seen = runs(sims[1], command)
        rt.wait_for(lambda: runs(sims[1], command) >= seen + 4, timeout=WAIT)
        texts = alerts(rt)
    assert len(texts) == 2, texts  # one more: the recovery, then quiet while it stays ok
    assert "iris2 recovered: ok again (was lost)" in texts[1]
    sources = {e["ConfigName"] for e in rt.event_log("Alert")}
    assert sources == {CHECK}


def test_a_mismatch_on_one_target_is_alerted_once(rt, start):
    with simulators(2, {1: {"version": "IRIS for UNIX 2023.1 (Build 235U)"}}) as sims:
        start({"iris1": (sims[0].host, sims[0].port), "iris2": (sims[1].host, sims[1].port)},
              check={"Targets": "iris1,iris2", "Expect": r" 2025\.\d "},
              check_adapter={"Commands": "write $zversion", "CallInterval": "0.1"})
        rt.wait_for(lambda: runs(sims[1], "write $zversion") >= 3, timeout=WAIT)
        texts = alerts(rt)
    assert len(texts) == 1 and "iris2 failed: mismatch" in texts[0] and "does not match Expect" in texts[0]



def test_without_targets_the_single_target_is_alerted_on_change_too(rt, start):
    command = 'write "zzone"'
    with simulators(1, {0: {"close_mid_output_on": "zzone"}}) as sims:
        start({"iris1": (sims[0].host, sims[0].port)},
              check={"Target": "iris1"}, check_adapter={"Commands": command, "CallInterval": "0.1"})
        rt.wait_for(lambda: runs(sims[0], command) >= 3, timeout=WAIT)
        assert len(alerts(rt)) == 1 and "on iris1 failed: lost" in alerts(rt)[0]
        sims[0].configure(close_mid_output_on=None)
        rt.wait_for(lambda: len(alerts(rt)) >= 2, timeout=WAIT)
        seen = runs(sims[0], command)
        rt.wait_for(lambda: runs(sims[0], command) >= seen + 2, timeout=WAIT)
    texts = alerts(rt)
    assert len(texts) == 2 and "iris1 recovered" in texts[1]


def test_the_alerts_reach_the_ens_alert_item_when_the_production_has_one(rt, start):
    rt.load(["fleetsink.alerts"], source_root=str(Path(__file__).parent))
    from fleetsink import alerts as sink

    del sink.ALERTS[:]
    command = 'write "zzsink"'
    with simulators(2, {1: {"close_mid_output_on": "zzsink"}}) as sims:
        start({"iris1": (sims[0].host, sims[0].port), "iris2": (sims[1].host, sims[1].port)},
              check={"Targets": "iris1,iris2"}, check_adapter={"Commands": command, "CallInterval": "0.1"},
              extra_items=ALERT_ITEM)
        rt.wait_for(lambda: runs(sims[1], command) >= 3 and sink.ALERTS, timeout=WAIT)
    assert len(sink.ALERTS) == 1
    source, text = sink.ALERTS[0]
    assert source == CHECK and "on iris2 failed: lost" in text


# --- the plain state machine ------------------------------------------------------------------------------


def test_alert_changes_reports_transitions_only():
    state, texts = alert_changes({}, [("a", "ok", ""), ("b", "timeout", "no prompt in 30 s")], "check")
    assert state == {"b": "timeout"} and texts == ["check on b failed: timeout: no prompt in 30 s"]
    state, texts = alert_changes(state, [("a", "ok", ""), ("b", "unreachable", "refused")], "check")
    assert state == {"b": "unreachable"} and texts == []  # still bad: quiet
    state, texts = alert_changes(state, [("a", "skipped", ""), ("b", "skipped", "")], "check")
    assert state == {"b": "unreachable"} and texts == []  # skipped says nothing about a target
    state, texts = alert_changes(state, [("b", "ok", "")], "check")
    assert state == {} and texts == ["check on b recovered: ok again (was unreachable)"]


def test_a_check_that_cannot_run_at_all_is_one_outcome():
    state, texts = alert_changes({}, [(WHOLE_CHECK, "denied", "matches DenyPatterns")], "check")
    assert texts == [f"check on {WHOLE_CHECK} failed: denied: matches DenyPatterns"]


def test_unreadable_alert_state_starts_afresh():
    assert load_alert_state("") == {} and load_alert_state("[1]") == {} and load_alert_state("{x") == {}
    assert load_alert_state('{"c": {"t": "lost"}}') == {"c": {"t": "lost"}}
