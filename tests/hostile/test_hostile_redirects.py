"""Redirects are refused, on the login and on the upgrade: nothing (credentials, cookie, command) goes to
the place a redirect names (the recording listener behind it stays untouched)."""

from __future__ import annotations

import pytest
from hostile_peers import PASSWORD, USER, FakeIris, PeerConn, RawServer

from adapters.lite_terminal import ConnectError, LiteTerminal


class Redirecting(FakeIris):
    def __init__(self, where: str, target: str) -> None:
        super().__init__()
        self.where, self.target = where, target

    def on_login(self, conn: PeerConn) -> None:
        if self.where == "login":
            conn.send(conn.http(302, b"", {"Location": self.target}))
        else:
            super().on_login(conn)

    def on_upgrade(self, conn: PeerConn, headers: dict) -> None:
        if self.where == "upgrade":
            conn.send(conn.http(307, b"", {"Location": self.target.replace("http", "ws")}))
        else:
            super().on_upgrade(conn, headers)


@pytest.mark.parametrize("where", ["login", "upgrade"])
def test_a_redirect_is_refused_and_never_followed(where):
    visits = []
    with RawServer(lambda conn: visits.append(conn.read_request())) as elsewhere:
        target = f"http://127.0.0.1:{elsewhere.port}/api/atelier/"
        with Redirecting(where, target) as peer:
            with pytest.raises(ConnectError, match="redirected") as refused:
                LiteTerminal(peer.host, peer.port, USER, PASSWORD, connect_timeout=2).connect()
            assert peer.executed == []
    assert visits == []
    assert PASSWORD not in str(refused.value)
    assert refused.value.__context__ is None and refused.value.__cause__ is None
