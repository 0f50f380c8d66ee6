"""The plain commands (WRITE, SET, KILL, MERGE, ZN, READ, HANG, HALT, DO): each runs against a session and
yields the events the driver serves (see ``events``).

None of them runs other commands, so this module sits below ``block_runner``, which holds the commands that
do (IF, FOR, TRY, XECUTE...) and the dispatch table over both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Dict, List

from . import json_values, lists
from .command_parser import Cmd
from .errors import ObjectScriptError
from .events import Halt, Hang, ReadRequest, Run
from .expressions import Indirect, Member, Ref, Special, Var
from .objects import Oref, as_oref
from .operators import MAX_STRING
from .render import CRLF
from .values import to_num, to_str, zwrite_quote

if TYPE_CHECKING:
    from .session import Session


# -- output --
def _write(s: Session, cmd: Cmd) -> Run:
    if not cmd.args:
        yield from _list_locals(s)
        return
    for kind, node in cmd.args:
        if kind == "format":
            yield from _format(s, node)
        elif kind == "char":
            code = int(to_num(node.eval(s)))
            out = s.emit(chr(code)) if code >= 0 else None
            if out:
                yield out
        else:
            out = s.emit(to_str(node.eval(s)))
            if out:
                yield out


def _format(s: Session, items: list) -> Run:
    """``!`` new line, ``#`` new page, ``?n`` tab to column n (relative to $X)."""
    text = []
    column = s.column
    for char, node in items:
        if char == "!":
            text.append(CRLF)
            column = 0
        elif char == "#":
            text.append("\f")  # form feed: the device's new page
            column = 0
        else:
            pad = max(int(to_num(node.eval(s))) - column, 0)
            if pad > MAX_STRING:
                raise ObjectScriptError("MAXSTRING")
            text.append(" " * pad)
            column += pad
    out = s.emit("".join(text))
    if out:
        yield out


def shown_value(value: object) -> str:
    """A value as ZWRITE shows it; an object reference as ``<OBJECT REFERENCE>[1@Class]``."""
    if isinstance(value, Oref):
        if json_values.is_object(value) or json_values.is_array(value):  # [I] docs/objectscript-grammar.md §6
            kind = "OBJECT" if json_values.is_object(value) else "ARRAY"
            return f"{json_values.to_json(value)}  ; <DYNAMIC {kind},refs=1>"
        return f"<OBJECT REFERENCE>[{value}]"
    if isinstance(value, str) and value and lists.is_list_display(value):
        return lists.shown(lists.parse(value) or [], shown_value)
    return zwrite_quote(value)  # type: ignore[arg-type]


def _zwrite(s: Session, cmd: Cmd) -> Run:
    """ZWRITE: variables (and their descendants) as ``name=value`` lines; other expressions as values."""
    if not cmd.args:
        yield from _list_locals(s)
        return
    lines: List[str] = []
    for expr in cmd.args:
        if isinstance(expr, Indirect):
            expr = expr.target(s)
        if isinstance(expr, Ref):
            name, subs = expr.key(s)
            for node_subs, value in expr.store(s).walk(name, subs):
                lines.append(expr.shown(node_subs) + "=" + shown_value(value))
        else:
            lines.append(shown_value(expr.eval(s)))
    yield from _emit_lines(s, lines)


def _list_locals(s: Session) -> Run:
    lines = []
    for name in s.locals.names():
        for subs, value in s.locals.walk(name):
            shown = name + ("(" + ",".join(zwrite_quote(sub) for sub in subs) + ")" if subs else "")
            lines.append(shown + "=" + shown_value(value))
    yield from _emit_lines(s, lines)


def _emit_lines(s: Session, lines: List[str]) -> Run:
    if lines:
        out = s.emit(("" if s.column == 0 else CRLF) + CRLF.join(lines) + CRLF)
        if out:
            yield out


# -- variables and namespace --
def _set(s: Session, cmd: Cmd) -> Run:
    for targets, expr in cmd.args:
        value = expr.eval(s)
        for target in targets:
            if type(target) is Var and not target.subs:  # the hot path: a plain local
                s.locals.set(target.name, (), value)
                continue
            if isinstance(target, Indirect):  # SET @name=value
                target = target.target(s)
            if isinstance(target, Special):  # SET $NAMESPACE (docs/protocol.md §11), $ETRAP, $ECODE...
                target.assign(s, value)
            elif isinstance(target, Member):  # SET obj.Prop=value
                as_oref(target.target.eval(s)).set(target.name, value)
            else:
                name, subs = target.key(s)
                target.store(s).set(name, subs, value)
    return
    yield  # pragma: no cover - makes this a generator


def _kill(s: Session, cmd: Cmd) -> Run:
    if not cmd.args:
        s.locals.clear()
    for ref in cmd.args:
        name, subs = ref.key(s)
        ref.store(s).kill(name, subs)
    return
    yield  # pragma: no cover


def _merge(s: Session, cmd: Cmd) -> Run:
    """MERGE target=source: copy the source node and its descendants under the target."""
    for target, source in cmd.args:
        source_name, source_subs = source.key(s)
        target_name, target_subs = target.key(s)
        nodes = list(source.store(s).walk(source_name, source_subs))
        store = target.store(s)
        depth = len(source_subs)
        for subs, value in nodes:
            store.set(target_name, target_subs + subs[depth:], value)
    return
    yield  # pragma: no cover


def _zn(s: Session, cmd: Cmd) -> Run:
    s.namespace = s.resolve_namespace(to_str(cmd.args[0].eval(s)))
    return
    yield  # pragma: no cover


# -- input and process control --
def _read(s: Session, cmd: Cmd) -> Run:
    for item in cmd.args:
        kind = item[0]
        if kind == "prompt":
            out = s.emit(item[1])
            if out:
                yield out
        elif kind == "format":
            yield from _format(s, item[1])
        else:
            _, target, timeout_expr = item
            timeout = float(to_num(timeout_expr.eval(s))) if timeout_expr is not None else None
            name, subs = target.key(s)
            reply = yield ReadRequest(timeout)
            s.test = reply is not None
            text = reply or ""
            if kind == "char":
                target.store(s).set(name, subs, Decimal(ord(text[0])) if text else Decimal(-1))
            else:
                target.store(s).set(name, subs, text)
                s.typed_input(text)


def _hang(s: Session, cmd: Cmd) -> Run:
    for expr in cmd.args:
        seconds = float(to_num(expr.eval(s)))
        if seconds > 0:
            yield Hang(seconds)


def _halt(s: Session, cmd: Cmd) -> Run:
    yield Halt()


def _do(s: Session, cmd: Cmd) -> Run:
    for ref in cmd.args:
        ref.eval(s)  # a method call runs; a routine call fails: there is no routine code here
        if s.side_output:
            out = s.emit("")
            if out:
                yield out


#: The plain commands; ``block_runner.RUNNERS`` adds the flow-control ones and dispatches.
SIMPLE_COMMANDS: Dict[str, Callable[[Session, Cmd], Run]] = {
    "WRITE": _write, "ZWRITE": _zwrite, "SET": _set, "KILL": _kill, "MERGE": _merge, "ZN": _zn,
    "READ": _read, "HANG": _hang, "HALT": _halt, "DO": _do,
}  # fmt: skip
