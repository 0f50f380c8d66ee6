"""``%Exception.SystemException``, ``%Exception.General`` and ``%Exception.StatusException``, and the
turning of system errors into exception objects and back, for TRY/CATCH and THROW
(docs/simulator-objectscript.md §3).

A system error caught by a CATCH becomes a ``%Exception.SystemException`` with Name (``<UNDEFINED>``),
Code (IRIS's error number), Location (empty at the terminal) and Data (the detail without its ``*``).
``DisplayString()`` joins the non-empty Name, Code, Location and Data with spaces, as IRIS does
(``<UNDEFINED> 9 zTest+8^X.1 p1``). An uncaught THROW of any other exception is ``<THROW>`` followed by
``*<class> <DisplayString>``.

Properties Name, Code, Location, Data (and InnerException); methods DisplayString() and AsStatus();
``%New(name, code, location, data)`` for the classes a program throws itself, and
``%Exception.StatusException.CreateFromStatus(sc)`` (what ``$$$ThrowOnError`` uses).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Optional

from ..errors import ObjectScriptError
from ..objects import Args, ClassDef, ClassMethod, Oref, arg_num, arg_str, arg_value
from ..status_values import error_status, error_text, errors_of
from ..values import Value, to_str

if TYPE_CHECKING:
    from ..session import Session

_PROPERTIES = ("Name", "Code", "Location", "Data", "InnerException")


#: IRIS error numbers (%Exception.SystemException.Code). UNDEFINED 9 and DIVIDE 18 are shown in public
#: captures; the others are not public and are 0 here (docs/simulator-objectscript.md §3).
SYSTEM_ERROR_CODES = {"UNDEFINED": 9, "DIVIDE": 18}


def display_string(oref: Oref) -> str:
    if oref.cls.name == "%Exception.StatusException":
        return error_text(to_str(oref.props.get("Status", "")))
    parts = [to_str(oref.props.get(name, "")) for name in ("Name", "Code", "Location", "Data")]
    return " ".join(part for part in parts if part)


def exception_object(s: Session, error: ObjectScriptError) -> Oref:
    """The ``%Exception.SystemException`` a CATCH receives for a system error."""
    detail = error.detail[1:] if error.detail.startswith("*") else error.detail
    code = SYSTEM_ERROR_CODES.get(error.name, 0)
    props = {"Name": f"<{error.name}>", "Code": Decimal(code), "Location": "", "Data": detail}
    return s.new_object(SYSTEM_EXCEPTION, {**props, "InnerException": ""})


def thrown_error(oref: Oref) -> ObjectScriptError:
    """What THROW raises: a system exception signals its own error again; any other is ``<THROW>``."""
    if oref.cls.name == "%Exception.SystemException":
        name = to_str(oref.props.get("Name", "")).strip("<>") or "THROW"
        data = to_str(oref.props.get("Data", ""))
        return ObjectScriptError(name, ("*" + data) if data else "", thrown=oref)
    return ObjectScriptError("THROW", f"*{oref.cls.name} {display_string(oref)}".rstrip(), thrown=oref)


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
