"""IRIS's string limit, counted the way the product stores text in IRIS strings.

Every value the product keeps in an IRIS string (an IRISProperty such as the fleet process's FleetState, a
message Column) must stay under IRIS's longest string, 3,641,144 characters (docs/offline-runtime.md §23),
or IRIS raises ``<MAXSTRING>``. The product stores state as JSON written with ``ensure_ascii`` (pure ASCII,
whatever the data), where one character of text can take up to 12: ``é`` is ``\\u00e9`` (6), a control
character ``\\u0001`` (6), a character outside the Basic Multilingual Plane a surrogate pair (12). So every
budget here counts *encoded* characters, never characters of text.
"""

from __future__ import annotations

import json
from typing import Tuple

#: IRIS's longest string, in characters (UTF-16 code units on a Unicode instance).
IRIS_MAX_STRING = 3_641_144


def iris_length(text: str) -> int:
    """Characters ``text`` takes in an IRIS string: a character outside the BMP takes two (UTF-16 code
    units, counted by the codec: a Python loop over a 2 M-character output took seconds)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def json_length(text: str) -> int:
    """Characters ``text`` takes inside a JSON string written with ``ensure_ascii`` (quotes not counted)."""
    return len(json.dumps(text)) - 2


_CHUNK = 4096


def _char_cost(ch: str) -> int:
    code = ord(ch)
    if 0x20 <= code < 0x7F:
        return 2 if ch in '"\\' else 1
    if ch in "\n\r\t\b\f":
        return 2
    return 12 if code > 0xFFFF else 6


def cut_to_json_length(text: str, limit: int) -> Tuple[str, int]:
    """The longest start of ``text`` whose JSON length is at most ``limit``, and how many characters of
    ``text`` were left out (0 when it fits whole)."""
    if limit < 0:
        limit = 0
    if len(text) * 12 <= limit or json_length(text) <= limit:
        return text, 0
    # Each character's escape is independent of its neighbours, so whole chunks are counted by the JSON
    # encoder (C speed) while they fit, and only the chunk that does not fit character by character.
    used = start = 0
    while start < len(text):
        cost = json_length(text[start:start + _CHUNK])
        if used + cost > limit:
            break
        used += cost
        start += _CHUNK
    for index in range(start, len(text)):
        used += _char_cost(text[index])
        if used > limit:
            return text[:index], len(text) - index
    return text, 0  # pragma: no cover  (json_length said it does not fit)
