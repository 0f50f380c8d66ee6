"""``Session``: the state of one JOBbed terminal process and the entry point that runs a prompt input.

Local variables and the namespace live here, one session per socket, as they live in the JOBbed IRIS
process (docs/protocol.md §1). Output bookkeeping ($X, "at a fresh line") lives here too, because where an
error report starts depends on what was written before it (docs/protocol.md §8).
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence

from ..render import CRLF, error_report
from .command_parser import parse_line
from .command_runner import run_block
from .errors import ObjectScriptError, QuitSignal
from .events import Output, Run
from .expressions import Key
from .values import Value


class Session:
    """The state of one JOBbed terminal process: $JOB, namespace, locals, rawMode (docs/protocol.md §1,
    docs/protocol.md §6.2)."""

    def __init__(
        self,
        job: int,
        namespace: str,
        namespaces: Sequence[str],
        version: str,
        raw: bool = False,
    ) -> None:
        self.job = job
        self.namespace = namespace
        self.namespaces: List[str] = list(namespaces)
        self.version = version
        self.raw = raw
        self.locals: Dict[Key, Value] = {}
        self.test = False  # $TEST
        self.column = 0  # $X
        self._fresh = False
        self._first_output = True
        self._leading_crlf = False

    # -- output bookkeeping --
    def emit(self, text: str) -> Optional[Output]:
        """Record ``text`` as written (tracks $X and line starts); ``None`` when there is nothing to send."""
        if not text:
            return None
        if self._first_output and self._leading_crlf:
            text = CRLF + text  # docs/protocol.md §8: some captures/claims show a leading \r\n (switchable)
        self._first_output = False
        newline = text.rfind("\n")
        self.column = len(text) - newline - 1 if newline >= 0 else self.column + len(text)
        self._fresh = text.endswith("\n")
        return Output(text)

    def typed_input(self, text: str) -> None:
        """READ does not echo its terminator: the cursor stays after the typed text."""
        self.column += len(text)
        self._fresh = False

    def error_output(self, error: ObjectScriptError) -> Output:
        """An error report on a fresh line (docs/protocol.md §8 emulator default: a \\r\\n unless already at
        one)."""
        report = error_report(error.name, error.detail, self.raw)
        if not (self._first_output and self._leading_crlf) and not self._fresh:
            report = CRLF + report
        out = self.emit(report)
        assert out is not None
        return out

    def resolve_namespace(self, name: str) -> str:
        """The configured spelling of ``name`` (case-insensitive), else ``<NAMESPACE>``."""
        for known in self.namespaces:
            if known.upper() == name.upper():
                return known
        raise ObjectScriptError("NAMESPACE", "*" + name)

    # -- running --
    def run(self, source: str, leading_crlf: bool = False) -> Run:
        """Execute a prompt input: lines separated by \\r\\n run one after the other (
        docs/protocol.md §11)."""
        self._fresh = False  # docs/protocol.md §8 default [I]: an error report still starts with its own \r\n
        self.column = 0  # the client printed \r\n after the input (docs/protocol.md §8), so $X starts at 0
        self._first_output = True
        self._leading_crlf = leading_crlf
        try:
            for line in re.split(r"\r\n|\n|\r", source):
                cmds = parse_line(line)
                try:
                    yield from run_block(self, cmds)
                except QuitSignal:
                    pass
        except ObjectScriptError as error:
            yield self.error_output(error)
