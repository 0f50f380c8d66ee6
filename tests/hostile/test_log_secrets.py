"""No Cookie, Set-Cookie or Authorization value reaches a log record, whoever emits it: websocket-client's
trace dumps the upgrade's headers (a live CSP session cookie) and the 101's; DEBUG logging is on
everywhere."""

from __future__ import annotations

import base64
import logging

import pytest
import websocket
from hostile_peers import COOKIE, PASSWORD, USER, FakeIris, PeerConn

from adapters.lite_terminal import LiteTerminal
from adapters.lite_terminal.login import SecretHeaderFilter

SESSION = COOKIE.split("=", 1)[1]


class CookieOn101(FakeIris):
    """Also sets a cookie on the 101 answer (websocket-client's trace prints each answer header line)."""

    def on_upgrade(self, conn: PeerConn, headers: dict) -> None:
        extra = b"\r\nSet-Cookie: Upgraded=s3cr3t-101\r\n\r\n"
        answer = conn.upgrade_answer(headers).replace(b"\r\n\r\n", extra)
        conn.send(answer)
        self.on_terminal(conn)


@pytest.fixture
def trace_on():
    websocket.enableTrace(True)
    try:
        yield
    finally:
        websocket.enableTrace(False)


def test_no_session_cookie_or_credentials_in_any_log_record(trace_on, caplog):
    caplog.set_level(logging.DEBUG)
    with CookieOn101() as peer, LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=3) as term:
        assert term.execute('write "x"').output == "x"
    texts = [record.getMessage() for record in caplog.records]
    joined = "\n".join(texts)
    assert any("request header" in text for text in texts), "the trace did not run: nothing was tested"
    assert "Cookie: [redacted]" in joined and "Set-Cookie: [redacted]" in joined
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for secret in (SESSION, "s3cr3t-101", PASSWORD, basic):
        assert secret not in joined, secret
    assert "Upgrade: websocket" in joined or "upgrade: websocket" in joined.lower()  # the rest is kept


@pytest.mark.parametrize("text,expected", [
    ("GET / HTTP/1.1\r\nCookie: a=b\r\nHost: h\r\n", "GET / HTTP/1.1\r\nCookie: [redacted]\r\nHost: h\r\n"),
    ("set-cookie: CSP=1; Path=/", "set-cookie: [redacted]"),
    ("Authorization: Basic eDp5", "Authorization: [redacted]"),
    ("the word cookie: here is not a header line", "the word cookie: here is not a header line"),
    ("++Rcv decoded: data=b'Cookie: a=b'", "++Rcv decoded: data=b'Cookie: a=b'"),
])
def test_only_the_value_of_a_secret_header_line_changes(text, expected):
    record = logging.LogRecord("websocket", logging.DEBUG, __file__, 1, "%s", (text,), None)
    assert SecretHeaderFilter().filter(record) is True
    assert record.getMessage() == expected
