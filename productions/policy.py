"""Command policy: AllowPatterns / DenyPatterns matched against a normalised form of the command.

Why normalise: ObjectScript command names are case-insensitive and abbreviable (``zn``, ``ZN``, ``Znspace``),
commands can be stacked on one line or spread over several, and the namespace can also be changed with
``set $namespace=...``. A regular expression written against the raw text is bypassed by any of these. So the
command is rewritten into *statements*, one per line, before matching:

* each command name is expanded to its full upper-case name (``zn`` -> ``ZNSPACE``, ``s`` -> ``SET``,
  ``h`` -> ``HALT`` without argument, ``HANG`` with one);
* text outside string literals is upper-cased and its blanks removed; string literals are kept as written;
* comma-separated arguments become one statement each (``SET A=1``, ``SET $NAMESPACE="%SYS"``);
* a namespace change by special variable (``SET $NAMESPACE=x``, ``SET $ZNSPACE=x``, ``$ZNS``) also yields
  the statement ``ZNSPACE x``, so one pattern ``^ZNSPACE\\b`` covers every spelling;
* ``$ZUTIL(5,ns)`` / ``$ZU(5,ns)``, the deprecated namespace switch, also yields ``ZNSPACE ns``;
* ``XECUTE "literal"`` is unquoted and normalised too (one level of nesting at a time, up to a small depth);
* comments (``//``, ``;``, ``#;`` to the end of the line, ``/* */`` up to its end) are dropped and ``{``/``}``
  blocks split statements; a tab counts as a blank everywhere, also between a command and its argument.

Blanks are ambiguous: ObjectScript ends a command's argument at a blank (``write 1 zn "x"`` is two commands)
but also accepts blanks around operators (``set x = 1``). Rather than guess, every line is read both ways,
*strictly* (a blank always ends the argument) and *leniently* (a blank next to a binary operator does not),
and the statements of both readings are checked: a deny pattern matching either reading denies, and an allow
list must accept both readings. A mistaken reading can therefore only make the policy stricter.

Patterns are Python regular expressions, matched case-insensitively with ``re.search`` against each
statement (``^`` is the start of a statement). One pattern per line in the setting; a single line is one
pattern (use ``|`` for alternatives). Deny wins: a command is denied if any statement matches any deny
pattern. With allow patterns set, every statement must match at least one of them.

What it cannot stop (this is defence in depth, not a sandbox; the real control is a least-privilege IRIS
user, docs/settings.md §9): code built at run time (``xecute "z"_"n ..."``, ``@indirection``,
``$classmethod``, ``$method``, ``$xecute``), routines and class methods that do the forbidden thing inside
(``do ^MYROUTINE``, ``do ##class(...).Switch()``), ``$ZF`` / ``$ZUTIL`` system calls unless denied by name,
and output-side effects such as ``job`` launching other code. Deny those by name (e.g. ``^XECUTE\\b``,
``@``, ``\\$ZF\\(``) or use an allow-list if they matter.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

#: ObjectScript command names and their documented abbreviations (ObjectScript reference, "Commands").
_COMMANDS = {
    "B": "BREAK", "BREAK": "BREAK", "C": "CLOSE", "CLOSE": "CLOSE", "CATCH": "CATCH",
    "CONTINUE": "CONTINUE", "D": "DO", "DO": "DO", "E": "ELSE", "ELSE": "ELSE", "ELSEIF": "ELSEIF",
    "F": "FOR", "FOR": "FOR", "G": "GOTO", "GOTO": "GOTO", "I": "IF", "IF": "IF", "J": "JOB", "JOB": "JOB",
    "K": "KILL", "KILL": "KILL", "L": "LOCK", "LOCK": "LOCK", "M": "MERGE", "MERGE": "MERGE",
    "N": "NEW", "NEW": "NEW", "O": "OPEN", "OPEN": "OPEN", "Q": "QUIT", "QUIT": "QUIT",
    "R": "READ", "READ": "READ", "RET": "RETURN", "RETURN": "RETURN", "S": "SET", "SET": "SET",
    "TC": "TCOMMIT", "TCOMMIT": "TCOMMIT", "TRO": "TROLLBACK", "TROLLBACK": "TROLLBACK",
    "TS": "TSTART", "TSTART": "TSTART", "THROW": "THROW", "TRY": "TRY", "U": "USE", "USE": "USE",
    "V": "VIEW", "VIEW": "VIEW", "W": "WRITE", "WRITE": "WRITE", "WHILE": "WHILE",
    "X": "XECUTE", "XECUTE": "XECUTE", "ZB": "ZBREAK", "ZBREAK": "ZBREAK", "ZK": "ZKILL", "ZKILL": "ZKILL",
    "ZL": "ZLOAD", "ZLOAD": "ZLOAD", "ZN": "ZNSPACE", "ZNSPACE": "ZNSPACE", "ZP": "ZPRINT",
    "ZPRINT": "ZPRINT", "ZQ": "ZQUIT", "ZQUIT": "ZQUIT", "ZR": "ZREMOVE", "ZREMOVE": "ZREMOVE",
    "ZS": "ZSAVE", "ZSAVE": "ZSAVE", "ZT": "ZTRAP", "ZTRAP": "ZTRAP", "ZW": "ZWRITE", "ZWRITE": "ZWRITE",
    "ZZDUMP": "ZZDUMP", "ZZWRITE": "ZZWRITE", "ZI": "ZINSERT", "ZINSERT": "ZINSERT",
}
#: Special variables that hold the current namespace; setting one switches namespace like ZNSPACE.
_NAMESPACE_VARS = {"$NAMESPACE", "$ZNSPACE", "$ZNS"}
_MAX_XECUTE_DEPTH = 3
_BLANKS = " \t"
#: Characters that continue an argument across blanks in the lenient reading: binary operators after the
#: blank (no command starts with one) ...
_OPERATOR_NEXT = set("=+-*/\\_&<>[],'!#?:")
#: ... and before it, except ``!`` and ``#``, which are also WRITE/READ format controls that can end an
#: argument (``write ! zn "x"`` is two commands).
_OPERATOR_PREV = set("=+-*/\\_&<>[],':")
_ZUTIL_NAMESPACE = re.compile(r"\$ZU(?:TIL)?\(5,(.*)")
#: DenyPatterns default of TerminalCommandProcess (repeated there as a literal: the loader reads the AST).
DEFAULT_DENY = r"^(ZNSPACE|HALT)\b"


@dataclass(frozen=True)
class Decision:
    """Outcome of a policy check: ``allowed`` and, when not, a reason fit for the Event Log."""

    allowed: bool
    reason: str = ""
    statements: Tuple[str, ...] = ()


class PolicyError(ValueError):
    """A pattern setting is not a valid regular expression (the policy then denies everything)."""


def split_patterns(text: str) -> List[str]:
    """One pattern per non-blank line of a setting value."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@functools.lru_cache(maxsize=64)
def _compile(text: str, setting: str) -> Tuple[re.Pattern, ...]:
    compiled = []
    for pattern in split_patterns(text):
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise PolicyError(f"{setting}: invalid regular expression {pattern!r}: {exc}") from None
    return tuple(compiled)


class CommandPolicy:
    """Allow/deny decision for commands, built from the two setting strings."""

    def __init__(self, allow_patterns: str = "", deny_patterns: str = "") -> None:
        self.allow = _compile(allow_patterns or "", "AllowPatterns")
        self.deny = _compile(deny_patterns or "", "DenyPatterns")

    def check(self, command: str) -> Decision:
        statements = tuple(normalize(command))
        for statement in statements:
            for pattern in self.deny:
                if pattern.search(statement):
                    reason = f"matches DenyPatterns {pattern.pattern!r}: {statement}"
                    return Decision(False, reason, statements)
        if self.allow:
            for statement in statements:
                if not any(p.search(statement) for p in self.allow):
                    return Decision(False, f"not matched by AllowPatterns: {statement}", statements)
        return Decision(True, "", statements)


def check_command(command: str, allow_patterns: str = "", deny_patterns: str = "") -> Decision:
    """Convenience wrapper; a broken pattern setting denies (fails closed) with the reason."""
    try:
        return CommandPolicy(allow_patterns, deny_patterns).check(command)
    except PolicyError as exc:
        return Decision(False, str(exc))


# ---------------------------------------------------------------------------------------------------------
# Normalisation


def normalize(command: str, _depth: int = 0) -> List[str]:
    """Rewrite a command into canonical statements: the strict reading, then what the lenient one adds."""
    statements: List[str] = []
    for line in (command or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        for lenient in (False, True):
            for statement in _normalize_line(line, _depth, lenient):
                if statement not in statements:
                    statements.append(statement)
    return statements


def _normalize_line(line: str, depth: int, lenient: bool = False) -> List[str]:
    out: List[str] = []
    pos = 0
    n = len(line)
    while pos < n:
        # Skip blanks, dots of argumentless-DO blocks, and block braces between commands.
        while pos < n and line[pos] in " \t.{}":
            pos += 1
        if line.startswith("/*", pos):
            end = line.find("*/", pos + 2)
            if end >= 0:  # a block comment between commands: skip it and go on
                pos = end + 2
                continue
            break  # unterminated here: the rest of this line is comment (later lines are still read)
        if pos >= n or _comment_at(line, pos):
            break
        match = re.compile(r"[%A-Za-z][A-Za-z0-9]*").match(line, pos)
        if not match:
            # Not a command position we understand: keep the rest, collapsed, so deny patterns still see it.
            rest = _collapse(line[pos:])
            if rest:
                out.append(rest)
            break
        name = match.group(0).upper()
        pos = match.end()
        postcond = ""
        if pos < n and line[pos] == ":":
            end = _scan_argument(line, pos + 1, lenient)
            postcond = ":" + _collapse(line[pos + 1:end])
            pos = end
        args: List[str] = []
        has_argument = pos + 1 < n and line[pos] in _BLANKS and line[pos + 1] not in _BLANKS
        if has_argument and not _comment_at(line, pos + 1):
            end = _scan_argument(line, pos + 1, lenient)
            args = _split_top_level(line[pos + 1:end])
            pos = end
        full = _COMMANDS.get(name, name)
        if name == "H":
            full = "HANG" if args else "HALT"
        out.extend(_statements(full, postcond, args, depth))
    return out


def _statements(name: str, postcond: str, args: Sequence[str], depth: int) -> List[str]:
    if not args:
        return [f"{name}{postcond}"]
    out = []
    for raw in args:
        arg = _collapse(raw)
        out.append(f"{name}{postcond} {arg}")
        if name == "SET":
            target, _, value = arg.partition("=")
            targets = target.strip("()").split(",")
            if value and any(t in _NAMESPACE_VARS for t in targets):
                out.append(f"ZNSPACE {value}")
        switch = _ZUTIL_NAMESPACE.search(arg)
        if switch:
            out.append(f"ZNSPACE {switch.group(1)}")
        if name == "XECUTE" and depth < _MAX_XECUTE_DEPTH:
            literal = _string_literal(raw.strip())
            if literal is not None:
                out.extend(normalize(literal, depth + 1))
    return out


def _comment_at(line: str, pos: int) -> bool:
    return line.startswith(("//", ";", "#;", "/*"), pos)


def _scan_argument(line: str, pos: int, lenient: bool = False) -> int:
    """End of an argument (or post-conditional): the first blank outside strings and parentheses.

    In the lenient reading a blank next to a binary operator does not end it (``set x = 1``).
    """
    depth = 0
    n = len(line)
    while pos < n:
        ch = line[pos]
        if ch == '"':
            pos = _skip_string(line, pos)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch in " \t{}" and depth == 0:
            if not (lenient and ch in _BLANKS and _operator_around(line, pos)):
                return pos
        pos += 1
    return pos


def _operator_around(line: str, pos: int) -> bool:
    """Is the blank at ``pos`` preceded or followed (past more blanks) by a binary operator?"""
    before = line[pos - 1] if pos > 0 else ""
    after = pos
    while after < len(line) and line[after] in _BLANKS:
        after += 1
    if after >= len(line) or _comment_at(line, after):
        return False
    return before in _OPERATOR_PREV or line[after] in _OPERATOR_NEXT


def _skip_string(line: str, pos: int) -> int:
    """Index after the string literal starting at ``pos`` (``""`` is an escaped quote)."""
    pos += 1
    n = len(line)
    while pos < n:
        if line[pos] == '"':
            if pos + 1 < n and line[pos + 1] == '"':
                pos += 2
                continue
            return pos + 1
        pos += 1
    return pos


def _split_top_level(text: str) -> List[str]:
    """Split command arguments at commas outside strings and parentheses."""
    parts, depth, start, pos = [], 0, 0, 0
    while pos < len(text):
        ch = text[pos]
        if ch == '"':
            pos = _skip_string(text, pos)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append(text[start:pos])
            start = pos + 1
        pos += 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _collapse(text: str) -> str:
    """Upper-case and remove blanks outside string literals; keep literals verbatim."""
    out, pos = [], 0
    while pos < len(text):
        ch = text[pos]
        if ch == '"':
            end = _skip_string(text, pos)
            out.append(text[pos:end])
            pos = end
            continue
        if ch not in " \t":
            out.append(ch.upper())
        pos += 1
    collapsed = "".join(out)
    # $ZNS is the abbreviation of $ZNSPACE: one spelling for patterns.
    return re.sub(r"\$ZNS(?![A-Z0-9])", "$ZNSPACE", collapsed)


def _string_literal(text: str) -> Optional[str]:
    """The value of ``text`` if it is exactly one string literal, else None (e.g. a concatenation)."""
    if len(text) >= 2 and text[0] == '"' and _skip_string(text, 0) == len(text):
        return text[1:-1].replace('""', '"')
    return None
