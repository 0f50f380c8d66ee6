"""``%Library.DynamicObject`` and ``%Library.DynamicArray`` (also reached as ``%DynamicObject`` and
``%DynamicArray``): %New, %FromJSON, %Get, %Set, %IsDefined, %Remove, %Size, %ToJSON, %GetTypeOf, %Push,
%Pop, %GetIterator and the iterator's %GetNext (docs/objectscript-grammar.md §6)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, List, Optional

from ..errors import ObjectScriptError
from ..expressions import Ref
from ..json_values import (
    DYNAMIC_ARRAY,
    DYNAMIC_OBJECT,
    JSON_NULL,
    Element,
    JsonSyntax,
    from_json,
    is_array,
    items_of,
    members_of,
    new_array,
    new_object,
    to_json,
    to_value,
    type_of,
)
from ..objects import Args, ClassDef, Oref, arg_str, arg_value
from ..operators import MAX_STRING
from ..values import ONE, ZERO, Value, as_bool, to_num, to_str
from .exception import GENERAL, thrown_error

if TYPE_CHECKING:
    from ..session import Session


def _typed(value: Optional[Value], kind: str) -> Element:
    """``%Set(key, value, type)``: the optional type turns the ObjectScript value into a JSON one."""
    if value is None:
        return ""
    kind = kind.lower()
    if kind == "boolean":
        return to_num(value) != 0
    if kind == "null":
        if to_str(value) != "":
            raise ObjectScriptError("ILLEGAL VALUE")
        return JSON_NULL
    if kind == "number":
        return to_num(value)
    if kind == "string":
        return to_str(value)
    if kind:
        raise ObjectScriptError("ILLEGAL VALUE")
    return value


def _index(oref: Oref, args: Args) -> int:
    index = int(to_num(arg_value(args, 0) or ZERO))
    if index < 0:
        raise ObjectScriptError("INVALID ARGUMENT")
    return index


def _element(oref: Oref, args: Args) -> Optional[Element]:
    """The element a key (object) or 0-based index (array) names; None when there is none."""
    if is_array(oref):
        items = items_of(oref)
        index = _index(oref, args)
        return items[index] if index < len(items) else None
    return members_of(oref).get(arg_str(args, 0))


def _get(s: Session, oref: Oref, args: Args) -> Value:
    element = _element(oref, args)
    if element is None:
        default = arg_value(args, 1)
        return "" if default is None else default
    return to_value(element)


def _set(s: Session, oref: Oref, args: Args) -> Value:
    value = _typed(arg_value(args, 1), arg_str(args, 2))
    if is_array(oref):
        items = items_of(oref)
        index = _index(oref, args)
        items.extend([None] * (index + 1 - len(items)))
        items[index] = value
    else:
        members_of(oref)[arg_str(args, 0)] = value
    return oref


def _is_defined(s: Session, oref: Oref, args: Args) -> Value:
    return as_bool(_element(oref, args) is not None)


def _remove(s: Session, oref: Oref, args: Args) -> Value:
    element = _element(oref, args)
    if is_array(oref):
        index = _index(oref, args)
        if index < len(items_of(oref)):
            del items_of(oref)[index]
    else:
        members_of(oref).pop(arg_str(args, 0), None)
    return "" if element is None else to_value(element)


def _size(s: Session, oref: Oref, args: Args) -> Value:
    return Decimal(len(items_of(oref)) if is_array(oref) else len(members_of(oref)))


def _to_json(s: Session, oref: Oref, args: Args) -> Value:
    text = to_json(oref)
    if len(text) > MAX_STRING:
        raise ObjectScriptError("MAXSTRING")
    return text


def _type_of(s: Session, oref: Oref, args: Args) -> Value:
    return type_of(_element(oref, args))


def _push(s: Session, oref: Oref, args: Args) -> Value:
    items_of(oref).append(_typed(arg_value(args, 0), arg_str(args, 1)))
    return oref


def _pop(s: Session, oref: Oref, args: Args) -> Value:
    items = items_of(oref)
    return to_value(items.pop()) if items else ""


def _iterator(s: Session, oref: Oref, args: Args) -> Value:
    keys: List[object] = list(range(len(items_of(oref)))) if is_array(oref) else list(members_of(oref))
    return s.new_object(ITERATOR, {"target": oref, "keys": keys, "next": ZERO})  # type: ignore[dict-item]


def _get_next(s: Session, it: Oref, args: Args) -> Value:
    """``%GetNext(.key,.value,.type)``: 1 and the next member (unassigned array slots skipped), else 0."""
    target: Oref = it.props["target"]  # type: ignore[assignment]
    keys: list = it.props["keys"]  # type: ignore[assignment]
    position = int(it.props["next"])  # type: ignore[arg-type]
    while position < len(keys):
        key = keys[position]
        position += 1
        element = items_of(target)[key] if is_array(target) and key < len(items_of(target)) else (
            None if is_array(target) else members_of(target).get(key)
        )
        if element is None:
            continue
        it.props["next"] = Decimal(position)
        for ref, value in zip(args, (Decimal(key) if is_array(target) else key, to_value(element),
                                     type_of(element))):
            if isinstance(ref, Ref):
                name, subs = ref.key(s)
                ref.store(s).set(name, subs, value)
        return ONE
    it.props["next"] = Decimal(position)
    return ZERO


def _from_json(s: Session, args: Args) -> Value:
    text = arg_str(args, 0)
    try:
        return from_json(s, text)
    except JsonSyntax as error:
        line = text.count("\n", 0, error.offset) + 1
        column = error.offset - (text.rfind("\n", 0, error.offset) + 1) + 1
        props = {"Name": "Parsing error", "Code": Decimal(3), "Location": "",
                 "Data": f"Line {line} Offset {column}", "InnerException": ""}
        raise thrown_error(s.new_object(GENERAL, props)) from None  # type: ignore[arg-type]


def _class_name(s: Session, oref: Oref, args: Args) -> Value:
    full = oref.cls.name
    return full if to_num(arg_value(args, 0) or ZERO) else full.rsplit(".", 1)[-1]


_COMMON = {"%Get": _get, "%Set": _set, "%IsDefined": _is_defined, "%Remove": _remove, "%Size": _size,
           "%ToJSON": _to_json, "%GetTypeOf": _type_of, "%GetIterator": _iterator, "%ClassName": _class_name}

DYNAMIC_OBJECT.instance_methods.update(_COMMON)
DYNAMIC_ARRAY.instance_methods.update({**_COMMON, "%Push": _push, "%Pop": _pop})
DYNAMIC_OBJECT.class_methods.update({"%New": lambda s, args: new_object(s), "%FromJSON": _from_json})
DYNAMIC_ARRAY.class_methods.update({"%New": lambda s, args: new_array(s), "%FromJSON": _from_json})
ITERATOR = ClassDef("%Iterator.Object", instance_methods={"%GetNext": _get_next})

CLASSES = [
    DYNAMIC_OBJECT,
    DYNAMIC_ARRAY,
    ClassDef("%DynamicObject", DYNAMIC_OBJECT.class_methods),
    ClassDef("%DynamicArray", DYNAMIC_ARRAY.class_methods),
]
