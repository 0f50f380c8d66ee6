"""The simulator switches the fault matrix added, on the wire; and the client fixes the matrix found.

Switches (simulator/config.py): ``inject_frames_on`` + ``inject_frames`` (raw text/binary frames before a
command runs), ``frames_before_init`` (raw frames before ``init``), ``unauthorized_upgrades`` (401 on the
next N upgrades). docs/protocol.md §6.1 (unknown types ignored, non-JSON dropped [C S1]), §7 (init first),
docs/protocol.md §4.4.
"""

from __future__ import annotations

import json
import socket
from typing import Any, Dict, List, Tuple

import pytest
import requests
import websocket
from fault_helpers import PASSWORD, USER

from adapters.lite_terminal import ConnectError, LiteTerminal, RemoteProtocolError
from adapters.lite_terminal.transport import Signal, WebSocketTransport
from simulator import Simulator, SimulatorConfig

TIMEOUT = 3.0


@pytest.fixture
def make_sim():
    started: List[Simulator] = []

    def factory(**switches: Any) -> Simulator:
        sim = Simulator(SimulatorConfig(users={USER: PASSWORD}, **switches)).start()
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()


def upgrade(sim: Simulator) -> websocket.WebSocket:
    """Log in like the reference client (docs/protocol.md §4.1) and open the terminal socket, no frames
    read."""
    http = requests.Session()
    http.get(f"{sim.base_url}/api/atelier/", auth=(USER, PASSWORD), timeout=TIMEOUT).raise_for_status()
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    http.close()
    url = f"ws://{sim.host}:{sim.port}/api/atelier/v8/%25SYS/terminal"
    return websocket.create_connection(url, cookie=cookie, timeout=TIMEOUT)


def frames_until_prompt(ws: websocket.WebSocket) -> List[Tuple[int, Any]]:
    """Every (opcode, payload) up to and including the next prompt; text payloads JSON-decoded if they can."""
    seen: List[Tuple[int, Any]] = []
    while True:
        opcode, data = ws.recv_data()
        payload: Any = data
        if opcode == websocket.ABNF.OPCODE_TEXT:
            text = data.decode("utf-8")
            try:
                payload = json.loads(text)
            except ValueError:
                payload = text
        seen.append((opcode, payload))
        if isinstance(payload, dict) and payload.get("type") == "prompt":
            return seen


def open_terminal(ws: websocket.WebSocket) -> Dict[str, Any]:
    init = json.loads(ws.recv())
    ws.send(json.dumps({"type": "config", "namespace": "USER", "rawMode": False}))
    frames_until_prompt(ws)
    return init


def test_inject_frames_are_sent_verbatim_before_the_matching_command_runs(make_sim):
    sim = make_sim(inject_frames_on="INJECT", inject_frames=("not json", b"\x00bin", '{"type":"readchar"}'))
    ws = upgrade(sim)
    try:
        open_terminal(ws)
        ws.send(json.dumps({"type": "prompt", "input": 'write "a" ; INJECT'}))
        text, binary = websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY
        expected = [(text, "not json"), (binary, b"\x00bin"), (text, {"type": "readchar"}),
                    (text, {"type": "output", "text": "a"})]
        assert frames_until_prompt(ws)[:4] == expected
        ws.send(json.dumps({"type": "prompt", "input": 'write "b"'}))  # no match: nothing injected
        assert frames_until_prompt(ws)[0] == (text, {"type": "output", "text": "b"})
    finally:
        ws.close()
    assert [e.input for e in sim.executed] == ['write "a" ; INJECT', 'write "b"']


def test_frames_before_init_come_first(make_sim):
    sim = make_sim(frames_before_init=('{"type":"prompt","text":"USER>"}',))
    ws = upgrade(sim)
    try:
        assert json.loads(ws.recv()) == {"type": "prompt", "text": "USER>"}
        assert json.loads(ws.recv())["type"] == "init"
    finally:
        ws.close()


def test_unauthorized_upgrades_refuse_the_next_n_upgrades_with_401(make_sim):
    sim = make_sim(unauthorized_upgrades=1)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        upgrade(sim)
    assert refused.value.status_code == 401
    ws = upgrade(sim)  # the token is used up
    try:
        assert open_terminal(ws)["type"] == "init"
    finally:
        ws.close()
    assert sim.config.unauthorized_upgrades == 0


def test_injected_frames_must_be_text_or_bytes():
    with pytest.raises(ValueError, match="str .* or bytes"):
        SimulatorConfig(inject_frames=({"type": "output"},))  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017 - re.error: a bad regex fails at configuration time
        SimulatorConfig(inject_frames_on="(")


# --- client fixes found by the matrix ------------------------------------------------------------------


def _server_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One unmasked, final server frame (RFC 6455 section 5.2), as a server would write it."""
    head = bytes([0x80 | opcode])
    if len(payload) < 126:
        return head + bytes([len(payload)]) + payload
    return head + bytes([126]) + len(payload).to_bytes(2, "big") + payload


def test_text_frames_are_decoded_strictly_as_utf8():
    """The transport validates UTF-8 itself with the C codec (websocket-client's pure-Python check made a
    50 MB frame take 14 s, past every timeout); invalid UTF-8 stays a protocol error."""
    client, server = socket.socketpair()
    server.sendall(_server_frame('{"type":"output","text":"é"}'.encode()))
    good = WebSocketTransport(client, "ws://h:1/t")
    assert good.recv(1.0) == '{"type":"output","text":"é"}'
    server.sendall(_server_frame(b'{"text":"\xff"}'))
    with pytest.raises(RemoteProtocolError, match="not valid UTF-8"):
        good.recv(1.0)
    assert good.recv(0.1) is Signal.CLOSED
    server.close()


def test_a_certificate_for_another_host_names_the_mismatch(make_sim, make_tls_files):
    """Before: 'certificate verify failed (use verify=<CA bundle path> ...)' although the CA was given."""
    files = make_tls_files("server.example.org")
    sim = make_sim(tls_certfile=files["cert"], tls_keyfile=files["key"])
    with pytest.raises(ConnectError) as caught:
        LiteTerminal(sim.host, sim.port, USER, PASSWORD, tls=True, verify=files["ca"],
                     connect_timeout=TIMEOUT).connect()
    assert "IP address mismatch" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    with pytest.raises(ConnectError, match="unable to get local issuer certificate"):
        LiteTerminal(sim.host, sim.port, USER, PASSWORD, tls=True, connect_timeout=TIMEOUT).connect()
