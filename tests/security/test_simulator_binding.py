"""The simulator accepts a login for anyone who knows its (test) password, so it listens on loopback only
unless told otherwise: the default config, the harness and the ``python -m simulator`` CLI default."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from security_helpers import PASSWORD

from simulator import Simulator, SimulatorConfig
from simulator.__main__ import config_from_args

ROOT = Path(__file__).resolve().parents[2]


def non_loopback_address():
    """An IPv4 address of this machine that is not loopback, or None (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_the_default_config_and_the_cli_default_are_loopback():
    assert SimulatorConfig().host == "127.0.0.1"
    assert config_from_args([]).host == "127.0.0.1"
    assert config_from_args(["--host", "0.0.0.0"]).host == "0.0.0.0"  # only when told


def test_a_default_simulator_binds_loopback_and_is_unreachable_from_other_addresses():
    with Simulator() as sim:
        assert sim.host == "127.0.0.1"
        listening = [c.laddr for c in psutil.Process().net_connections(kind="tcp")
                     if c.status == psutil.CONN_LISTEN and c.laddr.port == sim.port]
        assert listening and all(addr.ip == "127.0.0.1" for addr in listening)
        other = non_loopback_address()
        if other is None:
            pytest.skip("this machine has no non-loopback IPv4 address to try")
        with pytest.raises(OSError):
            socket.create_connection((other, sim.port), timeout=2).close()


def test_the_cli_listens_on_loopback_and_does_not_print_its_password():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "--port", "0", "--password", PASSWORD],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in first, first + proc.stderr.read(2000)
        port = int(first.split("127.0.0.1:", 1)[1].split("/", 1)[0])
        listening = [c.laddr for c in psutil.Process(proc.pid).net_connections(kind="tcp")
                     if c.status == psutil.CONN_LISTEN]
        assert [(a.ip, a.port) for a in listening] == [("127.0.0.1", port)]
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert PASSWORD not in first + out + err
