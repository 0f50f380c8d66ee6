"""Command policy: AllowPatterns / DenyPatterns matched against a normalised form of the command.

Why normalise: ObjectScript command names are case-insensitive and abbreviable (``zn``, ``ZN``, ``Znspace``),
commands can be stacked on one line or spread over several, and the namespace can also be changed with
``set $namespace=...`` or ``$ZU(5,...)``. A regular expression written against the raw text is bypassed by
any of these. So the command is rewritten into *statements*, one per command argument, before matching:

* the text is split into the lines the server runs by ``adapters.lite_terminal.lines.command_lines`` (the
  function the client sends with); text it refuses (U+2028, form feed, NUL, ...) is denied with its reason;
* each command name is expanded to its full upper-case name (``zn`` -> ``ZNSPACE``, ``s`` -> ``SET``,
  ``h`` -> ``HALT`` without argument, ``HANG`` with one);
* text outside string literals is upper-cased and its blanks and ``/* */`` comments removed; string
  literals are kept as written; comma-separated arguments become one statement each (``SET A=1``);
* a namespace change by special variable (``SET $NAMESPACE=x``, ``$ZNSPACE``, ``$ZNS``) and ``$ZU(5,x)`` /
  ``$ZUTIL(5,x)`` anywhere (an argument, a postconditional) also yield the statement ``ZNSPACE x``, so one
  pattern ``^ZNSPACE\\b`` covers every spelling;
* the code of an ``XECUTE`` string literal (``x "..."``, ``x:pc "..."``, ``x "...":pc``, ``x ("...")``, the
  parameter form ``x ("(a) ...",1)``) and of ``$XECUTE("...")`` is read the same way, nested up to
  ``MAX_XECUTE_DEPTH`` levels; deeper nesting is denied;
* ``&sql(...)`` is skipped as one statement (``&SQL(...)``) and reading goes on after it; SQL holding a
  comment (or ``;``) outside its strings is denied as unreadable (docs/policy.md §2);
* inside JSON literals (``{...}``, ``[...]``) strings follow JSON's rules, backslash escapes included
  (docs/policy.md §1); a literal assigned to ``$ETRAP`` is read like an XECUTE literal (docs/policy.md §3);
* comments (``//``, ``;``, ``#;``, ``##;`` to the end of the line, ``/* */`` to its end) are dropped and
  ``{``/``}`` blocks split statements; a tab counts as a blank everywhere.

One text, several readings. ObjectScript ends a command's argument at a blank (``write 1 zn "x"`` is two
commands) but also accepts blanks around operators (``set x = 1``), and in routine code an argument may go
on on the next line (``set x`` newline ``= 1``); whether the terminal joins lines that way is not documented.
Rather than guess, every line is read *strictly* (a blank always ends the argument) and *leniently* (a blank
next to a binary operator does not), and lines that may continue into the next (open parenthesis, an
operator at the end of a line or the start of the next, an open ``/*`` or ``&sql(``) are also read *joined*.
A deny pattern matching any reading denies; an allow list must accept every statement of every reading; a
line that no reading can read (an unknown command, an unterminated string, an unbalanced parenthesis, text
where a command should start) is denied as unreadable. A mistaken reading can only make the policy stricter.

Everything runs in time linear in the text (one regular-expression scanner; XECUTE literals are read once
each): tests/benchmarks/bench_policy.py prints the figures.

Patterns are Python regular expressions, matched case-insensitively with ``re.search`` against each
statement (``^`` is the start of a statement). One pattern per line in the setting. Deny wins.

Code built at run time from the command's own text (``xecute "z"_"n ..."``, ``xecute x``, ``$XECUTE`` or
``$ETRAP`` of anything but one literal, ``@`` indirection) cannot be read without running it: it is treated
as reaching anything, so a command holding it is denied under any pattern (docs/policy.md §7). ``do ^%CD``
(the %CD utility) yields ``ZNSPACE``.

What it cannot stop (defence in depth, not a sandbox; the real control is a least-privilege IRIS user,
docs/settings.md §9): code stored on the server, routines and class methods that do the forbidden thing
inside (``do ^MYROUTINE``, ``$classmethod``, ``$method``), extended global references (``^|"%SYS"|X``),
``$ZF`` calls and ``JOB``. Deny those by name if they matter.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple

from adapters.lite_terminal.errors import ConfigurationError
from adapters.lite_terminal.lines import UnsafeCommandText, command_lines
from adapters.settings import as_typed

#: ObjectScript command names and their documented abbreviations (ObjectScript reference, "Commands").
_COMMANDS = {
    "B": "BREAK", "BREAK": "BREAK", "C": "CLOSE", "CLOSE": "CLOSE", "CATCH": "CATCH",
    "CONTINUE": "CONTINUE", "D": "DO", "DO": "DO", "E": "ELSE", "ELSE": "ELSE", "ELSEIF": "ELSEIF",
    "F": "FOR", "FOR": "FOR", "G": "GOTO", "GOTO": "GOTO", "H": "HALT", "HALT": "HALT", "HANG": "HANG",
    "I": "IF", "IF": "IF", "J": "JOB", "JOB": "JOB",
    "K": "KILL", "KILL": "KILL", "L": "LOCK", "LOCK": "LOCK", "M": "MERGE", "MERGE": "MERGE",
    "N": "NEW", "NEW": "NEW", "O": "OPEN", "OPEN": "OPEN", "P": "PRINT", "PRINT": "PRINT",
    "Q": "QUIT", "QUIT": "QUIT",
    "R": "READ", "READ": "READ", "RET": "RETURN", "RETURN": "RETURN", "S": "SET", "SET": "SET",
    "TC": "TCOMMIT", "TCOMMIT": "TCOMMIT", "TRO": "TROLLBACK", "TROLLBACK": "TROLLBACK",
    "TS": "TSTART", "TSTART": "TSTART", "THROW": "THROW", "TRY": "TRY", "U": "USE", "USE": "USE",
    "V": "VIEW", "VIEW": "VIEW", "W": "WRITE", "WRITE": "WRITE", "WHILE": "WHILE",
    "X": "XECUTE", "XECUTE": "XECUTE", "ZB": "ZBREAK", "ZBREAK": "ZBREAK", "ZK": "ZKILL", "ZKILL": "ZKILL",
    "ZL": "ZLOAD", "ZLOAD": "ZLOAD", "ZN": "ZNSPACE", "ZNSPACE": "ZNSPACE", "ZP": "ZPRINT",
    "ZPRINT": "ZPRINT", "ZQ": "ZQUIT", "ZQUIT": "ZQUIT", "ZR": "ZREMOVE", "ZREMOVE": "ZREMOVE",
    "ZS": "ZSAVE", "ZSAVE": "ZSAVE", "ZSYNC": "ZSYNC", "ZT": "ZTRAP", "ZTRAP": "ZTRAP",
    "ZW": "ZWRITE", "ZWRITE": "ZWRITE",
    "ZZDUMP": "ZZDUMP", "ZZWRITE": "ZZWRITE", "ZI": "ZINSERT", "ZINSERT": "ZINSERT",
}
#: Special variables that hold the current namespace; setting one switches namespace like ZNSPACE.
_NAMESPACE_VARS = {"$NAMESPACE", "$ZNSPACE"}
#: XECUTE literals inside XECUTE literals are read this many levels deep; deeper ones are denied.
MAX_XECUTE_DEPTH = 4
#: Characters that continue an argument across blanks in the lenient reading: binary operators after the
#: blank (no command starts with one) ...
_OPERATOR_NEXT = frozenset("=+-*/\\_&<>[],'!#?:")
#: ... and before it, except ``!`` and ``#``, which are also WRITE/READ format controls that can end an
#: argument (``write ! zn "x"`` is two commands).
_OPERATOR_PREV = frozenset("=+-*/\\_&<>[],':")
#: A ``{`` right after one of these opens a JSON literal (``set o={"a":1}``), not a block.
_JSON_OPENERS = frozenset("=+-*/\\_&<>[],':(")
#: DenyPatterns default of TerminalCommandProcess (repeated there as a literal: the loader reads the AST).
DEFAULT_DENY = r"^(ZNSPACE|HALT)\b"

#: Which string rule an argument is read with: ObjectScript's everywhere, JSON's inside JSON literals (how
#: IRIS reads it, docs/policy.md §1), or JSON's everywhere. Text holding a backslash and a bracket is read
#: all three ways.
JSON_NEVER, JSON_IN_LITERALS, JSON_ALWAYS = 0, 1, 2

_BLANK = " \t\n"
_AFTER_NAME = frozenset(" \t\n:{}")  # what may follow a command name
_BLANKS = re.compile(r"[ \t\n]+")
_SKIP = re.compile(r"[ \t\n.{}]+")  # between commands: blanks, line ends, dots of DO blocks, braces
#: What may stand where a command starts, after blanks, line ends, dots and braces.
_START = re.compile(
    r"[ \t\n.{}]*(?:(?P<name>[%A-Za-z][A-Za-z0-9]*)|(?P<comment>(?://|;|##;|#;)[^\n]*)|(?P<block>/\*)"
    r"|(?P<sql>&[sS][qQ][lL]\()|(?P<end>\Z))"
)
_STRING = re.compile(r'"(?:[^"\n]|"")*("?)')  # group 1 is empty when the literal is not closed
_PLAIN = re.compile(r'[^ \t\n"(){},/\[\]]+')  # argument text that needs no decision
#: ... in the lenient reading also blanks after an operator or before one (not before a comment) ...
_PLAIN_LENIENT = re.compile(
    r'(?:[^ \t\n"(){},/\[\]]'
    r"|(?<=[=+\-*/\\_&<>\[\],':])[ \t\n]+(?=[^ \t\n])(?!//|/\*|;|#;|##;)"
    r"|[ \t\n]+(?=[=+\-*/\\_&<>\[\],'!#?:])(?!//|/\*|#;|##;))+"
)
#: ... and inside parentheses, blanks too.
_PLAIN_INSIDE = re.compile(r'[^"(){}/\[\]]+')
#: A string inside a JSON literal follows JSON's rules: a backslash escapes the next character, so ``"\""``
#: is one string holding a quote (docs/policy.md §1).
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*("?)')
#: ``[`` after one of these (binary operators, ``(``, ``,``, ``:``) opens a JSON array; after an operand it is
#: the "contains" operator (``x["a"``), after ``'`` "does not contain" (``x'["a"``).
_JSON_ARRAY_OPENERS = frozenset("=+-*/\\_&<>[,:(!#")
#: Text that SQL may read as a comment (or a statement end): the policy does not read embedded SQL
#: comments, so SQL holding one is denied as unreadable rather than read one way when SQL reads another
#: (docs/policy.md §2).
_SQL_COMMENT = re.compile(r"/\*|--|//|;")
_SQL_RUN = re.compile(r"[^'\"()]+|'(?:[^'\n]|'')*'?|\"(?:[^\"\n]|\"\")*\"?|[()]")
_COLLAPSE = re.compile(r'"(?:[^"\n]|"")*"?|/\*.*?(?:\*/|$)|[^"/]+|/', re.DOTALL)
_NO_BLANKS = str.maketrans("", "", " \t\n")
_ZNS = re.compile(r"\$ZNS(?![A-Z0-9])")
#: Tokens that cannot start a command (not a name, comment, ``&sql``, dot or brace), blank-separated:
#: skipped in one step when a reading finds text where a command should start.
_GARBAGE_TOKEN = r'(?:"(?:[^"\n]|"")*"?|[^ \t\n"%A-Za-z&/;#.{}])(?:"(?:[^"\n]|"")*"?|[^ \t\n"])*'
_GARBAGE = re.compile(f'(?:"(?:[^"\\n]|"")*"?|[^ \\t\\n"])+(?:[ \\t]+{_GARBAGE_TOKEN})*')
_ZUTIL = re.compile(r"\$ZU(?:TIL)?\(")
#: Every ``$XECUTE(`` (inside string literals too: conservative); its first argument must be one literal.
_XFUNC_ANY = re.compile(r"\$XECUTE\(")
_XFUNC_ARG = re.compile(r'(\(*)("(?:[^"\n]|"")*")')
#: Special variables whose value is ObjectScript code run later (at the next error): read like XECUTE
#: (docs/policy.md §3).
_CODE_VARS = {"$ETRAP", "$ET"}
_FPARAMS = re.compile(r"[ \t]*\([^()\"]*\)[ \t]?")
#: The first argument of ``$ZU(`` is read exactly only as plain digits (``68``, ``0005``: its value as an
#: integer); a sign, a decimal point, an exponent, a string or an expression may be 5, so it counts as a
#: namespace switch. An argument longer than this is not read on (linear time) and counts as one too.
_PLAIN_INTEGER = re.compile(r"[0-9]+")
#: ... and only below 2**31: how IRIS narrows a larger function number to an integer (wrapping, say, 2**32+5
#: to 5) is not documented, so a larger one counts as 5 too.
_ZU_MAX = 2 ** 31
_ZU_FIRST_LIMIT = 40
#: A ``$ZU(5,`` namespace argument is read up to this many characters (linear time); a longer one is taken
#: for code built at run time (docs/policy.md §7), never cut and matched as if it were whole.
_ZU_VALUE_LIMIT = 1000
#: ``@`` outside string literals (read with ObjectScript's string rule, and with JSON's): indirection.
_AT_OS = re.compile(r'"(?:[^"\n]|"")*"?|@')
#: The label (and formal parameters) a routine line inserted by ZINSERT may start with.
_ROUTINE_LABEL = re.compile(r"^[%A-Za-z0-9][A-Za-z0-9]*(?:\([^()\"]*\))?")
#: A method named SetNamespace (``%SYSTEM.Process.SetNamespace`` switches namespace) outside string literals,
#: and the functions that call a method named by an argument.
_SETNAMESPACE = re.compile(r'"(?:[^"\n]|"")*"?|\.SETNAMESPACE\(')
_DYNAMIC_METHOD = re.compile(r'"(?:[^"\n]|"")*"?|\$(?:ZOBJ)?(?:CLASS)?METHOD\(')
#: Functions that may stand as a SET target (``set $piece(x,"|",1)=...``, ``set $lb(a,b)=...``).
_TARGET_FUNCTION = re.compile(r"\$(LB|LISTBUILD|P|PIECE|E|EXTRACT|LI|LIST)\(")
#: ``[`` or ``|`` outside string literals in a JOB argument: a job location (a namespace) or an extended
#: reference.
_JOB_LOCATION = re.compile(r'"(?:[^"\n]|"")*"?|[\[|]')
#: A reference to the %CD utility routine (``do ^%CD``) outside string literals: a namespace switch.
_CD = re.compile(r'"(?:[^"\n]|"")*"?|\^%CD(?![A-Z0-9%.])')
_AT_JSON = re.compile(r'"(?:[^"\\\n]|\\.)*"?|@')
#: Blanks other than space and tab: IRIS may or may not read them as blanks, so outside a string they are
#: refused rather than guessed at.
_ODD_BLANK = re.compile('"(?:[^"\n]|"")*"?|([\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000])')
_ODD_BLANK_CHAR = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
#: A blank next to an operator: the only place where the strict and the lenient reading differ.
_MAY_CONTINUE = re.compile(r"[=+\-*/\\_&<>\[\],':!#?][ \t\n]|[ \t\n][=+\-*/\\_&<>\[\],'!#?:]|/\*")


@dataclass(frozen=True)
class Decision:
    """Outcome of a policy check: ``allowed`` and, when not, a reason fit for the Event Log."""

    allowed: bool
    reason: str = ""
    statements: Tuple[str, ...] = ()


class PolicyError(ConfigurationError):
    """A pattern setting is not a valid regular expression (the policy then denies everything)."""


@dataclass(frozen=True)
class Reading:
    """Every statement of every reading of a command, and why it cannot be read ("" when it can)."""

    statements: Tuple[str, ...]
    problem: str = ""
    #: Why some code the command runs is built at run time (and so could be anything); empty when none is.
    opaque: Tuple[str, ...] = ()


def split_patterns(text: str) -> List[str]:
    """One pattern per non-blank line of a setting value."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@functools.lru_cache(maxsize=64)
def compile_patterns(text: str, setting: str) -> Tuple[re.Pattern, ...]:
    """The patterns of one setting value, compiled; PolicyError names the first invalid one."""
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
        self.allow = compile_patterns(allow_patterns or "", "AllowPatterns")
        self.deny = compile_patterns(deny_patterns or "", "DenyPatterns")

    def check(self, command: str) -> Decision:
        try:
            reading = read_command(command)
        except UnsafeCommandText as exc:
            return Decision(False, f"unsafe command text: {exc}")
        statements = reading.statements
        for statement in statements:
            for pattern in self.deny:
                if pattern.search(statement):
                    return Decision(False, f"matches DenyPatterns {as_typed(pattern.pattern)}: "
                                    f"{_short(statement)}",
                                    statements)
        if reading.problem:
            return Decision(False, f"cannot read the command, so it is not run: {reading.problem}",
                            statements)
        if reading.opaque and (self.deny or self.allow):
            return Decision(False, f"{reading.opaque[0]}: that code could be anything, so no pattern can "
                                   "admit it (docs/policy.md §7)", statements)
        if self.allow:
            for statement in statements:
                if not any(p.search(statement) for p in self.allow):
                    return Decision(False, f"not matched by AllowPatterns: {_short(statement)}", statements)
        return Decision(True, "", statements)


def check_command(command: str, allow_patterns: str = "", deny_patterns: str = "") -> Decision:
    """Convenience wrapper; a broken pattern setting denies (fails closed) with the reason."""
    try:
        return CommandPolicy(allow_patterns, deny_patterns).check(command)
    except PolicyError as exc:
        return Decision(False, str(exc))


def normalize(command: str) -> List[str]:
    """The statements of every reading of ``command`` (for messages and tests; see :func:`read_command`)."""
    return list(read_command(command).statements)


def read_command(command: str) -> Reading:
    """Read ``command`` every way described above; raises UnsafeCommandText for text with no one reading."""
    reader = _Reader()
    problem = reader.read_text(command_lines(command or ""), depth=0)
    return Reading(tuple(reader.statements), problem, tuple(reader.opaque))


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


# ---------------------------------------------------------------------------------------------------------
# The reader


class _Reader:
    """Reads one command; remembers the XECUTE literals it read, so each is read once at any nesting."""

    def __init__(self) -> None:
        self.statements: Dict[str, None] = {}  # ordered set
        self.literals: Dict[Tuple[str, int], str] = {}  # (code, depth) -> problem
        self.lines: Dict[Tuple[str, int], Tuple[str, bool]] = {}  # (line, depth) -> problem, still open
        self.opaque: Dict[str, None] = {}  # code built at run time, in any reading (docs/policy.md §7)

    def read_text(self, lines: List[str], depth: int) -> str:
        """Read every line (and joined group); the first problem of a line no reading can read, or ""."""
        if _ODD_BLANK_CHAR.search("\n".join(lines)):
            for number, line in enumerate(lines, 1):
                match = next((m for m in _ODD_BLANK.finditer(line) if m.group(1)), None)
                if match:
                    code = ord(match.group(1))
                    return (f"line {number} holds U+{code:04X}, a blank other than space and tab outside a "
                            "string literal; IRIS may read it differently")
        # Each line on its own, strictly and (where it can differ) leniently; a repeated line is read once.
        line_problems: List[str] = []
        open_ends: List[bool] = []
        for line in lines:
            result = self.lines.get((line, depth))
            if result is None:
                result = self.lines[(line, depth)] = self._read_all_ways(line, depth)
            line_problems.append(result[0])
            open_ends.append(result[1])
        # Lines that may go on into the next one are also read joined; a group read cleanly that way is
        # readable even if its lines are not on their own (``write $lb(1,`` newline ``2)``).
        start = 0
        for index in range(len(lines)):
            last = index == len(lines) - 1
            if not last and _continues(lines[index], lines[index + 1], open_ends[index]):
                continue
            if index > start:
                joined_problem, _ = self._read_all_ways("\n".join(lines[start:index + 1]), depth)
                if not joined_problem:
                    for k in range(start, index + 1):
                        line_problems[k] = ""
            start = index + 1
        for number, text in enumerate(line_problems, 1):
            if text:
                return f"line {number}: {text}" if len(lines) > 1 else text
        return ""

    def _read_all_ways(self, text: str, depth: int) -> Tuple[str, bool]:
        """Read strictly and leniently, and where a backslash could escape a quote with each string rule:
        the problem if *no* reading is clean; did one end open?"""
        problem, still_open = self._read(text, depth, lenient=False)
        ways = [(True, JSON_IN_LITERALS)] if _MAY_CONTINUE.search(text) else []
        if "\\" in text and '"' in text and ("[" in text or "{" in text):
            # JSON's string rule could apply here, or not: read the arguments both ways (docs/policy.md §1)
            ways += [(lenient, strings) for lenient in (False, True) for strings in (JSON_NEVER, JSON_ALWAYS)]
        for lenient, strings in ways:
            other_problem, other_open = self._read(text, depth, lenient=lenient, strings=strings)
            still_open = still_open or other_open
            if not other_problem:
                problem = ""
        return problem, still_open

    def _emit(self, statement: str) -> None:
        self.statements[statement] = None

    def _opaque(self, what: str, statement: str) -> None:
        """Record code built at run time: the policy treats it as reaching anything (docs/policy.md §7)."""
        self.opaque[f"{what} in {_short(statement, 80)!r}"] = None

    def _read(self, text: str, depth: int, lenient: bool, strings: int = 1) -> Tuple[str, bool]:
        """One reading of ``text``; returns its first problem ("" if none) and whether it ended open."""
        problem = ""
        still_open = False
        pos, n = 0, len(text)
        while pos < n:
            start = _START.match(text, pos)
            kind = start.lastgroup if start else None
            if kind == "end":
                break
            if kind == "comment":
                pos = start.end()
                continue
            if kind == "block":
                end = text.find("*/", start.end())
                if end < 0:
                    problem = problem or f"column {start.start('block') + 1}: a /* comment is not closed"
                    still_open = True
                    break
                pos = end + 2
                continue
            if kind == "sql":
                pos, closed, commented = _skip_sql(text, start.end())
                self._emit("&SQL(" + _collapse(text[start.end():pos]))
                if commented:
                    problem = problem or (f"column {start.start('sql') + 1}: the SQL holds a comment or ';', "
                                          "which this policy does not read")
                if not closed:
                    problem = problem or f"column {start.start('sql') + 1}: &sql( is not closed"
                    still_open = True
                continue
            if kind != "name":  # text where a command should start: skip it up to the next possible command
                skip = _SKIP.match(text, pos)
                pos = skip.end() if skip else pos
                end = _GARBAGE.match(text, pos).end()
                self._emit(_collapse(text[pos:end]))
                problem = problem or f"column {pos + 1}: {_short(text[pos:end], 40)!r} is not a command"
                pos = end
                continue
            name_match = start
            name = name_match.group("name").upper()
            pos = name_match.end()
            full = _COMMANDS.get(name)
            if full is None:
                problem = problem or (f"column {name_match.start('name') + 1}: {name_match.group('name')!r} "
                                      "is not an ObjectScript command this policy knows")
                full = name
            if pos < n and text[pos] not in _AFTER_NAME:
                begin = name_match.start("name")
                end = _token_end(text, pos)
                self._emit(_collapse(text[begin:end]))
                problem = problem or f"column {begin + 1}: {_short(text[begin:end], 40)!r} is not a command"
                pos = end
                continue
            postcond = ""
            if pos < n and text[pos] == ":":
                end, _commas, cond_problem, cond_open = _scan_argument(text, pos + 1, lenient, strings)
                postcond = text[pos + 1:end]
                if cond_problem:
                    problem = problem or cond_problem
                still_open = still_open or cond_open
                pos = end
            args: List[str] = []
            # one blank then an argument; an argumentless command is followed by two blanks, a comment, the
            # line end or the "}" that closes its block (``if 1 { h }`` is HALT, not HANG)
            if (pos + 1 < n and text[pos] in " \t" and text[pos + 1] not in _BLANK and text[pos + 1] != "}"
                    and not _comment_at(text, pos + 1)):
                end, commas, arg_problem, arg_open = _scan_argument(text, pos + 1, lenient, strings)
                if arg_problem:
                    problem = problem or arg_problem
                still_open = still_open or arg_open
                if commas:
                    bounds = [pos] + commas + [end]
                    args = [text[bounds[i] + 1:bounds[i + 1]] for i in range(len(bounds) - 1)]
                    args = [a for a in args if a.strip()]
                else:
                    args = [text[pos + 1:end]]
                pos = end
            if name == "H" and args:
                full = "HANG"  # ``h`` is HALT without an argument, HANG with one
            found = self._statements(full, postcond, args, depth)  # always: it records the statements
            problem = problem or found
        return problem, still_open

    def _statements(self, name: str, postcond: str, args: List[str], depth: int) -> str:
        """Record the statements of one command; a postconditional or argument holding a backslash is read
        with both string rules (:func:`_collapses`), each reading recorded and checked."""
        problem = ""
        for cond in ([":" + c for c in _collapses(postcond)] if postcond else [""]):
            problem = self._statements_with(name, cond, args, depth) or problem
        return problem

    def _statements_with(self, name: str, cond: str, args: List[str], depth: int) -> str:
        problem = self._expression(cond, f"{name}{cond}", depth) if cond else ""
        statements = self.statements
        if not args:
            statements[f"{name}{cond}"] = None
            return problem
        for arg in (a for raw in args for a in _collapses(raw)):
            statements[f"{name}{cond} {arg}"] = None
            self._expression(arg, f"{name} {arg}", depth, functions=False)
            if name in ("SET", "MERGE", "READ") and ("$NAMESPACE" in arg or "$ZNSPACE" in arg):
                target, value = _assignment(arg) if name != "READ" else (arg, arg)
                if value and any(t in _NAMESPACE_VARS for t in _targets(target)):
                    self._emit(f"ZNSPACE {value}")
            if name == "SET" and "$E" in arg:  # code run at the next error (docs/policy.md §3)
                target, value = _assignment(arg)
                code = _xecute_literal(value) if value else None
                if any(t in _CODE_VARS for t in _targets(target)):
                    if code is not None:
                        problem = problem or self._literal(code, depth)
                    elif value:
                        self._opaque("$ETRAP set to an expression that is not one string literal", arg)
            if "$Z" in arg or "$X" in arg:
                problem = problem or self._functions(arg, depth)
            if name == "JOB":  # where the job runs (docs/policy.md §7)
                colon = _top_level_colon(arg)
                params = arg[colon + 1:].partition(":")[0] if colon >= 0 else ""
                if params.strip("()"):  # process parameters: the first is the namespace the job runs in
                    self._emit(f"ZNSPACE {params}")
                entry = arg[:colon] if colon >= 0 else arg
                if _outside_strings(_JOB_LOCATION, entry):  # ^X["ns"], ^X|"ns"|
                    self._emit(f"ZNSPACE {entry}")
            if name in ("XECUTE", "ZINSERT"):  # ZINSERT's line becomes routine code a DO can run
                code = _xecute_literal(arg)
                if code is not None and name == "ZINSERT":
                    code = _ROUTINE_LABEL.sub("", code, count=1)  # a routine line may start with a label
                if code is not None:
                    problem = problem or self._literal(code, depth)
                else:
                    self._opaque(f"{name} of an expression that is not one string literal", f"{name} {arg}")
        return problem

    def _functions(self, expression: str, depth: int) -> str:
        """``$ZU(5,x)`` namespace switches and ``$XECUTE("...")`` literals inside a collapsed expression."""
        problem = ""
        for match in _ZUTIL.finditer(expression):
            first, after, complete = _argument_at(expression, match.end(), limit=_ZU_FIRST_LIMIT)
            if complete and _PLAIN_INTEGER.fullmatch(first) and int(first) != 5 and int(first) < _ZU_MAX:
                continue  # another $ZU function, read exactly (any number of digits; docs/policy.md §5)
            if complete and expression[after] == ",":
                value, end, whole = _argument_at(expression, after + 1, limit=_ZU_VALUE_LIMIT)
                self._emit(f"ZNSPACE {value}")
                if not whole and end - after > _ZU_VALUE_LIMIT:  # cut: the namespace is not read whole
                    self._opaque(f"a $ZU(5,...) namespace argument longer than {_ZU_VALUE_LIMIT} characters",
                                 expression)
            elif not complete and after - match.end() >= _ZU_FIRST_LIMIT:  # a first argument too long
                self._emit(f"ZNSPACE {expression[after:after + _ZU_VALUE_LIMIT]}")
                self._opaque(f"a $ZU( first argument longer than {_ZU_FIRST_LIMIT} characters", expression)
        for match in _XFUNC_ANY.finditer(expression):
            code = _xfunc_literal(expression, match.end())
            if code is None:
                self._opaque("$XECUTE of an expression that is not one string literal", expression)
            else:
                problem = problem or self._literal(code, depth)
        return problem

    def _expression(self, text: str, statement: str, depth: int, functions: bool = True) -> str:
        """What any expression (a postconditional, an argument) can reach, wherever it stands: indirection,
        a SetNamespace method, a method chosen at run time, the %CD utility and (``functions``) ``$ZU`` and
        ``$XECUTE`` (docs/policy.md §7)."""
        if "@" in text and _indirection(text):
            self._opaque("indirection (@)", statement)
        if "SETNAMESPACE" in text or "METHOD(" in text:
            self._methods(text)
        if "^%CD" in text and _outside_strings(_CD, text):
            self._emit(f"ZNSPACE {text}")  # the %CD utility switches namespace
        return self._functions(text, depth) if functions and "$" in text else ""

    def _methods(self, arg: str) -> None:
        """``%SYSTEM.Process.SetNamespace`` switches namespace (docs/policy.md §7): any method of that name
        (``$system.Process.SetNamespace(..)``, ``##class(..).SetNamespace(..)``, ``p.SetNamespace(..)``, or
        named in ``$CLASSMETHOD``/``$METHOD``) yields ZNSPACE; a method chosen at run time could be it."""
        if _outside_strings(_SETNAMESPACE, arg):
            self._emit(f"ZNSPACE {arg}")
        for match in _DYNAMIC_METHOD.finditer(arg):
            if match.group(0)[0] == '"':
                continue
            _, after, whole = _argument_at(arg, match.end(), limit=_ZU_VALUE_LIMIT)  # the class or object
            method = ""
            if whole and after < len(arg) and arg[after] == ",":
                method, _, whole = _argument_at(arg, after + 1, limit=_ZU_VALUE_LIMIT)
            literal = _STRING.fullmatch(method)
            if not literal or not literal.group(1):
                self._opaque("a method chosen at run time", arg)
            elif _unquote(method).upper() == "SETNAMESPACE":
                self._emit(f"ZNSPACE {arg}")

    def _literal(self, code: str, depth: int) -> str:
        """Read the code of an XECUTE literal (once per literal and depth)."""
        key = (code, depth + 1)
        if key in self.literals:
            return self.literals[key]
        if depth + 1 > MAX_XECUTE_DEPTH:
            problem = f"XECUTE literals are nested more than {MAX_XECUTE_DEPTH} levels deep"
        else:
            fparams = _FPARAMS.match(code)
            body = code[fparams.end():] if fparams else code
            try:
                inner = self.read_text(command_lines(body), depth + 1)
            except UnsafeCommandText as exc:
                inner = str(exc)
            problem = inner if not inner or inner.startswith(("in an XECUTE", "XECUTE")) else (
                f"in an XECUTE literal: {inner}")
        self.literals[key] = problem
        return problem


# ---------------------------------------------------------------------------------------------------------
# Scanning helpers (each consumes its text once)


def _continues(line: str, following: str, still_open: bool) -> bool:
    """May ``line`` go on in ``following`` (open bracket/comment/&sql, or an operator at the break)?"""
    if still_open:
        return True
    last, first = line.rstrip(" \t")[-1:], following.lstrip(" \t")[:1]
    return (last != "" and last in _OPERATOR_PREV) or (first != "" and first in _OPERATOR_NEXT)


def _comment_at(text: str, pos: int) -> bool:
    return text.startswith(("//", ";", "#;", "##;", "/*"), pos)


def _scan_argument(text: str, pos: int, lenient: bool, strings: int = 1) -> Tuple[int, List[int], str, bool]:
    """End of the argument list (or postconditional) starting at ``pos``: the first blank or block brace
    outside strings, parentheses and JSON literals, except that in the lenient reading a blank next to a
    binary operator does not end it. Returns the end, the top-level comma positions, the first problem and
    whether a bracket was left open.

    ``stack`` holds the open brackets: ``(``, and ``{``/``[`` of JSON literals, inside which a string follows
    JSON's rules (docs/policy.md §1)."""
    stack: List[str] = []
    commas: List[int] = []
    problem = ""
    n = len(text)
    start = pos
    follows = -1  # where the last "]" was the follows operator (an operand comes next), not an array's end
    outside = _PLAIN_LENIENT if lenient else _PLAIN
    while pos < n:
        plain = (_PLAIN_INSIDE if stack else outside).match(text, pos)
        if plain:
            pos = plain.end()
            if pos >= n:
                break
        ch = text[pos]
        if ch == '"':
            in_literal = bool(stack) and stack[-1] != "("
            json = strings == JSON_ALWAYS or (strings == JSON_IN_LITERALS and in_literal)
            literal = (_JSON_STRING if json else _STRING).match(text, pos)
            if not literal.group(1):
                problem = problem or f"column {pos + 1}: a string literal is not closed"
            pos = literal.end()
        elif ch == "(":
            stack.append("(")
            pos += 1
        elif ch == "{":
            if not stack and (pos == start or text[pos - 1] not in _JSON_OPENERS):
                break  # a block: ``if x {``
            stack.append("{")
            pos += 1
        elif ch == "[":
            # a JSON array where a value starts (an argument's start, after an operator, "(", "," or ":",
            # or inside a JSON literal); elsewhere the contains operator (``x["a"``, ``x'["a"``)
            before = _before_blanks(text, pos, start)
            if ((stack and stack[-1] != "(") or before < 0 or text[before] in _JSON_ARRAY_OPENERS
                    or before == follows):
                stack.append("[")
            pos += 1
        elif ch == "]":
            if stack and stack[-1] == "[":
                stack.pop()
                pos += 1
                if not stack and pos < n and text[pos] in _BLANK:
                    # a closed JSON array is an operand, not the follows operator: a blank after it ends
                    # the argument unless (lenient reading) an operator comes next; ``write [1] set x = 1``
                    # is two commands, not ``WRITE [1]SET``
                    after = _BLANKS.match(text, pos).end()
                    if (not lenient or after >= n or _comment_at(text, after)
                            or text[after] not in _OPERATOR_NEXT):
                        break
                    pos = after
                continue
            follows = pos  # the follows operator (``]``, ``]]``, ``']``)
            pos += 1
        elif ch in ")}":
            if not stack:
                if ch == "}":
                    break  # the end of a block: ``{ write 1}``
                problem = problem or f"column {pos + 1}: ')' closes no parenthesis"
            else:
                opened = stack.pop()
                if (opened == "(") != (ch == ")"):
                    problem = problem or f"column {pos + 1}: {ch!r} closes a {opened!r}"
            pos += 1
        elif ch == ",":
            if not stack:
                commas.append(pos)
            pos += 1
        elif ch == "/":
            if text.startswith("/*", pos):
                end = text.find("*/", pos + 2)
                if end < 0:
                    return pos, commas, problem or f"column {pos + 1}: a /* comment is not closed", True
                if not stack:
                    pos = _continuation(text, pos, end + 2, lenient)
                    if pos < 0:
                        pos = end + 2  # the comment is skipped; the blank it stands for ends the argument
                        break
                else:
                    pos = end + 2
            else:
                pos += 1
        else:  # a blank
            blanks = _BLANKS.match(text, pos)
            if stack:
                pos = blanks.end()
                continue
            after = _continuation(text, pos, blanks.end(), lenient)
            if after < 0:
                break
            pos = after
    if stack:
        problem = problem or f"column {start + 1}: a parenthesis or brace opened here is not closed"
    return pos, commas, problem, bool(stack)


def _before_blanks(text: str, pos: int, start: int) -> int:
    """Index of the last non-blank character before ``pos`` (not before ``start``), or -1."""
    pos -= 1
    while pos >= start and text[pos] in _BLANK:
        pos -= 1
    return pos if pos >= start else -1


def _continuation(text: str, start: int, after: int, lenient: bool) -> int:
    """Where the argument goes on after the blanks (or comment) at ``start:after``, or -1 where it ends.

    Only the lenient reading goes on, and only next to an operator; it skips further blanks and ``/* */``
    comments at once, so each is passed over once."""
    if not lenient:
        return -1
    n = len(text)
    while after < n:  # past blanks and /* */ comments (a comment inside an argument is a blank)
        if text[after] in _BLANK:
            after += 1
        elif text.startswith("/*", after) and text.find("*/", after + 2) >= 0:
            after = text.find("*/", after + 2) + 2
        else:
            break
    if after >= n or _comment_at(text, after):
        return -1
    before = text[start - 1] if start > 0 else ""
    return after if before in _OPERATOR_PREV or text[after] in _OPERATOR_NEXT else -1


def _token_end(text: str, pos: int) -> int:
    """End of an unreadable token: the next blank outside a string literal (so reading can resume)."""
    n = len(text)
    while pos < n and text[pos] not in _BLANK:
        if text[pos] == '"':
            pos = _STRING.match(text, pos).end()
        else:
            pos += 1
    return pos


def _skip_sql(text: str, pos: int) -> Tuple[int, bool, bool]:
    """Index after the ``)`` closing ``&sql(`` (SQL strings and identifiers skipped); did it close; does the
    SQL hold a comment (or ``;``) outside its strings, which the policy does not read (docs/policy.md §2)?"""
    depth = 1
    commented = False
    for match in _SQL_RUN.finditer(text, pos):
        token = match.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth == 0:
                return match.end(), True, commented
        elif not commented and token[0] not in "'\"" and _SQL_COMMENT.search(token):
            commented = True
    return len(text), False, commented


def _collapse(text: str) -> str:
    """Upper-case and remove blanks and ``/* */`` comments outside string literals; keep literals verbatim."""
    if '"' in text or "/*" in text:
        text = _COLLAPSE.sub(_collapse_piece, text)
    else:
        text = text.upper().translate(_NO_BLANKS)
    # $ZNS is the abbreviation of $ZNSPACE: one spelling for patterns.
    return _ZNS.sub("$ZNSPACE", text) if "$ZNS" in text else text


def _collapses(text: str) -> List[str]:
    """Every reading of an argument: one, unless a backslash could escape a quote (JSON) or not
    (ObjectScript). Then also the reading with JSON's string rules inside JSON literals (as the argument
    scanner reads it) and the one with JSON's rules everywhere, so text hidden from one reading is seen by
    another (docs/policy.md §1). Distinct readings only, the ObjectScript one first."""
    first = _collapse(text)
    if "\\" not in text or '"' not in text:
        return [first]
    found = [first]
    for reading in (_collapse_strings(text, everywhere=False), _collapse_strings(text, everywhere=True)):
        if reading not in found:
            found.append(reading)
    return found


def _collapse_strings(text: str, everywhere: bool) -> str:
    """:func:`_collapse` with JSON's string rule (a backslash escapes the next character) inside JSON
    literals (``{``/``[`` where a value starts, as :func:`_scan_argument` decides), or ``everywhere``."""
    out: List[str] = []
    stack: List[str] = []
    pos, n = 0, len(text)
    before = ""  # the last character outside blanks and comments
    while pos < n:
        ch = text[pos]
        if ch == '"':
            json = everywhere or (bool(stack) and stack[-1] != "(")
            literal = (_JSON_STRING if json else _STRING).match(text, pos)
            out.append(literal.group(0))
            pos, before = literal.end(), '"'
            continue
        if text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            pos = n if end < 0 else end + 2
            continue
        if ch in _BLANK:
            pos += 1
            continue
        in_json = bool(stack) and stack[-1] != "("
        if ch == "(":
            stack.append("(")
        elif ch == "{":
            stack.append("{" if in_json or not before or before in _JSON_OPENERS else "(")
        elif ch == "[":
            if in_json or not before or before in _JSON_ARRAY_OPENERS:
                stack.append("[")
        elif ch == "]":
            if stack and stack[-1] == "[":
                stack.pop()
        elif ch in ")}" and stack:
            stack.pop()
        out.append(ch.upper())
        pos, before = pos + 1, ch
    collapsed = "".join(out)
    return _ZNS.sub("$ZNSPACE", collapsed) if "$ZNS" in collapsed else collapsed


def _collapse_piece(match: re.Match[str]) -> str:
    token = match.group(0)
    if token.startswith('"'):
        return token
    if token.startswith("/*"):
        return ""
    return token.upper().translate(_NO_BLANKS)


def _argument_at(expression: str, pos: int, limit: int = 0) -> Tuple[str, int, bool]:
    """The function argument starting at ``pos`` of a collapsed expression, the index after it (at most
    ``limit`` characters on when one is given: nested calls are then not scanned again and again), and
    whether it ended at its ``,`` or ``)``: False when the limit or the text's end came first, so a cut
    argument is never taken for a whole one (a string literal running past the limit included)."""
    depth = 0
    start = pos
    n = min(len(expression), pos + limit) if limit else len(expression)
    while pos < n:
        ch = expression[pos]
        if ch == '"':
            pos = _STRING.match(expression, pos).end()
            continue
        if ch in "({":
            depth += 1
        elif ch in ")}":
            if depth == 0:
                return expression[start:pos], pos, ch == ")"
            depth -= 1
        elif ch == "," and depth == 0:
            return expression[start:pos], pos, True
        pos += 1
    if pos == n and depth == 0 and pos < len(expression) and expression[pos] in ",)":
        return expression[start:pos], pos, True  # it ends right at the limit
    return expression[start:pos], pos, False


def _xecute_literal(arg: str) -> Optional[str]:
    """The code of an XECUTE argument that is a literal: ``"code"``, ``"code":pc``, ``("code")`` or the
    parameter form ``("(a,b) code",1,2):pc`` (its first element), in any number of parentheses; None for
    code built at run time. One pass over the argument, however deep the parentheses."""
    colon = _top_level_colon(arg)
    expression = arg[:colon] if colon >= 0 else arg
    opened = len(expression) - len(expression.lstrip("("))
    literal = _STRING.match(expression, opened)
    if not literal or not literal.group(1):
        return None
    after = literal.end()
    if opened and after < len(expression) and expression[after] == ",":
        # The parameter form: the literal is the code whatever the arguments after it are (they are
        # expressions, read for functions like any other), so it is read even where they cannot be
        # (a JSON string with ``\"``, read by ObjectScript's rules here).
        return _unquote(literal.group(0))
    if expression[after:] != ")" * opened:
        return None
    return _unquote(literal.group(0))


def _xfunc_literal(expression: str, pos: int) -> Optional[str]:
    """The code of ``$XECUTE(`` whose first argument (from ``pos``) is one literal, in any number of
    parentheses, followed by ``)`` or ``,`` (the parameter form); None for anything else (``"z"_"n"``)."""
    match = _XFUNC_ARG.match(expression, pos)
    if not match:
        return None
    closing = ")" * len(match.group(1))
    after = match.end() + len(closing)
    if not expression.startswith(closing, match.end()) or expression[after:after + 1] not in (")", ","):
        return None
    return _unquote(match.group(2))


def _indirection(text: str) -> bool:
    """Does ``text`` hold ``@`` outside string literals, read with either string rule?"""
    return _outside_strings(_AT_OS, text) or _outside_strings(_AT_JSON, text)


def _outside_strings(pattern: re.Pattern, text: str) -> bool:
    """Does ``pattern`` (``"literal"|thing``: a string literal or the thing) find the thing outside string
    literals?"""
    return any(m.group(0)[0] != '"' for m in pattern.finditer(text))


def _assignment(arg: str) -> Tuple[str, str]:
    """A SET (or MERGE) argument's target list and value, split at the first ``=`` outside string literals
    and brackets: ``(x("="),$namespace)="%SYS"`` assigns ``$NAMESPACE`` (an ``=`` in a subscript is not
    the assignment)."""
    pos = next(_top_level(arg, "="), -1)
    return (arg[:pos], arg[pos + 1:]) if pos >= 0 else (arg, "")


def _split_top(text: str) -> List[str]:
    """``text`` split at its commas outside string literals and brackets."""
    starts = [0] + [pos + 1 for pos in _top_level(text, ",")]
    ends = [pos - 1 for pos in starts[1:]] + [len(text)]
    return [text[start:end] for start, end in zip(starts, ends)]


def _targets(target: str) -> List[str]:
    """Every variable a SET target list assigns: each of ``(a,b)``, each element of a ``$LISTBUILD(...)``
    target and the first argument of a ``$PIECE``, ``$EXTRACT`` or ``$LIST`` target (collapsed text)."""
    while target.startswith("(") and target.endswith(")"):
        target = target[1:-1]
    found: List[str] = []
    for part in _split_top(target):
        function = _TARGET_FUNCTION.match(part)
        if function and part.endswith(")"):
            inner = _split_top(part[function.end():-1])
            found.extend(inner if function.group(1) in ("LB", "LISTBUILD") else inner[:1])
        else:
            found.append(part)
    return [t.strip("()") for t in found]


def _top_level_colon(expression: str) -> int:
    return next(_top_level(expression, ":", "({", ")}"), -1)


def _top_level(text: str, char: str, opening: str = "([{", closing: str = ")]}") -> Iterator[int]:
    """Where ``char`` stands in ``text`` outside string literals and the ``opening``/``closing`` brackets."""
    depth, pos, n = 0, 0, len(text)
    while pos < n:
        ch = text[pos]
        if ch == '"':
            pos = _STRING.match(text, pos).end()
            continue
        if ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
        elif ch == char and depth == 0:
            yield pos
        pos += 1


def _unquote(literal: str) -> str:
    return literal[1:-1].replace('""', '"')
