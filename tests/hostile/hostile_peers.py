"""A toolkit of hostile peers for the Lite Terminal client, on loopback raw sockets.

* :class:`RawServer` accepts TCP connections and hands each to a handler in its own thread.
* :class:`PeerConn` wraps one accepted socket: read HTTP requests, answer them (optionally a byte at a
  time: ``drip``), upgrade to a WebSocket, read the client's masked frames, write server frames, including
  ones the RFC forbids (reserved bits, bad close payloads, fragments that never end, huge lengths).
* :class:`FakeIris` is an IRIS-like peer built from those pieces: Atelier login, the terminal upgrade, the
  Lite Terminal handshake and a tiny command language (``write "X"``, ``hang N``, READ), with hooks a test
  overrides to misbehave at exactly one point, and switches for late frames after a prompt.
* :class:`LatencyProxy` sits in front of any server and delays the bytes of each direction separately,
  so a slow link (pings and HTTP included) is reproducible.

A uniquely named module (not ``conftest``) so tests import it unambiguously.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import json
import os
import re
import socket
import struct
import threading
import time
from typing import Callable, Dict, List, Optional, Tuple

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
USER, PASSWORD = "_SYSTEM", "Hostile-Pw-31c7"
COOKIE = "CSPSESSIONID-SP-1-UP-api-atelier-=hostile1"
VERSION = "IRIS for UNIX (Ubuntu Server LTS for x86-64) 2025.1 (Build 223U) Tue Mar 11 2025 18:14:42 EDT"
PROMPT = "\x1b[1mUSER>\x1b[0m"


def resolve_to_loopback(monkeypatch, name: str, on_lookup: Callable[[], None]) -> None:  # noqa: ANN001
    """Name lookup of ``name`` runs ``on_lookup`` (a slow or stuck resolver), then gives loopback; every other
    name resolves as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if host == name:
            on_lookup()
            host = "127.0.0.1"
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def server_frame(payload: bytes, opcode: int = 0x1, fin: bool = True, rsv: int = 0,
                 length: Optional[int] = None) -> bytes:
    """A server frame (unmasked). ``length`` overrides the declared payload length (a lie)."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def text_frame(obj: object) -> bytes:
    return server_frame((obj if isinstance(obj, str) else json.dumps(obj)).encode("utf-8"))


class PeerConn:
    """One accepted connection, driven by a handler thread."""

    def __init__(self, sock: socket.socket, server: RawServer) -> None:
        self.sock = sock
        self.server = server
        self.buf = b""
        self._send_lock = threading.Lock()
        sock.settimeout(30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each frame leaves when written

    # -- reading -----------------------------------------------------------------------------------------
    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def read_request(self) -> Optional[Tuple[str, str, Dict[str, str]]]:
        """The next HTTP request head: (method, path, lower-cased headers); None at EOF. No bodies."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return method, path, headers

    def read_frame(self) -> Optional[Tuple[int, bytes]]:
        """The client's next frame, unmasked: (opcode, payload); None at EOF."""
        while True:
            if len(self.buf) >= 2:
                n = self.buf[1] & 0x7F
                pos = 2
                if n == 126 and len(self.buf) >= 4:
                    n, pos = struct.unpack("!H", self.buf[2:4])[0], 4
                elif n == 127 and len(self.buf) >= 10:
                    n, pos = struct.unpack("!Q", self.buf[2:10])[0], 10
                if n < 126 or pos > 2:
                    if len(self.buf) >= pos + 4 + n:
                        key = self.buf[pos : pos + 4]
                        data = self.buf[pos + 4 : pos + 4 + n]
                        opcode = self.buf[0] & 0x0F
                        self.buf = self.buf[pos + 4 + n :]
                        return opcode, bytes(b ^ key[i % 4] for i, b in enumerate(data))
            if not self._fill():
                return None

    def read_message(self) -> Optional[dict]:
        """The next client text message as JSON (pings answered, close echoed -> None)."""
        while True:
            frame = self.read_frame()
            if frame is None:
                return None
            opcode, payload = frame
            if opcode == 0x1:
                return json.loads(payload.decode("utf-8"))
            if opcode == 0x9:
                self.send(server_frame(payload, 0xA))
            elif opcode == 0x8:
                self.send(server_frame(payload[:2], 0x8))
                return None

    # -- writing -----------------------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        with self._send_lock:  # late-frame threads write too: frames must not interleave
            self.sock.sendall(data)

    def drip(self, data: bytes, interval: float = 0.05) -> None:
        """Send ``data`` one byte at a time, ``interval`` seconds apart (stops quietly if the peer left)."""
        for i in range(len(data)):
            try:
                self.sock.sendall(data[i : i + 1])
            except OSError:
                return
            if self.server.stopped.wait(interval):
                return

    def http(self, status: int, body: bytes = b"", headers: Optional[Dict[str, str]] = None,
             reason: str = "X") -> bytes:
        lines = [f"HTTP/1.1 {status} {reason}"]
        all_headers = {"Content-Length": str(len(body)), "Content-Type": "application/json"}
        all_headers.update(headers or {})
        lines += [f"{k}: {v}" for k, v in all_headers.items() if v is not None]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def upgrade_answer(self, headers: Dict[str, str]) -> bytes:
        accept = base64.b64encode(hashlib.sha1(headers["sec-websocket-key"].encode() + GUID).digest())
        return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")

    def out(self, text: str) -> None:
        self.send(text_frame({"type": "output", "text": text}))

    def prompt(self) -> None:
        self.send(text_frame({"type": "prompt", "text": PROMPT, "ns": "USER"}))

    def wait(self, seconds: float) -> bool:
        """Sleep, but return True at once when the server is stopping."""
        return self.server.stopped.wait(seconds)


class RawServer:
    """Loopback TCP server; ``handler(conn)`` runs in a thread per connection. A context manager."""

    def __init__(self, handler: Callable[[PeerConn], None]) -> None:
        self.handler = handler
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.host = "127.0.0.1"
        self.stopped = threading.Event()
        self.connections: List[socket.socket] = []
        self.errors: List[BaseException] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()
        for sock in list(self.connections):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            self.handler(PeerConn(sock, self))
        except (OSError, ValueError):
            pass  # the client went away or the test ended: expected for hostile peers
        except BaseException as exc:  # noqa: BLE001 - recorded for the test to see
            self.errors.append(exc)
        finally:
            try:
                sock.close()
            except OSError:
                pass


_WRITE = re.compile(r'^write "([^"]*)"$')
# the client's attribution mark line and resynchronisation command (docs/protocol.md §15.3)
MARK = re.compile(r'^write "LT-([0-9a-f]+)-",\$increment\(\^\|\|LiteTerminal\),!\r\n')
SYNC = re.compile(r'^write "LT-SYNC-","([0-9a-f]+)" set \^\|\|LiteTerminal=0$')
_HANG = re.compile(r"^hang ([0-9.]+)$")


class FakeIris:
    """An IRIS-like peer on a :class:`RawServer`. Override a hook to misbehave; the defaults behave.

    Commands understood: ``write "X"`` (outputs X), ``hang N`` (sleeps N s, interruptible), ``read x``
    (asks for a line, outputs it back), anything else outputs ``?``. ``late_frames`` makes the peer send,
    ``late_delay`` seconds after each command's prompt, one extra frame: ``"output"`` or ``"prompt"``.
    """

    def __init__(self, late_frames: Optional[str] = None, late_delay: float = 0.1,
                 late_every: int = 1) -> None:
        self.late_frames = late_frames
        self.late_delay = late_delay
        self.late_every = late_every
        self.executed: List[str] = []
        self.logins = 0
        self.logouts = 0
        self.server = RawServer(self.handle)
        self._lock = threading.Lock()
        self._late_due = 0  # late frames scheduled / written (or given up): see wait_for_late_frames
        self._late_done = 0
        self._late_changed = threading.Condition(self._lock)

    def __enter__(self) -> FakeIris:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    # -- HTTP --------------------------------------------------------------------------------------------
    def handle(self, conn: PeerConn) -> None:
        while True:
            request = conn.read_request()
            if request is None:
                return
            method, path, headers = request
            if "/terminal" in path:
                self.on_upgrade(conn, headers)
                return
            if "CacheLogout" in path:
                self.logouts += 1
                self.on_logout(conn)
                continue
            self.logins += 1
            self.on_login(conn)

    def login_body(self) -> bytes:
        return json.dumps({"status": {"errors": [], "summary": ""}, "console": [], "result": {"content": {
            "version": VERSION, "id": "x", "api": 8, "namespaces": ["USER", "%SYS"]}}}).encode()

    def on_login(self, conn: PeerConn) -> None:
        conn.send(conn.http(200, self.login_body(), {"Set-Cookie": f"{COOKIE}; Path=/api/atelier/"}))

    def on_logout(self, conn: PeerConn) -> None:
        conn.send(conn.http(200, b""))

    def on_upgrade(self, conn: PeerConn, headers: Dict[str, str]) -> None:
        conn.send(conn.upgrade_answer(headers))
        self.on_terminal(conn)

    # -- terminal ----------------------------------------------------------------------------------------
    def on_terminal(self, conn: PeerConn) -> None:
        conn.send(text_frame({"type": "init", "protocol": 1, "version": VERSION}))
        config = conn.read_message()
        if config is None:
            return
        conn.prompt()
        inbox = _Inbox(conn)
        count = 0
        while True:
            message = inbox.get()
            if message is None:
                return
            kind = message.get("type")
            if kind == "interrupt":
                conn.prompt()  # interrupt while idle: one more prompt (docs/protocol.md §10)
            elif kind == "prompt":
                text = self.run_mark(conn, message["input"])
                with self._lock:
                    self.executed.append(text)
                count += 1
                late = bool(self.late_frames) and count % self.late_every == 0
                if late:  # due before the prompt goes out: a client that has the prompt finds it due
                    with self._late_changed:
                        self._late_due += 1
                self.on_command(conn, text, inbox)
                if late:
                    self._late(conn)

    def wait_for_late_frames(self, timeout: float = 10.0) -> None:
        """Until every late frame scheduled so far is on the wire (a test's "it arrived while idle" is
        then a fact, not a sleep that a loaded machine outlasts)."""
        with self._late_changed:
            if not self._late_changed.wait_for(lambda: self._late_done == self._late_due, timeout):
                raise AssertionError(f"late frames not sent within {timeout} s")

    def _late(self, conn: PeerConn) -> None:
        kind = self.late_frames

        def later() -> None:
            try:
                if conn.wait(self.late_delay):
                    return
                if kind == "output":
                    conn.out("LATE")
                else:
                    conn.prompt()
            except OSError:
                pass
            finally:
                with self._late_changed:
                    self._late_done += 1
                    self._late_changed.notify_all()

        threading.Thread(target=later, daemon=True).start()

    def run_mark(self, conn: PeerConn, text: str) -> str:
        """Run the client's mark line as IRIS would (one more on the process-private counter, then
        ``LT-<tag>-<n>`` and CR LF); return the command after it. The counter lives on the connection."""
        mark = MARK.match(text)
        if mark is None:
            return text
        conn.marks = getattr(conn, "marks", 0) + 1  # type: ignore[attr-defined]
        self.on_mark(conn, f"LT-{mark.group(1)}-{conn.marks}\r\n")  # type: ignore[attr-defined]
        return text[mark.end():]

    def on_mark(self, conn: PeerConn, output: str) -> None:
        conn.out(output)

    def on_command(self, conn: PeerConn, text: str, inbox: _Inbox) -> None:
        match = _WRITE.match(text)
        sync = SYNC.match(text)
        if sync:
            conn.marks = 0  # type: ignore[attr-defined]
            conn.out("LT-SYNC-" + sync.group(1))
        elif match:
            conn.out(match.group(1))
        elif _HANG.match(text):
            interrupted = inbox.wait_interrupt(float(_HANG.match(text).group(1)))  # type: ignore[union-attr]
            if interrupted:
                conn.out("\r\n\x1b[31;1m<INTERRUPT>\x1b[0m\r\n")
        elif text == "read x":
            conn.send(text_frame({"type": "read"}))
            reply = inbox.get()
            if reply is not None and reply.get("type") == "read":
                conn.out(reply.get("input", ""))
            elif reply is not None and reply.get("type") == "interrupt":
                conn.out("\r\n\x1b[31;1m<INTERRUPT>\x1b[0m\r\n")
        else:
            conn.out("?")
        conn.prompt()


class _Inbox:
    """Client messages read by a background thread, so a running command can notice an interrupt."""

    def __init__(self, conn: PeerConn) -> None:
        self._items: List[Optional[dict]] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._pump, args=(conn,), daemon=True).start()

    def _pump(self, conn: PeerConn) -> None:
        try:
            while True:
                message = conn.read_message()
                with self._cond:
                    self._items.append(message)
                    self._cond.notify_all()
                if message is None:
                    return
        except (OSError, ValueError):
            with self._cond:
                self._items.append(None)
                self._cond.notify_all()

    def get(self) -> Optional[dict]:
        with self._cond:
            while not self._items:
                self._cond.wait()
            return self._items.pop(0)

    def wait_interrupt(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless an interrupt arrives first (then consume it and return True)."""
        end = time.monotonic() + seconds
        with self._cond:
            while True:
                for i, item in enumerate(self._items):
                    if item is not None and item.get("type") == "interrupt":
                        del self._items[i]
                        return True
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)


class LatencyProxy:
    """A TCP proxy that delays client->server bytes by ``up`` and server->client bytes by ``down``
    seconds (each chunk delivered at its arrival time + delay, order kept). A context manager."""

    def __init__(self, target_host: str, target_port: int, up: float = 0.0, down: float = 0.0) -> None:
        self.target = (target_host, target_port)
        self.up, self.down = up, down
        self.server = RawServer(self._handle)
        self.host, self.port = self.server.host, self.server.port

    def __enter__(self) -> LatencyProxy:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def _handle(self, conn: PeerConn) -> None:
        upstream = socket.create_connection(self.target)
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.connections.append(upstream)
        conn.sock.settimeout(None)
        done = threading.Event()
        a = threading.Thread(target=_pump, args=(conn.sock, upstream, self.up, done), daemon=True)
        b = threading.Thread(target=_pump, args=(upstream, conn.sock, self.down, done), daemon=True)
        a.start()
        b.start()
        done.wait()
        for sock in (conn.sock, upstream):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        a.join(5)
        b.join(5)
        upstream.close()


def _pump(src: socket.socket, dst: socket.socket, delay: float, done: threading.Event) -> None:
    """Read from ``src``; deliver each chunk to ``dst`` ``delay`` seconds after it arrived."""
    queue: List[Tuple[float, int, bytes]] = []
    cond = threading.Condition()
    seq = [0]

    def deliver() -> None:
        while True:
            with cond:
                while not queue:
                    cond.wait()
                due, _, data = queue[0]
                left = due - time.monotonic()
                if left > 0:
                    cond.wait(left)
                    continue
                heapq.heappop(queue)
            if not data:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                done.set()
                return
            try:
                dst.sendall(data)
            except OSError:
                done.set()
                return

    threading.Thread(target=deliver, daemon=True).start()
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        with cond:
            seq[0] += 1
            heapq.heappush(queue, (time.monotonic() + delay, seq[0], data))
            cond.notify_all()
        if not data:
            return


def random_token() -> str:
    return os.urandom(6).hex()


class ScriptedIris(FakeIris):
    """A FakeIris whose next commands follow a script of hostile events (for model-based tests).

    :meth:`plan` queues, for the next marked command, events at four points of its answer: ``pre`` (before
    its mark: frames of earlier commands), ``mid`` (after the mark, before its output), ``post`` (after its
    output, before its prompt) and ``after`` (after its prompt). Events: ``prompt`` (an extra prompt, as an
    interrupt that reached IRIS late), ``output:<text>`` (stray output, e.g. an earlier command's), ``ping``
    (a WebSocket ping the client answers or not), ``read`` (a READ not the command's), and at ``post``,
    ``drop`` (the command's own prompt never comes). Without a plan a command is answered plainly."""

    def __init__(self) -> None:
        super().__init__()
        self._plans: List[Dict[str, List[str]]] = []

    def plan(self, events: Dict[str, List[str]]) -> None:
        with self._lock:
            self._plans.append(events)

    def _take_plan(self) -> Dict[str, List[str]]:
        with self._lock:
            return self._plans.pop(0) if self._plans else {}

    def _inject(self, conn: PeerConn, events: List[str]) -> bool:
        """Send ``events``; False when one of them is ``drop`` (the prompt is withheld)."""
        prompt = True
        for event in events:
            if event == "prompt":
                conn.prompt()
            elif event == "ping":
                conn.send(server_frame(b"hostile", 0x9))
            elif event == "read":
                conn.send(text_frame({"type": "read"}))
            elif event == "drop":
                prompt = False
            elif event.startswith("output:"):
                conn.out(event[len("output:"):])
        return prompt

    def run_mark(self, conn: PeerConn, text: str) -> str:
        if not MARK.match(text):
            return super().run_mark(conn, text)
        conn.script = self._take_plan()  # type: ignore[attr-defined]
        self._inject(conn, conn.script.get("pre", []))  # type: ignore[attr-defined]
        command = super().run_mark(conn, text)
        self._inject(conn, conn.script.get("mid", []))  # type: ignore[attr-defined]
        return command

    def on_command(self, conn: PeerConn, text: str, inbox: _Inbox) -> None:
        script = getattr(conn, "script", {})
        conn.script = {}  # type: ignore[attr-defined]
        match = _WRITE.match(text)
        if not match or not script:
            super().on_command(conn, text, inbox)
            return
        conn.out(match.group(1))
        if self._inject(conn, script.get("post", [])):
            conn.prompt()
        self._inject(conn, script.get("after", []))
