"""TLS through the whole production: verified by default, a CA file works, and turning verification off is
a visible, logged choice that names the server (at the client and in the adapter's Event Log entry).

The simulator serves wss with a certificate from a private trustme CA, i.e. one no system store trusts,
which is exactly what a self-signed IRIS web server looks like.
"""

import logging

import pytest
from security_helpers import OP, call, executed, warnings_of


@pytest.fixture
def tls_sim(make_sim, tls_files):
    return make_sim(tls_files=tls_files)


def test_default_settings_refuse_an_unverifiable_certificate_with_a_clear_error(rt, tls_sim, start):
    start(tls_sim, {(OP, "Adapter", "UseTLS"): "1"})
    status, resp = call(rt, "write 1")
    assert resp.Status == "unreachable"
    assert "TLS handshake" in resp.Error and "certificate verify failed" in resp.Error
    assert f"{tls_sim.host}:{tls_sim.port}" in resp.Error
    assert "CAFile" in resp.Error  # says which adapter setting fixes it
    assert executed(tls_sim) == [] and tls_sim.logins == 0  # nothing was sent, not even the login
    assert "certificate verify failed" in rt.trace_text()  # the operation's error shows in the trace
    assert not any("NOT verified" in w for w in warnings_of(rt))


def test_a_ca_file_makes_the_same_server_trusted(rt, tls_sim, start, tls_files):
    start(tls_sim, {(OP, "Adapter", "UseTLS"): "1", (OP, "Adapter", "CAFile"): tls_files["ca"]})
    status, resp = call(rt, "write 6*7")
    assert (resp.Status, resp.Output) == ("ok", "42")
    assert executed(tls_sim) == ["write 6*7"]
    assert not any("NOT verified" in w for w in warnings_of(rt))


def test_verify_tls_0_connects_and_warns_naming_the_server(rt, tls_sim, start, caplog):
    caplog.set_level(logging.WARNING)
    start(tls_sim, {(OP, "Adapter", "UseTLS"): "1", (OP, "Adapter", "VerifyTLS"): "0"})
    status, resp = call(rt, "write 6*7")
    assert (resp.Status, resp.Output) == ("ok", "42")
    where = f"{tls_sim.host}:{tls_sim.port}"
    # the adapter: an Event Log warning of the operation, once per job, naming the server
    adapter_warnings = [w for w in warnings_of(rt, OP) if "NOT verified" in w]
    assert len(adapter_warnings) == 1
    assert where in adapter_warnings[0] and "VerifyTLS=0" in adapter_warnings[0]
    # the client: a Python logging WARNING for the connection, naming the server
    client = [r.getMessage() for r in caplog.records
              if r.levelno == logging.WARNING and r.name.startswith("adapters.lite_terminal")]
    assert client and all(where in m and "DISABLED" in m for m in client)
    call(rt, "write 1")
    assert len([w for w in warnings_of(rt, OP) if "NOT verified" in w]) == 1  # not repeated per message


def test_a_plain_ws_server_is_not_spoken_to_with_tls_settings(rt, sim, start):
    """UseTLS=1 against a server without TLS fails as a TLS error, never falls back to plain text."""
    start(sim, {(OP, "Adapter", "UseTLS"): "1"})
    status, resp = call(rt, "write 1")
    assert resp.Status == "unreachable" and "TLS" in resp.Error
    assert sim.logins == 0 and executed(sim) == []


def test_plain_text_to_a_remote_server_is_a_logged_choice(rt, sim, start):
    """UseTLS=0 sends the password in a Basic header in clear text: fine on loopback, a warning otherwise."""
    from adapters.terminal_core import AdapterSettings, TerminalAdapterCore

    seen = []
    TerminalAdapterCore(AdapterSettings(server="iris.example.com", use_tls=False), warn=seen.append)
    assert len(seen) == 1 and "iris.example.com:52773" in seen[0] and "UseTLS=0" in seen[0]
    for host in ("localhost", "127.0.0.1", "::1", "127.0.0.5"):
        quiet = []
        TerminalAdapterCore(AdapterSettings(server=host, use_tls=False), warn=quiet.append)
        assert quiet == [], host
    start(sim)  # the default production talks to loopback: no such warning
    call(rt, "write 1")
    assert not any("UseTLS=0" in w for w in warnings_of(rt))
