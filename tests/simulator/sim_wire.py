"""Raw Lite Terminal protocol helpers for simulator tests (requests + websocket-client, not our client)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import requests
import websocket
from waiting import eventually  # noqa: F401  (re-exported: the simulator tests import it from here)

from simulator import Simulator

WAIT = 5.0  # every network wait has a small timeout so nothing can hang
CREDS = ("_SYSTEM", "SYS")
OPENED: List[Any] = []  # sockets and sessions a test opened; conftest closes them after each test


def login(sim: Simulator, prefix: str = "", verify: Any = True) -> requests.Session:
    """GetServer with Basic auth, like the community Python client (docs/protocol.md §4.1, §15.1)."""
    session = requests.Session()
    OPENED.append(session)
    response = session.get(f"{sim.base_url}{prefix}/api/atelier/", auth=CREDS, timeout=WAIT, verify=verify)
    assert response.status_code == 200
    return session


def cookie_header(session: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def terminal_url(sim: Simulator, version: int = 8, prefix: str = "") -> str:
    return sim.base_url.replace("http", "ws", 1) + f"{prefix}/api/atelier/v{version}/%25SYS/terminal"


class Term:
    """A raw terminal socket with just enough helpers to read tests like the protocol (
    docs/protocol.md §7)."""

    def __init__(self, ws: websocket.WebSocket) -> None:
        self.ws = ws

    def send(self, **frame: Any) -> None:
        self.ws.send(json.dumps(frame))

    def recv(self, timeout: float = WAIT) -> Dict[str, Any]:
        self.ws.settimeout(timeout)
        return json.loads(self.ws.recv())

    def configure(self, namespace: str = "USER", raw: bool = False) -> Tuple[str, Dict[str, Any]]:
        """Send config; return (output before the prompt, the prompt frame)."""
        self.send(type="config", namespace=namespace, rawMode=raw)
        return self.until_prompt()

    def until_prompt(self, reads: Optional[List[str]] = None) -> Tuple[str, Dict[str, Any]]:
        """Collect output until the prompt; answer each ``read`` frame from ``reads``."""
        pending = list(reads or [])
        out = []
        while True:
            frame = self.recv()
            if frame["type"] == "output":
                out.append(frame["text"])
            elif frame["type"] == "read":
                self.send(type="read", input=pending.pop(0))
            elif frame["type"] == "prompt":
                return "".join(out), frame
            else:
                raise AssertionError(f"unexpected frame {frame}")

    def run(self, command: str, reads: Optional[List[str]] = None) -> str:
        """Send one prompt input and return its whole output."""
        self.send(type="prompt", input=command)
        return self.until_prompt(reads)[0]

    def close_frame(self, timeout: float = WAIT) -> Optional[int]:
        """Read until the server closes: the close code, or None when TCP dropped without a close frame."""
        self.ws.settimeout(timeout)
        try:
            while True:
                opcode, frame = self.ws.recv_data_frame(True)
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    return int.from_bytes(frame.data[:2], "big") if len(frame.data) >= 2 else 1005
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            return None

    def close(self) -> None:
        self.ws.close(timeout=1)


def connect(sim: Simulator, cookie: Optional[str] = None, version: int = 8, prefix: str = "",
            **kwargs: Any) -> Term:
    url = terminal_url(sim, version, prefix)
    ws = websocket.create_connection(url, cookie=cookie, timeout=WAIT, **kwargs)
    OPENED.append(ws)
    return Term(ws)
