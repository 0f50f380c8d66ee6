"""``%Exception.SystemException``, ``%Exception.General`` and ``%Exception.StatusException``.

Properties Name, Code, Location, Data (and InnerException); methods DisplayString() and AsStatus();
``%New(name, code, location, data)`` for the classes a program throws itself, and
``%Exception.StatusException.CreateFromStatus(sc)`` (what ``$$$ThrowOnError`` uses).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Optional

from ..exceptions import display_string
from ..objects import Args, ClassDef, ClassMethod, Oref, arg_num, arg_str, arg_value
from ..status import error_status, errors_of
from ..values import Value, to_str

if TYPE_CHECKING:
    from ..session import Session

_PROPERTIES = ("Name", "Code", "Location", "Data", "InnerException")


def _display(s: Session, oref: Oref, args: Args) -> Value:
    return " " * max(arg_num(args, 0), 0) + display_string(oref)


def _as_status(s: Session, oref: Oref, args: Args) -> Value:
    if oref.cls.name == "%Exception.StatusException":
        return to_str(oref.props.get("Status", ""))
    if oref.cls.name == "%Exception.SystemException":
        name, data = to_str(oref.get("Name")), to_str(oref.get("Data"))
        return error_status(5002, name + (" *" + data if data else ""))
    return error_status(5001, display_string(oref))


def _class_name(s: Session, oref: Oref, args: Args) -> Value:
    full = oref.cls.name
    return full if arg_num(args, 0) else full.rsplit(".", 1)[-1]


_METHODS = {"DisplayString": _display, "AsStatus": _as_status, "%ClassName": _class_name}


def _or_empty(value: Optional[Value]) -> Value:
    return "" if value is None else value


def _new(cls: ClassDef) -> ClassMethod:
    def new(s: Session, args: Args) -> Value:
        props = {name: _or_empty(arg_value(args, i)) for i, name in enumerate(_PROPERTIES)}
        return s.new_object(cls, props)

    return new


def _from_status(s: Session, args: Args) -> Value:
    status = arg_str(args, 0)
    entries = errors_of(status)
    code = entries[0][0] if entries else 0
    props = {"Name": f"ERROR #{code}" if entries else "", "Code": Decimal(code), "Location": "", "Data": "",
             "InnerException": "", "Status": status}
    return s.new_object(STATUS_EXCEPTION, props)


SYSTEM_EXCEPTION = ClassDef("%Exception.SystemException", instance_methods=_METHODS, properties=_PROPERTIES)
GENERAL = ClassDef("%Exception.General", instance_methods=_METHODS, properties=_PROPERTIES)
STATUS_EXCEPTION = ClassDef("%Exception.StatusException", instance_methods=_METHODS, properties=_PROPERTIES)
for _cls in (SYSTEM_EXCEPTION, GENERAL):
    _cls.class_methods["%New"] = _new(_cls)
STATUS_EXCEPTION.class_methods["CreateFromStatus"] = _from_status

CLASSES = [SYSTEM_EXCEPTION, GENERAL, STATUS_EXCEPTION]
