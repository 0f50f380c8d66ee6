"""One name for one server: a host name with non-ASCII letters reaches the same host on every path.

Before: ``requests`` encodes the login's host with IDNA 2008 (UTS 46), the socket module the WebSocket's with
IDNA 2003, so for ``straße.invalid`` the login went to ``xn--strae-oqa.invalid`` and the upgrade, carrying the
session cookie the login got, to ``strasse.invalid``: another host. And ``server_identity`` took
``éxample.com`` and ``xn--xample-9ua.com`` for two servers.
"""

from __future__ import annotations

import socket

from hostile_peers import PASSWORD, USER, FakeIris

from adapters.lite_terminal import LiteTerminal
from adapters.lite_terminal.contract import server_identity


def test_the_login_and_the_websocket_look_up_one_name(monkeypatch):
    real = socket.getaddrinfo
    asked = []

    def getaddrinfo(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        name = host.decode() if isinstance(host, bytes) else host
        if name.endswith(".invalid"):  # the name the C resolver gets (Python encodes str with IDNA 2003)
            asked.append(name if name.isascii() else name.encode("idna").decode())
            name = "127.0.0.1"
        return real(name, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with FakeIris() as peer, LiteTerminal("straße.invalid", peer.port, USER, PASSWORD) as term:
        assert term.execute('write "x"').output == "x"
    assert set(asked) == {"xn--strae-oqa.invalid"}, asked  # login, upgrade and logout alike


def test_a_name_and_its_a_label_are_one_server():
    assert server_identity("éxample.com", 1) == server_identity("xn--xample-9ua.com", 1) \
        == server_identity("ÉXAMPLE.COM.", 1)
    assert server_identity("straße.de", 1) != server_identity("strasse.de", 1)  # two names in IDNA 2008
