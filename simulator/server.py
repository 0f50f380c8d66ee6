"""The HTTP side: Atelier GetServer/HeadServer, CSP session cookies, terminal upgrade (docs/protocol.md §3,
docs/protocol.md §4, §5).

Every request goes through one catch-all handler that reads the *current* config, so switches changed with
``Simulator.configure`` (prefix, API version, license…) apply to the next request.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from typing import Any, Dict, List, Optional, Set, Tuple

from aiohttp import web

from .auth import (
    CspSessions,
    atelier_path,
    credentials_valid,
    new_server_id,
    parse_basic,
    session_cookie_name,
)
from .config import ExecutedCommand, SimulatorConfig
from .objectscript.host import Host
from .terminal import TerminalConnection

#: docs/protocol.md §5: ``…/api/atelier/v{N}/%25SYS/terminal``; the namespace segment is always the encoded
#: ``%SYS``
_TERMINAL = re.compile(r"/api/atelier/v(\d+)/%25SYS/terminal", re.IGNORECASE)
_FIRST_JOB = 21840  # $JOB numbers are process ids on a real server; any stable sequence will do


class ServerState:
    """Everything shared between requests; touched on the loop thread, read under ``lock`` from others."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.lock = threading.Lock()
        self.config = config
        self.port = 0
        self.sessions = CspSessions()
        self.server_id = new_server_id()
        self.logins = 0
        self.executed: List[ExecutedCommand] = []
        self.spans: List[Tuple[float, float]] = []  # (start, end) of each finished command
        self.terminals: Set[TerminalConnection] = set()
        # globals per namespace and loaded classes, shared by every terminal, for the simulator's life
        self.host = Host(lambda: self.config)
        self._jobs = itertools.count(_FIRST_JOB)

    def configure(self, **changes: Any) -> SimulatorConfig:
        with self.lock:
            self.config = self.config.replace(**changes)
            return self.config

    def record(self, command: ExecutedCommand) -> None:
        with self.lock:
            self.executed.append(command)

    def record_span(self, began: float, ended: float) -> None:
        """When one command ran (``time.monotonic`` seconds: the loop clock), for concurrency checks."""
        with self.lock:
            self.spans.append((began, ended))

    def next_job(self) -> int:
        return next(self._jobs)

    def take_stale_upgrade(self) -> bool:
        """Consume one ``stale_cookie_upgrades`` token (docs/protocol.md §4.4, issue #1784)."""
        return self._take("stale_cookie_upgrades")

    def take_unauthorized_upgrade(self) -> bool:
        """Consume one ``unauthorized_upgrades`` token (docs/protocol.md §4.4, §4.5)."""
        return self._take("unauthorized_upgrades")

    def _take(self, switch: str) -> bool:
        with self.lock:
            remaining = getattr(self.config, switch)
            if remaining <= 0:
                return False
            self.config = self.config.replace(**{switch: remaining - 1})
            return True

    def forget_sessions(self) -> None:
        with self.lock:
            self.sessions.clear()


STATE = web.AppKey("state", ServerState)


def build_app(state: ServerState) -> web.Application:
    app = web.Application()
    app[STATE] = state
    app.router.add_route("*", "/{tail:.*}", _dispatch)
    return app


# ------------------------------------------------------------------------------------------------ helpers ---
def _envelope(content: Any = None, errors: Optional[List[Dict[str, Any]]] = None, summary: str = "") -> str:
    """The Atelier response envelope (docs/protocol.md §3.1)."""
    result: Dict[str, Any] = {} if content is None else {"content": content}
    status = {"errors": errors or [], "summary": summary}
    return json.dumps({"status": status, "console": [], "result": result})


_REASONS = {401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error",
            503: "Service Unavailable"}  # fmt: skip


def _error(request: web.Request, status: int, cfg: SimulatorConfig) -> web.Response:
    """An error response: JSON envelope, or HTML when the web server hides errors (docs/protocol.md §3.1)."""
    reason = _REASONS.get(status, "Error")
    if request.method == "HEAD":
        return web.Response(status=status)
    if cfg.html_errors:
        body = f"<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>"
        return web.Response(status=status, text=body, content_type="text/html")
    errors = [{"error": f"ERROR #{status}: {reason}", "code": status, "domain": "%ObjectErrors"}]
    body = _envelope(errors=errors, summary=reason)
    return web.Response(status=status, text=body, content_type="application/json")


def _authenticate(request: web.Request, state: ServerState, cfg: SimulatorConfig, allow_basic: bool) -> Tuple[
    Optional[str], bool
]:
    """(session id, is_new): a live session cookie wins; else valid Basic opens a new CSP session
    (docs/protocol.md §4.1)."""
    name = session_cookie_name(state.port, cfg.path_prefix)
    cookie = request.cookies.get(name)
    with state.lock:
        if state.sessions.touch(cookie, cfg.csp_session_timeout):
            return cookie, False
    if allow_basic:
        creds = parse_basic(request.headers.get("Authorization"))
        if creds is not None and credentials_valid(cfg.users, *creds):
            with state.lock:
                state.logins += 1
                return state.sessions.create(), True
    return None, False


def _set_session_cookies(
    response: web.StreamResponse, state: ServerState, cfg: SimulatorConfig, sid: str
) -> None:
    """``CSPSESSIONID-SP-<port>-UP-api-atelier-`` (app path) and ``CSPWSERVERID`` (path /),
    docs/protocol.md §4.2."""
    response.set_cookie(
        session_cookie_name(state.port, cfg.path_prefix),
        sid,
        path=atelier_path(cfg.path_prefix),
        httponly=True,
        samesite="Strict",
        secure=cfg.tls or None,
    )
    response.set_cookie("CSPWSERVERID", state.server_id, path="/")


# ---------------------------------------------------------------------------------------------- dispatch ---
async def _dispatch(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    cfg = state.config
    path = request.raw_path.split("?", 1)[0]
    if cfg.path_prefix:
        if not path.startswith(cfg.path_prefix + "/"):
            return _error(request, 404, cfg)
        path = path[len(cfg.path_prefix) :]
    if cfg.license_exhausted:  # docs/protocol.md §3.1: 503 = check license usage [C S2]; for the upgrade [I]
        return _error(request, 503, cfg)
    if path in ("/api/atelier/", "/api/atelier"):
        if request.method not in ("GET", "HEAD"):
            return _error(request, 405, cfg)
        return _server_info(request, state, cfg)
    match = _TERMINAL.fullmatch(path)
    if match and request.method == "GET" and 7 <= int(match.group(1)) <= cfg.api_version:
        return await _terminal(request, state, cfg)
    return _error(request, 404, cfg)  # docs/protocol.md §4.4: wrong path / version outside 7..api [I]


def _server_info(request: web.Request, state: ServerState, cfg: SimulatorConfig) -> web.StreamResponse:
    """GetServer / HeadServer (docs/protocol.md §3.1); ``?CacheLogout=end`` ends the CSP session (§3.3)."""
    sid, is_new = _authenticate(request, state, cfg, allow_basic=True)
    if sid is None:
        return _error(request, 401, cfg)
    if request.query.get("CacheLogout") == "end":
        with state.lock:
            state.sessions.end(sid)
        return web.Response(status=200, text=_envelope(), content_type="application/json")
    content = {
        "version": cfg.version,
        "id": cfg.server_id,
        "api": cfg.api_version,
        "features": [{"name": "DEEPSEE", "enabled": False}, {"name": "ENSEMBLE", "enabled": True}],
        "namespaces": list(cfg.namespaces),
    }
    if request.method == "HEAD":
        response = web.Response(status=200, content_type="application/json")
    else:
        response = web.Response(status=200, text=_envelope(content), content_type="application/json")
    if is_new:
        _set_session_cookies(response, state, cfg, sid)
    return response


async def _terminal(request: web.Request, state: ServerState, cfg: SimulatorConfig) -> web.StreamResponse:
    """The terminal upgrade (docs/protocol.md §4.3, §4.4, §6)."""
    is_upgrade = request.headers.get("Upgrade", "").lower() == "websocket"
    max_size = cfg.max_frame_bytes or 0
    if is_upgrade and state.take_stale_upgrade():
        ws = web.WebSocketResponse(max_msg_size=max_size, compress=False)
        await ws.prepare(request)  # 101 accepted…
        await ws.close(code=1011)  # …then closed at once, no frames (docs/protocol.md §4.4, issue #1784)
        return ws
    if is_upgrade and state.take_unauthorized_upgrade():
        # the cookie died between login and upgrade (docs/protocol.md §4.4, §4.5)
        return _error(request, 401, cfg)
    sid, is_new = _authenticate(request, state, cfg, allow_basic=cfg.basic_on_upgrade)
    if sid is None:
        return _error(request, 401, cfg)
    if not is_upgrade:
        # docs/protocol.md §4.4: plain GET on a WebSocket route → 500 [O S27]
        return _error(request, 500, cfg)
    ws = web.WebSocketResponse(max_msg_size=max_size, compress=False, autoping=False)  # pongs: terminal.py
    if is_new:
        _set_session_cookies(ws, state, cfg, sid)
    await ws.prepare(request)
    connection = TerminalConnection(state, ws, request, state.next_job())
    with state.lock:
        state.terminals.add(connection)
    try:
        await connection.serve()
    finally:
        with state.lock:
            state.terminals.discard(connection)
    return ws
