"""The WebSocket upgrade and the first frames (docs/protocol.md §4.3, §4.4, §5, §6.1, §15.2)."""

from __future__ import annotations

import base64
import json

import pytest
import websocket
from sim_wire import CREDS, connect, cookie_header, eventually, login, terminal_url

BASIC = "Authorization: Basic " + base64.b64encode(":".join(CREDS).encode()).decode()


def bad_status(sim, **kwargs) -> int:
    with pytest.raises(websocket.WebSocketBadStatusException) as info:
        connect(sim, **kwargs)
    return info.value.status_code


def test_cookie_upgrade_gets_init_then_config_gets_the_bold_prompt_with_ns(sim):
    term = connect(sim, cookie=cookie_header(login(sim)))
    init = term.recv()
    assert init == {"type": "init", "protocol": 1, "version": sim.config.version}
    output, prompt = term.configure("USER")
    assert output == ""
    assert prompt == {"type": "prompt", "text": "\u001b[1mUSER>\u001b[0m", "ns": "USER"}
    assert sim.open_terminals() == 1


def test_namespace_in_config_is_case_insensitive(sim, open_terminal):
    term = open_terminal(sim, namespace="%sys")
    assert term.run("w $namespace") == "%SYS"


def test_upgrade_without_credentials_is_401(sim):
    assert bad_status(sim) == 401


def test_stale_cookie_without_basic_is_401(sim):
    cookie = cookie_header(login(sim))
    sim.expire_sessions()
    assert bad_status(sim, cookie=cookie) == 401


def test_basic_on_the_upgrade_is_accepted_and_opens_a_csp_session(sim):
    term = connect(sim, header=[BASIC])
    assert term.recv()["type"] == "init"
    assert sim.logins == 1


def test_basic_on_the_upgrade_can_be_refused(make_sim):
    sim = make_sim(basic_on_upgrade=False)
    assert bad_status(sim, header=[BASIC]) == 401
    assert connect(sim, cookie=cookie_header(login(sim))).recv()["type"] == "init"


@pytest.mark.parametrize("version", [6, 9])
def test_terminal_versions_outside_7_to_api_are_404(sim, version):
    assert bad_status(sim, cookie=cookie_header(login(sim)), version=version) == 404


def test_v7_url_works_on_an_api_8_server(sim):
    term = connect(sim, cookie=cookie_header(login(sim)), version=7)
    assert term.recv()["type"] == "init"


def test_api_6_server_has_no_terminal_route(make_sim):
    sim = make_sim(api_version=6)
    assert bad_status(sim, cookie=cookie_header(login(sim)), version=6) == 404


def test_namespace_segment_other_than_encoded_sys_is_404(sim):
    cookie = cookie_header(login(sim))
    url = terminal_url(sim).replace("%25SYS", "USER")
    with pytest.raises(websocket.WebSocketBadStatusException) as info:
        websocket.create_connection(url, cookie=cookie, timeout=5)
    assert info.value.status_code == 404


def test_license_exhausted_refuses_the_upgrade_with_503(sim):
    cookie = cookie_header(login(sim))
    sim.configure(license_exhausted=True)
    assert bad_status(sim, cookie=cookie) == 503


def test_stale_cookie_upgrades_answer_101_then_close_1011_without_frames(sim):
    cookie = cookie_header(login(sim))
    sim.configure(stale_cookie_upgrades=1)
    term = connect(sim, cookie=cookie)
    assert term.close_frame() == 1011
    # the switch is used up: the next upgrade is normal
    assert connect(sim, cookie=cookie).recv()["type"] == "init"
    assert sim.config.stale_cookie_upgrades == 0


def test_unknown_namespace_in_config_gets_an_error_frame_then_close(sim):
    term = connect(sim, cookie=cookie_header(login(sim)))
    term.recv()
    term.send(type="config", namespace="NOSUCH", rawMode=False)
    error = term.recv()
    assert error["type"] == "error" and "NOSUCH" in error["text"]
    assert term.close_frame() == 1011


def test_prefix_serves_the_terminal_under_it(make_sim):
    sim = make_sim(path_prefix="iris")  # docs/protocol.md §5: a missing leading "/" is added
    session = login(sim, prefix="/iris")
    term = connect(sim, cookie=cookie_header(session), prefix="/iris")
    assert term.recv()["type"] == "init"
    assert bad_status(sim, cookie=cookie_header(session)) == 404


def test_startup_output_arrives_before_the_first_prompt(make_sim):
    sim = make_sim(startup_output="ZSTART ran\r\n")
    term = connect(sim, cookie=cookie_header(login(sim)))
    term.recv()
    output, prompt = term.configure()
    assert output == "ZSTART ran\r\n"
    assert prompt["type"] == "prompt"


def test_closing_the_socket_is_noticed(sim):
    term = connect(sim, cookie=cookie_header(login(sim)))
    term.recv()
    assert sim.open_terminals() == 1
    term.close()
    assert eventually(lambda: sim.open_terminals() == 0)


def test_init_frame_is_json_text(sim):
    ws = websocket.create_connection(terminal_url(sim), cookie=cookie_header(login(sim)), timeout=5)
    opcode, data = ws.recv_data()
    assert opcode == websocket.ABNF.OPCODE_TEXT
    assert json.loads(data)["type"] == "init"
    ws.close()
