"""The ``$LIST`` family: $LISTBUILD, $LIST, $LISTLENGTH, $LISTGET, $LISTDATA, $LISTFIND, $LISTTOSTRING,
$LISTFROMSTRING, $LISTVALID, $LISTNEXT, with their abbreviations (docs/objectscript-grammar.md §5).

A value that is not a list is ``<LIST>``; reading an undefined element where a value is needed is
``<NULL VALUE>`` [D G9].
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Callable, Dict, List, Optional

from . import lists
from .errors import ObjectScriptError, syntax_error
from .expressions import Expr, Omitted, Ref
from .values import ONE, ZERO, Value, as_bool, to_num, to_str

if TYPE_CHECKING:
    from .session import Session

Function = Callable[["Session", List[Expr]], Value]


def arity(low: int, high: int) -> Callable[[Function], Function]:
    """A $function taking ``low`` to ``high`` arguments; a wrong count is a ``<SYNTAX>`` error."""

    def wrap(fn: Function) -> Function:
        def checked(s: Session, args: List[Expr]) -> Value:
            if not low <= len(args) <= high:
                raise syntax_error()
            return fn(s, args)

        return checked

    return wrap


def _element(s: Session, arg: Expr) -> Optional[Value]:
    """An omitted argument or an undefined variable is an element with no data [D G9]."""
    if isinstance(arg, Omitted):
        return None
    if isinstance(arg, Ref):
        name, subs = arg.key(s)
        return arg.store(s).get(name, subs)
    return arg.eval(s)


def _list(s: Session, arg: Expr) -> List[lists.Element]:
    return lists.elements(arg.eval(s))


def _position(s: Session, arg: Expr, size: int) -> int:
    """A 1-based position; -1 is the last element."""
    pos = int(to_num(arg.eval(s)))
    return size if pos == -1 else pos


def f_listbuild(s: Session, a: List[Expr]) -> Value:
    """``$LB(a,,c)``: omitted arguments and undefined variables are elements without data; ``$LB()`` is one
    such element ($LISTLENGTH 1) [D G9]."""
    return lists.build([_element(s, arg) for arg in a]) if a else lists.build([None])


@arity(1, 3)
def f_list(s: Session, a: List[Expr]) -> Value:
    """``$LIST(l)``, ``$LIST(l,pos)`` (an element; undefined or past the end is ``<NULL VALUE>``),
    ``$LIST(l,from,to)`` (a sublist)."""
    items = _list(s, a[0])
    if len(a) == 3:
        start = max(_position(s, a[1], len(items)), 1)
        end = _position(s, a[2], len(items))
        return lists.build(items[start - 1 : max(end, 0)])
    pos = _position(s, a[1], len(items)) if len(a) > 1 else 1
    if pos == 0:
        return ""
    if pos < -1:
        raise ObjectScriptError("RANGE")
    if pos > len(items) or items[pos - 1] is None:
        raise ObjectScriptError("NULL VALUE")
    return items[pos - 1]  # type: ignore[return-value]


@arity(1, 1)
def f_listlength(s: Session, a: List[Expr]) -> Value:
    return Decimal(len(_list(s, a[0])))


@arity(1, 3)
def f_listget(s: Session, a: List[Expr]) -> Value:
    items = _list(s, a[0])
    pos = _position(s, a[1], len(items)) if len(a) > 1 else 1
    default = a[2].eval(s) if len(a) > 2 else ""
    if 1 <= pos <= len(items) and items[pos - 1] is not None:
        return items[pos - 1]  # type: ignore[return-value]
    return default


@arity(1, 2)
def f_listdata(s: Session, a: List[Expr]) -> Value:
    items = _list(s, a[0])
    pos = _position(s, a[1], len(items)) if len(a) > 1 else 1
    return as_bool(1 <= pos <= len(items) and items[pos - 1] is not None)


@arity(2, 3)
def f_listfind(s: Session, a: List[Expr]) -> Value:
    """The position of the first element equal to ``value`` after ``start``; 0 when none."""
    items = _list(s, a[0])
    wanted = to_str(a[1].eval(s))
    start = int(to_num(a[2].eval(s))) if len(a) > 2 else 0
    if start < -1:
        raise ObjectScriptError("RANGE")
    for index in range(max(start, 0), len(items)):
        item = items[index]
        if item is not None and to_str(item) == wanted:
            return Decimal(index + 1)
    return ZERO


@arity(1, 3)
def f_listtostring(s: Session, a: List[Expr]) -> Value:
    """Elements joined by ``delim`` (","); an undefined element is ``<NULL VALUE>`` unless flag 1."""
    items = _list(s, a[0])
    delim = to_str(a[1].eval(s)) if len(a) > 1 and not isinstance(a[1], Omitted) else ","
    flag = int(to_num(a[2].eval(s))) if len(a) > 2 else 0
    if any(item is None for item in items) and not flag & 1:
        raise ObjectScriptError("NULL VALUE")
    return delim.join("" if item is None else to_str(item) for item in items)


@arity(1, 2)
def f_listfromstring(s: Session, a: List[Expr]) -> Value:
    text = to_str(a[0].eval(s))
    delim = to_str(a[1].eval(s)) if len(a) > 1 else ","
    if not delim:
        raise ObjectScriptError("FUNCTION")
    return lists.build(text.split(delim)) if text else ""


@arity(1, 1)
def f_listvalid(s: Session, a: List[Expr]) -> Value:
    return as_bool(lists.parse(to_str(a[0].eval(s))) is not None)


@arity(3, 3)
def f_listnext(s: Session, a: List[Expr]) -> Value:
    """``$LISTNEXT(list,ptr,value)``: 1 and the next element in ``value`` (killed when undefined), ``ptr``
    advanced; 0 at the end. ``ptr`` starts at 0 [D G9]."""
    ptr_ref, value_ref = a[1], a[2]
    if not isinstance(ptr_ref, Ref) or not isinstance(value_ref, Ref):
        raise syntax_error()
    text = to_str(a[0].eval(s))
    ptr_name, ptr_subs = ptr_ref.key(s)
    ptr = int(to_num(ptr_ref.store(s).get(ptr_name, ptr_subs) or ZERO))
    if ptr < 0 or ptr > len(text):
        raise ObjectScriptError("FUNCTION")
    if ptr == len(text):
        return ZERO
    try:
        end, element = next(lists.iterate(text[ptr:]))
    except (StopIteration, ValueError, UnicodeDecodeError):
        raise ObjectScriptError("LIST") from None
    ptr_ref.store(s).set(ptr_name, ptr_subs, Decimal(ptr + end))
    value_name, value_subs = value_ref.key(s)
    if element is None:
        value_ref.store(s).kill(value_name, value_subs)
    else:
        value_ref.store(s).set(value_name, value_subs, element)
    return ONE


#: Names that take omitted arguments (``$LB(1,,3)``): the parser reads their arguments as a method's.
OMITTABLE = {"LB", "LISTBUILD", "LTS", "LISTTOSTRING"}

LIST_FUNCTIONS: Dict[str, Function] = {
    name: fn
    for names, fn in (
        (("LB", "LISTBUILD"), f_listbuild),
        (("LI", "LIST"), f_list),
        (("LL", "LISTLENGTH"), f_listlength),
        (("LG", "LISTGET"), f_listget),
        (("LD", "LISTDATA"), f_listdata),
        (("LF", "LISTFIND"), f_listfind),
        (("LTS", "LISTTOSTRING"), f_listtostring),
        (("LFS", "LISTFROMSTRING"), f_listfromstring),
        (("LV", "LISTVALID"), f_listvalid),
        (("LISTNEXT",), f_listnext),
    )
    for name in names
}
