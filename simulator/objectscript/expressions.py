"""The expression tree the parser builds and a running line evaluates against its session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Tuple

from . import json_values
from .errors import ObjectScriptError
from .objects import Oref, as_oref
from .operators import apply_binary
from .values import Value, as_bool, to_num, to_str, truth, zwrite_quote

if TYPE_CHECKING:
    from .session import Session
    from .storage import Store

Key = Tuple[str, Tuple[str, ...]]  # a variable's name and its subscripts (as canonical strings)


class Expr:
    def eval(self, s: Session) -> Value:  # pragma: no cover - abstract
        raise NotImplementedError


class Lit(Expr):
    def __init__(self, value: Value) -> None:
        self.value = value

    def eval(self, s: Session) -> Value:
        return self.value


class Ref(Expr):
    """A variable reference: a local (``Var``) or a global (``Global``), optionally subscripted."""

    name: str
    subs: List[Expr]

    def store(self, s: Session) -> Store:  # pragma: no cover - abstract
        raise NotImplementedError

    def key(self, s: Session) -> Key:
        subs = tuple([to_str(sub.eval(s)) for sub in self.subs])
        if "" in subs:
            raise ObjectScriptError("SUBSCRIPT", self.display(subs))
        return self.name, subs

    def order_key(self, s: Session) -> Key:
        """``$ORDER``'s reference: its last subscript may be "" (start from the first / last)."""
        subs = tuple([to_str(sub.eval(s)) for sub in self.subs])
        if "" in subs[:-1]:
            raise ObjectScriptError("SUBSCRIPT", self.display(subs))
        return self.name, subs

    def shown(self, subs: Tuple[str, ...]) -> str:
        """The reference as ZWRITE writes it: ``x(1,"a")``, ``^G(2)``."""
        return self.name if not subs else self.name + "(" + ",".join(zwrite_quote(sub) for sub in subs) + ")"

    def display(self, subs: Tuple[str, ...]) -> str:
        """Error detail form: ``*x`` / ``*x(1,"a")``."""
        return "*" + self.shown(subs)

    def eval(self, s: Session) -> Value:
        name, subs = self.key(s)
        value = self.store(s).get(name, subs)
        if value is None:
            raise ObjectScriptError("UNDEFINED", self.display(subs))
        return value


class Var(Ref):
    """A local variable, optionally subscripted: ``x``, ``x(1,"a")``."""

    def __init__(self, name: str, subs: Sequence[Expr] = ()) -> None:
        self.name = name
        self.subs = list(subs)

    def store(self, s: Session) -> Store:
        return s.locals

    def eval(self, s: Session) -> Value:
        if not self.subs:  # the hot path: a plain local
            node = s.locals.roots.get(self.name)
            if node is not None and node.value is not None:
                return node.value
            raise ObjectScriptError("UNDEFINED", "*" + self.name)
        return Ref.eval(self, s)


class Global(Ref):
    """``^name(subs)``: kept per namespace for the simulator's life; ``^|"NS"|name`` names another
    namespace, ``^||name`` is process-private (docs/simulator-objectscript.md §4)."""

    def __init__(
        self, name: str, subs: Sequence[Expr] = (), namespace: Optional[Expr] = None, private: bool = False
    ) -> None:
        self.name = name
        self.subs = list(subs)
        self.namespace = namespace
        self.private = private

    def store(self, s: Session) -> Store:
        if self.private:
            return s.private_globals
        if self.namespace is None:
            return s.globals_of(s.namespace)
        return s.globals_of(s.resolve_namespace(to_str(self.namespace.eval(s))))

    def shown(self, subs: Tuple[str, ...]) -> str:
        return ("^||" if self.private else "^") + Ref.shown(self, subs)

    def display(self, subs: Tuple[str, ...]) -> str:
        """An undefined global is reported without the ``*`` locals get: ``<UNDEFINED> ^TestData``
        (docs/simulator-objectscript.md §8)."""
        return self.shown(subs)
class Unary(Expr):
    def __init__(self, op: str, operand: Expr) -> None:
        self.op = op
        self.operand = operand

    def eval(self, s: Session) -> Value:
        value = self.operand.eval(s)
        if self.op == "'":
            return as_bool(not truth(value))
        return -to_num(value) if self.op == "-" else to_num(value)


def apply_unary(op: str, value: Value) -> Value:
    if op == "'":
        return as_bool(not truth(value))
    return -to_num(value) if op == "-" else to_num(value)


class Prefix(Expr):
    """Several unary operators in a row (``-'-x``), applied right to left without recursion."""

    def __init__(self, ops: str, operand: Expr) -> None:
        self.ops = ops
        self.operand = operand

    def eval(self, s: Session) -> Value:
        value = self.operand.eval(s)
        for op in reversed(self.ops):
            value = apply_unary(op, value)
        return value


class Chain(Expr):
    """``a op b op c …`` strictly left to right, as a loop."""

    def __init__(self, first: Expr, rest: List[Tuple[str, Expr]]) -> None:
        self.first = first
        self.rest = rest

    def eval(self, s: Session) -> Value:
        value = self.first.eval(s)
        for op, operand in self.rest:
            value = apply_binary(op, value, operand.eval(s))
        return value


class Bin(Expr):
    def __init__(self, op: str, left: Expr, right: Expr) -> None:
        self.op = op
        self.left = left
        self.right = right

    def eval(self, s: Session) -> Value:
        return apply_binary(self.op, self.left.eval(s), self.right.eval(s))


class Special(Expr):
    """A special variable such as ``$JOB``; those with a ``setter`` are SET targets (``$NAMESPACE``,
    ``$ETRAP``, ``$ECODE``, ``$ZTRAP``)."""

    def __init__(
        self, fn: Callable[[Session], Value], setter: Optional[Callable[[Session, Value], None]] = None
    ) -> None:
        self.fn = fn
        self.setter = setter

    def eval(self, s: Session) -> Value:
        return self.fn(s)

    def assign(self, s: Session, value: Value) -> None:
        assert self.setter is not None
        self.setter(s, value)


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


class Omitted(Expr):
    """An argument left out of a method call: ``%New("n",1,,"d")``."""

    def eval(self, s: Session) -> Value:  # pragma: no cover - methods see None instead
        return ""


class ByRef(Expr):
    """``.var`` in a method call's arguments: the method gets the reference and may set it."""

    def __init__(self, ref: Ref) -> None:
        self.ref = ref


def eval_args(s: Session, args: List[Expr]) -> List[Any]:
    return [None if isinstance(a, Omitted) else a.ref if isinstance(a, ByRef) else a.eval(s) for a in args]


class ClassCall(Expr):
    """``##class(Name).Method(args)`` and ``$SYSTEM.Name.Method(args)`` (``system``: the class name
    matches case-insensitively, as the $SYSTEM special variable resolves it)."""

    def __init__(self, class_name: str, method: str, args: List[Expr], system: bool = False) -> None:
        self.class_name = class_name
        self.method = method
        self.args = args
        self.system = system

    def eval(self, s: Session) -> Value:
        cls = s.find_class(self.class_name, self.system)
        if cls is None:
            if not self.system and s.class_known(self.class_name):  # a configured or loaded class: no code
                raise ObjectScriptError("METHOD DOES NOT EXIST", f"*{self.method},{self.class_name}")
            raise ObjectScriptError("CLASS DOES NOT EXIST", "*" + self.class_name)
        return cls.call(s, self.method, eval_args(s, self.args))


class Member(Expr):
    """``obj.Prop`` or ``obj.Method(args)`` (``args`` None for a property)."""

    def __init__(self, target: Expr, name: str, args: Optional[List[Expr]]) -> None:
        self.target = target
        self.name = name
        self.args = args

    def eval(self, s: Session) -> Value:
        oref: Oref = as_oref(self.target.eval(s))
        if self.args is None:
            return oref.get(self.name)
        return oref.call(s, self.name, eval_args(s, self.args))


class JsonLiteral(Expr):
    """``{"a":1,"b":(x)}`` / ``[1,(x)]``: every evaluation builds a new dynamic object or array; parts in
    parentheses are ObjectScript expressions (docs/objectscript-grammar.md §6)."""

    def __init__(self, template: tuple) -> None:
        self.template = template  # ("object", [(key, part)]), ("array", [part]), ("value", v), ("expr", e)

    def eval(self, s: Session) -> Value:
        return build_json(s, self.template)  # type: ignore[return-value]


def build_json(s: Session, template: tuple) -> json_values.Element:
    kind, body = template
    if kind == "value":
        return body
    if kind == "expr":
        return body.eval(s)
    if kind == "object":
        return json_values.new_object(s, {key: build_json(s, part) for key, part in body})
    return json_values.new_array(s, [build_json(s, part) for part in body])


class Indirect(Ref):
    """``@expr`` and ``@expr@(subs)``: the value of ``expr`` is read as a variable reference (or, where a
    value is wanted, as an expression) when the line runs (docs/objectscript-grammar.md §7). ``parse``
    turns the text into a node; the expression parser supplies it, so this module needs no parser."""

    def __init__(self, operand: Expr, subs: Optional[List[Expr]], parse: Callable[[str, bool], Expr]) -> None:
        self.operand = operand
        self.extra = subs
        self.parse = parse
        self.name = ""
        self.subs = []

    def target(self, s: Session) -> Ref:
        node = self.parse(to_str(self.operand.eval(s)), True)
        assert isinstance(node, Ref)
        if self.extra is None:
            return node
        if isinstance(node, Global):
            return Global(node.name, node.subs + self.extra, node.namespace, node.private)
        return Var(node.name, node.subs + self.extra)

    def eval(self, s: Session) -> Value:
        if self.extra is None:
            return self.parse(to_str(self.operand.eval(s)), False).eval(s)
        return self.target(s).eval(s)

    def key(self, s: Session) -> Key:
        return self.target(s).key(s)

    def order_key(self, s: Session) -> Key:
        return self.target(s).order_key(s)

    def store(self, s: Session) -> Store:
        return self.target(s).store(s)

    def shown(self, subs: Tuple[str, ...]) -> str:  # pragma: no cover - callers resolve first
        raise ObjectScriptError("SYNTAX")
