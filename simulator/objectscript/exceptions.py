"""Exception objects for TRY/CATCH and THROW (docs/simulator-objectscript.md §3).

A system error caught by a CATCH becomes a ``%Exception.SystemException`` with Name (``<UNDEFINED>``),
Code (IRIS's error number), Location (empty at the terminal) and Data (the detail without its ``*``).
``DisplayString()`` joins the non-empty Name, Code, Location and Data with spaces, as IRIS does
(``<UNDEFINED> 9 zTest+8^X.1 p1``). An uncaught THROW of any other exception is ``<THROW>`` followed by
``*<class> <DisplayString>``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from .errors import ObjectScriptError
from .objects import Oref
from .values import to_str

if TYPE_CHECKING:
    from .session import Session

#: IRIS error numbers (%Exception.SystemException.Code). UNDEFINED 9 and DIVIDE 18 are shown in public
#: captures; the others are not public and are 0 here (docs/simulator-objectscript.md §3).
SYSTEM_ERROR_CODES = {"UNDEFINED": 9, "DIVIDE": 18}


def display_string(oref: Oref) -> str:
    if oref.cls.name == "%Exception.StatusException":
        from .status import error_text

        return error_text(to_str(oref.props.get("Status", "")))
    parts = [to_str(oref.props.get(name, "")) for name in ("Name", "Code", "Location", "Data")]
    return " ".join(part for part in parts if part)


def exception_object(s: Session, error: ObjectScriptError) -> Oref:
    """The ``%Exception.SystemException`` a CATCH receives for a system error."""
    from .classes.exception import SYSTEM_EXCEPTION

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
