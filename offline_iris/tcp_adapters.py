"""EnsLib.TCP text-line adapters on loopback only (docs/offline-runtime.md §16).

Inbound: listens on 127.0.0.1:Port; every line (ended by the Terminators setting, default LF) becomes an
``Ens.StringContainer`` whose StringValue is the line, handed to ``BusinessHost.ProcessInput``; when the
service returns an output with a StringValue, that text and a terminator are written back. A line longer
than ``MAX_LINE`` closes that connection with an Event Log error instead of growing without bound; a
connection that closes in the middle of a line gets an Event Log warning naming how much was dropped.
StayConnected 0 closes a connection once its lines have been handled and the peer has nothing more queued.

Outbound: ``SendMessageString(text, .reply)`` connects to IPAddress:Port (only loopback addresses are
accepted: the runtime is a test stand-in), writes the text and a terminator, and with GetReply=1 reads one
line back, all within ConnectTimeout / ReadTimeout as wall-clock bounds. StayConnected 0 closes after each
call; otherwise the connection is kept and reopened when the peer closed it.
"""

from __future__ import annotations

import ipaddress
import select
import socket
import time
from typing import Any, Dict, Optional, Tuple

from . import status as st
from .iris_module import ref

MAX_LINE = 1 << 20  # bytes in one line, terminator not counted; a longer line is refused, never buffered
POLL_SLICE = 0.1  # seconds one OnTask waits for activity, so a stop is seen promptly


def _terminator(setting: Any) -> bytes:
    """Terminators is ObjectScript text such as ``$C(10)`` (the default) or a literal string."""
    text = str(setting or "")
    if not text or text.replace(" ", "").upper() in ("$C(10)", "$CHAR(10)"):
        return b"\n"
    if text.upper().startswith(("$C(", "$CHAR(")) and text.endswith(")"):
        codes = text[text.index("(") + 1 : -1].split(",")
        return bytes(int(c) for c in codes if c.strip())
    return text.encode("utf-8")


def _encoding(setting: Any) -> str:
    name = str(setting or "").strip().lower()
    return "utf-8" if name in ("", "default", "native", "utf8", "utf-8") else name


def _loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def take_line(buffer: bytes, term: bytes, limit: Optional[int] = None, start: int = 0
              ) -> Tuple[Optional[bytes], bytes, bool]:
    """The first line of ``buffer``: ``(line, rest, False)``; ``(None, buffer, False)`` while its terminator
    has not arrived and it may still be at most ``limit`` bytes; ``(None, buffer, True)`` once it is longer
    than ``limit`` bytes, wherever its terminator arrives (in the read that crosses the limit, or never).
    ``start``: where to begin looking for the terminator (bytes before it were already searched)."""
    limit = MAX_LINE if limit is None else limit
    at = buffer.find(term, max(0, start - len(term) + 1))
    if at >= 0:
        if at > limit:
            return None, buffer, True
        return buffer[:at], buffer[at + len(term):], False
    # the last len(term)-1 bytes may be the start of the terminator: the line is at least the rest
    return None, buffer, len(buffer) - (len(term) - 1) > limit


class _Conn:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""


class TextLineInboundMixin:
    """EnsLib.TCP.TextLineInboundAdapter (the listening side)."""

    _o_blocks_in_ontask = True  # OnTask waits for activity itself; the poll loop adds no extra sleep

    def _listener(self) -> Optional[socket.socket]:
        srv = getattr(self, "_o_listener", None)
        if srv is not None:
            return srv
        port = int(str(self._o_props.get("Port") or 0))
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))  # loopback only, whatever AllowedIPAddresses says
        srv.listen(16)
        srv.setblocking(False)
        self._o_listener = srv
        self._o_conns: Dict[socket.socket, _Conn] = {}
        return srv

    def OnInit(self) -> Any:  # noqa: N802
        try:
            self._listener()
        except OSError as e:
            return st.ErrorStatus(5001, f"cannot listen on 127.0.0.1:{self._o_props.get('Port')}: {e}")
        return 1

    def OnTask(self) -> Any:  # noqa: N802
        srv = self._listener()
        conns: Dict[socket.socket, _Conn] = self._o_conns
        try:
            interval = min(POLL_SLICE, max(0.01, float(self._o_props.get("CallInterval") or POLL_SLICE)))
        except (TypeError, ValueError):
            interval = POLL_SLICE
        readable, _, _ = select.select([srv, *conns], [], [], interval)
        for sock in readable:
            if sock is srv:
                try:
                    client, _addr = srv.accept()
                except OSError:
                    continue
                client.setblocking(False)
                conns[client] = _Conn(client)
                continue
            self._serve(conns[sock])
        return 1

    def _serve(self, conn: _Conn) -> None:
        term = _terminator(self._o_props.get("Terminators"))
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data:
            conn.buffer += data
        while True:
            line, conn.buffer, too_long = take_line(conn.buffer, term)
            if line is None:
                break
            self._hand_over(conn, line)
        if too_long:
            self._o_ns.log(
                "Error",
                self._o_cdef.name,
                "OnTask",
                f"line longer than {MAX_LINE} bytes without a terminator in its first {MAX_LINE} bytes; "
                "connection closed, the line was not handed over",
            )
            self._close(conn)
            return
        if not data:
            if conn.buffer:
                self._o_ns.log(
                    "Warning",
                    self._o_cdef.name,
                    "OnTask",
                    f"connection closed in the middle of a line; {len(conn.buffer)} bytes not handed over",
                )
            self._close(conn)
        elif str(self._o_props.get("StayConnected", -1)).strip() == "0" and not conn.buffer:
            self._close(conn)

    def _hand_over(self, conn: _Conn, line: bytes) -> None:
        text = line.decode(_encoding(self._o_props.get("Charset")), errors="replace").rstrip("\r")
        container = self._o_ns.new("Ens.StringContainer")
        container._o_set_raw("StringValue", text)
        out = ref("")
        status = self.BusinessHost.ProcessInput(container, out, ref(""))
        if st.is_error(status):
            return  # the service's error is already in the Event Log (and alerts, if asked)
        value = out.value
        answer = getattr(value, "StringValue", value if isinstance(value, str) else "")
        if answer:
            term = _terminator(self._o_props.get("Terminators"))
            try:
                conn.sock.setblocking(True)
                conn.sock.settimeout(5)
                conn.sock.sendall(str(answer).encode(_encoding(self._o_props.get("Charset"))) + term)
                conn.sock.setblocking(False)
            except OSError:
                self._close(conn)

    def _close(self, conn: _Conn) -> None:
        self._o_conns.pop(conn.sock, None)
        try:
            conn.sock.close()
        except OSError:
            pass

    def OnTearDown(self) -> Any:  # noqa: N802
        for conn in list(getattr(self, "_o_conns", {}).values()):
            self._close(conn)
        srv = getattr(self, "_o_listener", None)
        if srv is not None:
            srv.close()
            self._o_listener = None
        return 1


class TextLineOutboundMixin:
    """EnsLib.TCP.TextLineOutboundAdapter (the connecting side)."""

    def _timeout(self, name: str, default: float) -> float:
        try:
            value = float(str(self._o_props.get(name) or default))
        except ValueError:
            value = default
        return default if value < 0 else value

    def _connect(self) -> socket.socket:
        sock = getattr(self, "_o_sock", None)
        if sock is not None:
            return sock
        host = str(self._o_props.get("IPAddress") or "")
        port = int(str(self._o_props.get("Port") or 0))
        if not _loopback(host):
            raise OSError(f"IPAddress {host!r} is not a loopback address (the only kind allowed offline)")
        sock = socket.create_connection((host, port), timeout=self._timeout("ConnectTimeout", 5))
        self._o_sock = sock
        return sock

    def _drop(self) -> None:
        sock = getattr(self, "_o_sock", None)
        self._o_sock = None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    def SendMessageString(self, pRequestString: Any, pResponseString: Any = None) -> Any:  # noqa: N802,N803
        term = _terminator(self._o_props.get("Terminators"))
        enc = _encoding(self._o_props.get("Charset"))
        target = f"{self._o_props.get('IPAddress')}:{self._o_props.get('Port')}"
        try:
            sock = self._connect()
            sock.settimeout(self._timeout("ReadTimeout", 5))
            sock.sendall(str(pRequestString).encode(enc) + term)
            if str(self._o_props.get("GetReply", 1)).strip() not in ("0", "false"):
                reply = self._read_line(sock, term, self._timeout("ReadTimeout", 5))
                if pResponseString is not None and hasattr(pResponseString, "value"):
                    pResponseString.value = reply.decode(enc, errors="replace").rstrip("\r")
        except OSError as e:
            self._drop()
            return st.ErrorStatus("<Ens>ErrTCPTerminatedConnection", f"{target}: {e}")
        finally:
            if str(self._o_props.get("StayConnected", -1)).strip() == "0":
                self._drop()
        return 1

    @staticmethod
    def _read_line(sock: socket.socket, term: bytes, timeout: float) -> bytes:
        """One line within ``timeout`` seconds of wall-clock time, at most MAX_LINE bytes."""
        deadline = time.monotonic() + timeout
        buffer = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise OSError(f"no reply line within {timeout}s")
            sock.settimeout(left)
            try:
                data = sock.recv(4096)
            except socket.timeout:  # the whole line's time ran out during this read: say so, as above
                raise OSError(f"no reply line within {timeout}s") from None
            if not data:
                raise OSError("connection closed before a reply line")
            searched, buffer = len(buffer), buffer + data
            line, _rest, too_long = take_line(buffer, term, None, searched)
            if too_long:
                raise OSError(f"reply line longer than {MAX_LINE} bytes")
            if line is not None:
                return line

    def OnTearDown(self) -> Any:  # noqa: N802
        self._drop()
        return 1
