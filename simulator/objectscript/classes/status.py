"""``%SYSTEM.Status``: reading and showing ``%Status`` values (see ``..status`` for the encoding)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ..objects import Args, ClassDef, arg_num, arg_str
from ..status_values import OK, combine, error_status, error_text, errors_of
from ..values import Value, as_bool, to_num

if TYPE_CHECKING:
    from ..session import Session


def is_ok(s: Session, args: Args) -> Value:
    return as_bool(to_num(arg_str(args, 0)) != 0)


def is_error(s: Session, args: Args) -> Value:
    return as_bool(to_num(arg_str(args, 0)) == 0)


def get_error_text(s: Session, args: Args) -> Value:
    return error_text(arg_str(args, 0))


def get_error_codes(s: Session, args: Args) -> Value:
    return ",".join(str(code) for code, _ in errors_of(arg_str(args, 0)))


def display_error(s: Session, args: Args) -> Value:
    """Writes each error on a line of its own, starting on a new line (``Write !,text``)."""
    text = error_text(arg_str(args, 0))
    if text:
        s.write("\r\n" + text)
    return Decimal(1)


def append_status(s: Session, args: Args) -> Value:
    """AppendStatus(sc1, sc2): one status holding the errors of both (success when neither failed)."""
    entries = errors_of(arg_str(args, 0, OK)) + errors_of(arg_str(args, 1, OK))
    return combine(entries) if entries else OK


def ok(s: Session, args: Args) -> Value:
    return OK


def error(s: Session, args: Args) -> Value:
    return error_status(arg_num(args, 0), *(arg_str(args, i) for i in range(1, len(args))))


CLASSES = [
    ClassDef(
        "%SYSTEM.Status",
        {"IsOK": is_ok, "IsError": is_error, "GetErrorText": get_error_text, "GetErrorCodes": get_error_codes,
         "DisplayError": display_error, "OK": ok, "Error": error, "AppendStatus": append_status},
    )
]
