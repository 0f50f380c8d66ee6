"""TLS: wss when tls=True, verified by default (docs/security.md §4; docs/protocol.md §5, §15.1 step 4)."""

from __future__ import annotations

import logging

import pytest
from lite_terminal_helpers import PASSWORD, USERS

from adapters.lite_terminal import ConnectError, LiteTerminal
from simulator import Simulator, SimulatorConfig


@pytest.fixture
def tls_sim(tls_files):
    config = SimulatorConfig(users=USERS, tls_certfile=tls_files["cert"], tls_keyfile=tls_files["key"])
    with Simulator(config) as simulator:
        yield simulator


def terminal(sim, **options):
    return LiteTerminal(sim.host, sim.port, username="_SYSTEM", password=PASSWORD, tls=True,
                        connect_timeout=3, response_timeout=5, **options)


def test_verified_with_the_servers_ca_bundle(tls_sim, tls_files):
    with terminal(tls_sim, verify=tls_files["ca"]) as term:
        result = term.execute("write $zv")
    assert result.status == "ok"
    assert result.output == tls_sim.config.version
    assert tls_sim.executed[-1].input == "write $zv"


def test_default_verification_rejects_an_unknown_ca(tls_sim):
    with pytest.raises(ConnectError, match="TLS") as caught:
        terminal(tls_sim).connect()
    assert "certificate verify failed" in str(caught.value)
    assert tls_sim.executed == []


def test_verification_can_be_disabled_with_a_warning(tls_sim, caplog):
    caplog.set_level(logging.WARNING, logger="adapters.lite_terminal")
    with terminal(tls_sim, verify=False) as term:
        assert term.execute("write 1").output == "1"
    assert any("verification is DISABLED" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)


def test_plain_http_against_a_tls_server_fails_as_connect_error(tls_sim):
    with pytest.raises(ConnectError):
        LiteTerminal(tls_sim.host, tls_sim.port, username="_SYSTEM", password=PASSWORD, tls=False,
                     connect_timeout=2).connect()


def test_a_missing_ca_bundle_is_a_connect_error(tls_sim, tmp_path):
    with pytest.raises(ConnectError):
        terminal(tls_sim, verify=str(tmp_path / "missing.pem")).connect()
