"""The HTTP listener against hostile and careless peers (docs/offline-runtime.md §28,
docs/http-service.md §6): bodies that grow past MaxBodyBytes while they arrive (declared, chunked,
unannounced), a head dripped slower than ReadTimeout, garbage, a slow link (the hostile toolkit's
LatencyProxy), an address not allowed. Raw sockets, so the test controls every byte and its timing."""

from __future__ import annotations

import os
import socket
import sys
import time

import pytest
import requests
from http_helpers import HTTP, PASSWORD, commands, http_warnings, post, signed, start_http_production
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offline_iris import OfflineIRIS
from offline_iris.testing import LITE_TERMINAL_MODULES

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "hostile"))
from hostile_peers import LatencyProxy  # noqa: E402

LIMIT = 65536


def port_of(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


def grow_until_answered(port: int, head: bytes, piece: bytes, budget: int = 8 * 1024 * 1024) -> tuple:
    """Send ``head`` then ``piece`` after ``piece`` until the server answers or closes; ``(answer, sent)``."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)
    sent = 0
    answer = b""
    try:
        sock.sendall(head)
        sock.setblocking(False)
        while sent < budget:
            try:
                data = sock.recv(65536)
                if data:
                    answer += data
                break
            except BlockingIOError:
                pass
            try:
                sent += sock.send(piece)
            except BlockingIOError:
                time.sleep(0.005)
            except (BrokenPipeError, ConnectionResetError):
                break
        sock.setblocking(True)
        sock.settimeout(5)
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except (socket.timeout, ConnectionResetError):
            pass
    finally:
        sock.close()
    return answer, sent


HEAD = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{}\r\n"


@pytest.mark.parametrize("framing", ["declared", "chunked", "unannounced"])
def test_a_body_growing_past_the_limit_is_refused_while_it_arrives(rt, sim, start, framing):
    url = start()
    piece = b"x" * 4096
    if framing == "declared":
        head, body_piece = HEAD.format(f"Content-Length: {100 * LIMIT}\r\n"), piece
    elif framing == "chunked":
        head, body_piece = HEAD.format("Transfer-Encoding: chunked\r\n"), b"1000\r\n" + piece + b"\r\n"
    else:
        head, body_piece = HEAD.format(""), piece
    answer, sent = grow_until_answered(port_of(url), head.encode(), body_piece)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert sent < 4 * 1024 * 1024  # refused long before the sender gave up: the limit held while it arrived
    assert commands(sim) == []
    assert any(w.startswith("HTTP 413 to 127.0.0.1") for w in http_warnings(rt))
    assert post(url, {"Run": "hello"}).status_code == 200  # the listener serves the next caller


def test_with_irises_own_reading_the_service_refuses_the_long_body(tmp_path, sim):
    """Options.http_body_limit="iris": the adapter reads the whole body, as IRIS does; the service's check
    is then the one that answers 413 (docs/http-service.md §6)."""
    with OfflineIRIS(tmp_path / "iris", http_body_limit="iris") as rt:
        rt.load(list(LITE_TERMINAL_MODULES))
        port = start_http_production(rt, sim, PASSWORD, host={"MaxBodyBytes": 1000})
        try:
            raw, h = signed({"Run": "hello", "pad": "y" * 2000})
            r = requests.post(f"http://127.0.0.1:{port}/", data=raw, headers=h, timeout=20)
            assert r.status_code == 413 and "at most 1000 bytes" in r.text
            assert http_warnings(rt) == ["HTTP 413 to 127.0.0.1: body over MaxBodyBytes (1000)"]
            assert commands(sim) == []
        finally:
            rt.stop_production()


def test_a_head_dripped_slower_than_read_timeout_is_dropped_and_the_next_caller_served(rt, sim, start):
    url = start()  # ReadTimeout 2 s (http_helpers)
    slow = socket.create_connection(("127.0.0.1", port_of(url)), timeout=10)
    began = time.monotonic()
    try:
        for byte in b"POST / HTTP/1.1\r\nContent-Type: application/json\r\n":
            try:
                slow.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break  # the server gave up on us: what the test wants
            time.sleep(0.1)
        slow.settimeout(5)
        try:
            leftover = slow.recv(100)
        except ConnectionResetError:
            leftover = b""
    finally:
        slow.close()
    assert leftover == b""  # closed without an answer, and without waiting for the peer
    assert time.monotonic() - began < 8
    assert post(url, {"Run": "hello"}).status_code == 200
    assert any("not complete" in e["Text"] for e in rt.event_log("Warning"))


TLS_HELLO = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n"


@pytest.mark.parametrize("junk", [TLS_HELLO, b"GET\r\n\r\n", b"A" * 70000])
def test_garbage_is_dropped_and_the_listener_keeps_serving(rt, sim, start, junk):
    url = start()
    with socket.create_connection(("127.0.0.1", port_of(url)), timeout=10) as s:
        try:
            s.sendall(junk)
            s.shutdown(socket.SHUT_WR)
            s.recv(100)
        except OSError:
            pass
    assert post(url, {"Run": "hello"}).status_code == 200
    assert commands(sim) == ['write "hello from http"']


def test_a_slow_link_still_gets_its_answer(rt, sim, start):
    url = start()
    with LatencyProxy("127.0.0.1", port_of(url), up=0.2, down=0.2) as proxy:
        raw, h = signed({"Run": "hello"})
        r = requests.post(f"http://{proxy.host}:{proxy.port}/", data=raw, headers=h, timeout=20)
    assert r.status_code == 200 and r.json()["Output"] == "hello from http"


def test_an_address_not_allowed_is_closed_before_reading(rt, sim, start):
    url = start(adapter={"AllowedIPAddresses": "127.0.0.2"})
    with pytest.raises(requests.ConnectionError):
        post(url, {"Run": "hello"})
    assert commands(sim) == []
    assert any("Rejected connection attempt" in e["Text"] and "127.0.0.1" in e["Text"]
               for e in rt.event_log("Warning"))
    assert rt.engine.items[HTTP].started


HEAD_PARTS = st.sampled_from([b"POST", b"GET", b" ", b"/", b"?a=1", b"HTTP/1.1", b"HTTP/9", b"\r\n", b"\n",
                              b"Content-Length: ", b"-1", b"99999999999", b"5", b"Transfer-Encoding: chunked",
                              b"zz\r\n", b"0\r\n", b":", b"\x00", b"\xff", b"{}",
                              b"Content-Type: application/json"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(HEAD_PARTS, max_size=30))
def test_any_bytes_then_a_close_never_break_the_listener(rt, sim, start, parts):
    """Invariant: whatever a peer sends before closing, the listener answers or drops it, logs no internal
    error, runs nothing, and serves the next caller."""
    if not hasattr(rt, "_http_url"):
        rt._http_url = start(host={"RequestsPerMinute": 0})
    url = rt._http_url
    before = len(commands(sim))
    with socket.create_connection(("127.0.0.1", port_of(url)), timeout=10) as s:
        try:
            s.sendall(b"".join(parts))
            s.shutdown(socket.SHUT_WR)
            s.settimeout(10)
            while s.recv(65536):
                pass
        except OSError:
            pass
    assert len(commands(sim)) == before
    assert not [e for e in rt.event_log("Error") if "internal error" in e["Text"]]
    assert not rt.engine.python_errors
    assert post(url, {"Run": "hello", "Id": os.urandom(8).hex()}).status_code == 200
