"""``Simulator``: the aiohttp server on its own event loop in a background thread, with test controls."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from typing import Any, Iterable, List, Optional, Tuple

from aiohttp import web

from .config import ExecutedCommand, SimulatorConfig
from .server import ServerState, build_app

_STARTUP_TIMEOUT = 10.0


def peak_concurrency(spans: Iterable[Tuple[float, float]]) -> int:
    """The most commands that were running at the same moment, from ``(start, end)`` spans.

    A command that ends exactly when another starts does not overlap it.
    """
    events = sorted([(end, -1) for _start, end in spans] + [(start, 1) for start, _end in spans])
    running = peak = 0
    for _when, change in events:
        running += change
        peak = max(peak, running)
    return peak


class Simulator:
    """A protocol-faithful IRIS Lite Terminal server for tests (``with Simulator(cfg) as sim: ...``)."""

    def __init__(self, config: Optional[SimulatorConfig] = None) -> None:
        self._state = ServerState(config or SimulatorConfig())
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._runner: Optional[web.AppRunner] = None

    # ------------------------------------------------------------------------------------------ lifecycle ---
    def start(self) -> Simulator:
        if self._thread is not None:
            raise RuntimeError("simulator already started")
        cfg = self._state.config
        sock = socket.socket(socket.AF_INET6 if ":" in cfg.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((cfg.host, cfg.port))
        sock.listen(128)
        sock.setblocking(False)
        self._state.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lite-terminal-sim", daemon=True)
        self._thread.start()
        try:
            self._call(self._astart(sock))
        except BaseException:
            self.stop()
            sock.close()
            raise
        return self

    async def _astart(self, sock: socket.socket) -> None:
        cfg = self._state.config
        ssl_context = None
        if cfg.tls:
            ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ssl_context.load_cert_chain(cfg.tls_certfile, cfg.tls_keyfile)  # type: ignore[arg-type]
        self._runner = web.AppRunner(build_app(self._state), access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        await web.SockSite(self._runner, sock, ssl_context=ssl_context).start()

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        if self._runner is not None:
            try:
                self._call(self._astop())
            except Exception:  # noqa: BLE001 - stopping must not raise over a test's own failure
                pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()
        self._loop = self._thread = self._runner = None

    async def _astop(self) -> None:
        self._drop_all()
        assert self._runner is not None
        await self._runner.cleanup()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------------ addresses ---
    @property
    def host(self) -> str:
        return self._state.config.host

    @property
    def port(self) -> int:
        return self._state.port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:54321`` (``https`` with TLS); the prefix is not included."""
        scheme = "https" if self._state.config.tls else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def config(self) -> SimulatorConfig:
        return self._state.config

    # ------------------------------------------------------------------------------------------- controls ---
    def configure(self, **changes: Any) -> SimulatorConfig:
        """Change switches while running; later frames and commands see them. Unknown names: TypeError."""
        for name in ("host", "port", "tls_certfile", "tls_keyfile"):
            if name in changes:
                raise ValueError(f"{name} is fixed once the simulator listens")
        return self._state.configure(**changes)

    @property
    def executed(self) -> List[ExecutedCommand]:
        """Every prompt input the server started executing, in order (a copy)."""
        with self._state.lock:
            return list(self._state.executed)

    @property
    def command_spans(self) -> List[Tuple[float, float]]:
        """``(start, end)`` of every finished command, in ``time.monotonic`` seconds (a copy); with
        :func:`peak_concurrency` over several simulators, how many commands a fleet ran at once."""
        with self._state.lock:
            return list(self._state.spans)

    @property
    def logins(self) -> int:
        """Successful Basic-auth logins, i.e. new CSP sessions."""
        with self._state.lock:
            return self._state.logins

    def open_terminals(self) -> int:
        with self._state.lock:
            return len(self._state.terminals)

    def drop_connections(self) -> None:
        """Abruptly close every terminal socket (no close frame) and forget all CSP sessions: a server or
        Web Gateway restart between commands (docs/protocol.md §4.5, §12 #1481)."""
        self._call(self._adrop())

    async def _adrop(self) -> None:
        self._drop_all()

    def _drop_all(self) -> None:
        with self._state.lock:
            terminals = list(self._state.terminals)
            self._state.terminals.clear()
        for terminal in terminals:
            terminal.abort()
        self._state.forget_sessions()

    def expire_sessions(self) -> None:
        """Invalidate every CSP session cookie: the next use of one gets 401 (docs/protocol.md §4.1, §4.5)."""
        self._state.forget_sessions()

    # ----------------------------------------------------------------------------------------------- util ---
    def _call(self, coro: Any) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=_STARTUP_TIMEOUT)
