"""Shared by tests/http and the HTTP benchmark: TerminalProduction with "Terminal HTTP Service" enabled on a
free loopback port, a signing secret, named commands, and a signed-request builder."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, Optional, Tuple

import requests
from loopback import free_port
from terminal_production import FILES, OP, PRODUCTION, SCHED

from adapters.http_signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from adapters.terminal_core import DEFAULT_SESSION_RESET
from offline_iris.production import apply_overrides, parse_production_xml

HTTP = "Terminal HTTP Service"
SECRET = "0123456789abcdef-http-test-secret"
PASSWORD = "Tamarind-Login-5521-hq"  # the simulated server's _SYSTEM password
SIGNING = "LiteTerminalSigning"
TABLE = "LiteTerminal.HTTPCommands"
MARK = "Papaya-body-marker-9931"  # distinctive text sent in bodies: it must appear in no log line
COMMANDS = {"version": "write $zversion", "hello": 'write "hello from http"', "denied": 'zn "%SYS"'}


def start_http_production(rt: Any, sim: Any, password: str, host: Optional[Dict[str, Any]] = None,
                          adapter: Optional[Dict[str, Any]] = None, secret: Optional[str] = SECRET,
                          other: Optional[Dict[Tuple[str, str, str], Any]] = None) -> int:
    """Start TerminalProduction against ``sim`` with the HTTP service enabled; returns its port.
    ``other`` overrides settings of other items: ``{(item, "Host" or "Adapter", name): value}``."""
    rt.credentials.set("LiteTerminal", "_SYSTEM", password)
    rt.credentials.delete(SIGNING)
    if secret is not None:
        rt.credentials.set(SIGNING, "webhook", secret)
    for name, command in COMMANDS.items():
        rt.lookup_tables.set(TABLE, name, command)
    port = free_port()
    settings = {
        (OP, "Adapter", "Server"): sim.host,
        (OP, "Adapter", "Port"): str(sim.port),
        (OP, "Adapter", "ConnectTimeout"): "3",
        (SCHED, "Adapter", "Commands"): "",
        (HTTP, "Adapter", "Port"): str(port),
        (HTTP, "Adapter", "ReadTimeout"): "2",
    }
    settings.update({(HTTP, "Host", k): str(v) for k, v in (host or {}).items()})
    settings.update({(HTTP, "Adapter", k): str(v) for k, v in (adapter or {}).items()})
    settings.update({k: str(v) for k, v in (other or {}).items()})
    xml = rt.classes[PRODUCTION].xdata["ProductionDefinition"]
    prod = apply_overrides(parse_production_xml(xml), settings)
    prod.item(HTTP).enabled = True
    prod.item(FILES).enabled = False  # no folder to poll here
    status = rt.engine.start(prod)
    assert status == 1, status
    return port


def signed(body: Any, secret: str = SECRET, when: Optional[int] = None) -> Tuple[bytes, Dict[str, str]]:
    """``(raw body, headers)`` for a signed JSON POST (a dict body is JSON-encoded)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    stamp = str(int(time.time()) if when is None else when)
    return raw, {"Content-Type": "application/json", TIMESTAMP_HEADER: stamp,
                 SIGNATURE_HEADER: sign(secret, stamp, raw)}


def post(url, body, headers=None, method="POST", timeout=20):
    raw, hdrs = signed(body) if headers is None else (body, headers)
    return requests.request(method, url, data=raw, headers=hdrs, timeout=timeout)


def commands(sim):
    """What ran on the simulated server, without the operation's own reset between commands."""
    return [e.input for e in sim.executed if e.input != DEFAULT_SESSION_RESET]


def sent(sim):
    return [e.input for e in sim.executed], sim.logins


def http_warnings(rt):
    return [e["Text"] for e in rt.event_log("Warning") if e["ConfigName"] == HTTP]
