"""Intrinsic functions (``$PIECE``...) and special variables (``$JOB``...), with their abbreviations.

Only a small, commonly used set exists; an unknown ``$name`` is a ``<SYNTAX>`` error at parse time.
"""

from __future__ import annotations

import datetime
import random
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Dict, List

from .errors import ObjectScriptError, syntax_error
from .expressions import Expr, Indirect, Ref
from .list_functions import LIST_FUNCTIONS, Function, arity
from .operators import MAX_STRING
from .storage import collation_key
from .values import ZERO, Value, as_bool, to_num, to_str

if TYPE_CHECKING:
    from .session import Session

SpecialVariable = Callable[["Session"], Value]

_HOROLOG_EPOCH = datetime.date(1840, 12, 31)


# ------------------------------------------------------------------------------------------ $HOROLOG ---
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
    tformat = int(to_num(args[2].eval(s))) if len(args) > 2 else 1
    return date + (" " + moment.strftime("%H:%M" if tformat in (2, 4) else "%H:%M:%S") if with_time else "")


# ---------------------------------------------------------------------------------------- functions ---
def _var_arg(arg: Expr) -> Ref:
    if not isinstance(arg, Ref):
        raise syntax_error()
    return arg


@arity(1, 2)
def _f_length(s: Session, a: List[Expr]) -> Value:
    text = to_str(a[0].eval(s))
    if len(a) == 1:
        return Decimal(len(text))
    delim = to_str(a[1].eval(s))
    return Decimal(text.count(delim) + 1) if delim else ZERO


@arity(1, 99)
def _f_char(s: Session, a: List[Expr]) -> Value:
    return "".join(chr(int(to_num(x.eval(s)))) for x in a if int(to_num(x.eval(s))) >= 0)


@arity(1, 2)
def _f_ascii(s: Session, a: List[Expr]) -> Value:
    text = to_str(a[0].eval(s))
    pos = int(to_num(a[1].eval(s))) if len(a) > 1 else 1
    return Decimal(ord(text[pos - 1])) if 1 <= pos <= len(text) else Decimal(-1)


@arity(1, 3)
def _f_extract(s: Session, a: List[Expr]) -> Value:
    text = to_str(a[0].eval(s))
    start = int(to_num(a[1].eval(s))) if len(a) > 1 else 1
    end = int(to_num(a[2].eval(s))) if len(a) > 2 else start
    return text[max(start, 1) - 1 : max(end, 0)]


@arity(2, 4)
def _f_piece(s: Session, a: List[Expr]) -> Value:
    text, delim = to_str(a[0].eval(s)), to_str(a[1].eval(s))
    start = int(to_num(a[2].eval(s))) if len(a) > 2 else 1
    end = int(to_num(a[3].eval(s))) if len(a) > 3 else start
    if not delim:
        return ""
    pieces = text.split(delim)
    return delim.join(pieces[max(start, 1) - 1 : max(end, 0)])


@arity(1, 2)
def _f_get(s: Session, a: List[Expr]) -> Value:
    ref = _var_arg(a[0])
    name, subs = ref.key(s)
    value = ref.store(s).get(name, subs)
    if value is not None:
        return value
    return a[1].eval(s) if len(a) > 1 else ""


@arity(1, 1)
def _f_data(s: Session, a: List[Expr]) -> Value:
    ref = _var_arg(a[0])
    name, subs = ref.key(s)
    return Decimal(ref.store(s).data(name, subs))


@arity(1, 2)
def _f_order(s: Session, a: List[Expr]) -> Value:
    """``$ORDER(ref(…,sub),dir)``: the next (1) or previous (-1) sibling subscript; "" starts and ends."""
    ref = _var_arg(a[0])
    direction = int(to_num(a[1].eval(s))) if len(a) > 1 else 1
    if direction not in (1, -1):
        raise ObjectScriptError("FUNCTION")
    name, subs = ref.order_key(s)
    return ref.store(s).order(name, subs, direction)


@arity(1, 2)
def _f_increment(s: Session, a: List[Expr]) -> Value:
    ref = _var_arg(a[0])
    name, subs = ref.key(s)
    store = ref.store(s)
    step = to_num(a[1].eval(s)) if len(a) > 1 else Decimal(1)
    value = to_num(store.get(name, subs) or ZERO) + step
    store.set(name, subs, value)
    return value


@arity(1, 2)
def _f_query(s: Session, a: List[Expr]) -> Value:
    """``$QUERY(ref,dir)``: the next (1) or previous (-1) node with data after ``ref`` in tree order, as a
    reference string (``^x(1,"a")``); "" past the end [D G15]."""
    ref = _var_arg(a[0])
    if isinstance(ref, Indirect):
        ref = ref.target(s)
    direction = int(to_num(a[1].eval(s))) if len(a) > 1 else 1
    if direction not in (1, -1):
        raise ObjectScriptError("FUNCTION")
    name, subs = ref.order_key(s)
    if subs and subs[-1] == "":
        subs = subs[:-1]
        start = None if direction == 1 else ()  # "" starts from the first / last node
    else:
        start = tuple(collation_key(sub) for sub in subs)
    nodes = [node_subs for node_subs, _ in ref.store(s).walk(name) if node_subs]
    keyed = [(tuple(collation_key(sub) for sub in node_subs), node_subs) for node_subs in nodes]
    if direction == 1:
        found = next((n for k, n in keyed if start is None or k > start), None)
    else:
        found = next((n for k, n in reversed(keyed) if start == () or k < start), None)
    return "" if found is None else ref.shown(found)


def select(s: Session, pairs: list) -> Value:
    """``$SELECT``: the value of the first pair whose condition is true; none true is ``<SELECT>``."""
    for cond, value in pairs:
        if to_num(cond.eval(s)) != 0:
            return value.eval(s)
    raise ObjectScriptError("SELECT")


@arity(2, 3)
def _f_justify(s: Session, a: List[Expr]) -> Value:
    width = int(to_num(a[1].eval(s)))
    if width > MAX_STRING:
        raise ObjectScriptError("MAXSTRING")
    if len(a) > 2:
        places = int(to_num(a[2].eval(s)))
        text = format(to_num(a[0].eval(s)).quantize(Decimal(1).scaleb(-places)), "f")
    else:
        text = to_str(a[0].eval(s))
    return text.rjust(width)


@arity(1, 1)
def _f_random(s: Session, a: List[Expr]) -> Value:
    limit = int(to_num(a[0].eval(s)))
    if limit < 1:
        raise ObjectScriptError("FUNCTION")
    return Decimal(random.randrange(limit))


@arity(2, 3)
def _f_find(s: Session, a: List[Expr]) -> Value:
    text, sub = to_str(a[0].eval(s)), to_str(a[1].eval(s))
    start = max(int(to_num(a[2].eval(s))) - 1, 0) if len(a) > 2 else 0
    found = text.find(sub, start)
    return ZERO if found < 0 else Decimal(found + len(sub) + 1)


@arity(2, 3)
def _f_translate(s: Session, a: List[Expr]) -> Value:
    text, old = to_str(a[0].eval(s)), to_str(a[1].eval(s))
    new = to_str(a[2].eval(s)) if len(a) > 2 else ""
    table = {ord(c): (new[i] if i < len(new) else None) for i, c in reversed(list(enumerate(old)))}
    return text.translate(table)


@arity(1, 1)
def _f_reverse(s: Session, a: List[Expr]) -> Value:
    return to_str(a[0].eval(s))[::-1]


@arity(2, 2)
def _f_zconvert(s: Session, a: List[Expr]) -> Value:
    text, mode = to_str(a[0].eval(s)), to_str(a[1].eval(s)).upper()
    return text.upper() if mode == "U" else text.lower() if mode == "L" else text


@arity(1, 3)
def _f_zdatetime(s: Session, a: List[Expr]) -> Value:
    return _zdate_fmt(s, a, with_time=True)


@arity(1, 2)
def _f_zdate(s: Session, a: List[Expr]) -> Value:
    return _zdate_fmt(s, a, with_time=False)


def _by_every_name(table: tuple) -> dict:
    return {name: entry for names, entry in table for name in names}


FUNCTIONS: Dict[str, Function] = _by_every_name(
    (
        (("L", "LENGTH"), _f_length),
        (("C", "CHAR"), _f_char),
        (("A", "ASCII"), _f_ascii),
        (("E", "EXTRACT"), _f_extract),
        (("P", "PIECE"), _f_piece),
        (("G", "GET"), _f_get),
        (("D", "DATA"), _f_data),
        (("O", "ORDER"), _f_order),
        (("I", "INCREMENT"), _f_increment),
        (("J", "JUSTIFY"), _f_justify),
        (("R", "RANDOM"), _f_random),
        (("F", "FIND"), _f_find),
        (("TR", "TRANSLATE"), _f_translate),
        (("RE", "REVERSE"), _f_reverse),
        (("ZCVT", "ZCONVERT"), _f_zconvert),
        (("ZDT", "ZDATETIME"), _f_zdatetime),
        (("ZD", "ZDATE"), _f_zdate),
        (("Q", "QUERY"), _f_query),
    )
)
FUNCTIONS.update(LIST_FUNCTIONS)


# -------------------------------------------------------------------------------- special variables ---
def namespace_of(s: Session) -> Value:
    """``$NAMESPACE`` (also what ``SET $NAMESPACE=...`` targets, docs/protocol.md §11)."""
    return s.namespace


def _set_namespace(s: Session, value: Value) -> None:
    s.namespace = s.resolve_namespace(to_str(value))


def _set_etrap(s: Session, value: Value) -> None:
    s.etrap = to_str(value)


def _set_ecode(s: Session, value: Value) -> None:
    """``SET $ECODE=""`` clears the error condition; any other value signals it as an error [D G16]."""
    text = to_str(value)
    s.ecode = text
    if text:
        raise ObjectScriptError("ECODETRAP")


def _set_ztrap(s: Session, value: Value) -> None:
    s.ztrap = to_str(value)


SPECIALS: Dict[str, SpecialVariable] = _by_every_name(
    (
        (("ZV", "ZVERSION"), lambda s: s.version),
        (("NAMESPACE",), namespace_of),
        (("H", "HOROLOG"), _horolog),
        (("J", "JOB"), lambda s: Decimal(s.job)),
        (("T", "TEST"), lambda s: as_bool(s.test)),
        (("X",), lambda s: Decimal(s.column)),
        (("ZH", "ZHOROLOG"), lambda s: Decimal(repr(round(time.monotonic(), 6)))),
        (("IO", "PRINCIPAL", "P"), lambda s: "|TRM|:|" + str(s.job)),
        (("ZE", "ZERROR"), lambda s: s.zerror),
        (("ET", "ETRAP"), lambda s: s.etrap),
        (("EC", "ECODE"), lambda s: s.ecode),
        (("ZT", "ZTRAP"), lambda s: s.ztrap),
        (("ES", "ESTACK", "ST", "STACK"), lambda s: ZERO),
    )
)

#: The special variables SET may assign, by every spelling.
SETTERS: Dict[str, Callable[[Session, Value], None]] = _by_every_name(
    (
        (("NAMESPACE",), _set_namespace),
        (("ET", "ETRAP"), _set_etrap),
        (("EC", "ECODE"), _set_ecode),
        (("ZT", "ZTRAP"), _set_ztrap),
    )
)
