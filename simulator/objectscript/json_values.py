"""Dynamic objects and arrays (``%Library.DynamicObject``/``%Library.DynamicArray``) and JSON text.

A dynamic entity is an ``Oref`` whose class is one of the two ``ClassDef`` objects below (their methods are
added by ``classes/dynamic.py``). Element values are ObjectScript values plus JSON's own: ``True``/``False``
(shown as 1/0), ``JSON_NULL`` (shown as ""). JSON literals (``{"a":1}``, ``[1,(x)]``) and ``%FromJSON``
build them; ``%ToJSON`` writes compact JSON (docs/objectscript-grammar.md §6).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, Union

from .errors import ObjectScriptError
from .objects import ClassDef, Oref
from .values import ONE, ZERO, Value, to_str

if TYPE_CHECKING:
    from .session import Session


class JsonNull:
    """JSON's ``null``: ``%Get`` reads it as "", ``%ToJSON`` writes ``null``."""

    def __repr__(self) -> str:
        return "null"


JSON_NULL = JsonNull()
Element = Union[str, Decimal, bool, JsonNull, Oref, None]  # None: an unassigned array slot

DYNAMIC_OBJECT = ClassDef("%Library.DynamicObject")
DYNAMIC_ARRAY = ClassDef("%Library.DynamicArray")

#: Deeper nesting than this in JSON text or a literal is refused, as a too-deep input is
#: (docs/simulator-objectscript.md §1), so writing or reading it never exhausts Python's stack.
MAX_DEPTH = 200


class DynamicObjectRef(Oref):
    """A dynamic object: ``props`` holds its members in insertion order; ``obj.key`` of a missing key
    is ""."""

    __slots__ = ()

    def get(self, name: str) -> Value:
        return to_value(self.props.get(name, ""))  # type: ignore[arg-type]

    def set(self, name: str, value: Value) -> None:
        self.props[name] = value


class DynamicArrayRef(Oref):
    """A dynamic array: ``items``, indexed from 0."""

    __slots__ = ("items",)

    def __init__(self, oid: int, items: List[Element]) -> None:
        super().__init__(oid, DYNAMIC_ARRAY, {})
        self.items = items


def new_object(s: Session, members: Optional[Dict[str, Element]] = None) -> Oref:
    return DynamicObjectRef(s.allocate_oid(), DYNAMIC_OBJECT, dict(members or {}))  # type: ignore[arg-type]


def new_array(s: Session, items: Optional[List[Element]] = None) -> DynamicArrayRef:
    return DynamicArrayRef(s.allocate_oid(), list(items or []))


def is_object(value: Any) -> bool:
    return isinstance(value, DynamicObjectRef)


def is_array(value: Any) -> bool:
    return isinstance(value, DynamicArrayRef)


def items_of(oref: Oref) -> List[Element]:
    assert isinstance(oref, DynamicArrayRef)
    return oref.items


def members_of(oref: Oref) -> Dict[str, Element]:
    return oref.props  # type: ignore[return-value]


def to_value(element: Element) -> Value:
    """What ObjectScript sees: booleans as 1/0, null as ""."""
    if element is True:
        return ONE
    if element is False:
        return ZERO
    if element is None or isinstance(element, JsonNull):
        return ""
    return element  # type: ignore[return-value]


def type_of(element: Optional[Element]) -> str:
    """``%GetTypeOf``: unassigned, null, boolean, number, string, object, array, oref."""
    if element is None:
        return "unassigned"
    if isinstance(element, JsonNull):
        return "null"
    if isinstance(element, bool):
        return "boolean"
    if isinstance(element, Decimal):
        return "number"
    if isinstance(element, str):
        return "string"
    if is_object(element):
        return "object"
    if is_array(element):
        return "array"
    return "oref"


# -- writing JSON --
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def json_string(text: str) -> str:
    escaped = _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(0), f"\\u{ord(m.group(0)):04x}"), text)
    return '"' + escaped + '"'


def json_number(number: Decimal) -> str:
    """Canonical ObjectScript form, with the 0 JSON needs before a leading point (``0.5``, ``-0.5``) [I]."""
    text = to_str(number)
    if text.startswith("."):
        return "0" + text
    if text.startswith("-."):
        return "-0" + text[1:]
    return text


def to_json(element: Element, depth: int = 0) -> str:
    if depth > MAX_DEPTH:
        raise ObjectScriptError("MAXNESTING")
    if element is True:
        return "true"
    if element is False:
        return "false"
    if element is None or isinstance(element, JsonNull):
        return "null"
    if isinstance(element, Decimal):
        return json_number(element)
    if isinstance(element, str):
        return json_string(element)
    if is_object(element):
        return "{" + ",".join(
            json_string(key) + ":" + to_json(value, depth + 1) for key, value in members_of(element).items()
        ) + "}"
    if is_array(element):
        return "[" + ",".join(to_json(value, depth + 1) for value in items_of(element)) + "]"
    return json_string(str(element))  # another object: its oref text [I]


# -- reading JSON text (%FromJSON) and JSON literals share the token rules --
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class JsonSyntax(Exception):
    """JSON text that does not parse; ``offset`` is where reading stopped."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def read_string(text: str, i: int) -> Tuple[str, int]:
    """A JSON string starting at the quote at ``i``: (its value, the index after it)."""
    out: List[str] = []
    i += 1
    while True:
        end = i
        while end < len(text) and text[end] not in '"\\':
            end += 1
        if end >= len(text):
            raise JsonSyntax(end)
        out.append(text[i:end])
        if text[end] == '"':
            return "".join(out), end + 1
        code = text[end + 1 : end + 2]
        if code in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[code])
            i = end + 2
        elif code == "u" and _HEX4.fullmatch(text, end + 2, end + 6):
            unit = int(text[end + 2 : end + 6], 16)
            i = end + 6
            if 0xD800 <= unit < 0xDC00 and text.startswith("\\u", i) and _HEX4.fullmatch(text, i + 2, i + 6):
                low = int(text[i + 2 : i + 6], 16)
                if 0xDC00 <= low < 0xE000:  # a surrogate pair is one character
                    unit = 0x10000 + (unit - 0xD800) * 0x400 + (low - 0xDC00)
                    i += 6
            out.append(chr(unit))
        else:
            raise JsonSyntax(end)


def read_number(text: str, i: int) -> Tuple[Decimal, int]:
    match = _NUMBER.match(text, i)
    if match is None:
        raise JsonSyntax(i)
    return Decimal(match.group(0)), match.end()


def from_json(s: Session, text: str) -> Oref:
    """``%FromJSON``: an object or an array; anything else is a parsing error."""
    value, end = _read_value(s, text, _skip(text, 0), 0)
    if not isinstance(value, Oref) or _skip(text, end) != len(text):
        raise JsonSyntax(_skip(text, end))
    return value


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _read_value(s: Session, text: str, i: int, depth: int) -> Tuple[Element, int]:
    if depth > MAX_DEPTH:
        raise JsonSyntax(i)
    char = text[i : i + 1]
    if char == '"':
        return read_string(text, i)
    if char == "{":
        members: Dict[str, Element] = {}
        i = _skip(text, i + 1)
        if text[i : i + 1] == "}":
            return new_object(s, members), i + 1
        while True:
            if text[i : i + 1] != '"':
                raise JsonSyntax(i)
            key, i = read_string(text, i)
            i = _skip(text, i)
            if text[i : i + 1] != ":":
                raise JsonSyntax(i)
            members[key], i = _read_value(s, text, _skip(text, i + 1), depth + 1)
            i = _skip(text, i)
            if text[i : i + 1] == "}":
                return new_object(s, members), i + 1
            if text[i : i + 1] != ",":
                raise JsonSyntax(i)
            i = _skip(text, i + 1)
    if char == "[":
        items: List[Element] = []
        i = _skip(text, i + 1)
        if text[i : i + 1] == "]":
            return new_array(s, items), i + 1
        while True:
            item, i = _read_value(s, text, i, depth + 1)
            items.append(item)
            i = _skip(text, i)
            if text[i : i + 1] == "]":
                return new_array(s, items), i + 1
            if text[i : i + 1] != ",":
                raise JsonSyntax(i)
            i = _skip(text, i + 1)
    for word, value in (("true", True), ("false", False), ("null", JSON_NULL)):
        if text.startswith(word, i):
            return value, i + len(word)  # type: ignore[return-value]
    return read_number(text, i)
