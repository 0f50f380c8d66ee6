"""ObjectScript values: everything is a string or a decimal number, converted on demand.

Numbers are ``Decimal`` so that canonical forms (``.5``, no trailing zeros) and 18-19 significant digits
come out as IRIS prints them; strings convert to numbers by their longest numeric prefix.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from .objects import Oref

Value = Union[str, Decimal, "Oref"]
DECIMAL_CONTEXT = Context(prec=19, rounding=ROUND_HALF_EVEN)  # IRIS decimals carry 18-19 significant digits
ZERO = Decimal(0)
ONE = Decimal(1)

_NUM_PREFIX = re.compile(r"([+-]*)((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)?")
_CANONICAL = re.compile(r"-?(?:[1-9]\d*(?:\.\d*[1-9])?|\.\d*[1-9]|0)")


def to_num(value: Value) -> Decimal:
    """ObjectScript numeric interpretation: the longest numeric prefix, else 0 (``+"12ab"`` is 12)."""
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):  # an object reference: its number (IRIS: +oref is the oref's integer)
        return Decimal(value.oid)
    match = _NUM_PREFIX.match(value)
    assert match is not None
    if not match.group(2):
        return ZERO
    number = Decimal(match.group(2))
    return -number if match.group(1).count("-") % 2 else number


def to_str(value: Value) -> str:
    """Canonical form: ``.5`` not ``0.5``, no trailing zeros, integers without a point."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Decimal):  # an object reference: "1@%Exception.General"
        return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    text = format(value.normalize(), "f")
    if text.startswith("0."):
        return text[1:]
    if text.startswith("-0."):
        return "-" + text[2:]
    return text


def truth(value: Value) -> bool:
    """A value is true when its numeric interpretation is not zero (``"abc"`` is false)."""
    return to_num(value) != 0


def as_bool(flag: bool) -> Decimal:
    """Comparisons and logic yield the numbers 1 and 0."""
    return ONE if flag else ZERO


def is_canonical(text: str) -> bool:
    """A canonical number (``12``, ``-.5``): subscripts collate it numerically, ZWRITE shows it bare."""
    return _CANONICAL.fullmatch(text) is not None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def zwrite_quote(value: Value) -> str:
    """ZWRITE form (docs/simulator-objectscript.md §4): canonical numbers bare, strings quoted with doubled
    quotes, non-printing characters as ``$c(n)`` pieces joined with ``_``: ``"a"_$c(7)_"b"``."""
    text = to_str(value)
    if _CANONICAL.fullmatch(text):
        return text
    if not _CONTROL.search(text):
        return '"' + text.replace('"', '""') + '"'
    parts = []
    for piece in re.split(r"([\x00-\x1f\x7f]+)", text):
        if not piece:
            continue
        if _CONTROL.match(piece):
            parts.append("$c(" + ",".join(str(ord(c)) for c in piece) + ")")
        else:
            parts.append('"' + piece.replace('"', '""') + '"')
    return "_".join(parts)
