"""What the command line prints: output lines as they arrive, status lines, group blocks, in its own words.

* :class:`OutputStream` turns the raw chunks ``LiteTerminal.execute(on_output=...)`` hands over into text as
  they arrive: CR LF and CR become line ends, IRIS's colours are kept or dropped (``--color``), every other
  escape sequence is removed, control characters are shown escaped where the output goes to a terminal or a
  line carries a server name, and an IRIS error line (marked by IRIS's bold red, docs/protocol.md §8) can be
  kept off stdout (it goes to stderr as the status line instead).
* :func:`words` puts the client's texts into the command line's words (``--input``, not ``input_lines``;
  ``10 s``, not ``9.99999939899999 s``); :func:`status_line` is the one-line failure report.
* :func:`group_block` is one dshbak-style block; :func:`result_fields` one JSON result.

Every text from a server that the CLI prints as one line goes through ``lines.escape_controls``: no server
text can start a line of its own (a forged status line or group header).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from typing import Callable, Dict, Iterator, List, Optional, TextIO

from .lines import escape_controls
from .output import ERROR_MARK, strip_ansi

__all__ = ["OutputStream", "ctrl_c_after_writing", "words", "status_line", "group_block", "result_fields",
           "use_color", "is_terminal", "visible"]

#: SGR ("Select Graphic Rendition": colours, bold) sequences, the only escapes kept with --color.
_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_LINE_END = re.compile(r"\r\n|\r|\n")
_LONG_SECONDS = re.compile(r"\b(\d+\.\d+)(\s?s\b)")

#: The client's parameter names as the command line spells them.
_FLAGS = (
    ("no input_lines were left", "no --input lines were left"),
    ("input_lines", "--input"),
    ("path_prefix", "--prefix"),
    ("connect_timeout", "--connect-timeout"),
    ("response_timeout", "--timeout"),
    ("max_output_chars", "--max-output-chars"),
    ("verify=<CA bundle path>", "--ca-file <CA bundle>"),
    ("verify=False", "--insecure"),
    ("MaxErrors", "--max-errors"),
)


def words(text: str) -> str:
    """A client text in the command line's words: flags by their names, seconds rounded, one line."""
    for api, flag in _FLAGS:
        text = text.replace(api, flag)
    text = _LONG_SECONDS.sub(lambda m: f"{round(float(m.group(1)), 2):g}{m.group(2)}", text)
    return escape_controls(text)


def status_line(status: str, error: str, server: str = "") -> str:
    """``<status>: <why>`` (``<server>: <status>: <why>`` in a fleet), one line, ending in a line end."""
    head = f"{escape_controls(server)}: " if server else ""
    return f"{head}{status}: {words(error) or status}\n"


def visible(text: str) -> str:
    """``text`` with its control characters escaped, tabs kept (for output shown on a terminal)."""
    return "\t".join(escape_controls(part) for part in text.split("\t"))


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def use_color(choice: str, stream: TextIO, environ: Optional[Dict[str, str]] = None) -> bool:
    """``--color``: always, never, or auto = on a terminal, unless NO_COLOR is set (no-color.org)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    env = os.environ if environ is None else environ
    return is_terminal(stream) and not env.get("NO_COLOR") and env.get("TERM") != "dumb"


def render(text: str, color: bool, escape: bool) -> str:
    """One piece of output: SGR kept (``color``) or removed, other escape sequences removed, controls
    escaped (``escape``) or left as they are."""
    pieces: List[str] = []
    position = 0
    for match in _SGR.finditer(text):
        pieces.append(_plain(text[position:match.start()], escape))
        if color:
            pieces.append(match.group(0))
        position = match.end()
    pieces.append(_plain(text[position:], escape))
    return "".join(pieces)


def _plain(text: str, escape: bool) -> str:
    text = strip_ansi(text) if "\x1b" in text else text
    return visible(text) if escape else text


class OutputStream:
    """Raw output chunks in, text out as it arrives.

    ``write`` receives whole lines (with ``prefix``) or, without a prefix, also the start of a line as soon
    as it is known not to be an error line. ``drop_errors``: a line with IRIS's error mark is not written
    (the caller reports the error on stderr). ``limit``: at most that many characters are written; the rest
    is counted in ``not_shown``. Thread-safe for one writer per stream; ``lock`` serialises several streams
    on one terminal.
    """

    def __init__(self, write: Callable[[str], None], prefix: str = "", color: bool = False,
                 escape: bool = False, drop_errors: bool = True, limit: Optional[int] = None,
                 lock: Optional[threading.Lock] = None) -> None:
        self._write = write
        self.prefix = prefix
        self.color = color
        self.escape = escape or bool(prefix)  # a line that carries a server name is always escaped
        self.drop_errors = drop_errors
        self.limit = limit
        self.lock = lock or threading.Lock()
        self.pending = ""  # not yet written: a possible CR LF, an unfinished line that may be an error
        self.started = False  # the first chunk's leading CR LF is dropped (docs/protocol.md §8)
        self.at_line_start = True
        self.blanks = 0  # empty lines held (see _line)
        self.after_answer = False  # set after a READ answer typed on this terminal (see feed)
        self.shown = 0
        self.not_shown = 0
        self.text: List[str] = []  # everything shown, without colours or prefixes (for --output-dir)

    def feed(self, chunk: str) -> None:
        with _whole(), self.lock:
            self.pending += chunk
            if self.after_answer:  # the person's Enter already started the line IRIS starts now
                if self.pending in ("", "\r"):
                    return
                self.after_answer = False
                if self.pending.startswith("\r\n"):
                    self.pending = self.pending[2:]
            if not self.started:
                if self.pending in ("", "\r"):
                    return
                self.started = True
                if self.pending.startswith("\r\n"):
                    self.pending = self.pending[2:]
            self._drain(final=False)

    def finish(self) -> None:
        """The command ended: write what is held and end the line."""
        with _whole(), self.lock:
            self.started = True
            self._drain(final=True)
            while self.blanks:  # empty lines at the end that no error report followed: output after all
                self.blanks -= 1
                self._emit("", True)
            if not self.at_line_start:
                self._emit("", True)
            self.started = False

    def flush_partial(self) -> None:
        """Write an unfinished line now (a READ is waiting for its answer after it)."""
        with _whole(), self.lock:
            self._drain(final=True)

    def _drain(self, final: bool) -> None:
        text = self.pending
        position = 0
        for match in _LINE_END.finditer(text):
            if match.group(0) == "\r" and match.end() == len(text) and not final:
                break  # may be the first half of CR LF
            self._line(text[position:match.start()], True)
            position = match.end()
        rest = text[position:]
        if rest and (final or not (self.prefix or "\x1b" in rest or rest.endswith("\r"))):
            self._line(rest, False)  # no prefix, no escape in it: cannot be an error line; show it now
            rest = ""
        self.pending = rest

    def _line(self, line: str, ended: bool) -> None:
        if self.drop_errors:
            mark = line.find(ERROR_MARK)
            if mark >= 0:  # IRIS's error report, from its mark on: on stderr instead
                if line[:mark]:
                    self._line(line[:mark], False)  # output before it on the same line stays
                else:
                    self.blanks = max(0, self.blanks - 1)  # IRIS starts its report on a fresh line
                if ended and not self.at_line_start:
                    self._emit("", True)
                return
            if ended and not line and self.at_line_start:
                self.blanks += 1  # held: it may be that fresh line
                return
            while self.blanks:
                self.blanks -= 1
                self._emit("", True)
        self._emit(line, ended)

    def _emit(self, line: str, ended: bool) -> None:
        shown = render(line, self.color, self.escape)
        if self.limit is not None:
            plain = len(strip_ansi(shown))
            room = self.limit - self.shown
            if room <= 0:
                self.not_shown += plain
                if ended and not self.at_line_start:  # the cut line still ends
                    self._write("\n")
                    self.at_line_start = True
                return
            if plain > room:
                shown = strip_ansi(shown)[:room]
                self.not_shown += plain - room
                plain = room
            self.shown += plain
        self.text.append(strip_ansi(shown) + ("\n" if ended else ""))
        head = self.prefix if self.at_line_start and self.prefix else ""
        self._write(head + shown + ("\n" if ended else ""))
        self.at_line_start = ended


class _CtrlC:
    """Ctrl-C in the main thread while it writes output (see :func:`_whole`)."""

    depth = 0
    pending = False


def ctrl_c_after_writing(signum: int, frame: object) -> None:
    """A SIGINT handler: KeyboardInterrupt as usual, but never in the middle of writing output (a line
    written and not yet forgotten would be written again when the program writes what it holds)."""
    if _CtrlC.depth:
        _CtrlC.pending = True
        return
    raise KeyboardInterrupt


@contextlib.contextmanager
def _whole() -> Iterator[None]:
    """A block of writing that Ctrl-C (with :func:`ctrl_c_after_writing`) does not cut in two."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are handled in the main thread only
        return
    _CtrlC.depth += 1
    try:
        yield
    finally:
        _CtrlC.depth -= 1
        if not _CtrlC.depth and _CtrlC.pending:
            _CtrlC.pending = False
            raise KeyboardInterrupt


def group_block(names: str, status: str, body: str) -> str:
    """One dshbak -c block: a rule, the servers (and the status when not ok), a rule, the output indented by
    two blanks, so no output line can pass for a rule or a server list."""
    rule = "-" * 16
    title = escape_controls(names) if status == "ok" else f"{escape_controls(names)} ({status})"
    lines = [f"  {line}" for line in body.split("\n")] if body else []
    return "\n".join([rule, title, rule, *lines]) + "\n"


def result_fields(command: str, server: str, status: str, output: str, error: str, namespace: str,
                  elapsed: float, server_version: str, output_dropped: int) -> Dict[str, object]:
    """One command's JSON result with TerminalCommandResponse's field names."""
    return {
        "Command": command,
        "Server": server,
        "Status": status,
        "Output": output,
        "Error": words(error) if error else "",
        "Namespace": namespace,
        "ElapsedMs": int(round(elapsed * 1000)),
        "ServerVersion": server_version,
        "OutputDropped": output_dropped,
    }
