"""How IRIS draws prompts, errors and colour in the Lite Terminal (pure functions, no I/O).

rawMode=false makes the server emit ANSI codes; rawMode=true is taken to mean plain text (docs/protocol.md §8,
[I]).
"""

from __future__ import annotations

import re

ESC = "\u001b"
BOLD = ESC + "[1m"
RESET = ESC + "[0m"
ERROR_SGR = ESC + "[31;1m"  # docs/protocol.md §8: bold red error name; VS Code flags failure on it
CRLF = "\r\n"  # docs/protocol.md §8: line breaks are \r\n


def prompt_text(namespace: str, raw: bool, template: str = "{ns}>") -> str:
    """``prompt.text``: ``"\\u001b[1mUSER>\\u001b[0m"`` (docs/protocol.md §6.3 captures), plain ``USER>`` in
    rawMode.

    ``template`` models the instance's TerminalPrompt setting, e.g. ``"TL1:{ns}>"`` (docs/protocol.md §11).
    """
    text = template.replace("{ns}", namespace)
    return text if raw else BOLD + text + RESET


def error_report(name: str, detail: str, raw: bool) -> str:
    """``<NAME> *detail`` with the name in bold red (docs/protocol.md §8, S24 fixture ``<NOROUTINE>\\u001b[0m
    *Foo``).

    The leading fresh-line ``\\r\\n`` is added by the caller, who knows the cursor column.
    """
    tag = "<" + name + ">"
    head = tag if raw else ERROR_SGR + tag + RESET
    return head + (" " + detail if detail else "")


def interrupt_report(raw: bool) -> str:
    """Output after an interrupt in EVAL/READ (docs/protocol.md §10 recommended emulator behaviour)."""
    return CRLF + error_report("INTERRUPT", "", raw)


_STRING = re.compile(r'"(?:[^"]|"")*"?')
_WORD = re.compile(r"(?<![\w$%])[A-Za-z]+")


def color_text(source: str) -> str:
    """Reply to a ``color`` request: the input with SGR colouring, lines joined by ``\\r\\n``
    (docs/protocol.md §11).

    The real colouring rules are not public; strings are green, words blue, everything else unchanged.
    """
    lines = re.split(r"\r\n|\n|\r", source)
    return CRLF.join(_color_line(line) for line in lines)


def _color_line(line: str) -> str:
    out = []
    pos = 0
    for match in _STRING.finditer(line):
        out.append(_color_words(line[pos : match.start()]))
        out.append(ESC + "[32m" + match.group(0) + RESET)
        pos = match.end()
    out.append(_color_words(line[pos:]))
    return "".join(out)


def _color_words(segment: str) -> str:
    return _WORD.sub(lambda m: ESC + "[34m" + m.group(0) + RESET, segment)
