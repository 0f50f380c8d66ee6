"""``Session``: the state of one JOBbed terminal process and the entry point that runs a prompt input.

Local variables, ``$TEST``, ``$ZERROR`` and the namespace live here, one session per socket, as they live in
the JOBbed IRIS process (docs/protocol.md §1); globals live in the ``Host`` all sessions of a server
share. Output bookkeeping ($X, "at a fresh line") lives here too, because where an error report starts
depends on what was written before it (docs/protocol.md §8).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Sequence

from .block_runner import run_block
from .classes import lookup, names
from .command_parser import compile_input
from .errors import ContinueSignal, ObjectScriptError, QuitSignal, ReturnSignal
from .events import Output, Run
from .host import Host
from .objects import ClassDef, Oref
from .process_commands import release_all, restore_frames
from .render import CRLF, error_report
from .storage import Store
from .values import Value


class NewFrame:
    """What one NEW hid: local roots (None: the name was undefined) and special variables' values."""

    __slots__ = ("locals", "specials")

    def __init__(self) -> None:
        self.locals: Dict[str, Any] = {}
        self.specials: Dict[str, Any] = {}


#: $ECODE for an error: the ISO 11756 code where RERR_system_ansi lists one, else ``Z`` and the name [I].
_ISO_CODES = {"SELECT": "M4", "DIVIDE": "M9", "ECODETRAP": ""}


def ecode_of(error: ObjectScriptError) -> str:
    if error.name == "UNDEFINED":
        return ",M7," if error.detail.startswith("^") else ",M6,"
    code = _ISO_CODES.get(error.name, "Z" + error.name)
    return f",{code}," if code else ""


class Session:
    """The state of one JOBbed terminal process: $JOB, namespace, locals, rawMode
    (docs/protocol.md §1, §6.2)."""

    def __init__(
        self,
        job: int,
        namespace: str,
        namespaces: Sequence[str],
        version: str,
        raw: bool = False,
        host: Optional[Host] = None,
    ) -> None:
        self.job = job
        self.namespace = namespace
        self.namespaces: List[str] = list(namespaces)
        self.version = version
        self.raw = raw
        self.host = host if host is not None else Host()
        self.locals = Store()
        self.private_globals = Store()  # ^||name: process-private globals
        self.test = False  # $TEST
        self.zerror = ""  # $ZERROR
        self.column = 0  # $X
        self.side_output: List[str] = []  # written by method calls while an expression is evaluated
        self.xecute_depth = 0
        self.etrap = ""  # $ETRAP: code run when an error reaches the prompt (docs/objectscript-grammar.md §8)
        self.ecode = ""  # $ECODE
        self.ztrap = ""  # $ZTRAP: stored and read; no routine label exists here to go to
        self.new_frames: List[NewFrame] = []  # what NEW hid, restored when the input ends
        self._next_oid = 1
        self._fresh = False
        self._first_output = True
        self._leading_crlf = False

    # -- the server this process runs on --
    def setting(self, name: str, default: Any) -> Any:
        return self.host.setting(name, default)

    def globals_of(self, namespace: str) -> Store:
        return self.host.globals_of(namespace)

    def class_known(self, name: str) -> bool:
        """Would ``$SYSTEM.OBJ.Compile(name)`` find it: a simulated class, a configured one, a loaded one."""
        return (
            lookup(name) is not None
            or name in tuple(self.setting("classes", ()))
            or name in self.host.loaded.get(self.namespace, set())
        )

    def find_class(self, name: str, system: bool = False) -> Optional[ClassDef]:
        """The simulated class ``name`` (``system``: any case, as ``$SYSTEM.Name`` resolves it)."""
        return lookup(name, system)

    def class_names(self) -> List[str]:
        """The simulated system classes' names."""
        return names()

    def remember_class(self, name: str) -> None:
        self.host.loaded.setdefault(self.namespace, set()).add(name)

    def new_object(self, cls: ClassDef, props: Dict[str, Value]) -> Oref:
        return Oref(self.allocate_oid(), cls, props)

    def allocate_oid(self) -> int:
        """The next object's number (``1@%Exception.General``)."""
        oid = self._next_oid
        self._next_oid += 1
        return oid

    # -- NEW and special variables --
    def new_frame(self) -> NewFrame:
        frame = NewFrame()
        self.new_frames.append(frame)
        return frame

    def special_value(self, name: str) -> Any:
        return {"$ETRAP": self.etrap, "$NAMESPACE": self.namespace, "$ZTRAP": self.ztrap}.get(name, "")

    def restore_special(self, name: str, value: Any) -> None:
        if name == "$ETRAP":
            self.etrap = value
        elif name == "$NAMESPACE":
            self.namespace = value
        elif name == "$ZTRAP":
            self.ztrap = value

    def end(self) -> None:
        """The process ends (its socket closed): the locks it holds are released."""
        release_all(self)

    # -- output bookkeeping --
    def write(self, text: str) -> None:
        """Output from inside an expression (a method that writes); the running command sends it."""
        self.side_output.append(text)

    def emit(self, text: str) -> Optional[Output]:
        """Record ``text`` as written (tracks $X and line starts); ``None`` when there is nothing to send."""
        if self.side_output:
            text = "".join(self.side_output) + text
            self.side_output.clear()
        if not text:
            return None
        if self._first_output and self._leading_crlf:
            text = CRLF + text  # docs/protocol.md §8: captures/claims differ on a leading \r\n (switch)
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
        pending = self.emit("")  # what a method wrote before failing comes first
        report = error_report(error.name, error.detail, self.raw)
        if error.name == "SYNTAX":
            if self.setting("syntax_echo", True):
                report = echo_line(error, caret_at_start=True) + report
        elif self.setting("error_echo", False):
            report = echo_line(error, caret_at_start=False) + report
        if not (self._first_output and self._leading_crlf) and not self._fresh:
            report = CRLF + report
        out = self.emit(report)
        assert out is not None
        return Output(pending.text + out.text) if pending else out

    def resolve_namespace(self, name: str) -> str:
        """The configured spelling of ``name`` (case-insensitive), else ``<NAMESPACE>``."""
        for known in self.namespaces:
            if known.upper() == name.upper():
                return known
        raise ObjectScriptError("NAMESPACE", "*" + name)

    # -- running --
    def run(self, source: str, leading_crlf: bool = False) -> Run:
        """Execute a prompt input: its lines (CRLF or LF separated) run one after the other
        (docs/protocol.md §11); a line that opens a ``{`` block runs to the line that closes it."""
        self._fresh = False  # docs/protocol.md §8 default [I]: an error report starts with its own \r\n
        self.column = 0  # the client printed \r\n after the input (docs/protocol.md §8), so $X starts at 0
        self._first_output = True
        self._leading_crlf = leading_crlf
        self.xecute_depth = 0
        try:
            try:
                program = compile_input(source)
                for line in program.lines:
                    try:
                        yield from run_block(self, line)
                    except (QuitSignal, ReturnSignal):
                        pass
                    except ContinueSignal:
                        raise ObjectScriptError("COMMAND") from None  # CONTINUE outside a loop
                if program.error is not None:
                    raise program.fresh_error()
            except RecursionError:
                raise ObjectScriptError("FRAMESTACK") from None
            except ObjectScriptError:
                raise
            except Exception as exc:  # a simulator bug: still an error report and a prompt, never a hang
                _log.exception("simulator: the ObjectScript interpreter failed on input %.200r", source)
                raise ObjectScriptError("SYSTEM", "simulator " + type(exc).__name__) from None
        except ObjectScriptError as error:
            self.zerror = error.zerror
            report = error
            if self.etrap:
                report = yield from self._run_etrap(error)
            if report is not None:
                yield self.error_output(report)
        else:
            if self.side_output:
                out = self.emit("")
                if out:
                    yield out
        finally:
            restore_frames(self)

    def _run_etrap(self, error: ObjectScriptError) -> Run:
        """$ETRAP's code runs (as XECUTE runs a string) with $ECODE set; if it clears $ECODE the error is
        handled, else it is reported; an error inside the trap is the one reported [D G16; I at the
        prompt]."""
        self.ecode = ecode_of(error) or self.ecode
        trap, self.etrap = self.etrap, ""  # an error inside the trap must not run it again
        try:
            program = compile_input(trap)
            for line in program.lines:
                yield from run_block(self, line)
            if program.error is not None:
                raise program.fresh_error()
        except (QuitSignal, ReturnSignal, ContinueSignal):
            pass
        except ObjectScriptError as inner:
            self.zerror = inner.zerror
            return inner
        except RecursionError:
            return ObjectScriptError("FRAMESTACK")
        finally:
            if not self.etrap:
                self.etrap = trap
        return error if self.ecode else None


_COMMAND_WORD = re.compile(r"[A-Za-z]+")
_log = logging.getLogger(__name__)


def echo_line(error: ObjectScriptError, caret_at_start: bool) -> str:
    """The shell's error detail: the line in error (its first command word upper-cased) and a caret line,
    under the line's start for ``<SYNTAX>``, under the failing command for other errors, as InterSystems'
    documentation and public transcripts show it (docs/simulator-objectscript.md §8)."""
    if error.source is None or error.position is None:
        return ""
    start = error.source.rfind("\n", 0, error.position) + 1
    end = error.source.find("\n", error.position)
    line = error.source[start : len(error.source) if end < 0 else end]
    stripped = line.lstrip(" \t")
    column = 0 if caret_at_start else max(error.position - start - (len(line) - len(stripped)), 0)
    word = _COMMAND_WORD.match(stripped)
    if word is not None:
        stripped = word.group(0).upper() + stripped[word.end() :]
    return stripped + CRLF + " " * column + "^" + CRLF
