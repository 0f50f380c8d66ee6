"""The ``$LISTBUILD`` encoding: a list is a string of elements, each a length, a type byte and its data.

IRIS documents a list as an encoded string only the ``$LIST`` functions read
(docs/objectscript-grammar.md §5), and that ``$CHAR(1)``, ``$CHAR(2,1)`` and ``$CHAR(3,1,c)`` are an
empty element, ``$LB("")`` and a one-character element [D G9]. The rest of the layout follows public
write-ups of the encoding [I]: a one-byte length counting itself and the type byte (or a 0 byte and a
two-byte length for long elements), then type 1 (8-bit string), 2 (UTF-16LE string), 4/5 (positive or
negative integer, little-endian), 6/7 (positive or negative decimal: an exponent byte, then the mantissa).
An element that is only its length byte (``\x01``) holds no data. Only this module knows the layout.
"""

from __future__ import annotations

import struct
from decimal import Decimal
from typing import Iterator, List, Optional, Sequence, Tuple

from .errors import ObjectScriptError
from .values import Value, is_canonical, to_str

UNDEFINED = None  # an element that holds nothing (``$LB(1,,3)``)
Element = Optional[Value]


def _signed(number: int) -> str:
    """Little-endian two's complement in the fewest bytes."""
    size = 1
    while not -(1 << (8 * size - 1)) <= number < (1 << (8 * size - 1)):
        size += 1
    return number.to_bytes(size, "little", signed=True).decode("latin-1")


def _header(size: int) -> str:
    """The length bytes for an element of ``size`` data+type bytes."""
    if size + 1 < 256:
        return chr(size + 1)
    if size + 3 < 65536:
        total = size + 3
        return "\x00" + chr(total & 0xFF) + chr(total >> 8)
    total = size + 7
    return "\x00\x00\x00" + "".join(chr(total >> shift & 0xFF) for shift in (0, 8, 16, 24))


def encode_element(value: Element) -> str:
    if value is None:
        return "\x01"
    if isinstance(value, Decimal) and value.is_finite():
        sign, digits, exponent = value.normalize().as_tuple() if value else (0, (0,), 0)
        mantissa = int("".join(map(str, digits)) or "0")
        if exponent >= 0:  # an integer
            number = mantissa * 10**exponent
            body, kind = (_unsigned(number), "\x04") if not sign else (_signed(-number), "\x05")
        elif -128 <= exponent:
            digits_part = _unsigned(mantissa) if not sign else _signed(-mantissa)
            body, kind = chr(exponent & 0xFF) + digits_part, ("\x06" if not sign else "\x07")
        else:
            return encode_element(to_str(value))
        return _header(len(body) + 1) + kind + body
    text = to_str(value)
    if all(ord(c) < 256 for c in text):
        kind, data = "\x01", text
    else:
        kind, data = "\x02", text.encode("utf-16-le").decode("latin-1")
    return _header(len(data) + 1) + kind + data


def _unsigned(number: int) -> str:
    if number == 0:
        return ""
    return number.to_bytes((number.bit_length() + 7) // 8, "little").decode("latin-1")


def build(items: Sequence[Element]) -> str:
    return "".join(encode_element(item) for item in items)


def _decode(kind: int, data: str) -> Element:
    raw = data.encode("latin-1")
    if kind == 1:
        return data
    if kind == 2:
        return raw.decode("utf-16-le", errors="replace")
    if kind == 4:
        return Decimal(int.from_bytes(raw, "little"))
    if kind == 5:
        return Decimal(int.from_bytes(raw, "little", signed=True)) if raw else Decimal(-0)
    if kind in (6, 7):
        if not raw:
            raise ValueError("no exponent")
        exponent = int.from_bytes(raw[:1], "little", signed=True)
        mantissa = int.from_bytes(raw[1:], "little", signed=kind == 7)
        return Decimal(mantissa).scaleb(exponent)
    if kind == 8:
        if len(raw) != 8:
            raise ValueError("double")
        return Decimal(repr(struct.unpack("<d", raw)[0]))
    raise ValueError(f"type {kind}")


def iterate(text: str) -> Iterator[Tuple[int, Element]]:
    """(offset after the element, element) for each element; ValueError when ``text`` is not a list."""
    pos, end = 0, len(text)
    while pos < end:
        size = ord(text[pos])
        head = 1
        if size == 0:
            if pos + 3 > end:
                raise ValueError("truncated")
            size = ord(text[pos + 1]) | ord(text[pos + 2]) << 8
            head = 3
            if size == 0:
                if pos + 7 > end:
                    raise ValueError("truncated")
                size = sum(ord(text[pos + 3 + k]) << (8 * k) for k in range(4))
                head = 7
        if size < head or pos + size > end:
            raise ValueError("bad length")
        if size == head:
            pos += size
            yield pos, UNDEFINED
            continue
        kind = ord(text[pos + head])
        yield pos + size, _decode(kind, text[pos + head + 1 : pos + size])
        pos += size


def parse(text: str) -> Optional[List[Element]]:
    """The elements of a list, or None when ``text`` is not one ("" is the empty list)."""
    try:
        return [element for _, element in iterate(text)]
    except (ValueError, UnicodeDecodeError):
        return None


def elements(value: Value) -> List[Element]:
    """The elements, or ``<LIST>`` when the value is not a list (as IRIS's $LIST functions report it)."""
    items = parse(to_str(value))
    if items is None:
        raise ObjectScriptError("LIST")
    return items


def shown(items: Sequence[Element], quote) -> str:
    """ZWRITE's form of a list: ``$lb(1,"a",,2)``."""
    return "$lb(" + ",".join("" if item is None else quote(item) for item in items) + ")"


def is_list_display(text: str) -> bool:
    """Does ZWRITE show this string as ``$lb(...)``: a non-empty valid list."""
    return bool(text) and ord(text[0]) < 256 and parse(text) is not None and not is_canonical(text)
