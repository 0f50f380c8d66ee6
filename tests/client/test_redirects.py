"""No redirect is followed on the login or the WebSocket upgrade (docs/security.md §5).

A hostile server answers with a redirect to a second loopback listener that records everything it is
sent. The connect must fail with a ConnectError naming where the redirect pointed, and the second
listener must receive nothing at all: no credentials, no session cookie, no command.
"""

from __future__ import annotations

import pytest
from lite_terminal_helpers import PASSWORD
from wire_peers import Peer, atelier_ok, connect_failure, response

from adapters.lite_terminal import ConnectError


@pytest.fixture
def recorder():
    with Peer() as peer:  # answers nothing, keeps every byte
        yield peer


def connect_error(peer: Peer, **options) -> ConnectError:
    return connect_failure(peer.host, peer.port, ConnectError, connect_timeout=3.0, **options)


def login_redirect(status: str, location: str):
    def handler(request):
        return response(status, {"Location": location})
    return handler


def upgrade_redirect(location: str, status: str = "302 Found"):
    """Logs in fine (with a session cookie), then redirects the terminal upgrade."""
    def handler(request):
        if request.is_upgrade:
            return response(status, {"Location": location})
        return atelier_ok(cookies=["CSPSESSIONID-SP-1-UP-api-atelier-=SESSION42; Path=/api/atelier/"])
    return handler


@pytest.mark.parametrize("status", ["301 Moved Permanently", "302 Found", "303 See Other",
                                    "307 Temporary Redirect", "308 Permanent Redirect"])
def test_a_login_redirect_is_refused_and_names_its_target(recorder, status):
    target = f"http://{recorder.address}/api/atelier/"
    with Peer(login_redirect(status, target)) as server:
        error = connect_error(server)
    text = str(error)
    assert f"HTTP {status.split()[0]}" in text
    assert target in text and "not followed" in text
    assert recorder.connections == 0 and recorder.received == b""


def test_a_relative_login_redirect_names_the_resolved_address(recorder):
    with Peer(login_redirect("302 Found", "/csp/elsewhere/")) as server:
        error = connect_error(server)
        assert f"http://{server.address}/csp/elsewhere/" in str(error)
        assert len(server.requests) == 1  # asked once, never again at the new place


def test_a_redirect_without_location_is_refused_too():
    with Peer(lambda request: response("302 Found")) as server:
        error = connect_error(server)
    assert "no Location header" in str(error)


def test_the_named_target_holds_no_secret_and_no_control_characters(recorder):
    # A hostile server echoes the password into the Location (user info, path, query) and adds an ESC:
    # the message shows scheme://host:port/path only, the password masked, the ESC percent-encoded.
    location = (f"http://_SYSTEM:{PASSWORD}@{recorder.address}/steal/{PASSWORD}/\x1b[2J?p={PASSWORD}#x")
    with Peer(login_redirect("302 Found", location)) as server:
        error = connect_error(server)
    text = str(error)
    assert PASSWORD not in text
    assert "\x1b" not in text and "%1B[2J" in text
    assert f"http://{recorder.address}/steal/***/" in text
    assert "?p=" not in text
    assert recorder.connections == 0


@pytest.mark.parametrize("status", ["301 Moved Permanently", "302 Found", "307 Temporary Redirect",
                                    "308 Permanent Redirect"])
def test_an_upgrade_redirect_is_refused_and_the_cookie_never_leaves(recorder, status):
    target = f"ws://{recorder.address}/api/atelier/v8/%25SYS/terminal"
    with Peer(upgrade_redirect(target, status)) as server:
        error = connect_error(server)
        upgrades = [r for r in server.requests if r.is_upgrade]
    text = str(error)
    assert "redirected" in text and f"HTTP {status.split()[0]}" in text
    assert f"ws://{recorder.address};" in text  # host and port; the path only where secrets can be masked
    assert len(upgrades) == 1
    assert recorder.connections == 0 and recorder.received == b""


def test_an_upgrade_redirect_from_wss_to_plain_ws_is_refused(recorder, tls_files):
    # The TLS server would move the session (cookie, then every command) onto an unencrypted socket.
    target = f"ws://{recorder.address}/api/atelier/v8/%25SYS/terminal"
    with Peer(upgrade_redirect(target), tls=tls_files) as server:
        error = connect_error(server, tls=True, verify=tls_files["ca"])
        assert any(r.is_upgrade for r in server.requests)  # TLS worked; the upgrade was answered 302
    assert f"ws://{recorder.address};" in str(error)
    assert recorder.connections == 0 and recorder.received == b""


def test_an_upgrade_redirect_to_another_https_host_is_refused(recorder, tls_files):
    with Peer(upgrade_redirect(f"wss://{recorder.address}/x"), tls=tls_files) as server:
        error = connect_error(server, tls=True, verify=tls_files["ca"])
    assert f"wss://{recorder.address};" in str(error)
    assert recorder.connections == 0


INVALID = "an address that is not a valid URL"


@pytest.mark.parametrize("location, login_shows, upgrade_shows", [
    ("http://[::1/x", INVALID, INVALID),  # an unclosed IPv6 bracket: urljoin raises ValueError
    ("http://iris.example:99999/", INVALID, INVALID),
    ("javascript:alert(1)", "javascript:alert(1);", "javascript:;"),
    ("//elsewhere.example/api/", "http://elsewhere.example/api/;", "ws://elsewhere.example;"),
    ("x" * 20000, "xxx...;", "ws://127.0.0.1:"),
    (f"ws://iris.example/{PASSWORD}/", "ws://iris.example/***/;", "ws://iris.example;"),
])
@pytest.mark.parametrize("where", ["login", "upgrade"])
def test_any_location_ends_in_a_connect_error(location, login_shows, upgrade_shows, where):
    handler = login_redirect("302 Found", location) if where == "login" else upgrade_redirect(location)
    with Peer(handler) as server:
        error = connect_error(server)
    text = str(error)
    assert "redirected (HTTP 302) to " in text
    assert (login_shows if where == "login" else upgrade_shows) in text
    assert PASSWORD not in text and len(text) < 700
