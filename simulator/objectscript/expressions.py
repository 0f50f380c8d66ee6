"""The expression tree the parser builds and a running line evaluates against its session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, List, Sequence, Tuple

from .errors import ObjectScriptError
from .operators import apply_binary
from .values import Value, as_bool, to_num, to_str, truth, zwrite_quote

if TYPE_CHECKING:
    from .session import Session

Key = Tuple[str, Tuple[str, ...]]  # a local variable's name and its subscripts (as canonical strings)


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
        shown = self.name if not subs else self.name + "(" + ",".join(zwrite_quote(sub) for sub in subs) + ")"
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
            return as_bool(not truth(value))
        return -to_num(value) if self.op == "-" else to_num(value)


class Bin(Expr):
    def __init__(self, op: str, left: Expr, right: Expr) -> None:
        self.op = op
        self.left = left
        self.right = right

    def eval(self, s: Session) -> Value:
        return apply_binary(self.op, self.left.eval(s), self.right.eval(s))


class Special(Expr):
    """A special variable such as ``$JOB``; also the target of ``SET $NAMESPACE=...``."""

    def __init__(self, fn: Callable[[Session], Value]) -> None:
        self.fn = fn

    def eval(self, s: Session) -> Value:
        return self.fn(s)


class Call(Expr):
    """An intrinsic function call; the function evaluates its own arguments (``$GET`` must not)."""

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
