"""``Expect``: a regular expression the ANSI-stripped output of an ``ok`` command must match.

One implementation for the client (``run_on_servers``) and the production (the operation turns an ``ok``
whose output does not match into ``mismatch``). The pattern is checked before anything is sent, so a typo
in it costs no command run: a request with an invalid pattern ends as ``invalid`` and never reaches a server.

Matching is Python ``re.search`` (multi-line: ``^``/``$`` match at line ends) on the output the client kept,
so its cost is bounded by the output limit (MaxOutputChars); keep patterns simple, since Python's ``re`` has
no time limit and a pattern with nested repeats can take long on a long output.
"""

from __future__ import annotations

import functools
import re
from typing import Optional

from .errors import InvalidArgument

#: Longest Expect accepted; a regular expression longer than this is a mistake, not a check.
MAX_EXPECT_CHARS = 2000


class ExpectError(InvalidArgument, ValueError):
    """The Expect pattern is not a usable regular expression (the request is then ``invalid``)."""


@functools.lru_cache(maxsize=128)
def compile_expect(pattern: str) -> Optional[re.Pattern[str]]:
    """The compiled pattern, or None when ``pattern`` is empty (no check). Raises ExpectError."""
    if not pattern:
        return None
    if len(pattern) > MAX_EXPECT_CHARS:
        raise ExpectError(f"Expect is {len(pattern)} characters long; at most {MAX_EXPECT_CHARS} are allowed")
    try:
        return re.compile(pattern, re.MULTILINE)
    except re.error as exc:
        raise ExpectError(f"Expect {pattern!r} is not a valid regular expression: {exc}") from None


def expect_problem(pattern: str) -> str:
    """Why ``pattern`` cannot be used as Expect, or "" when it can (or is empty)."""
    try:
        compile_expect(pattern or "")
    except ExpectError as exc:
        return str(exc)
    return ""


def mismatch_reason(pattern: str, output: str) -> str:
    """"" when ``output`` matches ``pattern`` (or there is no pattern), else why it is a ``mismatch``."""
    compiled = compile_expect(pattern or "")
    if compiled is None or compiled.search(output or ""):
        return ""
    shown = (output or "").strip().replace("\r", "").replace("\n", "\\n")
    if len(shown) > 200:
        shown = shown[:200] + "..."
    return f"output does not match Expect {pattern!r}: {shown!r}" if shown else (
        f"output does not match Expect {pattern!r}: the command wrote nothing"
    )
