"""The policy examples of README.md and docs/*.md, tested as written (issue 21, item 7).

Every pattern the documentation offers (a backticked regular expression in a paragraph about
AllowPatterns/DenyPatterns, or a line of a fenced block that follows one) is read from the files, and each
must be listed in EXAMPLES with commands it admits and refuses; a new example without an entry fails, so no
example goes untested. An allow example is checked as the only AllowPatterns line (with the default
DenyPatterns), a deny example as the only DenyPatterns line.
"""

from __future__ import annotations

import pathlib
import re
from typing import Dict, List, Tuple

import pytest

from productions.policy import DEFAULT_DENY, check_command

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: pattern -> (kind, commands it admits, commands it refuses)
EXAMPLES: Dict[str, Tuple[str, List[str], List[str]]] = {
    r"^WRITE\b": ("allow", ["write 1", "w $zversion", 'WRITE "a",!'],
                  ["set x=1", 'write 1 zn "%SYS"', "writex", "do ^X"]),
    r"^DO \^MYREPORT$": ("allow", ["do ^MYREPORT", "d ^MYREPORT", "do ^MYREPORT // why"],
                         ["do ^MYREPORT.1", "d ^MYREPORT.Evil", "do ^MYREPORTX", "do ^MYREPORT(1)",
                          "do ^MYREPORT:1", "do ^MYREPORT,^OTHER", "do ^MYREPORT  write 1",
                          "do TAG^MYREPORT"]),
    # the wrong example docs/security.md §16 warns about: it also admits other routines
    r"^DO \^MYREPORT\b": ("allow", ["do ^MYREPORT"], ["do ^MYREPORT.1", "d ^MYREPORT.Evil"]),
    r"^ZNSPACE\b": ("deny", ["write 1", 'write "zn"'],
                    ['zn "%SYS"', 'set $namespace="%SYS"', 'w $zu(5,"%SYS")']),
    r"^(ZNSPACE|HALT)\b": ("deny", ["write 1", "hang 1"], ['ZN "%SYS"', "halt", "h", 's $zns="%SYS"']),
    r"^XECUTE\b": ("deny", ["write 1"], ['x "write 1"', "xecute x"]),
    "@": ("deny", ["write 1"], ["write @x", "do @y"]),
    r"\$XECUTE\(": ("deny", ["write 1"], ['write $xecute("quit 1")', "w $xecute(x)"]),
    r"\$CLASSMETHOD\(": ("deny", ["write 1"], ['write $classmethod("A","B")']),
    r"\$METHOD\(": ("deny", ["write 1"], ['write $method(o,"B")']),
    r"\^[|\[]": ("deny", ["write ^X", "set ^Y=1"], ['write ^|"%SYS"|X', 'set ^["%SYS"]X=1']),
    r"^JOB\b": ("deny", ["write 1"], ["job ^X", "j ^X"]),
    r"\$ZF\(": ("deny", ["write 1"], ['write $zf(-1,"ls")', 'w $ZF(-100,"","ls")']),
}
#: Known-wrong examples, quoted as such (docs/security.md §16 shows the wrong one next to the right one).
KNOWN_WRONG = {r"^DO \^MYREPORT\b": "admits do ^MYREPORT.1 and d ^MYREPORT.Evil: use ^DO \\^MYREPORT$"}

_TICKED = re.compile(r"`([^`\n]+)`")


def _looks_like_pattern(text: str) -> bool:
    return bool(re.match(r"\^[A-Z(\\]|\\[$^]|@$", text)) or text in ("@",)


def found_examples() -> List[Tuple[str, str]]:
    """``(pattern, where)`` for every policy example in the documentation."""
    found: List[Tuple[str, str]] = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        paragraphs = re.split(r"\n\s*\n", text)
        offset = 0
        for index, paragraph in enumerate(paragraphs):
            line = text.count("\n", 0, text.find(paragraph, offset)) + 1
            offset = text.find(paragraph, offset) + len(paragraph)
            if not re.search(r"(Allow|Deny)Patterns|deny patterns|allow list|a pattern", paragraph):
                continue
            if not paragraph.lstrip().startswith("```"):
                for match in _TICKED.finditer(paragraph):
                    if _looks_like_pattern(match.group(1)) and "Patterns" not in match.group(1):
                        found.append((match.group(1), f"{path.name}:{line}"))
            following = paragraphs[index + 1] if index + 1 < len(paragraphs) else ""
            block = re.match(r"\s*```[a-z]*\n(.*?)\n```", following, re.S)
            intro = r"patterns?\b.*(for example|such as|:)\s*$"
            introduces = re.search(intro, paragraph.strip(), re.S | re.I)
            if block and introduces:
                for pattern in block.group(1).splitlines():
                    if pattern.strip():
                        found.append((pattern.strip(), f"{path.name}:{line} (block)"))
    return found


FOUND = found_examples()


def test_the_documentation_has_policy_examples_and_each_is_listed_here():
    assert FOUND, "no policy example found: the reader of the documentation is broken"
    missing = sorted({f"{pattern!r} ({where})" for pattern, where in FOUND if pattern not in EXAMPLES})
    assert not missing, f"policy examples with no admits/refuses entry in EXAMPLES: {missing}"


def test_the_security_guide_examples_are_found():
    """The examples the README used to hold now live in docs/security.md §3."""
    patterns = {p for p, where in FOUND if where.startswith(("README", "security.md"))}
    assert {r"^(ZNSPACE|HALT)\b", r"^WRITE\b", r"^DO \^MYREPORT$", r"^XECUTE\b"} <= patterns, patterns


@pytest.mark.parametrize("pattern, where", sorted(set(FOUND)), ids=lambda v: str(v))
def test_each_documented_example_admits_and_refuses_what_it_should(pattern, where):
    if pattern in KNOWN_WRONG:
        pytest.xfail(f"{where}: {KNOWN_WRONG[pattern]}")
    kind, admits, refuses = EXAMPLES[pattern]
    for command in admits + refuses:
        if kind == "allow":
            allowed = check_command(command, pattern, DEFAULT_DENY).allowed
        else:
            allowed = check_command(command, "", pattern).allowed
        assert allowed == (command in admits), (pattern, command, where)


def test_the_known_wrong_example_really_is_wrong():
    """Why the old README example changed: ending it with \\b admits another routine, with $ it does not."""
    assert check_command("do ^MYREPORT.1", r"^DO \^MYREPORT\b", DEFAULT_DENY).allowed
    assert check_command("d ^MYREPORT.Evil", r"^DO \^MYREPORT\b", DEFAULT_DENY).allowed
    assert not check_command("do ^MYREPORT.1", r"^DO \^MYREPORT$", DEFAULT_DENY).allowed
