"""``EnsLib.HTTP.InboundAdapter`` on loopback only (docs/offline-runtime.md §28, docs/http-service.md §1).

As IRIS's class does (its ``OnConnected``): read the request line and the header lines, then the body
(Content-Length bytes, chunked, or until the peer closes), put it in a stream with the attributes
``HttpRequest`` (the method), ``URL``, ``RawParams``, ``HTTPVersion``, every header under its lower-cased
name (the first of a repeated one), ``CharEncoding``, ``TranslationTable`` and ``EnsConfigName``; set the
adapter's ``IOAddr`` to ``<Port><-<address>:<port>``; call ``BusinessHost.ProcessInput(stream, .out)``; write
``out`` back with the status line from its ``ResponseCode`` (or ``StatusLine``) attribute, default ``200 OK``,
its ``Content-Type`` (default ``text/html``), its other attributes as headers, ``CACHE-CONTROL`` and
``PRAGMA: no-cache``; an error status from the service is answered ``500`` with IRIS's XML fault body.
``StayConnected`` 0 (the HTTP adapter's default): one request per connection.

The stream is a ``%Library.GlobalBinaryStream`` of the raw bytes when Charset is Binary or RawBytes; with
Auto (the default) it is a ``%Library.GlobalCharacterStream``, decoded by the charset the Content-Type names,
or raw (one character per byte) when it names none.

Emulator rules that are not IRIS's (docs/offline-runtime.md §28):

* one listener job serves one connection at a time (IRIS's JobPerConnection=0); JobPerConnection=1 is
  not emulated;
* the head must arrive within ReadTimeout and in at most ``MAX_HEAD`` bytes; the body within ReadTimeout;
* ``Options.http_body_limit="host"`` (default): when the business host has a ``MaxBodyBytes`` setting, a body
  past it is refused with 413 **while it arrives** (declared or counted) and the connection closed; IRIS's
  adapter has no such limit and reads the whole body before the service sees it ("iris": do that, up to
  ``MAX_BODY``, which no setting raises);
* AllowedIPAddresses is compared with the loopback peer's address (no port or IPv6 forms); SSLConfig is
  refused (no TLS here).
"""

from __future__ import annotations

import select
import socket
import time
from typing import Any, Dict, List, Optional, Tuple

from . import status as st
from .errors import OfflineIRISError
from .iris_module import ref
from .streams import LegacyGlobalBinaryStream, LegacyGlobalCharacterStream

MAX_HEAD = 65536  # bytes of request line and headers
MAX_BODY = 16 * 1024 * 1024  # bytes of body in "iris" mode (a guard for the test process, not IRIS's)
POLL_SLICE = 0.1


class BodyTooLong(OfflineIRISError):
    """A request body past the adapter's limit."""


class _Peer:
    """One accepted connection with a wall-clock deadline for what is read from it."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock = sock
        self.buf = b""
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout

    def fill(self) -> bool:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout(f"nothing complete within ReadTimeout ({self.timeout:g} s)")
        self.sock.settimeout(left)
        data = self.sock.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def take(self, n: int) -> bytes:
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


class HTTPInboundMixin:
    """EnsLib.HTTP.InboundAdapter (the listening side)."""

    _o_blocks_in_ontask = True

    def _listener(self) -> socket.socket:
        srv = getattr(self, "_o_listener", None)
        if srv is not None:
            return srv
        if str(self._o_props.get("SSLConfig") or "").strip():
            raise OSError("SSLConfig is set: the offline runtime has no TLS")
        port = int(str(self._o_props.get("Port") or 9980))
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))  # loopback only
        backlog = int(str(self._o_props.get("QSize") or 100))
        srv.listen(max(1, min(backlog, 1000)))
        srv.setblocking(False)
        if port == 0:
            self._o_props["Port"] = srv.getsockname()[1]
        self._o_listener = srv
        return srv

    def OnInit(self) -> Any:  # noqa: N802
        try:
            self._listener()
        except (OSError, ValueError) as e:
            return st.ErrorStatus(5001, f"cannot listen on 127.0.0.1:{self._o_props.get('Port')}: {e}")
        return 1

    def OnTask(self) -> Any:  # noqa: N802
        srv = self._listener()
        readable, _, _ = select.select([srv], [], [], POLL_SLICE)
        if not readable:
            return 1
        try:
            sock, addr = srv.accept()
        except OSError:
            return 1
        try:
            self._connection(sock, addr)
        finally:
            try:
                sock.close()
            except OSError:
                pass
        return 1

    # -- one connection ---------------------------------------------------------------------------
    def _log(self, kind: str, text: str) -> None:
        self._o_ns.log(kind, self._o_cdef.name, "OnConnected", text)

    def _seconds(self, name: str, default: float) -> float:
        try:
            value = float(str(self._o_props.get(name)))
        except (TypeError, ValueError):
            return default
        return value if value >= 0 else default

    def _connection(self, sock: socket.socket, addr: Tuple[str, int]) -> None:
        port = self._o_props.get("Port")
        remote = f"{addr[0]}:{addr[1]}"
        setting = str(self._o_props.get("AllowedIPAddresses") or "")
        allowed = [a.strip() for a in setting.split(",") if a.strip()]
        if allowed and addr[0] not in allowed and remote not in allowed:
            self._log("Warning", f"Rejected connection attempt on port {port} from {remote} which was not "
                                 f"found in AllowedIPAddresses list '{setting}'")
            return
        self._o_props["IOAddr"] = f"{port}<-{remote}"
        peer = _Peer(sock, self._seconds("ReadTimeout", 5.0))
        try:
            head = self._read_head(peer)
            if head is None:
                return
            method, url, params, version, headers = head
            limit = self._body_limit()
            peer.deadline = time.monotonic() + peer.timeout  # the body has its own ReadTimeout
            body = self._read_body(peer, method, headers, limit)
        except BodyTooLong as e:
            self._log("Warning", f"HTTP 413 to {addr[0]}: request body refused while it arrived: {e}")
            self._answer(sock, _json_refusal(413, "Payload Too Large", str(e)))
            return
        except (socket.timeout, TimeoutError) as e:
            self._log("Warning", f"HTTP request from {remote} not complete: {e}")
            return
        except (OSError, ValueError) as e:
            self._log("Warning", f"HTTP request from {remote} unreadable: {e}")
            return
        stream = self._stream(body, headers)
        attrs = stream._attrs()
        attrs.update({"HttpRequest": method, "URL": url, "RawParams": params, "HTTPVersion": version})
        for name, value in headers:
            attrs.setdefault(name, value)
        attrs["EnsConfigName"] = self.BusinessHost._o_props.get("%ConfigName") or ""
        out = ref(None)
        status = self.BusinessHost.ProcessInput(stream, out, ref(""))
        if st.is_error(status):
            self._answer(sock, _fault(self.BusinessHost._o_cdef.name, st.error_text(status)))
            return
        self._answer(sock, _response_bytes(out.value))

    def _body_limit(self) -> Optional[int]:
        mode = getattr(self._o_ns.engine, "options", None)
        mode = getattr(mode, "http_body_limit", "host")
        if mode == "host":
            value = self.BusinessHost._o_props.get("MaxBodyBytes")
            try:
                return int(str(value)) if value not in (None, "") else None
            except ValueError:
                return None
        return None

    def _read_head(self, peer: _Peer) -> Optional[Tuple[str, str, str, str, List[Tuple[str, str]]]]:
        while b"\r\n\r\n" not in peer.buf and b"\n\n" not in peer.buf:
            if len(peer.buf) > MAX_HEAD:
                raise ValueError(f"request head longer than {MAX_HEAD} bytes")
            if not peer.fill():
                return None  # closed before a whole head: nothing to answer
        sep = b"\r\n\r\n" if b"\r\n\r\n" in peer.buf else b"\n\n"
        raw, peer.buf = peer.buf.split(sep, 1)
        lines = raw.decode("latin-1").replace("\r\n", "\n").split("\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            raise ValueError("invalid HTTP request line")
        method, target, version = parts
        url, _, params = target.partition("?")
        headers: List[Tuple[str, str]] = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.lower(), value.strip(" \t")))
        return method, url, params, version.split("/", 1)[1], headers

    def _read_body(self, peer: _Peer, method: str, headers: List[Tuple[str, str]],
                   limit: Optional[int]) -> bytes:
        first = {}
        for name, value in headers:
            first.setdefault(name, value)
        cap = MAX_BODY if limit is None else limit
        declared = first.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise ValueError("Content-Length is not a number")
            size = int(declared)
            if size > cap:
                raise BodyTooLong(f"Content-Length {size} is over {cap} bytes")
            while len(peer.buf) < size:
                if not peer.fill():
                    break  # IRIS: a short body is handed over as read (with a warning)
            return peer.take(size)
        if first.get("transfer-encoding", "").lower() == "chunked":
            return self._chunked(peer, cap)
        if method.upper() in ("GET", "DELETE", "OPTIONS", "HEAD"):
            return b""
        while True:  # no length: read until the peer closes (IRIS: up to 1e9 bytes or ReadTimeout)
            if len(peer.buf) > cap:
                raise BodyTooLong(f"body over {cap} bytes")
            try:
                if not peer.fill():
                    return peer.take(len(peer.buf))
            except socket.timeout:
                return peer.take(len(peer.buf))

    @staticmethod
    def _chunked(peer: _Peer, cap: int) -> bytes:
        body = b""
        while True:
            while b"\n" not in peer.buf:
                if len(peer.buf) > 1024:
                    raise ValueError("chunk size line too long")
                if not peer.fill():
                    raise ValueError("connection closed inside a chunked body")
            line, peer.buf = peer.buf.split(b"\n", 1)
            text = line.strip().split(b";", 1)[0]
            if not text:
                continue
            size = int(text, 16)
            if size == 0:
                return body
            if len(body) + size > cap:
                raise BodyTooLong(f"chunked body over {cap} bytes")
            while len(peer.buf) < size:
                if len(body) + len(peer.buf) > cap:
                    raise BodyTooLong(f"chunked body over {cap} bytes")
                if not peer.fill():
                    raise ValueError("connection closed inside a chunk")
            body += peer.take(size)

    def _stream(self, body: bytes, headers: List[Tuple[str, str]]) -> Any:
        charset = str(self._o_props.get("Charset") or "Auto").strip()
        force = str(self._o_props.get("ForceCharset") or "0").strip() in ("1", "true")
        if charset.lower() in ("", "binary", "rawbytes"):
            stream: Any = LegacyGlobalBinaryStream(body)
            encoding = charset
        else:
            encoding = charset
            if charset.lower() in ("auto", "autoxml") and not force:
                ctype = next((v for n, v in headers if n == "content-type"), "")
                encoding = ctype.lower().partition("charset=")[2].split(";", 1)[0].strip()
            try:
                text = body.decode(encoding) if encoding else body.decode("latin-1")
            except (LookupError, UnicodeDecodeError):
                self._log("Warning", f"Unable to find Translation Table for charset {encoding}")
                text, encoding = body.decode("latin-1"), ""
            stream = LegacyGlobalCharacterStream(text)
        stream._attrs()["CharEncoding"] = encoding
        stream._attrs()["TranslationTable"] = "RAW" if not encoding or encoding.lower() in (
            "binary", "rawbytes") else encoding.upper().replace("-", "")
        return stream

    def _answer(self, sock: socket.socket, data: bytes) -> None:
        try:
            sock.settimeout(5)
            sock.sendall(data)
        except OSError:
            pass

    def OnTearDown(self) -> Any:  # noqa: N802
        srv = getattr(self, "_o_listener", None)
        if srv is not None:
            srv.close()
            self._o_listener = None
        return 1


def _response_bytes(out: Any) -> bytes:
    """Status line, headers and body from the service's output stream (or none)."""
    attrs: Dict[str, Any] = {}
    body = b""
    if out is not None and out != "":
        getter = getattr(out, "_attrs", None)
        attrs = dict(getter()) if callable(getter) else {}
        data = out.getvalue() if hasattr(out, "getvalue") else str(out)
        body = data if isinstance(data, bytes) else str(data).encode("utf-8")
    upper = {k.upper(): v for k, v in attrs.items()}
    status = upper.get("STATUSLINE") or f"HTTP/1.1 {upper.get('RESPONSECODE') or '200 OK'}"
    ctype = upper.get("CONTENT-TYPE", "text/html")
    lines = [str(status), f"Content-Type: {ctype}", f"Content-Length: {len(body)}"]
    for name, value in attrs.items():
        if name.upper() in ("CONTENT-TYPE", "RESPONSECODE", "STATUSLINE", "CONTENT-LENGTH"):
            continue
        lines.append(f"{name}: {value}")
    lines += ["CACHE-CONTROL: no-cache", "PRAGMA: no-cache"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace") + body


def _fault(source: str, text: str) -> bytes:
    """IRIS's answer to an error status: 500 with an XML error body."""
    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    body = (f"<BODY>\r\n<error>\r\n    <source>{esc(source)}</source>\r\n    <text>{esc(text)}</text>\r\n"
            "</error>\r\n</BODY>\r\n").encode()
    stream = LegacyGlobalBinaryStream(body)
    stream.SetAttribute("ResponseCode", "500 Internal Server Error")
    return _response_bytes(stream)


def _json_refusal(code: int, reason: str, detail: str) -> bytes:
    import json

    stream = LegacyGlobalCharacterStream(json.dumps({"Error": detail}))
    stream.SetAttribute("ResponseCode", f"{code} {reason}")
    stream.SetAttribute("Content-Type", "application/json")
    return _response_bytes(stream)
