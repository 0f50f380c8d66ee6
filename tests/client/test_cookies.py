"""Cookies go on the upgrade only where their attributes allow (docs/security.md §5).

The login answer sets cookies with different attributes; a scripted server records the upgrade request
that follows and the test reads its Cookie header. A ``Secure`` cookie never travels over plain ws://.
"""

from __future__ import annotations

from typing import Dict, List

import pytest
from lite_terminal_helpers import PASSWORD, USERS
from wire_peers import Peer, atelier_ok, connect_failure, response, switching_protocols

from adapters.lite_terminal import ConnectError, LiteTerminal
from simulator import Simulator, SimulatorConfig

COOKIES = [
    "SECURE=s3cr3t-session; Path=/api/atelier/; Secure; HttpOnly",
    "PLAIN=plain-session; Path=/api/atelier/; HttpOnly",
    "ROOT=root-path; Path=/",
    "OTHERPATH=not-for-the-terminal; Path=/csp/sys/",
    "OTHERHOST=planted; Domain=example.com; Path=/",
    "EXPIRED=old; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
]


def sent_cookies(peer: Peer) -> List[Dict[str, str]]:
    """The cookies of each upgrade request the peer received, as dicts."""
    found = []
    for request in peer.requests:
        if request.is_upgrade:
            header = request.headers.get("cookie", "")
            found.append(dict(p.strip().split("=", 1) for p in header.split(";") if p.strip()))
    return found


def login_then_record_upgrade(cookies: List[str]):
    def handler(request):
        if request.is_upgrade:
            return response("403 Forbidden")  # we only want to see what arrived
        return atelier_ok(cookies=cookies)
    return handler


def try_connect(peer: Peer, **options) -> None:
    connect_failure(peer.host, peer.port, ConnectError, connect_timeout=3.0, **options)


def test_over_plain_ws_only_the_cookies_allowed_there_are_sent():
    with Peer(login_then_record_upgrade(COOKIES)) as server:
        try_connect(server)
    (cookies,) = sent_cookies(server)
    assert cookies == {"PLAIN": "plain-session", "ROOT": "root-path"}


def test_over_wss_the_secure_cookie_is_sent_too(tls_files):
    with Peer(login_then_record_upgrade(COOKIES), tls=tls_files) as server:
        try_connect(server, tls=True, verify=tls_files["ca"])
    (cookies,) = sent_cookies(server)
    assert cookies == {"SECURE": "s3cr3t-session", "PLAIN": "plain-session", "ROOT": "root-path"}


def test_a_cookie_path_under_the_path_prefix_still_reaches_the_terminal():
    cookies = ["CSPSESSIONID-SP-1-UP-iris-api-atelier-=S1; Path=/iris/api/atelier/",
               "WRONGPREFIX=x; Path=/api/atelier/"]
    with Peer(login_then_record_upgrade(cookies)) as server:
        try_connect(server, path_prefix="/iris")
    assert sent_cookies(server) == [{"CSPSESSIONID-SP-1-UP-iris-api-atelier-": "S1"}]


def test_a_cookie_set_by_one_server_for_another_host_never_reaches_it():
    # Server A plants a cookie for B's address, on the login and on its 101 answer (websocket-client
    # keeps Domain cookies from handshake answers in one process-wide jar). B must not receive it.
    with Peer(host="127.0.0.2", handler=login_then_record_upgrade([])) as server_b:
        planted = f"PLANTED=fixated; Domain={server_b.host}; Path=/"

        def server_a(request):
            if request.is_upgrade:
                return switching_protocols(request, cookies=[planted])
            return atelier_ok(cookies=[planted])

        with Peer(server_a) as a:
            try_connect(a)
            assert any(r.is_upgrade for r in a.requests)
        try_connect(server_b)
    assert sent_cookies(server_b) == [{}]


def test_the_secure_session_cookie_of_a_tls_simulator_is_sent_and_works(tls_files):
    # end to end: the simulator marks its CSP session cookie Secure over TLS; the terminal still opens
    with Simulator(SimulatorConfig(users=USERS, tls_certfile=tls_files["cert"],
                                   tls_keyfile=tls_files["key"])) as sim:
        with LiteTerminal(sim.host, sim.port, username="_SYSTEM", password=PASSWORD, tls=True,
                          verify=tls_files["ca"], connect_timeout=3.0) as term:
            assert term.execute("write 6*7").output == "42"
        assert sim.logins == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_the_session_cookie_reaches_the_upgrade_for_every_kind_of_host(host):
    # the simulator refuses Basic on the upgrade here, so the terminal opens only if the cookie went along
    # (the cookie policy treats IP addresses, dotless names and IPv6 literals differently)
    with Simulator(SimulatorConfig(users=USERS, host=host, basic_on_upgrade=False)) as sim:
        with LiteTerminal(host, sim.port, username="_SYSTEM", password=PASSWORD, connect_timeout=3.0) as term:
            assert term.execute("write 6*7").output == "42"
        assert sim.logins == 1
