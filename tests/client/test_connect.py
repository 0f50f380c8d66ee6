"""Connecting: Atelier login, cookies on the upgrade, the init/config/prompt handshake, and every way
it can fail (docs/protocol.md §3, §4, §7)."""

from __future__ import annotations

import http.server
import threading

import pytest
from lite_terminal_helpers import PASSWORD

from adapters.lite_terminal import (
    AuthError,
    ConnectError,
    LiteTerminal,
    NamespaceError,
    ServerUnavailable,
    TerminalError,
    UnsupportedServer,
)


def test_login_reads_server_info_and_opens_the_terminal(sim, term):
    assert term.connected
    assert term.server_info.api == 8
    assert term.server_info.namespaces == ("USER", "%SYS")
    assert term.server_info.release == "2025.3"
    assert term.server_version == sim.config.version
    assert term.namespace == "USER"
    assert sim.logins == 1
    assert sim.open_terminals() == 1


def test_each_connection_gets_its_own_login_and_server_process(sim, make_terminal):
    first, second = make_terminal(), make_terminal()
    first.execute("write 1")
    second.execute("write 2")
    assert sim.logins == 2
    jobs = {cmd.session for cmd in sim.executed}
    assert len(jobs) == 2


def test_namespace_is_configured_at_the_handshake(sim, make_terminal):
    term = make_terminal(namespace="%sys")
    assert term.execute("write $namespace").output == "%SYS"
    assert term.namespace == "%SYS"


def test_output_before_the_first_prompt_is_the_banner_not_command_output(sim, make_terminal):
    sim.configure(startup_output="ZSTART: hello from JOB\r\n")
    term = make_terminal()
    term.connect()
    assert "ZSTART: hello from JOB" in term.banner
    result = term.execute('write "x"')
    assert result.output == "x"


def test_a_close_before_init_is_retried_once_with_a_fresh_login(sim, make_terminal):
    sim.configure(stale_cookie_upgrades=1)  # 101, then close 1011 (docs/protocol.md §4.4)
    term = make_terminal()
    assert term.execute("write 42").output == "42"
    assert sim.logins == 2


def test_a_second_close_before_init_fails_clearly(sim, make_terminal):
    sim.configure(stale_cookie_upgrades=2)
    with pytest.raises(ConnectError, match="before 'init'"):
        make_terminal().connect()
    assert sim.logins == 2
    assert sim.executed == []


def test_a_401_on_the_upgrade_is_retried_once_then_reported(sim, make_terminal):
    sim.configure(csp_session_timeout=0.0)  # every cookie is already stale when the upgrade arrives
    with pytest.raises(AuthError, match="401 twice"):
        make_terminal().connect()
    assert sim.logins == 2


def test_wrong_password_is_an_auth_error_without_the_password(sim, make_terminal):
    with pytest.raises(AuthError) as caught:
        make_terminal(password="wrong-" + PASSWORD).connect()
    assert "401" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert sim.logins == 0


@pytest.mark.parametrize("html", [False, True])
def test_licence_exhaustion_is_server_unavailable(sim, make_terminal, html):
    sim.configure(license_exhausted=True, html_errors=html)
    with pytest.raises(ServerUnavailable, match="license"):
        make_terminal().connect()


def test_old_servers_are_refused_with_the_required_version(sim, make_terminal):
    sim.configure(api_version=6)
    with pytest.raises(UnsupportedServer, match=r"2023\.2\+"):
        make_terminal().connect()
    assert sim.open_terminals() == 0


def test_api_v7_servers_get_the_v7_url(sim, make_terminal):
    sim.configure(api_version=7)
    assert make_terminal().execute("write 7").output == "7"


def test_an_unknown_namespace_is_refused_before_opening_the_socket(sim, make_terminal):
    with pytest.raises(NamespaceError, match="NOPE"):
        make_terminal(namespace="NOPE").connect()
    assert sim.open_terminals() == 0


@pytest.mark.parametrize("client_prefix", ["/iris", "iris", "/iris/"])
def test_path_prefix_is_normalised(sim, make_terminal, client_prefix):
    sim.configure(path_prefix="/iris")
    assert make_terminal(path_prefix=client_prefix).execute("write 1").output == "1"


def test_a_missing_prefix_reports_404_with_a_hint(sim, make_terminal):
    sim.configure(path_prefix="/iris")
    with pytest.raises(ConnectError, match="path_prefix"):
        make_terminal().connect()


def test_refused_connection_is_a_connect_error():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectError, match="refused|cannot reach"):
        LiteTerminal("127.0.0.1", port, username="u", password=PASSWORD, connect_timeout=2).connect()


class _HtmlHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server naming
        body = b"<html><body>Service Temporarily Unavailable</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_non_json_answer_says_the_web_server_hides_the_error():
    server = http.server.HTTPServer(("127.0.0.1", 0), _HtmlHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(ConnectError, match="not JSON"):
            LiteTerminal("127.0.0.1", server.server_address[1], username="u", password=PASSWORD,
                         connect_timeout=2).connect()
    finally:
        server.shutdown()
        server.server_close()


def test_a_silent_server_times_out_the_handshake():
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # accepts TCP, never answers HTTP
    try:
        with pytest.raises(ConnectError):
            LiteTerminal("127.0.0.1", listener.getsockname()[1], username="u", password=PASSWORD,
                         connect_timeout=0.5).connect()
    finally:
        listener.close()


def test_every_failure_is_in_the_terminal_error_tree(sim, make_terminal):
    sim.configure(api_version=5)
    with pytest.raises(TerminalError):
        make_terminal().connect()
