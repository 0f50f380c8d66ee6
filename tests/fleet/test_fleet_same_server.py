"""Two fleet targets that reach one IRIS server are refused (``invalid``) before anything is sent: the fleet
process compares its target operations' Server, Port and PathPrefix from the production definition with
``contract.server_identity`` (host case, trailing dot, IP spellings, the default port), as run_on_servers and
the CLI refuse duplicates.

Before: Targets ``a,b`` with ``a`` on ``localhost:P`` and ``b`` on ``LOCALHOST.:P`` ran the command on that
server twice.
"""

from __future__ import annotations

import pytest
from fleet_helpers import FLEET, simulators

from productions.fleet_logic import same_server_problem

pytestmark = pytest.mark.filterwarnings("ignore:offline IRIS. module")


def run(rt, **fields):  # noqa: ANN001, ANN003, ANN201
    from messages.fleet import FleetCommandRequest

    status, response = rt.send_sync(FLEET, FleetCommandRequest(**fields), timeout=30)
    assert status == 1, status
    return response


def test_two_operations_on_one_server_are_refused_and_nothing_runs(rt, start):
    with simulators(2) as (one, other):
        start({"a": ("localhost", one.port), "b": ("LOCALHOST.", one.port), "c": (other.host, other.port)})
        refused = run(rt, Command='write "twice?"')
        alone = run(rt, Command='write "once"', Targets="a,c")
        ran = [e.input for e in one.executed]
    assert refused.Status == "invalid", refused.Error
    assert "'a' and 'b'" in refused.Error and f"localhost:{one.port}" in refused.Error
    assert (alone.Status, [r["Output"] for r in alone.Results]) == ("ok", ["once", "once"])
    assert ran == ['write "once"']  # the refused request reached no server


def test_the_rule_compares_identities_and_names_every_pair():
    same = ("127.0.0.1", 52773, "")
    problem = same_server_problem({"a": same, "b": ("h", 52773, ""), "c": same})
    assert problem.startswith("targets 'a' and 'c' (127.0.0.1:52773)")
    assert same_server_problem({"a": same, "b": ("127.0.0.1", 1972, "")}) == ""
