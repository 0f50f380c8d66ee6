"""Parsing an input into commands: postconditionals, argument lists, legacy and ``{ }`` block bodies.

An input is a sequence of lines (the client joins them with CRLF or LF). Each top-level line is compiled
before it runs, so a late ``<SYNTAX>`` stops that line; a line that opens a ``{`` block extends to the line
that closes it (docs/simulator-objectscript.md §2). Legacy FOR/IF/ELSE take the rest of their line;
the block forms IF/ELSEIF/ELSE, FOR, WHILE, DO/WHILE and TRY/CATCH take braces, which may span lines.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from .errors import ObjectScriptError, syntax_error
from .expression_parser import NAME, ExpressionParser
from .expressions import Expr, Member, Ref, Special
from .intrinsics import SETTERS, SPECIALS


class Cmd(NamedTuple):
    name: str  # canonical command name
    cond: Optional[Expr]  # postconditional
    args: list  # command-specific argument nodes
    body: List[Cmd]  # FOR / IF / ELSE: the rest of the line; block forms: the block
    at: int = 0  # where the command starts in ``source`` (an error report may point at it)
    source: str = ""  # the compiled text (shared, not copied)


class Program(NamedTuple):
    """A compiled input: the lines that parsed, then the ``<SYNTAX>`` that stopped parsing (if any)."""

    lines: Tuple[List[Cmd], ...]
    error: Optional[ObjectScriptError]

    def fresh_error(self) -> ObjectScriptError:
        """A new exception for the stored parse error (one instance raised again and again would grow
        its traceback on every run)."""
        assert self.error is not None
        error = ObjectScriptError(self.error.name, self.error.detail)
        error.source, error.position = self.error.source, self.error.position
        return error


Parsed = Tuple[str, list, List[Cmd]]  # (canonical name, arguments, body)

COMMANDS = {
    "W": "WRITE", "WRITE": "WRITE", "S": "SET", "SET": "SET", "K": "KILL", "KILL": "KILL",
    "ZN": "ZN", "ZNSPACE": "ZN", "R": "READ", "READ": "READ", "H": "H", "HANG": "HANG", "HALT": "HALT",
    "F": "FOR", "FOR": "FOR", "Q": "QUIT", "QUIT": "QUIT", "I": "IF", "IF": "IF", "E": "ELSE", "ELSE": "ELSE",
    "D": "DO", "DO": "DO", "ZW": "ZWRITE", "ZWRITE": "ZWRITE", "X": "XECUTE", "XECUTE": "XECUTE",
    "M": "MERGE", "MERGE": "MERGE", "WHILE": "WHILE", "TRY": "TRY", "THROW": "THROW", "CONTINUE": "CONTINUE",
    "RETURN": "RETURN", "RET": "RETURN", "N": "NEW", "NEW": "NEW", "L": "LOCK", "LOCK": "LOCK",
}  # fmt: skip

_BLANKS = (" ", "\t")
_KEYWORD = re.compile(r"[A-Za-z]+")


class LineParser(ExpressionParser):
    """Parses an input; ``cmd_<name>`` parses one command's arguments (and block)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0  # open braces: inside a block, "}" ends the rest-of-line bodies
        #: Did a look for what may continue a block (``skip_space``) reach the end of the text? Then the
        #: text's parse could change if more lines followed it (see ``compile_input``).
        self.looked_past_end = False

    # -- structure --
    def program(self) -> Program:
        lines: List[List[Cmd]] = []
        try:
            while True:
                lines.append(self.line())
                if self.at_end():
                    break
                self.expect("\n")
        except ObjectScriptError as error:
            error.source, error.position = self.s, self.i
            return Program(tuple(lines), error)
        return Program(tuple(lines), None)

    def line(self) -> List[Cmd]:
        """Commands up to the end of the line (or the ``}`` closing the current block)."""
        cmds: List[Cmd] = []
        while True:
            self.skip_blanks()
            char = self.peek()
            if char in ("", "\n") or (char == "}" and self.depth):
                return cmds
            if char == ";" or self.peek(2) == "//":
                self.skip_line_comment()
                continue
            cmds.append(self.command())
            if self.s[self.i - 1] != "}":  # after a block, the next command may follow at once
                self.end_of_args()

    def block(self) -> List[Cmd]:
        """``{ commands }``, across lines; the cursor is on the ``{``."""
        self.expect("{")
        self.depth += 1
        cmds: List[Cmd] = []
        while True:
            cmds.extend(self.line())
            if self.take("\n"):
                continue
            if self.take("}"):
                self.depth -= 1
                return cmds
            raise syntax_error()  # the input ended inside the block

    def skip_blanks(self) -> None:
        """Spaces, tabs and ``/* … */`` comments (which may span lines)."""
        while True:
            char = self.peek()
            if char in _BLANKS:
                self.i += 1
            elif char == "/" and self.peek(2) == "/*":
                end = self.s.find("*/", self.i + 2)
                if end < 0:
                    raise syntax_error()
                self.i = end + 2
            else:
                return

    def skip_line_comment(self) -> None:
        end = self.s.find("\n", self.i)
        self.i = len(self.s) if end < 0 else end

    def skip_space(self) -> None:
        """Blanks, line breaks and comments between a block and what may continue it."""
        while True:
            self.skip_blanks()
            char = self.peek()
            if char == "\n":
                self.i += 1
            elif char == ";" or self.peek(2) == "//":
                self.skip_line_comment()
            else:
                if not char:
                    self.looked_past_end = True
                return

    def block_ahead(self) -> bool:
        """Is a ``{`` next (after blanks and line breaks)? Leaves the cursor on it, or where it was."""
        start = self.i
        self.skip_space()
        if self.peek() == "{":
            return True
        self.i = start
        return False

    def keyword_ahead(self, *words: str) -> Optional[str]:
        """The continuation keyword (ELSEIF, ELSE, CATCH, WHILE) after a block, consumed; else None."""
        start = self.i
        self.skip_space()
        match = _KEYWORD.match(self.s, self.i)
        if match is not None and match.group(0).upper() in words:
            self.i = match.end()
            return match.group(0).upper()
        self.i = start
        return None

    def command(self) -> Cmd:
        start = self.i
        word = self.word()
        if word is None:
            raise syntax_error()
        name = COMMANDS.get(word.upper())
        if name is None:
            raise syntax_error()  # an unknown command is <SYNTAX> (docs/simulator-objectscript.md §8)
        cond = self.postconditional() if self.take(":") else None
        has_args = self.has_args()
        if name == "H":  # H with arguments is HANG, without is HALT
            name = "HANG" if has_args else "HALT"
        parse = getattr(self, "cmd_" + name.lower())
        name, args, body = parse(name, has_args)
        return Cmd(name, cond, args, body, start, self.s)

    def postconditional(self) -> Expr:
        """``:expr`` right after the command word: blanks only inside parentheses (grammar rows W5-W6)."""
        self.spaced = False
        try:
            return self.expr()
        finally:
            self.spaced = True

    def has_args(self) -> bool:
        """One space (not a tab) then arguments; argumentless commands are followed by two blanks or the end
        (grammar rows W1-W4)."""
        char = self.peek()
        if char in ("", "\n") or (char == "}" and self.depth):
            return False
        if char == "{":
            return True
        if char != " ":
            raise syntax_error()
        self.i += 1
        char = self.peek()
        return not (char in ("", "\n", " ", "\t") or (char == "}" and self.depth))

    def expect_spaced(self, text: str) -> None:
        if not self.take_spaced(text):
            raise syntax_error()

    def end_of_args(self) -> None:
        char = self.peek()
        if char not in ("", " ", "\t", "\n") and not (char == "}" and self.depth):
            raise syntax_error()

    # -- output --
    def cmd_write(self, name: str, has_args: bool) -> Parsed:
        return name, (self.comma_list(self.write_arg) if has_args else []), []

    def cmd_zwrite(self, name: str, has_args: bool) -> Parsed:
        return name, (self.comma_list(self.expr) if has_args else []), []

    def write_arg(self) -> tuple:
        """``("format", items)`` for ``!``/``#``/``?n``, ``("char", e)`` for ``*e``, else ``("expr", e)``."""
        if self.peek() in ("!", "#", "?") and not self.s.startswith("##class(", self.i):
            items = []
            while self.peek() in ("!", "#", "?") and not self.at_end():
                char = self.s[self.i]
                self.i += 1
                items.append(("tab", self.unary()) if char == "?" else (char, None))
            return ("format", items)
        if self.take("*"):
            return ("char", self.expr())
        return ("expr", self.expr())

    # -- variables and namespace --
    def cmd_set(self, name: str, has_args: bool) -> Parsed:
        if not has_args:
            raise syntax_error()

        def item() -> tuple:
            if self.peek() == "(":
                spaced = self.open_paren()
                targets = self.comma_list(self.set_target)
                self.close_paren(spaced)
            else:
                targets = [self.set_target()]
            self.expect_spaced("=")
            return targets, self.expr()

        return name, self.comma_list(item), []

    def set_target(self) -> Expr:
        start = self.i
        if self.take("$"):
            word = self.word()
            name = (word or "").upper()
            if name in SETTERS:  # SET $NAMESPACE, $ETRAP, $ECODE, $ZTRAP
                return Special(SPECIALS[name], SETTERS[name])
            self.i = start
            raise syntax_error()
        if self._object_ahead():  # SET obj.Prop=value
            node = self.atom()
            if not isinstance(node, Member) or node.args is not None:
                raise syntax_error()
            return node
        return self.ref()

    def cmd_new(self, name: str, has_args: bool) -> Parsed:
        """``NEW``, ``NEW a,$ETRAP``, ``NEW (a,b)`` (docs/objectscript-grammar.md §8)."""
        if not has_args:
            return name, ["all", []], []
        if self.peek() == "(":
            spaced = self.open_paren()
            kept = self.comma_list(self.plain_name)
            self.close_paren(spaced)
            return name, ["except", kept], []

        def item() -> str:
            if self.take("$"):
                word = (self.word() or "").upper()
                canonical = {"ET": "$ETRAP", "ETRAP": "$ETRAP", "NAMESPACE": "$NAMESPACE", "ES": "$ESTACK",
                             "ESTACK": "$ESTACK", "ZT": "$ZTRAP", "ZTRAP": "$ZTRAP"}.get(word)
                if canonical is None:
                    raise syntax_error()
                return canonical
            return self.plain_name()

        return name, ["names", self.comma_list(item)], []

    def plain_name(self) -> str:
        """An unsubscripted local name (NEW takes no subscripts)."""
        found = self.regex(NAME)
        if found is None or self.peek() == "(":
            raise syntax_error()
        return found

    def cmd_lock(self, name: str, has_args: bool) -> Parsed:
        """``LOCK``, ``LOCK +ref:t``, ``LOCK -ref``, ``LOCK (a,b):t`` (docs/objectscript-grammar.md §8)."""
        if not has_args:
            return name, [], []

        def item() -> tuple:
            sign = "+" if self.take("+") else "-" if self.take("-") else ""
            if self.peek() == "(":
                spaced = self.open_paren()
                refs = self.comma_list(self.ref)
                self.close_paren(spaced)
            else:
                refs = [self.ref()]
            timeout = self.expr() if self.take(":") else None
            return sign, refs, timeout

        return name, self.comma_list(item), []

    def cmd_kill(self, name: str, has_args: bool) -> Parsed:
        return name, (self.comma_list(self.ref) if has_args else []), []

    def cmd_merge(self, name: str, has_args: bool) -> Parsed:
        if not has_args:
            raise syntax_error()

        def item() -> Tuple[Ref, Ref]:
            target = self.ref()
            self.expect_spaced("=")
            return target, self.ref()

        return name, self.comma_list(item), []

    def cmd_zn(self, name: str, has_args: bool) -> Parsed:
        if not has_args:
            raise syntax_error()
        return name, [self.expr()], []

    # -- input and process control --
    def cmd_read(self, name: str, has_args: bool) -> Parsed:
        if not has_args:
            raise syntax_error()

        def item() -> tuple:
            if self.peek() == '"':
                return ("prompt", self.string())
            if self.peek() in ("!", "#", "?"):
                return self.write_arg()
            star = self.take("*")
            target = self.ref()
            timeout = self.expr() if self.take(":") else None
            return ("char" if star else "var", target, timeout)

        return name, self.comma_list(item), []

    def cmd_hang(self, name: str, has_args: bool) -> Parsed:
        return name, self.comma_list(self.expr), []

    def cmd_halt(self, name: str, has_args: bool) -> Parsed:
        if has_args:
            raise syntax_error()
        return name, [], []

    def cmd_xecute(self, name: str, has_args: bool) -> Parsed:
        if not has_args:
            raise syntax_error()

        def item() -> Tuple[Expr, Optional[Expr]]:
            code = self.expr()
            return code, (self.expr() if self.take(":") else None)

        return name, self.comma_list(item), []

    # -- flow control --
    def cmd_quit(self, name: str, has_args: bool) -> Parsed:
        return "QUIT", ([self.expr()] if has_args else []), []

    def cmd_return(self, name: str, has_args: bool) -> Parsed:
        return name, ([self.expr()] if has_args else []), []

    def cmd_continue(self, name: str, has_args: bool) -> Parsed:
        if has_args:
            raise syntax_error()
        return name, [], []

    def cmd_for(self, name: str, has_args: bool) -> Parsed:
        if not has_args or self.peek() == "{":
            return name, [], (self.block() if self.block_ahead() else self.line())
        var = self.lvalue()
        self.expect_spaced("=")

        def param() -> tuple:
            start = self.expr()
            inc = end = None
            if self.take_spaced(":"):  # blanks inside an argument (grammar row W31)
                inc = self.expr()
                if self.take_spaced(":"):
                    end = self.expr()
            return start, inc, end

        params = self.comma_list(param)
        if self.block_ahead():
            return name, [var, params], self.block()
        self.end_of_args()
        return name, [var, params], self.line()

    def cmd_while(self, name: str, has_args: bool) -> Parsed:
        if not has_args:
            raise syntax_error()
        conds = self.comma_list(self.expr)
        if not self.block_ahead():
            raise syntax_error()
        return name, conds, self.block()

    def cmd_if(self, name: str, has_args: bool) -> Parsed:
        if not has_args:
            return name, [], self.line()
        conds = self.comma_list(self.expr)
        if not self.block_ahead():
            self.end_of_args()
            return name, conds, self.line()
        branches: List[Tuple[Optional[List[Expr]], List[Cmd]]] = [(conds, self.block())]
        while True:
            before = self.i
            keyword = self.keyword_ahead("ELSEIF", "ELSE", "E")
            if keyword is None:
                break
            if keyword == "ELSEIF":
                if not self.take(" "):
                    raise syntax_error()
                conds = self.comma_list(self.expr)
                if not self.block_ahead():
                    raise syntax_error()
                branches.append((conds, self.block()))
                continue
            if not self.block_ahead():
                if "\n" not in self.s[before : self.i]:
                    raise syntax_error()  # ELSE right after an IF block needs its own block
                self.i = before  # a legacy ELSE on a later line, not part of this IF
                break
            branches.append((None, self.block()))
            break
        return "IFBLOCK", branches, []

    def cmd_else(self, name: str, has_args: bool) -> Parsed:
        if has_args:
            raise syntax_error()  # ELSE with a block only follows an IF block
        return name, [], self.line()

    def cmd_do(self, name: str, has_args: bool) -> Parsed:
        if not has_args:
            raise syntax_error()
        if self.peek() == "{":
            body = self.block()
            if self.keyword_ahead("WHILE") is None or not self.take(" "):
                raise syntax_error()
            return "DOWHILE", self.comma_list(self.expr), body
        return name, self.comma_list(self.entryref), []

    def cmd_try(self, name: str, has_args: bool) -> Parsed:
        if not self.block_ahead():
            raise syntax_error()
        body = self.block()
        if self.keyword_ahead("CATCH") is None:
            raise syntax_error()  # a TRY block must be followed by its CATCH block
        var = None
        self.skip_blanks()
        if self.take("("):
            var = self.lvalue()
            self.expect(")")
        elif NAME.match(self.s, self.i):
            var = self.lvalue()
        if not self.block_ahead():
            raise syntax_error()
        return name, [var, self.block()], body

    def cmd_throw(self, name: str, has_args: bool) -> Parsed:
        return name, ([self.expr()] if has_args else []), []


_CACHE: Dict[str, Program] = {}
_CACHE_SIZE = 2048  # inputs kept compiled
_CACHE_MAX_CHARS = 4096  # longer inputs are compiled every time rather than kept
_LINES: Dict[str, Optional[List[Cmd]]] = {}  # one line compiled alone; None: it does not stand alone


def compile_input(source: str) -> Program:
    """Compile a prompt input (CRLF, LF or CR line breaks); repeated inputs come from a cache.

    An input of several lines is put together from its lines compiled one by one (each kept in a cache of
    its own) when every line stands alone, so a line sent again and again in front of changing ones (the
    client's mark, docs/protocol.md §15.3) is compiled once; otherwise the input is compiled whole."""
    program = _CACHE.get(source)
    if program is None:
        text = source.replace("\r\n", "\n").replace("\r", "\n") if "\r" in source else source
        program = (_from_lines(text) if "\n" in text else None) or _compile(text)
        _remember(_CACHE, source, program)
    return program


def _remember(cache: Dict[str, Any], key: str, value: Any) -> None:
    """Keep ``value`` for an input or line of at most _CACHE_MAX_CHARS (a full cache starts again empty)."""
    if len(key) <= _CACHE_MAX_CHARS:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[key] = value


def _compile(text: str) -> Program:
    try:
        return LineParser(text).program()
    except RecursionError:  # nesting deeper than the parser can follow: refused before anything runs
        return Program((), ObjectScriptError("SYNTAX"))


def _from_lines(text: str) -> Optional[Program]:
    """The input's program from its lines compiled alone, or None when one of them does not stand alone.

    A line stands alone when it compiles without an error and its parse never looked past its end (only a
    block's opening brace or continuation keyword is looked for across lines; a string, a comment or a
    block that runs on is an error alone). Such a line parses the same inside the input, which the whole
    parse would then take up again at depth 0 on the next line; a line that does not stand alone sends the
    input to the whole parse, so errors and blocks across lines are compiled exactly as before."""
    lines = []
    for line in text.split("\n"):
        cmds = _LINES.get(line, _UNKNOWN)
        if cmds is _UNKNOWN:
            cmds = _standalone(line)
            _remember(_LINES, line, cmds)
        if cmds is None:
            return None
        lines.append(cmds)
    return Program(tuple(lines), None)


_UNKNOWN: List[Cmd] = []  # a sentinel: never cached, compared by identity


def _standalone(line: str) -> Optional[List[Cmd]]:
    parser = LineParser(line)
    try:
        program = parser.program()
    except RecursionError:
        return None
    if program.error is not None or parser.looked_past_end or len(program.lines) != 1:
        return None
    return program.lines[0]


def parse_line(line: str) -> List[Cmd]:
    """Compile one line (raises ObjectScriptError("SYNTAX"/"COMMAND") before anything runs)."""
    program = compile_input(line)
    if program.error is not None:
        raise program.fresh_error()
    return [cmd for cmds in program.lines for cmd in cmds]
