"""Parsing a line into commands: ``[cond]`` postconditionals, argument lists, FOR/IF/ELSE bodies.

A whole line is compiled before any of it runs, so a late ``<SYNTAX>`` stops it all. Supported commands:
WRITE/W, SET/S, KILL/K, ZN/ZNSPACE, READ/R, HANG/H n, HALT/H, FOR/F, QUIT/Q, IF/I, ELSE/E, DO/D, ZWRITE/ZW.
"""

from __future__ import annotations

from typing import List, NamedTuple, Optional, Tuple

from .errors import ObjectScriptError, syntax_error
from .expression_parser import ExpressionParser
from .expressions import Expr, Special
from .intrinsics import namespace_of


class Cmd(NamedTuple):
    name: str  # canonical command name
    cond: Optional[Expr]  # postconditional
    args: list  # command-specific argument nodes
    body: List[Cmd]  # FOR / IF / ELSE: the rest of the line


Parsed = Tuple[list, List[Cmd]]  # (arguments, body)

COMMANDS = {
    "W": "WRITE", "WRITE": "WRITE", "S": "SET", "SET": "SET", "K": "KILL", "KILL": "KILL",
    "ZN": "ZN", "ZNSPACE": "ZN", "R": "READ", "READ": "READ", "H": "H", "HANG": "HANG", "HALT": "HALT",
    "F": "FOR", "FOR": "FOR", "Q": "QUIT", "QUIT": "QUIT", "I": "IF", "IF": "IF", "E": "ELSE", "ELSE": "ELSE",
    "D": "DO", "DO": "DO", "ZW": "ZWRITE", "ZWRITE": "ZWRITE",
}  # fmt: skip


class LineParser(ExpressionParser):
    """Parses one line of commands; ``cmd_<name>`` parses that command's arguments."""

    def line(self) -> List[Cmd]:
        cmds: List[Cmd] = []
        while True:
            while self.peek() in (" ", "\t") and not self.at_end():
                self.i += 1
            if self.at_end() or self.peek() == ";" or self.peek(2) == "//":
                return cmds
            cmds.append(self.command())
            if not self.at_end() and self.peek() not in (" ", "\t"):
                raise syntax_error()

    def command(self) -> Cmd:
        word = self.word()
        if word is None:
            raise syntax_error()
        name = COMMANDS.get(word.upper())
        if name is None:
            raise ObjectScriptError("COMMAND")
        cond = self.expr() if self.take(":") else None
        has_args = self.has_args()
        if name == "H":  # H with arguments is HANG, without is HALT
            name = "HANG" if has_args else "HALT"
        parse = getattr(self, "cmd_" + name.lower())
        args, body = parse(has_args)
        return Cmd(name, cond, args, body)

    def has_args(self) -> bool:
        """One space then arguments; argumentless commands are followed by two spaces or the end."""
        if self.at_end():
            return False
        if self.peek() not in (" ", "\t"):
            raise syntax_error()
        self.i += 1
        return not (self.at_end() or self.peek() in (" ", "\t"))

    # -- output --
    def cmd_write(self, has_args: bool) -> Parsed:
        return (self.comma_list(self.write_arg) if has_args else []), []

    def cmd_zwrite(self, has_args: bool) -> Parsed:
        return (self.comma_list(self.lvalue) if has_args else []), []

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
    def cmd_set(self, has_args: bool) -> Parsed:
        if not has_args:
            raise syntax_error()

        def item() -> tuple:
            if self.take("("):
                targets = self.comma_list(self.set_target)
                self.expect(")")
            else:
                targets = [self.set_target()]
            self.expect("=")
            return targets, self.expr()

        return self.comma_list(item), []

    def set_target(self) -> Expr:
        start = self.i
        if self.take("$"):
            word = self.word()
            if word is not None and word.upper() == "NAMESPACE":
                return Special(namespace_of)
            self.i = start
            raise syntax_error()
        return self.lvalue()

    def cmd_kill(self, has_args: bool) -> Parsed:
        return (self.comma_list(self.lvalue) if has_args else []), []

    def cmd_zn(self, has_args: bool) -> Parsed:
        if not has_args:
            raise syntax_error()
        return [self.expr()], []

    # -- input and process control --
    def cmd_read(self, has_args: bool) -> Parsed:
        if not has_args:
            raise syntax_error()

        def item() -> tuple:
            if self.peek() == '"':
                return ("prompt", self.string())
            if self.peek() in ("!", "#", "?"):
                return self.write_arg()
            star = self.take("*")
            target = self.lvalue()
            timeout = self.expr() if self.take(":") else None
            return ("char" if star else "var", target, timeout)

        return self.comma_list(item), []

    def cmd_hang(self, has_args: bool) -> Parsed:
        return self.comma_list(self.expr), []

    def cmd_halt(self, has_args: bool) -> Parsed:
        if has_args:
            raise syntax_error()
        return [], []

    # -- flow control --
    def cmd_quit(self, has_args: bool) -> Parsed:
        return ([self.expr()] if has_args else []), []

    def cmd_for(self, has_args: bool) -> Parsed:
        if not has_args:
            return [], self.line()
        var = self.lvalue()
        self.expect("=")

        def param() -> tuple:
            start = self.expr()
            inc = end = None
            if self.take(":"):
                inc = self.expr()
                if self.take(":"):
                    end = self.expr()
            return start, inc, end

        params = self.comma_list(param)
        if not self.at_end() and self.peek() not in (" ", "\t"):
            raise syntax_error()
        return [var, params], self.line()

    def cmd_if(self, has_args: bool) -> Parsed:
        conds = self.comma_list(self.expr) if has_args else []
        return conds, self.line()

    def cmd_else(self, has_args: bool) -> Parsed:
        if has_args:
            raise syntax_error()
        return [], self.line()

    def cmd_do(self, has_args: bool) -> Parsed:
        if not has_args:
            raise syntax_error()
        return self.comma_list(self.entryref), []


def parse_line(line: str) -> List[Cmd]:
    """Compile one line (raises ObjectScriptError("SYNTAX"/"COMMAND") before anything runs)."""
    return LineParser(line).line()
