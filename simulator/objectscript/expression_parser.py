"""Parsing expressions (and the cursor helpers the command parser shares).

Expressions are strictly left to right (no precedence). Calls into code that only a real server has
(``$$label^routine``, ``DO ^routine``) parse fine and fail when evaluated, as they would on an IRIS without
that code; ``##class(X).M()`` and ``$SYSTEM.X.M()`` reach the simulated classes (``classes/``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Callable, List, Optional, Tuple

from .errors import syntax_error
from .expressions import (
    Bin,
    ByRef,
    Call,
    Chain,
    ClassCall,
    Expr,
    Global,
    Indirect,
    JsonLiteral,
    Lit,
    Member,
    Missing,
    Omitted,
    Prefix,
    Ref,
    Special,
    Unary,
    Var,
)
from .intrinsics import FUNCTIONS, SPECIALS, select
from .json_values import JSON_NULL, MAX_DEPTH, JsonSyntax, read_number, read_string
from .list_functions import OMITTABLE
from .operators import BINARY_OPS

NAME = re.compile(r"%?[A-Za-z][A-Za-z0-9]*|%")
ROUTINE = re.compile(r"%?[A-Za-z0-9][A-Za-z0-9.]*|%")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z]+")
_CLASS_NAME = re.compile(r"%?[A-Za-z][A-Za-z0-9]*(?:\.%?[A-Za-z][A-Za-z0-9]*)*")
_DOT_NUMBER = re.compile(r"\.\d")
_MEMBER = re.compile(r"%?[A-Za-z][A-Za-z0-9]*")


class ExpressionParser:
    """A cursor over one source line plus the expression grammar."""

    def __init__(self, line: str) -> None:
        self.s = line
        self.i = 0
        #: May blanks stand between the tokens of an argument here? Not in a postconditional outside
        #: parentheses (docs/objectscript-grammar.md §2, rows W5-W6).
        self.spaced = True

    # -- whitespace inside arguments (docs/objectscript-grammar.md §2) --
    def blanks(self) -> int:
        """Skip spaces and tabs; the position before them (to go back when nothing follows)."""
        start = self.i
        s, i, n = self.s, self.i, len(self.s)
        while i < n and s[i] in " \t":
            i += 1
        self.i = i
        return start

    def take_spaced(self, text: str) -> bool:
        """``text`` after optional blanks (where blanks are allowed), and the blanks after it; else the
        cursor stays where it was."""
        if not self.spaced or self.peek() not in (" ", "\t"):
            if self.take(text):
                if self.spaced:
                    self.blanks()
                return True
            return False
        start = self.blanks()
        if self.take(text):
            self.blanks()
            return True
        self.i = start
        return False

    def open_paren(self) -> bool:
        """``(`` and the blanks after it (inside parentheses blanks are always allowed); the caller restores
        ``spaced`` with ``close_paren``."""
        self.expect("(")
        spaced, self.spaced = self.spaced, True
        self.blanks()
        return spaced

    def close_paren(self, spaced: bool) -> None:
        self.blanks()
        self.expect(")")
        self.spaced = spaced

    # -- cursor helpers --
    def peek(self, n: int = 1) -> str:
        return self.s[self.i : self.i + n]

    def at_end(self) -> bool:
        return self.i >= len(self.s)

    def take(self, text: str) -> bool:
        if self.s.startswith(text, self.i):
            self.i += len(text)
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.take(text):
            raise syntax_error()

    def regex(self, pattern: re.Pattern) -> Optional[str]:
        match = pattern.match(self.s, self.i)
        if not match or not match.group(0):
            return None
        self.i = match.end()
        return match.group(0)

    def word(self) -> Optional[str]:
        """A run of letters: a command or intrinsic name."""
        return self.regex(_WORD)

    def comma_list(self, item: Callable[[], object]) -> list:
        """Items separated by commas, with any blanks around each comma (docs/objectscript-grammar.md §2)."""
        items = [item()]
        while self.take_spaced(","):
            items.append(item())
        return items

    # -- expressions --
    def expr(self) -> Expr:
        """Operands and binary operators, applied strictly left to right (one flat node, evaluated in a loop,
        so a long expression needs no deep recursion)."""
        first = self.unary()
        rest = []
        while True:
            before = self.i
            if self.spaced and self.peek() in (" ", "\t"):
                self.blanks()
            op = next((o for o in BINARY_OPS if self.s.startswith(o, self.i)), None)
            if op is None or (op == "/" and self.peek(2) in ("//", "/*")):  # a comment, not a division
                self.i = before
                break
            self.i += len(op)
            if self.spaced:
                self.blanks()
            rest.append((op, self.unary()))
        if not rest:
            return first
        if len(rest) == 1:
            return Bin(rest[0][0], first, rest[0][1])
        return Chain(first, rest)

    def unary(self) -> Expr:
        start = self.i
        while self.peek() in ("'", "-", "+"):
            self.i += 1
        prefix = self.s[start : self.i]
        node = self.atom()
        if not prefix:
            return node
        return Unary(prefix, node) if len(prefix) == 1 else Prefix(prefix, node)

    def atom(self) -> Expr:
        node = self.primary()
        while self.peek() == "." and _MEMBER.match(self.s, self.i + 1):  # obj.Prop, obj.Method(...)
            self.i += 1
            name = self.regex(_MEMBER)
            assert name is not None
            args = self.method_args() if self.peek() == "(" else None
            node = Member(node, name, args)
        return node

    def primary(self) -> Expr:
        char = self.peek()
        if not char:
            raise syntax_error()
        if char == '"':
            return Lit(self.string())
        if char in ("{", "["):
            return JsonLiteral(self.json_part(0))
        number = self.regex(_NUMBER)
        if number is not None:
            return Lit(Decimal(number))
        if self.peek() == "(":
            spaced = self.open_paren()
            node = self.expr()
            self.close_paren(spaced)
            return node
        if self.take("@"):
            return self.indirection()
        if self.take("$$"):
            return self.entryref_call()
        if self.take("$"):
            return self.intrinsic()
        if self.take("##class("):
            return self.class_call()
        if char == "^":
            return self.ref()
        if NAME.match(self.s, self.i):
            return self.lvalue()
        raise syntax_error()

    # -- JSON literals (docs/objectscript-grammar.md §6) --
    def json_part(self, depth: int) -> tuple:
        """One value of a JSON literal: JSON's own forms, or an ObjectScript expression in parentheses."""
        if depth > MAX_DEPTH:
            raise syntax_error()
        self.blanks()
        char = self.peek()
        if char == "(":
            spaced = self.open_paren()
            node = self.expr()
            self.close_paren(spaced)
            return ("expr", node)
        if char == "{":
            self.i += 1
            members = []
            self.blanks()
            if not self.take("}"):
                while True:
                    self.blanks()
                    if self.peek() != '"':
                        raise syntax_error()
                    key = self.json_token(read_string)
                    self.blanks()
                    self.expect(":")
                    members.append((key, self.json_part(depth + 1)))
                    self.blanks()
                    if self.take("}"):
                        break
                    self.expect(",")
            return ("object", members)
        if char == "[":
            self.i += 1
            items = []
            self.blanks()
            if not self.take("]"):
                while True:
                    items.append(self.json_part(depth + 1))
                    self.blanks()
                    if self.take("]"):
                        break
                    self.expect(",")
            return ("array", items)
        if char == '"':
            return ("value", self.json_token(read_string))
        for word, value in (("true", True), ("false", False), ("null", JSON_NULL)):
            if self.s.startswith(word, self.i):
                self.i += len(word)
                return ("value", value)
        return ("value", self.json_token(read_number))

    def json_token(self, reader: Callable) -> object:
        try:
            value, self.i = reader(self.s, self.i)
        except JsonSyntax:
            raise syntax_error() from None
        return value

    def indirection(self) -> Indirect:
        """``@x``, ``@"name"``, ``@(expr)``, ``@x@(subs)`` (the ``@`` is taken)."""
        operand = self.primary()
        subs = None
        if self.peek(2) == "@(":
            self.i += 1
            spaced = self.open_paren()
            subs = self.comma_list(self.expr)
            self.close_paren(spaced)
        return Indirect(operand, subs, parse_indirect)

    def ref(self) -> Ref:
        """A local ``x(…)`` or a global ``^x(…)``, ``^|"NS"|x(…)``, ``^["NS"]x(…)``, ``^||x(…)``."""
        if self.take("@"):
            return self.indirection()
        if not self.take("^"):
            return self.lvalue()
        namespace: Optional[Expr] = None
        private = False
        if self.take("||"):
            private = True
        elif self.take("|"):
            namespace = self.unary()  # not expr(): "]" would read as the follows operator
            self.expect("|")
        elif self.take("["):
            namespace = self.unary()
            self.expect("]")
        name, subs = self.name_and_subscripts()
        return Global(name, subs, namespace, private)

    def lvalue(self) -> Var:
        name, subs = self.name_and_subscripts()
        return Var(name, subs)

    def name_and_subscripts(self) -> Tuple[str, List[Expr]]:
        name = self.regex(NAME)
        if name is None:
            raise syntax_error()
        subs: List[Expr] = []
        if self.peek() == "(":
            spaced = self.open_paren()
            subs = self.comma_list(self.expr)
            self.close_paren(spaced)
        return name, subs

    def string(self) -> str:
        self.expect('"')
        out = []
        while True:
            end = self.s.find('"', self.i)
            if end < 0:
                raise syntax_error()
            out.append(self.s[self.i : end])
            self.i = end + 1
            if self.take('"'):
                out.append('"')
                continue
            return "".join(out)

    def intrinsic(self) -> Expr:
        word = self.word()
        if word is None:
            raise syntax_error()
        name = word.upper()
        if name == "SYSTEM" and self.peek() == ".":
            return self.system_call()
        if name in ("S", "SELECT") and self.peek() == "(":
            return Call(select, self.select_pairs())
        if self.peek() == "(":
            fn = FUNCTIONS.get(name)
            if fn is None:
                raise syntax_error()
            if name in OMITTABLE:
                args = self.method_args()
                if any(isinstance(arg, ByRef) for arg in args):
                    raise syntax_error()
                return Call(fn, args)
            return Call(fn, self.call_args())
        special = SPECIALS.get(name)
        if special is None:
            raise syntax_error()
        return Special(special)

    def select_pairs(self) -> list:
        """``$SELECT(cond:value,…)``: the pairs, each parsed as two expressions."""
        spaced = self.open_paren()

        def pair() -> tuple:
            cond = self.expr()
            if not self.take_spaced(":"):
                raise syntax_error()
            return cond, self.expr()

        pairs = self.comma_list(pair)
        self.close_paren(spaced)
        return pairs

    def call_args(self) -> List[Expr]:
        spaced = self.open_paren()
        if self.take(")"):
            self.spaced = spaced
            return []
        args = self.comma_list(self.expr)
        self.close_paren(spaced)
        return args

    # -- calls into server-side code --
    def entryref(self) -> Expr:
        """A DO argument: ``label^routine(args)``, or a method call (``##class(X).M()``, ``$SYSTEM.X.M()``,
        ``obj.M()``)."""
        if self.s.startswith("##class(", self.i) or self.peek() == "$" or self._object_ahead():
            node = self.expr_atom_only()
            if not isinstance(node, (ClassCall, Member)):
                raise syntax_error()
            return node
        label = self.regex(NAME) or ""
        if self.take("+"):
            self.regex(re.compile(r"\d+"))
        routine = None
        if self.take("^"):
            routine = self.regex(ROUTINE)
            if routine is None:
                raise syntax_error()
        if not label and routine is None:
            raise syntax_error()
        args = self.call_args() if self.peek() == "(" else []
        if routine is not None:
            return Missing("NOROUTINE", "*" + routine, args)
        return Missing("NOLINE", "", args)

    def _object_ahead(self) -> bool:
        match = NAME.match(self.s, self.i)
        return match is not None and self.s.startswith(".", match.end())

    def expr_atom_only(self) -> Expr:
        return self.atom()

    def entryref_call(self) -> Expr:
        node = self.entryref()
        if self.peek() == "(":
            self.call_args()
        return node

    def class_call(self) -> Expr:
        """``##class(Name).Method(args)`` (the ``##class(`` is taken)."""
        name = self.regex(_CLASS_NAME)
        if name is None:
            raise syntax_error()
        self.expect(")")
        self.expect(".")
        method = self.regex(_MEMBER)
        if method is None:
            raise syntax_error()
        args = self.method_args() if self.peek() == "(" else []
        return ClassCall(name, method, args)

    def system_call(self) -> Expr:
        """``$SYSTEM.Class.Method(args)`` is ``##class(%SYSTEM.Class).Method(args)``."""
        parts = []
        while self.take("."):
            part = self.regex(_MEMBER)
            if part is None:
                raise syntax_error()
            parts.append(part)
        if len(parts) < 2:
            raise syntax_error()
        args = self.method_args() if self.peek() == "(" else []
        return ClassCall("%SYSTEM." + ".".join(parts[:-1]), parts[-1], args, system=True)

    def method_args(self) -> List[Expr]:
        """``(a,,.b)``: omitted arguments and ``.var`` by reference are allowed in method calls."""
        spaced = self.open_paren()
        if self.take(")"):
            self.spaced = spaced
            return []
        args: List[Expr] = []
        while True:
            if self.peek() in (",", ")"):
                args.append(Omitted())
            elif self.peek() == "." and not _DOT_NUMBER.match(self.s, self.i):
                self.i += 1
                args.append(ByRef(self.ref()))
            else:
                args.append(self.expr())
            self.blanks()
            if self.take(")"):
                self.spaced = spaced
                return args
            self.expect(",")
            self.blanks()


_INDIRECT_CACHE: dict = {}


def parse_indirect(text: str, as_ref: bool) -> Expr:
    """The node an indirection's text stands for, cached: a variable reference where one is needed (SET,
    KILL, $DATA...), else an expression. Anything else is ``<SYNTAX>`` when the line runs."""
    key = (text, as_ref)
    node = _INDIRECT_CACHE.get(key)
    if node is None:
        parser = ExpressionParser(text)
        node = parser.ref() if as_ref else parser.expr()
        if not parser.at_end():
            raise syntax_error()
        if len(_INDIRECT_CACHE) >= 1024:
            _INDIRECT_CACHE.clear()
        _INDIRECT_CACHE[key] = node
    return node
