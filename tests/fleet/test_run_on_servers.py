"""``run_on_servers``: the client's fleet run against several simulated IRIS servers."""

from __future__ import annotations

import itertools
import threading

import pytest
from fleet_helpers import PASSWORD, VERSION_A, VERSION_B, closed_port, simulators

from adapters.lite_terminal import LiteTerminal
from adapters.lite_terminal.fleet import Server, run_on_servers
from simulator.harness import peak_concurrency

OPTIONS = dict(username="_SYSTEM", password=PASSWORD, connect_timeout=3.0, response_timeout=10.0)


def test_one_result_per_server_in_the_order_given_with_identical_outputs_grouped():
    versions = {1: {"version": VERSION_B}}
    with simulators(3, versions) as sims:
        servers = [Server(s.host, s.port, f"iris{i + 1}") for i, s in enumerate(sims)]
        fleet = run_on_servers(servers, "write $zversion", **OPTIONS)
    assert [r.server for r in fleet.results] == ["iris1", "iris2", "iris3"]
    assert [r.status for r in fleet.results] == ["ok", "ok", "ok"]
    assert fleet.status == "ok" and dict(fleet.counts) == {"ok": 3}
    assert [(g.output, g.servers) for g in fleet.groups] == [
        (VERSION_A, ("iris1", "iris3")), (VERSION_B, ("iris2",)),
    ]
    assert fleet.results[1].server_version == VERSION_B
    assert fleet.summary.startswith("3 targets: 3 ok in ")


def test_at_most_max_concurrency_commands_run_at_once_and_the_limit_is_used():
    with simulators(6) as sims:
        fleet = run_on_servers([(s.host, s.port) for s in sims], 'hang 0.3 write "done"', max_concurrency=2,
                               **OPTIONS)
        spans = [span for s in sims for span in s.command_spans]
    assert [r.status for r in fleet.results] == ["ok"] * 6
    assert len(spans) == 6
    assert peak_concurrency(spans) == 2  # never 3, and the two slots were really used together
    assert fleet.peak_concurrency == 2


def test_a_percentage_limit_counts_targets():
    with simulators(4) as sims:
        fleet = run_on_servers([(s.host, s.port) for s in sims], "hang 0.2", max_concurrency="25%", **OPTIONS)
        spans = [span for s in sims for span in s.command_spans]
    assert fleet.status == "ok" and peak_concurrency(spans) == 1


def test_after_max_errors_failures_no_new_server_is_contacted_and_the_rest_are_skipped():
    with simulators(3) as sims:
        dead = [("127.0.0.1", closed_port()), ("127.0.0.1", closed_port())]
        fleet = run_on_servers(dead + [(s.host, s.port) for s in sims], "write 1", max_concurrency=1,
                               max_errors=2, **OPTIONS)
        assert all(s.logins == 0 and s.executed == [] for s in sims)
    assert [r.status for r in fleet.results] == ["unreachable"] * 2 + ["skipped"] * 3
    assert "MaxErrors is 2" in fleet.results[2].error
    assert fleet.status == "failed" and dict(fleet.counts) == {"skipped": 3, "unreachable": 2}


def test_an_unreachable_server_a_wrong_login_and_a_lost_connection_each_get_their_own_status():
    faults = {1: {"users": {"_SYSTEM": "another-password"}}, 2: {"close_mid_output_on": "zzlost"}}
    with simulators(3, faults) as sims:
        servers = [(s.host, s.port) for s in sims] + [("127.0.0.1", closed_port())]
        fleet = run_on_servers(servers, 'write "zzlost ",$j', **OPTIONS)
    statuses = [r.status for r in fleet.results]
    assert statuses == ["ok", "unreachable", "lost", "unreachable"]
    assert fleet.status == "partial"
    assert PASSWORD not in repr(fleet)


def test_an_ok_output_that_does_not_match_expect_is_a_mismatch():
    with simulators(2, {1: {"version": VERSION_B}}) as sims:
        fleet = run_on_servers([(s.host, s.port) for s in sims], "write $zversion", expect=r" 2025\.\d ",
                               **OPTIONS)
    assert [r.status for r in fleet.results] == ["ok", "mismatch"]
    assert "does not match Expect" in fleet.results[1].error
    assert fleet.results[1].output == VERSION_B  # the output is kept for the reader


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"expect": "(["}, "not a valid regular expression"),
        ({"max_concurrency": "0"}, "max_concurrency"),
        ({"max_errors": "150%"}, "max_errors"),
    ],
)
def test_bad_arguments_are_refused_before_any_server_is_contacted(kwargs, message):
    with simulators(1) as sims:
        with pytest.raises(ValueError, match=message):
            run_on_servers([(sims[0].host, sims[0].port)], "write 1", **OPTIONS, **kwargs)
        assert sims[0].logins == 0


def test_servers_given_twice_or_none_are_refused():
    with pytest.raises(ValueError, match="twice"):
        run_on_servers(["127.0.0.1:1972", ("127.0.0.1", 1972)], "write 1", **OPTIONS)
    with pytest.raises(ValueError, match="no servers"):
        run_on_servers([], "write 1", **OPTIONS)
    with pytest.raises(ValueError, match="not a server"):
        run_on_servers(["a b:1"], "write 1", **OPTIONS)


def test_every_session_is_opened_used_and_closed_by_one_thread():
    seen = []
    numbers = itertools.count()

    class Recording(LiteTerminal):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.owner = threading.get_ident()
            self.number = next(numbers)

        def execute(self, *args, **kwargs):
            seen.append((self.number, self.owner == threading.get_ident()))
            return super().execute(*args, **kwargs)

    with simulators(5) as sims:
        fleet = run_on_servers([(s.host, s.port) for s in sims], "write 1", max_concurrency=3,
                               opener=Recording.from_options, **OPTIONS)
        assert all(s.logins == 1 for s in sims)
        assert sum(s.open_terminals() for s in sims) == 0  # every session closed
    assert fleet.status == "ok"
    assert len({terminal for terminal, _ in seen}) == 5 and all(same for _, same in seen)


def test_a_failure_after_connecting_is_lost_not_error():
    class Breaks(LiteTerminal):
        def execute(self, *args, **kwargs):
            raise RuntimeError("the client broke")

    class Closed(LiteTerminal):
        def execute(self, *args, **kwargs):
            from adapters.lite_terminal.errors import ProtocolError

            raise ProtocolError("unexpected frame")

    with simulators(1) as sims:
        server = [(sims[0].host, sims[0].port)]
        broke = run_on_servers(server, "write 1", opener=Breaks.from_options, **OPTIONS).results[0]
        closed = run_on_servers(server, "write 1", opener=Closed.from_options, **OPTIONS).results[0]
    assert (broke.status, closed.status) == ("lost", "lost")
    assert "may or may not have run" in broke.error and "ProtocolError" in closed.error
