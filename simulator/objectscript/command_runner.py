"""Running parsed commands against a session, yielding the events the driver serves (see ``events``)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Dict, List, Optional

from ..render import CRLF
from .command_parser import Cmd
from .errors import QuitSignal
from .events import TICK, Halt, Hang, ReadRequest, Run
from .expressions import Special, Var
from .values import DECIMAL_CONTEXT, to_num, to_str, truth, zwrite_quote

if TYPE_CHECKING:
    from .session import Session

_TICK_EVERY = 1000  # loop iterations between TICK events, so a busy loop stays interruptible


def run_block(s: Session, cmds: List[Cmd]) -> Run:
    """Run commands in order, skipping those whose postconditional is false."""
    for cmd in cmds:
        if cmd.cond is not None and not truth(cmd.cond.eval(s)):
            continue
        yield from _RUNNERS[cmd.name](s, cmd)


# -- output --
def _write(s: Session, cmd: Cmd) -> Run:
    if not cmd.args:
        yield from _list_locals(s, None)
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
            text.append(" " * pad)
            column += pad
    out = s.emit("".join(text))
    if out:
        yield out


def _zwrite(s: Session, cmd: Cmd) -> Run:
    yield from _list_locals(s, cmd.args or None)


def _list_locals(s: Session, names: Optional[List[Var]]) -> Run:
    wanted = None if names is None else {v.name for v in names}
    lines = []
    for (name, subs), value in sorted(s.locals.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if wanted is None or name in wanted:
            shown = name + ("(" + ",".join(zwrite_quote(sub) for sub in subs) + ")" if subs else "")
            lines.append(shown + "=" + zwrite_quote(value))
    if lines:
        out = s.emit(("" if s.column == 0 else CRLF) + CRLF.join(lines) + CRLF)
        if out:
            yield out


# -- variables and namespace --
def _set(s: Session, cmd: Cmd) -> Run:
    for targets, expr in cmd.args:
        value = expr.eval(s)
        for target in targets:
            if isinstance(target, Special):  # SET $NAMESPACE (docs/protocol.md §11)
                s.namespace = s.resolve_namespace(to_str(value))
            else:
                s.locals[target.key(s)] = value
    return
    yield  # pragma: no cover - makes this a generator


def _kill(s: Session, cmd: Cmd) -> Run:
    if not cmd.args:
        s.locals.clear()
    for var in cmd.args:
        name, subs = var.key(s)
        for key in [k for k in s.locals if k[0] == name and k[1][: len(subs)] == subs]:
            del s.locals[key]
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
            key = target.key(s)
            reply = yield ReadRequest(timeout)
            s.test = reply is not None
            text = reply or ""
            if kind == "char":
                s.locals[key] = Decimal(ord(text[0])) if text else Decimal(-1)
            else:
                s.locals[key] = text
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
        ref.eval(s)  # always an error: there is no routine or class code here
    return
    yield  # pragma: no cover


# -- flow control --
def _quit(s: Session, cmd: Cmd) -> Run:
    raise QuitSignal()
    yield  # pragma: no cover


def _if(s: Session, cmd: Cmd) -> Run:
    if cmd.args:
        s.test = all(truth(cond.eval(s)) for cond in cmd.args)
    if s.test:
        yield from run_block(s, cmd.body)


def _else(s: Session, cmd: Cmd) -> Run:
    if not s.test:
        yield from run_block(s, cmd.body)


def _for(s: Session, cmd: Cmd) -> Run:
    count = 0
    try:
        if not cmd.args:
            while True:
                yield from run_block(s, cmd.body)
                count += 1
                if count % _TICK_EVERY == 0:
                    yield TICK
        var, params = cmd.args
        for start_expr, inc_expr, end_expr in params:
            start = start_expr.eval(s)
            if inc_expr is None:
                s.locals[var.key(s)] = start
                yield from run_block(s, cmd.body)
                continue
            value, inc = to_num(start), to_num(inc_expr.eval(s))
            end = to_num(end_expr.eval(s)) if end_expr is not None else None
            while end is None or (value <= end if inc >= 0 else value >= end):
                s.locals[var.key(s)] = value
                yield from run_block(s, cmd.body)
                count += 1
                if count % _TICK_EVERY == 0:
                    yield TICK
                value = DECIMAL_CONTEXT.add(to_num(s.locals.get(var.key(s), value)), inc)
    except QuitSignal:
        return


_RUNNERS: Dict[str, Callable[[Session, Cmd], Run]] = {
    "WRITE": _write, "ZWRITE": _zwrite, "SET": _set, "KILL": _kill, "ZN": _zn, "READ": _read,
    "HANG": _hang, "HALT": _halt, "DO": _do, "QUIT": _quit, "IF": _if, "ELSE": _else, "FOR": _for,
}  # fmt: skip
