"""Small drivers that send what three third-party Lite Terminal clients send (docs/third-party-clients.md).

Written here from the behaviour described in that page; no third-party code. Each driver returns what a user
of that client would see, so a test can check the experience rather than the frames.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, NamedTuple, Optional

import websocket
from sim_wire import OPENED, WAIT, cookie_header, login, terminal_url

from simulator import Simulator

RED = "\u001b[31;1m"
_SGR = re.compile(r"\x1b[^m]*?m")


def visible(text: str) -> str:
    """Text as a terminal shows it: SGR codes rendered away."""
    return _SGR.sub("", text)


class Shown(NamedTuple):
    """What the user sees after one Enter: the output, the client's verdict, the namespace it tracks."""

    output: str
    exit_code: str  # VS Code's shell-integration code: "0", "1" or "" (interrupted / empty input)
    namespace: str


class VSCodeLiteTerminal:
    """vscode-objectscript's Lite Terminal: one socket for the terminal's life, ``rawMode`` false, a
    ``color`` request with the whole input after every keystroke, multi-line input while a quote, ``(`` or
    ``{`` is open, the input sent on Enter, Ctrl-C as ``interrupt``."""

    def __init__(self, sim: Simulator, namespace: str = "USER") -> None:
        session = login(sim)
        self.ws = websocket.create_connection(terminal_url(sim), cookie=cookie_header(session), timeout=WAIT)
        OPENED.append(self.ws)
        self.input = ""
        self.colored: List[str] = []  # every colour answer, as the terminal redraws the input
        self.namespace = namespace.upper()
        init = self._recv()
        assert init["type"] == "init"
        self._send(type="config", namespace=self.namespace, rawMode=False)
        self.prompt = self._until_prompt()[1]

    def _send(self, **frame: Any) -> None:
        self.ws.send(json.dumps(frame))

    def _recv(self) -> Dict[str, Any]:
        self.ws.settimeout(WAIT)
        return json.loads(self.ws.recv())

    def _until_prompt(self) -> tuple:
        chunks: List[str] = []
        while True:
            frame = self._recv()
            if frame["type"] == "output":
                chunks.append(frame["text"])
            elif frame["type"] == "color":
                self.colored.append(frame["text"])
            elif frame["type"] == "prompt":
                self.namespace = frame.get("ns") or self.namespace
                return chunks, frame["text"]
            elif frame["type"] == "read":
                return chunks, None
            else:
                raise AssertionError(frame)

    def type(self, text: str) -> None:
        """Keystrokes at the prompt: each one updates the input and asks the server to colour it."""
        for char in text:
            self.input += char
            self._send(type="color", input=self.input)

    def unterminated(self) -> bool:
        quote, parens, braces = False, 0, 0
        for char in self.input:
            if char == '"':
                quote = not quote
            elif not quote and char in "(){}":
                parens += {"(": 1, ")": -1}.get(char, 0)
                braces += {"{": 1, "}": -1}.get(char, 0)
        return quote or parens > 0 or braces > 0

    def enter(self) -> Optional[Shown]:
        """Enter: a continuation line while the input is open (None), else the input runs."""
        if self.unterminated():
            self.input += "\r\n"
            return None
        self._send(type="prompt", input=self.input)
        empty, self.input = self.input == "", ""
        chunks, _ = self._until_prompt()
        text = "".join(chunks)
        if text.startswith("\r\n"):
            text = text[2:]  # it printed \r\n after the Enter itself
        exit_code = "" if empty else "0"
        if RED in text:
            exit_code = "" if RED + "<INTERRUPT>" in text else "1"
        return Shown(text, exit_code, self.namespace)

    def start(self, line: str) -> None:
        """Type ``line`` and press Enter without waiting (a long-running command)."""
        self.type(line)
        self._send(type="prompt", input=self.input)
        self.input = ""

    def ctrl_c(self) -> Shown:
        self._send(type="interrupt")
        chunks, _ = self._until_prompt()
        text = "".join(chunks)
        return Shown(text, "" if RED + "<INTERRUPT>" in text else "1" if RED in text else "0", self.namespace)


class PrismTerminal:
    """Prism's terminal tool: a fresh login and socket per command, ``rawMode`` false, output chunks joined
    with ``\\n``, control characters removed (so an SGR code loses its ESC and shows as ``[31;1m``), ``read``
    frames ignored (a READ waits until the tool's timeout)."""

    def __init__(self, sim: Simulator, timeout: float = 2.0) -> None:
        self.sim = sim
        self.timeout = timeout

    def execute(self, command: str, namespace: str = "USER") -> Dict[str, Any]:
        session = login(self.sim)
        ws = websocket.create_connection(terminal_url(self.sim), cookie=cookie_header(session), timeout=WAIT)
        OPENED.append(ws)
        ws.settimeout(self.timeout)
        assert json.loads(ws.recv())["type"] == "init"
        ws.send(json.dumps({"type": "config", "namespace": namespace, "rawMode": False}))
        self._until_prompt(ws)
        ws.send(json.dumps({"type": "prompt", "input": command}))
        try:
            chunks, prompt = self._until_prompt(ws)
        except websocket.WebSocketTimeoutException:
            return {"timed_out": True}
        output = "\n".join(chunks)
        output = "".join(c for c in output if c in "\n\r\t" or (ord(c) >= 32 and c != "\x7f"))
        return {"namespace": namespace, "command": command, "output": output, "prompt": prompt}

    @staticmethod
    def _until_prompt(ws: websocket.WebSocket) -> tuple:
        chunks: List[str] = []
        while True:
            frame = json.loads(ws.recv())
            if frame["type"] == "output":
                chunks.append(frame["text"])
            elif frame["type"] == "prompt":
                return chunks, frame["text"]
            elif frame["type"] == "error":
                raise RuntimeError(frame.get("text"))
            # read and anything else: ignored


class CompileOverTerminal:
    """A sync tool that compiles through the terminal, as issue 17 describes iris-sync doing: it sends
    ``do $system.OBJ.CompileList("<items>", "cuk")`` and calls the compile good unless the output holds
    ``ERROR`` or an error report (docs/third-party-clients.md §4; no public source of the tool was found)."""

    def __init__(self, sim: Simulator) -> None:
        self.term = VSCodeLiteTerminal(sim)

    def compile(self, *items: str) -> Dict[str, Any]:
        listed = ",".join(items)
        self.term.type(f'do $system.OBJ.CompileList("{listed}", "cuk")')
        shown = self.term.enter()
        assert shown is not None
        plain = visible(shown.output)
        failed = "ERROR" in plain or re.search(r"^<[A-Z ]+>", plain, re.M) is not None
        return {"ok": not failed, "log": plain}
