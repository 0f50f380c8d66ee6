"""The fault matrix (fault_cases.CASES), each case through the client and through the whole production.

"Under faults, load and bad input it must keep working, lose nothing, run nothing twice." Each case asserts
its exact outcome step by step (``fault_helpers.check_step``); ``check_invariants`` then checks what must hold
in every case. A case that ``recovers`` ends with the fault switched off and one more command on the same
client / production, which must succeed: the session was kept usable or replaced.
"""

from __future__ import annotations

import pytest
from fault_cases import CASES
from fault_helpers import MODULES, check_invariants, fault_server, run_client, run_production
from terminal_production import offline_iris

# several items import productions.terminal in one process (IRIS gives each job its own copy): harmless here
pytestmark = [pytest.mark.filterwarnings("ignore:offline IRIS. module 'productions.terminal'"),
              pytest.mark.timeout(60)]

IDS = [case.id for case in CASES]


@pytest.fixture(scope="module")
def tls_files(make_tls_files):
    """A certificate for ``server.example.org`` only: with its CA trusted, 127.0.0.1 fails on the name."""
    return make_tls_files("server.example.org")


def test_the_matrix_covers_every_fault_of_the_brief():
    needed = {"connection-refused", "unknown-host", "tls-name-mismatch", "wrong-credentials",
              "licence-exhausted-503", "api-below-7", "unknown-namespace", "stale-cookie-once",
              "session-expired-midlife-401-once", "close-mid-output", "error-frame-mid-command",
              "restart-between-commands", "hang-without-prompt", "trickle-never-ends", "unexpected-read",
              "idle-close-frame", "frame-not-json", "frame-unknown-type", "frame-missing-field",
              "frame-wrong-type-field", "frame-binary", "frame-50-mb", "prompt-before-init"}
    assert needed <= set(IDS)
    assert len(IDS) == len(set(IDS))
    assert all(case.research for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fault_through_the_client(case, tls_files):
    with fault_server(case, tls_files) as target:
        run = run_client(case, target)
        check_invariants(case, target, run)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fault_through_the_production(case, tls_files, tmp_path):
    with fault_server(case, tls_files) as target, offline_iris(tmp_path / "iris", MODULES) as rt:
        run = run_production(case, target, rt, tmp_path)
        check_invariants(case, target, run, rt)
