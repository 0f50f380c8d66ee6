"""Timeouts, lost connections and reconnects (docs/protocol.md §4.5, §10, §12).

The client never re-sends a command: ``sim.executed`` proves each input reached the server once.
"""

from __future__ import annotations

import logging

import pytest
from lite_terminal_helpers import PASSWORD, wait_until


def inputs(sim):
    return [c.input for c in sim.executed]


def test_a_slow_command_times_out_is_interrupted_and_the_session_survives(sim, term):
    result = term.execute("hang 10", timeout=0.3)
    assert result.status == "timeout"
    assert "0.3" in result.error
    assert "<INTERRUPT>" in result.output
    after = term.execute("write 1")
    assert after.status == "ok" and after.output == "1"
    assert sim.logins == 1
    assert len({c.session for c in sim.executed}) == 1


def test_the_default_response_timeout_applies(sim, make_terminal):
    term = make_terminal(response_timeout=0.3)
    assert term.execute("hang 10").status == "timeout"


@pytest.mark.parametrize("where", ["constructor", "call"])
def test_a_negative_timeout_means_no_limit(sim, make_terminal, where):
    if where == "constructor":
        term, per_call = make_terminal(response_timeout=-1), None
    else:
        term, per_call = make_terminal(response_timeout=0.05), -1
    result = term.execute('hang 0.3 write "done"', timeout=per_call)
    assert (result.status, result.output) == ("ok", "done")


def test_a_trickling_command_is_interrupted_with_its_output_kept(sim, term):
    sim.configure(trickle_on="^trickle", trickle_interval=0.02)
    result = term.execute('trickle write "start"', timeout=0.3)
    assert result.status == "timeout"
    assert "." in result.output
    assert term.execute("write 5").output == "5"


def test_a_command_that_ignores_the_interrupt_closes_the_session(sim, make_terminal):
    sim.configure(hang_on="^stuck")
    term = make_terminal(connect_timeout=0.5)  # grace = min(5, connect_timeout)
    result = term.execute('stuck write "x"', timeout=0.2)
    assert result.status == "timeout"
    assert "closed" in result.error
    assert not term.connected
    assert term.execute("write 9").output == "9"  # the next call reconnects
    assert sim.logins == 2
    assert inputs(sim).count('stuck write "x"') == 1


def test_a_connection_dropped_mid_output_is_lost_with_partial_output(sim, term):
    full = term.execute("for i=1:1:40 write i,!").output
    sim.configure(close_mid_output_on="^for")
    result = term.execute("for i=1:1:40 write i,!")
    assert result.status == "lost"
    assert "may or may not have run" in result.error
    assert result.output and len(result.output) < len(full) and full.startswith(result.output)
    assert not term.connected
    sim.configure(close_mid_output_on=None)
    assert term.execute("write 7").output == "7"
    assert sim.logins == 2
    assert inputs(sim).count("for i=1:1:40 write i,!") == 2  # once per explicit call, never re-sent


def test_an_error_frame_mid_command_is_lost_and_names_the_server_text(sim, term):
    sim.configure(error_frame_on="boom")
    result = term.execute('write "boom"')
    assert result.status == "lost"
    assert "Terminal agent failure" in result.error
    sim.configure(error_frame_on=None)
    assert term.execute("write 1").status == "ok"
    assert inputs(sim).count('write "boom"') == 1


def test_halt_ends_the_session_and_the_next_call_reconnects(sim, term):
    result = term.execute("halt")
    assert result.status == "lost"
    assert term.execute("write 3").output == "3"
    assert sim.logins == 2


@pytest.mark.parametrize("close_code", [1000, None])  # None: TCP dropped without a close frame
def test_an_idle_close_is_detected_before_sending(sim, term, close_code):
    sim.configure(idle_close_after=0.2, idle_close_code=close_code)
    term.execute("set x=1")
    wait_until(lambda: sim.open_terminals() == 0)
    sim.configure(idle_close_after=None)
    result = term.execute('write "after idle"')
    assert (result.status, result.output) == ("ok", "after idle")
    assert sim.logins == 2
    assert inputs(sim).count('write "after idle"') == 1
    assert sim.executed[-1].session != sim.executed[0].session


def test_a_gateway_restart_between_commands_is_survived(sim, term):
    term.execute("write 1")
    sim.drop_connections()
    wait_until(lambda: sim.open_terminals() == 0)
    result = term.execute("write 2")
    assert (result.status, result.output) == ("ok", "2")
    assert inputs(sim).count("write 2") == 1


def test_no_password_or_cookie_value_in_logs_or_repr(sim, make_terminal, caplog):
    caplog.set_level(logging.DEBUG)
    term = make_terminal()
    term.execute("write 1")
    sim.configure(close_mid_output_on="^for")
    term.execute("for i=1:1:5 write i")
    term.close()
    make_terminal(password="bad")  # never connected, only constructed
    assert PASSWORD not in caplog.text
    assert PASSWORD not in repr(term)
    assert "Cookie:" not in caplog.text


def test_a_frame_the_server_refuses_to_take_loses_the_session_not_the_process(sim, make_terminal):
    sim.configure(max_frame_bytes=200)  # docs/protocol.md §12: no known limit; aiohttp closes with 1009
    term = make_terminal()  # the limit is fixed per socket at the upgrade
    result = term.execute('write "' + "x" * 1000 + '"')
    assert result.status == "lost"
    assert "may or may not have run" in result.error
    sim.configure(max_frame_bytes=None)
    assert term.execute("write 1").output == "1"
