"""No password anywhere: a full production run, its failures included, leaves the password in no log line,
Event Log entry, message, trace, persisted byte, exception text, repr, stdout or stderr.

The simulator and the credentials store use distinctive passwords (security_helpers.SECRETS), and every
search also looks for the Basic-auth form (base64 of ``user:password``) and the URL-encoded form, so a header
dump or a URL would be caught too. Every logger runs at DEBUG and websocket-client's frame trace is on.
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
import traceback
import urllib.parse
from pathlib import Path

import pytest
import websocket
from loopback import free_port
from security_helpers import (
    OP,
    PASSWORD,
    SCHED,
    SECRETS,
    WAIT,
    WRONG_PASSWORD,
    call,
    everything_the_runtime_kept,
    executed,
    files_under,
)

from adapters.lite_terminal import AuthError, ConnectError, LiteTerminal
from adapters.sessions import SessionPool
from adapters.terminal_core import AdapterSettings, TerminalAdapterCore

ROOT = Path(__file__).resolve().parents[2]


def forms(secret: str) -> list:
    """The password as it could leak: verbatim, URL-encoded, and inside a Basic auth header."""
    basic = base64.b64encode(f"_SYSTEM:{secret}".encode()).decode()
    return [secret, urllib.parse.quote(secret, safe=""), basic]


def leaks(text) -> list:
    """Which forms of which secret occur in ``text`` (str or bytes)."""
    found = []
    for secret in SECRETS:
        for form in forms(secret):
            needle = form.encode() if isinstance(text, bytes) else form
            if needle in text:
                found.append(form)
    return found


class _Everything(logging.Handler):
    """Keeps every formatted record, with its traceback text."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs():
    """Every logger at DEBUG, propagating to one root handler; websocket-client's trace on."""
    handler = _Everything()
    root = logging.getLogger()
    saved = [(root, root.level, root.propagate)]
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            saved.append((logger, logger.level, logger.propagate))
            logger.setLevel(logging.DEBUG)
            logger.propagate = True
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    websocket.enableTrace(True, handler)
    try:
        yield handler
    finally:
        websocket.enableTrace(False)
        logging.getLogger("websocket").removeHandler(handler)
        root.removeHandler(handler)
        for logger, level, propagate in saved:
            logger.setLevel(level)
            logger.propagate = propagate


def test_a_production_run_with_every_kind_of_failure_leaks_no_password(
    rt, make_sim, tls_files, start, all_logs, capfd
):
    sim = make_sim()
    tls_sim = make_sim(tls_files=tls_files)

    # 1. a working production: success, IRIS error, denial, timeout, lost connection, schedule, file
    inbox, _ = start(sim, {(OP, "Adapter", "ResponseTimeout"): "0.5",
                           (SCHED, "Adapter", "CallInterval"): "0.1",
                           (SCHED, "Adapter", "Commands"): "write 3"})
    assert call(rt, 'write "ok"')[1].Status == "ok"
    assert call(rt, "write undefinedvar")[1].Status == "error"
    assert call(rt, 'zn "%SYS"')[1].Status == "denied"
    assert call(rt, "hang 5")[1].Status == "timeout"
    sim.configure(close_mid_output_on="boom")
    assert call(rt, 'write "boom"')[1].Status == "lost"
    sim.configure(close_mid_output_on=None)
    (inbox / "job.cos").write_text("write 40+2\n")
    rt.wait_for(lambda: "write 40+2" in "".join(executed(sim)) and "write 3" in executed(sim), timeout=WAIT)
    rt.stop_production()

    # 2. the store holds a wrong password: the login is refused
    start(sim, password=WRONG_PASSWORD)
    resp = call(rt, "write 1")[1]
    assert resp.Status == "unreachable" and "401" in resp.Error
    rt.stop_production()

    # 3. TLS: a self-signed server with default verification, and TLS against a plain server
    start(tls_sim, {(OP, "Adapter", "UseTLS"): "1"})
    assert "certificate verify failed" in call(rt, "write 1")[1].Error
    rt.stop_production()
    start(sim, {(OP, "Adapter", "UseTLS"): "1"})
    assert "TLS" in call(rt, "write 1")[1].Error
    rt.stop_production()

    # 4. VerifyTLS=0 (warnings, then a working command), and nobody listening at all
    start(tls_sim, {(OP, "Adapter", "UseTLS"): "1", (OP, "Adapter", "VerifyTLS"): "0"})
    assert call(rt, "write 1")[1].Status == "ok"
    rt.stop_production()
    start(sim, {(OP, "Adapter", "Port"): str(free_port())})
    assert call(rt, "write 1")[1].Status == "unreachable"
    rt.stop_production()

    kept = everything_the_runtime_kept(rt)
    assert len(rt.messages()) >= 20 and rt.event_log()  # the searches below cover real content
    assert [leaks(text) for text in kept if leaks(text)] == []
    persisted = files_under(str(rt.workdir))
    assert any(path.endswith("iris.sqlite3") for path, _ in persisted)
    assert [(path, leaks(data)) for path, data in persisted if leaks(data)] == []
    assert len(all_logs.lines) > 20 and any("DEBUG" in line for line in all_logs.lines)
    assert [line for line in all_logs.lines if leaks(line)] == []
    out, err = capfd.readouterr()
    assert leaks(out) == [] and leaks(err) == []


def test_client_exceptions_and_reprs_hold_no_password(sim, make_sim, tls_files):
    wrong = LiteTerminal(sim.host, sim.port, username="_SYSTEM", password=WRONG_PASSWORD, connect_timeout=3)
    with pytest.raises(AuthError) as auth:
        wrong.connect()
    tls_sim = make_sim(tls_files=tls_files)
    tls = LiteTerminal(tls_sim.host, tls_sim.port, username="_SYSTEM", password=PASSWORD, tls=True,
                       connect_timeout=3)
    with pytest.raises(ConnectError) as tls_failure:
        tls.connect()
    texts = []
    for caught in (auth, tls_failure):
        exc = caught.value
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))]
        texts += [repr(exc.__cause__), repr(exc.__context__)]
    with LiteTerminal(sim.host, sim.port, username="_SYSTEM", password=PASSWORD, connect_timeout=3) as good:
        assert good.execute("write 1").output == "1"
        texts += [repr(good), str(good), repr(good.server_info), repr(good.endpoint)]
    texts += [repr(wrong), repr(tls)]
    core = TerminalAdapterCore(AdapterSettings(server=sim.host, port=sim.port, credentials="LiteTerminal"),
                               credentials_resolver=lambda _id: ("_SYSTEM", PASSWORD))
    core.run('{"Command": "write 2"}')
    texts += [repr(core), repr(core.settings), repr(core.pool), repr(core.pool._entries)]
    assert isinstance(core.pool, SessionPool) and core.pool.names == [""]
    core.close()
    assert [t for t in texts if leaks(t)] == []


def run_cli(*args: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "IRIS_PASSWORD"}
    env.update(PYTHONPATH=str(ROOT), IRIS_PASSWORD=password)
    command = [sys.executable, "-m", "adapters.lite_terminal", "--verbose", "--user", "_SYSTEM",
               "--connect-timeout", "3", *args]
    return subprocess.run(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=30)


def test_the_cli_at_debug_level_never_prints_the_password(sim, make_sim, tls_files):
    tls_sim = make_sim(tls_files=tls_files)
    at = ["--host", sim.host, "--port", str(sim.port)]
    runs = {
        "ok": run_cli(*at, "write 1"),
        "iris error": run_cli(*at, "write nope"),
        "timeout": run_cli(*at, "--timeout", "0.3", "hang 5"),
        "wrong password": run_cli(*at, "write 1", password=WRONG_PASSWORD),
        "tls to plain": run_cli(*at, "--tls", "write 1"),
        "unverified cert": run_cli("--host", tls_sim.host, "--port", str(tls_sim.port), "--tls", "write 1"),
        "insecure": run_cli("--host", tls_sim.host, "--port", str(tls_sim.port), "--insecure", "write 1"),
        "refused": run_cli("--host", "127.0.0.1", "--port", str(free_port()), "write 1"),
    }
    sim.configure(close_mid_output_on="boom")
    runs["lost"] = run_cli(*at, 'write "boom"')
    # exit statuses of the CLI: 0 ok, 1 IRIS error, 3 unreachable, 4 timeout/lost
    assert [r.returncode for r in runs.values()] == [0, 1, 4, 3, 3, 3, 0, 3, 4], {
        k: r.stderr[-300:] for k, r in runs.items()}
    assert "DEBUG" in runs["ok"].stderr  # --verbose really logged at DEBUG
    assert "DISABLED" in runs["insecure"].stderr and tls_sim.host in runs["insecure"].stderr
    assert {name: leaks(r.stdout + r.stderr) for name, r in runs.items() if leaks(r.stdout + r.stderr)} == {}
