"""A small ObjectScript interpreter for the simulated terminal process (sans-IO).

``Session.run(source)`` is a generator: it yields events (``Output``, ``ReadRequest``, ``Hang``, ``Halt``,
``TICK``) and the driver (the WebSocket side) performs the I/O; a ``ReadRequest`` is answered with
``generator.send(text)`` (or ``None`` on a READ timeout). Interrupting is the driver's business: it simply
stops resuming the generator. Local variables and the namespace live on the ``Session`` (one per socket, as
they live in the JOBbed IRIS process, research §1).

Supported subset: WRITE/W, SET/S, KILL/K, ZN/ZNSPACE, READ/R, HANG/H n, HALT/H, FOR/F, QUIT/Q, IF/I, ELSE/E,
DO/D (always a routine/class error: there is no code here), ZWRITE/ZW; strict left-to-right expressions; a few
intrinsic functions and special variables. Errors are rendered as IRIS renders them (research §8).
"""

from __future__ import annotations

import datetime
import random
import re
import time
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Callable, Dict, Generator, List, NamedTuple, Optional, Sequence, Tuple, Union

from .render import CRLF, error_report

Value = Union[str, Decimal]
_CTX = Context(prec=19, rounding=ROUND_HALF_EVEN)  # IRIS decimals carry 18-19 significant digits
_ZERO = Decimal(0)
_ONE = Decimal(1)
_TICK_EVERY = 1000  # loop iterations between TICK events, so a busy loop stays interruptible


# ----------------------------------------------------------------------------------------------- events ---
class Output(NamedTuple):
    """Terminal output (already rendered: CRLF line breaks, ANSI unless rawMode)."""

    text: str


class ReadRequest(NamedTuple):
    """The process executes READ on the principal device (research §9); ``timeout`` from ``read x:t``."""

    timeout: Optional[float]


class Hang(NamedTuple):
    seconds: float


class Halt(NamedTuple):
    """HALT: the process ends, the server closes the socket (research §11)."""


class _Tick:
    def __repr__(self) -> str:
        return "TICK"


TICK = _Tick()  # "still busy, no output": lets the driver breathe and honour an interrupt
Event = Union[Output, ReadRequest, Hang, Halt, _Tick]
Run = Generator[Event, Optional[str], None]


class ObjectScriptError(Exception):
    """An IRIS error such as ``<UNDEFINED> *x``; stops the rest of the input."""

    def __init__(self, name: str, detail: str = "") -> None:
        super().__init__(f"<{name}>" + (f" {detail}" if detail else ""))
        self.name = name
        self.detail = detail


class _Quit(Exception):
    """QUIT: leaves the innermost FOR, or the rest of the line."""


def _syntax() -> ObjectScriptError:
    return ObjectScriptError("SYNTAX")


# ------------------------------------------------------------------------------------------------ values ---
_NUM_PREFIX = re.compile(r"([+-]*)((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)?")
_CANONICAL = re.compile(r"-?(?:[1-9]\d*(?:\.\d*[1-9])?|\.\d*[1-9]|0)")


def to_num(value: Value) -> Decimal:
    """ObjectScript numeric interpretation: the longest numeric prefix, else 0 (``+"12ab"`` is 12)."""
    if isinstance(value, Decimal):
        return value
    match = _NUM_PREFIX.match(value)
    assert match is not None
    if not match.group(2):
        return _ZERO
    number = Decimal(match.group(2))
    return -number if match.group(1).count("-") % 2 else number


def to_str(value: Value) -> str:
    """Canonical form: ``.5`` not ``0.5``, no trailing zeros, integers without a point."""
    if isinstance(value, str):
        return value
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value.normalize(), "f")
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def _truth(value: Value) -> bool:
    return to_num(value) != 0


def _bool(flag: bool) -> Decimal:
    return _ONE if flag else _ZERO


def _quote(value: Value) -> str:
    """ZWRITE form: canonical numbers bare, strings quoted with doubled quotes."""
    text = to_str(value)
    if _CANONICAL.fullmatch(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def _floor_div(a: Decimal, b: Decimal) -> Decimal:
    return (a / b).to_integral_value(rounding="ROUND_FLOOR")


def _binary(op: str, left: Value, right: Value) -> Value:
    """Apply a binary operator (ObjectScript has no precedence: strictly left to right)."""
    if op == "_":
        return to_str(left) + to_str(right)
    if op in ("+", "-", "*", "/", "\\", "#", "**"):
        a, b = to_num(left), to_num(right)
        if op in ("/", "\\", "#") and b == 0:
            raise ObjectScriptError("DIVIDE")
        try:
            if op == "+":
                return _CTX.add(a, b)
            if op == "-":
                return _CTX.subtract(a, b)
            if op == "*":
                return _CTX.multiply(a, b)
            if op == "/":
                return _CTX.divide(a, b)
            if op == "\\":
                return _CTX.divide_int(a, b)
            if op == "#":
                return _CTX.subtract(a, _CTX.multiply(b, _floor_div(a, b)))
            return _CTX.power(a, b)
        except (InvalidOperation, ArithmeticError) as exc:
            raise ObjectScriptError("ILLEGAL VALUE") from exc
    negate = op.startswith("'")
    base = op[1:] if negate else op
    if base == "=":
        result = to_str(left) == to_str(right)
    elif base == "<":
        result = to_num(left) < to_num(right)
    elif base == ">":
        result = to_num(left) > to_num(right)
    elif base == "<=":
        result = to_num(left) <= to_num(right)
    elif base == ">=":
        result = to_num(left) >= to_num(right)
    elif base == "[":
        result = to_str(right) in to_str(left)
    elif base in ("]", "]]"):
        result = to_str(left) > to_str(right)
    elif base in ("&", "&&"):
        result = _truth(left) and _truth(right)
    elif base in ("!", "||"):
        result = _truth(left) or _truth(right)
    else:  # pragma: no cover - the parser only produces known operators
        raise _syntax()
    return _bool(result != negate)


_BINARY_OPS = sorted(
    ["_", "+", "-", "*", "/", "\\", "#", "**", "=", "<", ">", "<=", ">=", "[", "]", "]]", "&", "&&", "!"]
    + ["||", "'=", "'<", "'>", "'[", "']", "']]", "'&", "'!"],
    key=len,
    reverse=True,
)

# -------------------------------------------------------------------------------------------- expressions ---
Key = Tuple[str, Tuple[str, ...]]


class Expr:
    def eval(self, s: Session) -> Value:  # pragma: no cover - abstract
        raise NotImplementedError


class Lit(Expr):
    def __init__(self, value: Value) -> None:
        self.value = value

    def eval(self, s: Session) -> Value:
        return self.value


class Var(Expr):
    """A local variable, optionally subscripted: ``x``, ``x(1,"a")``."""

    def __init__(self, name: str, subs: Sequence[Expr] = ()) -> None:
        self.name = name
        self.subs = list(subs)

    def key(self, s: Session) -> Key:
        subs = tuple(to_str(sub.eval(s)) for sub in self.subs)
        if any(sub == "" for sub in subs):
            raise ObjectScriptError("SUBSCRIPT", self.display(subs))
        return self.name, subs

    def display(self, subs: Tuple[str, ...]) -> str:
        """Error detail form: ``*x`` / ``*x(1,"a")``."""
        shown = self.name if not subs else self.name + "(" + ",".join(_quote(sub) for sub in subs) + ")"
        return "*" + shown

    def eval(self, s: Session) -> Value:
        key = self.key(s)
        if key not in s.locals:
            raise ObjectScriptError("UNDEFINED", self.display(key[1]))
        return s.locals[key]


class Global(Expr):
    """``^name``: there is no database here, so every global is undefined."""

    def __init__(self, name: str) -> None:
        self.name = name

    def eval(self, s: Session) -> Value:
        raise ObjectScriptError("UNDEFINED", "*^" + self.name)


class Unary(Expr):
    def __init__(self, op: str, operand: Expr) -> None:
        self.op = op
        self.operand = operand

    def eval(self, s: Session) -> Value:
        value = self.operand.eval(s)
        if self.op == "'":
            return _bool(not _truth(value))
        return -to_num(value) if self.op == "-" else to_num(value)


class Bin(Expr):
    def __init__(self, op: str, left: Expr, right: Expr) -> None:
        self.op = op
        self.left = left
        self.right = right

    def eval(self, s: Session) -> Value:
        return _binary(self.op, self.left.eval(s), self.right.eval(s))


class Special(Expr):
    def __init__(self, fn: Callable[[Session], Value]) -> None:
        self.fn = fn

    def eval(self, s: Session) -> Value:
        return self.fn(s)


class Call(Expr):
    def __init__(self, fn: Callable[[Session, List[Expr]], Value], args: List[Expr]) -> None:
        self.fn = fn
        self.args = args

    def eval(self, s: Session) -> Value:
        return self.fn(s, self.args)


class Missing(Expr):
    """Code that exists on a real server only: ``$$label^routine``, ``##class(X).M()``."""

    def __init__(self, error: str, detail: str, args: List[Expr]) -> None:
        self.error = error
        self.detail = detail
        self.args = args

    def eval(self, s: Session) -> Value:
        for arg in self.args:
            arg.eval(s)
        raise ObjectScriptError(self.error, self.detail)


# -------------------------------------------------------------------------- intrinsics (functions, $vars) ---
_HOROLOG_EPOCH = datetime.date(1840, 12, 31)


def _horolog(_: Session) -> Value:
    now = datetime.datetime.now()
    seconds = now.hour * 3600 + now.minute * 60 + now.second
    return f"{(now.date() - _HOROLOG_EPOCH).days},{seconds}"


def _from_horolog(value: Value) -> datetime.datetime:
    text = to_str(value)
    days_text, _, secs_text = text.partition(",")
    days = int(to_num(days_text))
    secs = int(to_num(secs_text)) if secs_text else 0
    if days < 0:
        raise ObjectScriptError("ILLEGAL VALUE")
    base = datetime.datetime.combine(_HOROLOG_EPOCH, datetime.time())
    return base + datetime.timedelta(days=days, seconds=secs)


def _zdate_fmt(s: Session, args: List[Expr], with_time: bool) -> Value:
    moment = _from_horolog(args[0].eval(s))
    fmt = int(to_num(args[1].eval(s))) if len(args) > 1 else 1
    date = moment.strftime("%Y-%m-%d" if fmt == 3 else "%m/%d/%Y")
    return date + (" " + moment.strftime("%H:%M:%S") if with_time else "")


def _arity(low: int, high: int) -> Callable[[Callable[[Session, List[Expr]], Value]], Callable[..., Value]]:
    def wrap(fn: Callable[[Session, List[Expr]], Value]) -> Callable[[Session, List[Expr]], Value]:
        def checked(s: Session, args: List[Expr]) -> Value:
            if not low <= len(args) <= high:
                raise _syntax()
            return fn(s, args)

        checked.arity = (low, high)  # type: ignore[attr-defined]
        return checked

    return wrap


def _var_arg(arg: Expr) -> Var:
    if not isinstance(arg, Var):
        raise _syntax()
    return arg


@_arity(1, 2)
def _f_length(s: Session, a: List[Expr]) -> Value:
    text = to_str(a[0].eval(s))
    if len(a) == 1:
        return Decimal(len(text))
    delim = to_str(a[1].eval(s))
    return Decimal(text.count(delim) + 1) if delim else _ZERO


@_arity(1, 99)
def _f_char(s: Session, a: List[Expr]) -> Value:
    return "".join(chr(int(to_num(x.eval(s)))) for x in a if int(to_num(x.eval(s))) >= 0)


@_arity(1, 2)
def _f_ascii(s: Session, a: List[Expr]) -> Value:
    text = to_str(a[0].eval(s))
    pos = int(to_num(a[1].eval(s))) if len(a) > 1 else 1
    return Decimal(ord(text[pos - 1])) if 1 <= pos <= len(text) else Decimal(-1)


@_arity(1, 3)
def _f_extract(s: Session, a: List[Expr]) -> Value:
    text = to_str(a[0].eval(s))
    start = int(to_num(a[1].eval(s))) if len(a) > 1 else 1
    end = int(to_num(a[2].eval(s))) if len(a) > 2 else start
    return text[max(start, 1) - 1 : max(end, 0)]


@_arity(2, 4)
def _f_piece(s: Session, a: List[Expr]) -> Value:
    text, delim = to_str(a[0].eval(s)), to_str(a[1].eval(s))
    start = int(to_num(a[2].eval(s))) if len(a) > 2 else 1
    end = int(to_num(a[3].eval(s))) if len(a) > 3 else start
    if not delim:
        return ""
    pieces = text.split(delim)
    return delim.join(pieces[max(start, 1) - 1 : max(end, 0)])


@_arity(1, 2)
def _f_get(s: Session, a: List[Expr]) -> Value:
    key = _var_arg(a[0]).key(s)
    if key in s.locals:
        return s.locals[key]
    return a[1].eval(s) if len(a) > 1 else ""


@_arity(1, 1)
def _f_data(s: Session, a: List[Expr]) -> Value:
    name, subs = _var_arg(a[0]).key(s)
    has_value = (name, subs) in s.locals
    has_children = any(k[0] == name and len(k[1]) > len(subs) and k[1][: len(subs)] == subs for k in s.locals)
    return Decimal((1 if has_value else 0) + (10 if has_children else 0))


@_arity(2, 3)
def _f_justify(s: Session, a: List[Expr]) -> Value:
    width = int(to_num(a[1].eval(s)))
    if len(a) > 2:
        places = int(to_num(a[2].eval(s)))
        text = format(to_num(a[0].eval(s)).quantize(Decimal(1).scaleb(-places)), "f")
    else:
        text = to_str(a[0].eval(s))
    return text.rjust(width)


@_arity(1, 1)
def _f_random(s: Session, a: List[Expr]) -> Value:
    limit = int(to_num(a[0].eval(s)))
    if limit < 1:
        raise ObjectScriptError("FUNCTION")
    return Decimal(random.randrange(limit))


@_arity(2, 3)
def _f_find(s: Session, a: List[Expr]) -> Value:
    text, sub = to_str(a[0].eval(s)), to_str(a[1].eval(s))
    start = max(int(to_num(a[2].eval(s))) - 1, 0) if len(a) > 2 else 0
    found = text.find(sub, start)
    return _ZERO if found < 0 else Decimal(found + len(sub) + 1)


@_arity(2, 3)
def _f_translate(s: Session, a: List[Expr]) -> Value:
    text, old = to_str(a[0].eval(s)), to_str(a[1].eval(s))
    new = to_str(a[2].eval(s)) if len(a) > 2 else ""
    table = {ord(c): (new[i] if i < len(new) else None) for i, c in reversed(list(enumerate(old)))}
    return text.translate(table)


@_arity(1, 1)
def _f_reverse(s: Session, a: List[Expr]) -> Value:
    return to_str(a[0].eval(s))[::-1]


@_arity(2, 2)
def _f_zconvert(s: Session, a: List[Expr]) -> Value:
    text, mode = to_str(a[0].eval(s)), to_str(a[1].eval(s)).upper()
    return text.upper() if mode == "U" else text.lower() if mode == "L" else text


@_arity(1, 2)
def _f_zdatetime(s: Session, a: List[Expr]) -> Value:
    return _zdate_fmt(s, a, with_time=True)


@_arity(1, 2)
def _f_zdate(s: Session, a: List[Expr]) -> Value:
    return _zdate_fmt(s, a, with_time=False)


_FUNCTIONS: Dict[str, Callable[[Session, List[Expr]], Value]] = {}
for _names, _fn in (
    (("L", "LENGTH"), _f_length),
    (("C", "CHAR"), _f_char),
    (("A", "ASCII"), _f_ascii),
    (("E", "EXTRACT"), _f_extract),
    (("P", "PIECE"), _f_piece),
    (("G", "GET"), _f_get),
    (("D", "DATA"), _f_data),
    (("J", "JUSTIFY"), _f_justify),
    (("R", "RANDOM"), _f_random),
    (("F", "FIND"), _f_find),
    (("TR", "TRANSLATE"), _f_translate),
    (("RE", "REVERSE"), _f_reverse),
    (("ZCVT", "ZCONVERT"), _f_zconvert),
    (("ZDT", "ZDATETIME"), _f_zdatetime),
    (("ZD", "ZDATE"), _f_zdate),
):
    for _name in _names:
        _FUNCTIONS[_name] = _fn

_SPECIALS: Dict[str, Callable[[Session], Value]] = {}
for _names, _sv in (
    (("ZV", "ZVERSION"), lambda s: s.version),
    (("NAMESPACE",), lambda s: s.namespace),
    (("H", "HOROLOG"), _horolog),
    (("J", "JOB"), lambda s: Decimal(s.job)),
    (("T", "TEST"), lambda s: _bool(s.test)),
    (("X",), lambda s: Decimal(s.column)),
    (("ZH", "ZHOROLOG"), lambda s: Decimal(repr(round(time.monotonic(), 6)))),
    (("IO", "PRINCIPAL", "P"), lambda s: "|TRM|:|" + str(s.job)),
):
    for _name in _names:
        _SPECIALS[_name] = _sv


# ----------------------------------------------------------------------------------------------- commands ---
class Cmd(NamedTuple):
    name: str  # canonical command name
    cond: Optional[Expr]  # postconditional
    args: list  # command-specific argument nodes
    body: List[Cmd]  # FOR / IF / ELSE: the rest of the line


_COMMANDS = {
    "W": "WRITE", "WRITE": "WRITE", "S": "SET", "SET": "SET", "K": "KILL", "KILL": "KILL",
    "ZN": "ZN", "ZNSPACE": "ZN", "R": "READ", "READ": "READ", "H": "H", "HANG": "HANG", "HALT": "HALT",
    "F": "FOR", "FOR": "FOR", "Q": "QUIT", "QUIT": "QUIT", "I": "IF", "IF": "IF", "E": "ELSE", "ELSE": "ELSE",
    "D": "DO", "DO": "DO", "ZW": "ZWRITE", "ZWRITE": "ZWRITE",
}  # fmt: skip

_NAME = re.compile(r"%?[A-Za-z][A-Za-z0-9]*|%")
_ROUTINE = re.compile(r"%?[A-Za-z0-9][A-Za-z0-9.]*|%")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class _Parser:
    """Parses one line: a whole line is compiled before any of it runs, so a late <SYNTAX> stops it all."""

    def __init__(self, line: str) -> None:
        self.s = line
        self.i = 0

    # -- helpers --
    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def at_end(self) -> bool:
        return self.i >= len(self.s)

    def take(self, text: str) -> bool:
        if self.s.startswith(text, self.i):
            self.i += len(text)
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.take(text):
            raise _syntax()

    def regex(self, pattern: re.Pattern) -> Optional[str]:
        match = pattern.match(self.s, self.i)
        if not match or not match.group(0):
            return None
        self.i = match.end()
        return match.group(0)

    # -- lines and commands --
    def line(self) -> List[Cmd]:
        cmds: List[Cmd] = []
        while True:
            while self.peek() in (" ", "\t") and not self.at_end():
                self.i += 1
            if self.at_end() or self.peek() == ";" or self.peek(2) == "//":
                return cmds
            cmds.append(self.command())
            if not self.at_end() and self.peek() not in (" ", "\t"):
                raise _syntax()

    def command(self) -> Cmd:
        word = self.regex(re.compile(r"[A-Za-z]+"))
        if word is None:
            raise _syntax()
        name = _COMMANDS.get(word.upper())
        if name is None:
            raise ObjectScriptError("COMMAND")
        cond = self.expr() if self.take(":") else None
        has_args = self.has_args()
        if name == "H":
            name = "HANG" if has_args else "HALT"
        parse = getattr(self, "cmd_" + name.lower())
        args, body = parse(has_args)
        return Cmd(name, cond, args, body)

    def has_args(self) -> bool:
        """One space then arguments; argumentless commands are followed by two spaces or the end."""
        if self.at_end():
            return False
        if self.peek() not in (" ", "\t"):
            raise _syntax()
        self.i += 1
        return not (self.at_end() or self.peek() in (" ", "\t"))

    def comma_list(self, item: Callable[[], object]) -> list:
        items = [item()]
        while self.take(","):
            items.append(item())
        return items

    def cmd_write(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        return (self.comma_list(self.write_arg) if has_args else []), []

    def cmd_zwrite(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        return (self.comma_list(self.lvalue) if has_args else []), []

    def write_arg(self) -> tuple:
        if self.peek() in ("!", "#", "?") and not self.s.startswith("##class(", self.i):
            items = []
            while self.peek() in ("!", "#", "?") and not self.at_end():
                char = self.s[self.i]
                self.i += 1
                items.append(("tab", self.unary()) if char == "?" else (char, None))
            return ("format", items)
        if self.take("*"):
            return ("char", self.expr())
        return ("expr", self.expr())

    def cmd_set(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        if not has_args:
            raise _syntax()

        def item() -> tuple:
            if self.take("("):
                targets = self.comma_list(self.set_target)
                self.expect(")")
            else:
                targets = [self.set_target()]
            self.expect("=")
            return targets, self.expr()

        return self.comma_list(item), []

    def set_target(self) -> Expr:
        start = self.i
        if self.take("$"):
            word = self.regex(re.compile(r"[A-Za-z]+"))
            if word is not None and word.upper() == "NAMESPACE":
                return Special(lambda s: s.namespace)
            self.i = start
            raise _syntax()
        return self.lvalue()

    def lvalue(self) -> Var:
        name = self.regex(_NAME)
        if name is None:
            raise _syntax()
        subs: List[Expr] = []
        if self.take("("):
            subs = self.comma_list(self.expr)
            self.expect(")")
        return Var(name, subs)

    def cmd_kill(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        return (self.comma_list(self.lvalue) if has_args else []), []

    def cmd_zn(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        if not has_args:
            raise _syntax()
        return [self.expr()], []

    def cmd_read(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        if not has_args:
            raise _syntax()

        def item() -> tuple:
            if self.peek() == '"':
                return ("prompt", self.string())
            if self.peek() in ("!", "#", "?"):
                return self.write_arg()
            star = self.take("*")
            target = self.lvalue()
            timeout = self.expr() if self.take(":") else None
            return ("char" if star else "var", target, timeout)

        return self.comma_list(item), []

    def cmd_hang(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        return self.comma_list(self.expr), []

    def cmd_halt(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        if has_args:
            raise _syntax()
        return [], []

    def cmd_quit(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        return ([self.expr()] if has_args else []), []

    def cmd_for(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        if not has_args:
            return [], self.line()
        var = self.lvalue()
        self.expect("=")

        def param() -> tuple:
            start = self.expr()
            inc = end = None
            if self.take(":"):
                inc = self.expr()
                if self.take(":"):
                    end = self.expr()
            return start, inc, end

        params = self.comma_list(param)
        if not self.at_end() and self.peek() not in (" ", "\t"):
            raise _syntax()
        return [var, params], self.line()

    def cmd_if(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        conds = self.comma_list(self.expr) if has_args else []
        return conds, self.line()

    def cmd_else(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        if has_args:
            raise _syntax()
        return [], self.line()

    def cmd_do(self, has_args: bool) -> Tuple[list, List[Cmd]]:
        if not has_args:
            raise _syntax()
        return self.comma_list(self.entryref), []

    def entryref(self) -> Expr:
        if self.take("##class("):
            return self.class_call()
        label = self.regex(_NAME) or ""
        if self.take("+"):
            self.regex(re.compile(r"\d+"))
        routine = None
        if self.take("^"):
            routine = self.regex(_ROUTINE)
            if routine is None:
                raise _syntax()
        if not label and routine is None:
            raise _syntax()
        args = self.call_args() if self.peek() == "(" else []
        if routine is not None:
            return Missing("NOROUTINE", "*" + routine, args)
        return Missing("NOLINE", "", args)

    def class_call(self) -> Expr:
        name = self.regex(re.compile(r"[%A-Za-z0-9.]+"))
        if name is None:
            raise _syntax()
        self.expect(")")
        self.expect(".")
        if self.regex(re.compile(r"[%A-Za-z0-9]+")) is None:
            raise _syntax()
        args = self.call_args() if self.peek() == "(" else []
        return Missing("CLASS DOES NOT EXIST", "*" + name, args)

    def call_args(self) -> List[Expr]:
        self.expect("(")
        if self.take(")"):
            return []
        args = self.comma_list(self.expr)
        self.expect(")")
        return args

    # -- expressions --
    def expr(self) -> Expr:
        node = self.unary()
        while True:
            op = next((o for o in _BINARY_OPS if self.s.startswith(o, self.i)), None)
            if op is None:
                return node
            self.i += len(op)
            node = Bin(op, node, self.unary())

    def unary(self) -> Expr:
        char = self.peek()
        if char in ("'", "-", "+") and char:
            self.i += 1
            return Unary(char, self.unary())
        return self.atom()

    def atom(self) -> Expr:
        char = self.peek()
        if not char:
            raise _syntax()
        if char == '"':
            return Lit(self.string())
        number = self.regex(_NUMBER)
        if number is not None:
            return Lit(Decimal(number))
        if self.take("("):
            node = self.expr()
            self.expect(")")
            return node
        if self.take("$$"):
            return self.entryref_call()
        if self.take("$"):
            return self.intrinsic()
        if self.take("##class("):
            return self.class_call()
        if self.take("^"):
            name = self.regex(_ROUTINE)
            if name is None:
                raise _syntax()
            if self.peek() == "(":
                self.call_args()
            return Global(name)
        if _NAME.match(self.s, self.i):
            return self.lvalue()
        raise _syntax()

    def entryref_call(self) -> Expr:
        node = self.entryref()
        if self.peek() == "(":
            self.call_args()
        return node

    def intrinsic(self) -> Expr:
        word = self.regex(re.compile(r"[A-Za-z]+"))
        if word is None:
            raise _syntax()
        name = word.upper()
        if self.peek() == "(":
            fn = _FUNCTIONS.get(name)
            if fn is None:
                raise _syntax()
            return Call(fn, self.call_args())
        special = _SPECIALS.get(name)
        if special is None:
            raise _syntax()
        return Special(special)

    def string(self) -> str:
        self.expect('"')
        out = []
        while True:
            end = self.s.find('"', self.i)
            if end < 0:
                raise _syntax()
            out.append(self.s[self.i : end])
            self.i = end + 1
            if self.take('"'):
                out.append('"')
                continue
            return "".join(out)


def parse_line(line: str) -> List[Cmd]:
    """Compile one line (raises ObjectScriptError("SYNTAX"/"COMMAND") before anything runs)."""
    return _Parser(line).line()


# ------------------------------------------------------------------------------------------------ session ---
class Session:
    """The state of one JOBbed terminal process: $JOB, namespace, locals, rawMode (research §1, §6.2)."""

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
        self.namespaces = list(namespaces)
        self.version = version
        self.raw = raw
        self.locals: Dict[Key, Value] = {}
        self.test = False
        self.column = 0
        self._fresh = False
        self._first_output = True
        self._leading_crlf = False

    # -- output bookkeeping --
    def _emit(self, text: str) -> Optional[Output]:
        if not text:
            return None
        if self._first_output and self._leading_crlf:
            text = CRLF + text  # research §8: some captures/claims show a leading \r\n (switchable)
        self._first_output = False
        newline = text.rfind("\n")
        self.column = len(text) - newline - 1 if newline >= 0 else self.column + len(text)
        self._fresh = text.endswith("\n")
        return Output(text)

    def error_output(self, error: ObjectScriptError) -> Output:
        """An error report on a fresh line (research §8 emulator default: a \\r\\n unless already at one)."""
        report = error_report(error.name, error.detail, self.raw)
        if not (self._first_output and self._leading_crlf) and not self._fresh:
            report = CRLF + report
        out = self._emit(report)
        assert out is not None
        return out

    def resolve_namespace(self, name: str) -> str:
        for known in self.namespaces:
            if known.upper() == name.upper():
                return known
        raise ObjectScriptError("NAMESPACE", "*" + name)

    # -- running --
    def run(self, source: str, leading_crlf: bool = False) -> Run:
        """Execute a prompt input: lines separated by \\r\\n run one after the other (research §11)."""
        self._fresh = False  # research §8 default [I]: an error report still starts with its own \r\n
        self.column = 0  # the client printed \r\n after the input (research §8), so $X starts at 0
        self._first_output = True
        self._leading_crlf = leading_crlf
        try:
            for line in re.split(r"\r\n|\n|\r", source):
                cmds = parse_line(line)
                try:
                    yield from self._block(cmds)
                except _Quit:
                    pass
        except ObjectScriptError as error:
            yield self.error_output(error)

    def _block(self, cmds: List[Cmd]) -> Run:
        for cmd in cmds:
            if cmd.cond is not None and not _truth(cmd.cond.eval(self)):
                continue
            yield from getattr(self, "_do_" + cmd.name.lower())(cmd)

    def _do_write(self, cmd: Cmd) -> Run:
        if not cmd.args:
            yield from self._list_locals(None)
            return
        for kind, node in cmd.args:
            if kind == "format":
                yield from self._format(node)
            elif kind == "char":
                code = int(to_num(node.eval(self)))
                out = self._emit(chr(code)) if code >= 0 else None
                if out:
                    yield out
            else:
                out = self._emit(to_str(node.eval(self)))
                if out:
                    yield out

    def _format(self, items: list) -> Run:
        text = []
        column = self.column
        for char, node in items:
            if char == "!":
                text.append(CRLF)
                column = 0
            elif char == "#":
                text.append("\f")  # form feed: the device's new page
                column = 0
            else:
                pad = max(int(to_num(node.eval(self))) - column, 0)
                text.append(" " * pad)
                column += pad
        out = self._emit("".join(text))
        if out:
            yield out

    def _do_zwrite(self, cmd: Cmd) -> Run:
        yield from self._list_locals(cmd.args or None)

    def _list_locals(self, names: Optional[List[Var]]) -> Run:
        wanted = None if names is None else {v.name for v in names}
        lines = []
        for (name, subs), value in sorted(self.locals.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            if wanted is None or name in wanted:
                shown = name + ("(" + ",".join(_quote(s) for s in subs) + ")" if subs else "")
                lines.append(shown + "=" + _quote(value))
        if lines:
            out = self._emit(("" if self.column == 0 else CRLF) + CRLF.join(lines) + CRLF)
            if out:
                yield out

    def _do_set(self, cmd: Cmd) -> Run:
        for targets, expr in cmd.args:
            value = expr.eval(self)
            for target in targets:
                if isinstance(target, Special):  # SET $NAMESPACE (research §11)
                    self.namespace = self.resolve_namespace(to_str(value))
                else:
                    self.locals[target.key(self)] = value
        return
        yield  # pragma: no cover - makes this a generator

    def _do_kill(self, cmd: Cmd) -> Run:
        if not cmd.args:
            self.locals.clear()
        for var in cmd.args:
            name, subs = var.key(self)
            for key in [k for k in self.locals if k[0] == name and k[1][: len(subs)] == subs]:
                del self.locals[key]
        return
        yield  # pragma: no cover

    def _do_zn(self, cmd: Cmd) -> Run:
        self.namespace = self.resolve_namespace(to_str(cmd.args[0].eval(self)))
        return
        yield  # pragma: no cover

    def _do_read(self, cmd: Cmd) -> Run:
        for item in cmd.args:
            kind = item[0]
            if kind == "prompt":
                out = self._emit(item[1])
                if out:
                    yield out
            elif kind == "format":
                yield from self._format(item[1])
            else:
                _, target, timeout_expr = item
                timeout = float(to_num(timeout_expr.eval(self))) if timeout_expr is not None else None
                key = target.key(self)
                reply = yield ReadRequest(timeout)
                self.test = reply is not None
                text = reply or ""
                if kind == "char":
                    self.locals[key] = Decimal(ord(text[0])) if text else Decimal(-1)
                else:
                    self.locals[key] = text
                    # READ does not echo its terminator: the cursor stays after the typed text
                    self.column += len(text)
                    self._fresh = False

    def _do_hang(self, cmd: Cmd) -> Run:
        for expr in cmd.args:
            seconds = float(to_num(expr.eval(self)))
            if seconds > 0:
                yield Hang(seconds)

    def _do_halt(self, cmd: Cmd) -> Run:
        yield Halt()

    def _do_quit(self, cmd: Cmd) -> Run:
        raise _Quit()
        yield  # pragma: no cover

    def _do_if(self, cmd: Cmd) -> Run:
        if cmd.args:
            self.test = all(_truth(cond.eval(self)) for cond in cmd.args)
        if self.test:
            yield from self._block(cmd.body)

    def _do_else(self, cmd: Cmd) -> Run:
        if not self.test:
            yield from self._block(cmd.body)

    def _do_do(self, cmd: Cmd) -> Run:
        for ref in cmd.args:
            ref.eval(self)
        return
        yield  # pragma: no cover

    def _do_for(self, cmd: Cmd) -> Run:
        count = 0
        try:
            if not cmd.args:
                while True:
                    yield from self._block(cmd.body)
                    count += 1
                    if count % _TICK_EVERY == 0:
                        yield TICK
            var, params = cmd.args
            for start_expr, inc_expr, end_expr in params:
                start = start_expr.eval(self)
                if inc_expr is None:
                    self.locals[var.key(self)] = start
                    yield from self._block(cmd.body)
                    continue
                value, inc = to_num(start), to_num(inc_expr.eval(self))
                end = to_num(end_expr.eval(self)) if end_expr is not None else None
                while end is None or (value <= end if inc >= 0 else value >= end):
                    self.locals[var.key(self)] = value
                    yield from self._block(cmd.body)
                    count += 1
                    if count % _TICK_EVERY == 0:
                        yield TICK
                    value = _CTX.add(to_num(self.locals.get(var.key(self), value)), inc)
        except _Quit:
            return
