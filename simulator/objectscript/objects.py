"""Object references and simulated classes: what ``##class(…)``, ``$SYSTEM`` and ``obj.Member`` reach.

A ``ClassDef`` lists class methods (``fn(session, args)``), instance methods (``fn(session, oref, args)``)
and properties. Arguments arrive evaluated; an omitted one (``f(1,,3)``) is ``None`` and a by-reference
one (``f(.arr)``) is the ``Ref`` itself, so the method can set it. Classes live in ``classes/``, one small
module each (see ``classes/__init__.py``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from .errors import ObjectScriptError
from .values import Value, to_num, to_str

if TYPE_CHECKING:
    from .session import Session

Args = List[Any]  # Value, None (omitted) or a Ref (passed with a leading dot)
ClassMethod = Callable[["Session", Args], Value]
InstanceMethod = Callable[["Session", "Oref", Args], Value]


class ClassDef:
    """A simulated class: its name as IRIS spells it, its methods and its properties."""

    def __init__(
        self,
        name: str,
        class_methods: Optional[Dict[str, ClassMethod]] = None,
        instance_methods: Optional[Dict[str, InstanceMethod]] = None,
        properties: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.class_methods = dict(class_methods or {})
        self.instance_methods = dict(instance_methods or {})
        self.properties: Tuple[str, ...] = tuple(properties)

    def call(self, s: Session, method: str, args: Args) -> Value:
        fn = self.class_methods.get(method)
        if fn is None:
            raise ObjectScriptError("METHOD DOES NOT EXIST", f"*{method},{self.name}")
        return fn(s, args)


class Oref:
    """An object reference: ``ZWRITE``/``WRITE`` show it as ``1@%Exception.General``."""

    __slots__ = ("oid", "cls", "props")

    def __init__(self, oid: int, cls: ClassDef, props: Dict[str, Value]) -> None:
        self.oid = oid
        self.cls = cls
        self.props = props

    def __str__(self) -> str:
        return f"{self.oid}@{self.cls.name}"

    def get(self, name: str) -> Value:
        if name in self.props:
            return self.props[name]
        raise ObjectScriptError("PROPERTY DOES NOT EXIST", f"*{name},{self.cls.name}")

    def set(self, name: str, value: Value) -> None:
        """``SET obj.Prop=value``: a property the class has."""
        if name not in self.props and name not in self.cls.properties:
            raise ObjectScriptError("PROPERTY DOES NOT EXIST", f"*{name},{self.cls.name}")
        self.props[name] = value

    def call(self, s: Session, method: str, args: Args) -> Value:
        fn = self.cls.instance_methods.get(method)
        if fn is None:
            raise ObjectScriptError("METHOD DOES NOT EXIST", f"*{method},{self.cls.name}")
        return fn(s, self, args)


def as_oref(value: Value) -> Oref:
    """The object a member access needs; a plain string or number is ``<INVALID OREF>``."""
    if isinstance(value, Oref):
        return value
    raise ObjectScriptError("INVALID OREF")


# -- argument helpers for method implementations --
def arg_value(args: Args, index: int) -> Optional[Value]:
    """Argument ``index`` as a value; ``None`` when omitted or passed by reference."""
    value = args[index] if index < len(args) else None
    return value if isinstance(value, (str, Decimal, Oref)) else None


def arg_str(args: Args, index: int, default: str = "") -> str:
    value = arg_value(args, index)
    return default if value is None else to_str(value)


def arg_num(args: Args, index: int, default: int = 0) -> int:
    value = arg_value(args, index)
    return default if value is None else int(to_num(value))
