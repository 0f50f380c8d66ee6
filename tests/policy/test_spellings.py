"""The command policy against every spelling of a namespace switch or HALT we could think of
(docs/security.md §3: case changes, extra spaces, tabs, CR/LF, leading dots, several commands per line,
abbreviations, XECUTE).

Every spelling lives here, the first ones the policy was written against and the ones that got through before
(blanks around ``=``, a tab after the command name, ``/* */`` in mid-line, ``$ZUTIL(5)``); test_policy.py has
the pattern rules and the normalised form. This file also pins the limits docs/security.md §3 states: code
stored on the server (a routine, a class method) is *not* looked into, which is why the policy is defence in
depth; code built at run time from the command's own text is denied (docs/policy.md §7).
"""

import pytest

from productions.policy import DEFAULT_DENY, CommandPolicy, check_command, normalize

NS_DENY = r"^ZNSPACE\b"


def denied(command: str, deny: str = DEFAULT_DENY) -> bool:
    return not check_command(command, deny_patterns=deny).allowed


@pytest.mark.parametrize(
    "command",
    [
        # abbreviations and case
        'zn "%SYS"', 'ZN "%SYS"', 'zN "%SYS"', 'znspace "%SYS"', 'ZNspace "%SYS"', 'zn:1 "%SYS"',
        # SET of the namespace special variables, every spelling
        's $namespace="%SYS"', 'S $NAMESPACE="%SYS"', 'set $Namespace="%SYS"', 's $zns="%SYS"',
        's $ZNSPACE="%SYS"', 'set ($namespace)="%SYS"', 's x=1,$namespace="%SYS"', 's:1=1 $namespace="%SYS"',
        'set $namespace=("%SYS")', 'n $namespace s $namespace="%SYS"',
        # blanks around the operators (valid ObjectScript: ``Set x = 1``)
        'SET $NAMESPACE = "%SYS"', 'set $namespace ="%SYS"', 'set $namespace= "%SYS"',
        's x = 1, $namespace = "%SYS"', 's x=1 ,$namespace="%SYS"', 'if 1 = 1 set $namespace = "%SYS"',
        # tabs
        'zn\t"%SYS"', 's\t$namespace="%SYS"', 'set\t$namespace="%SYS"', 's:1\t$namespace="%SYS"',
        'write 1\tzn "%SYS"', 'write 1\t\tzn "%SYS"', '\tzn "%SYS"',
        # line ends: \n, \r\n, a lone \r; blank lines; leading blanks and dots (argumentless DO blocks)
        'write 1\nzn "%SYS"', 'write 1\r\nzn "%SYS"', 'write 1\rzn "%SYS"', '\n\n   zn "%SYS"\n',
        '. zn "%SYS"', '  . . zn "%SYS"', ' .\tzn "%SYS"',
        # several commands per line, argumentless commands before them
        'write 1 write 2 zn "%SYS"', 'q:0  zn "%SYS"', 'if 1  zn "%SYS"', 'do { zn "%SYS" } while 0',
        'try { zn "%SYS" } catch {}', 'for i=1:1:1 { set $namespace="%SYS" }',
        # comments that end before the command
        'set x=1 /* c */ zn "%SYS"', '/* c */ zn "%SYS"', 'zn "%SYS" // c',
        # XECUTE of a literal, nested, abbreviated, with a tab
        'x "zn ""%SYS"""', 'X "ZN ""%SYS"""', 'xecute "x ""zn """"%SYS"""""""', 'x\t"zn ""%SYS"""',
        'x:1 "set $namespace=""%SYS"""', 'x "SET $NAMESPACE = ""%SYS"""',
        # the deprecated $ZUTIL(5) namespace switch
        's x=$zu(5,"%SYS")', 'write $ZUTIL(5,"%SYS")', 'w $zu( 5 , "%SYS" )',
        # the first spellings the policy was written against: the long form, padding, SET forms, blocks
        'Zn "%SYS"', 'ZNSPACE "%SYS"', '   zn "%SYS"', 'write 1 zn "%SYS"', 'write 1  zn "%SYS"',
        'write 1\r\n  ZN "%SYS"', 'set $namespace="%SYS"', 'SET $NAMESPACE="%SYS"', 's $NameSpace="%SYS"',
        's a=1,$namespace="%SYS" write a', 's (a,$namespace)="%SYS"', 'set $znspace="%SYS"',
        'new $namespace set $namespace="%SYS"', 'set:1 $namespace="%SYS"', 'if 1 { zn "%SYS" }',
        'xecute "zn ""%SYS"""', 'x "set $namespace=""%SYS"""',
        # HALT (default deny list)
        "h", "H", "halt", "Halt ", "write 1 h", "write 1\nh", "if 1 h", 'x "h"',
    ],
)
def test_namespace_switch_and_halt_are_denied_in_every_spelling(command):
    decision = check_command(command, deny_patterns=DEFAULT_DENY)
    assert not decision.allowed, normalize(command)
    assert "DenyPatterns" in decision.reason


@pytest.mark.parametrize(
    "command",
    [
        "write $namespace", "w $zns", "write 1,$namespace", 'if $namespace = "USER" write 1',
        'write "zn ""%SYS"""', 'set x="zn %SYS"', "set zn=1 write zn", 'write 1 // zn "%SYS"',
        'write 1 ; zn "%SYS"', 'w 1 /* zn "%SYS" */', "h 1", "hang 1", 'write "halt"', "s x=$zu(12)",
        'write "zn is just text"', 'write 1 // zn "%SYS" in a comment',
    ],
)
def test_commands_that_only_mention_them_still_run(command):
    assert not denied(command), normalize(command)


def test_every_reading_of_an_ambiguous_line_is_checked():
    # "set x = 1" reads as one SET (blanks around "=") or, strictly, as "SET X" then "=1": both readings are
    # returned, deny patterns apply to all of them and an allow list must accept all of them (fails closed).
    assert normalize("set $namespace = 1") == ["SET $NAMESPACE", "=1", "SET $NAMESPACE=1", "ZNSPACE 1"]
    assert not CommandPolicy(allow_patterns=r"^SET\b").check("set x = 1").allowed
    assert CommandPolicy(allow_patterns=r"^SET\b").check("set x=1").allowed


def test_write_format_controls_do_not_swallow_the_next_command():
    # "!" is both OR and WRITE's new-line control: "write ! zn ..." is two commands and must be seen as such.
    assert denied('write ! zn "%SYS"')
    assert denied('write !,# zn "%SYS"')
    assert denied('w ?5 zn "%SYS"')


@pytest.mark.parametrize(
    "command",
    [
        'do $classmethod("%SYSTEM.Process","...")',  # anything a class method does inside
        'do ^MYROUTINE',  # anything a routine does inside
    ],
)
def test_what_the_policy_cannot_see_is_allowed_by_the_default_list(command):
    """Documented limits (docs/security.md §3): code stored on the server; only a least-privilege IRIS user
    stops what it does."""
    assert not denied(command)


@pytest.mark.parametrize(
    "command",
    [
        'x "z"_"n ""%SYS"""',  # a string built at run time
        'set c="zn ""%SYS""" xecute c',  # XECUTE of a variable
    ],
)
def test_code_built_at_run_time_is_denied_by_the_default_list(command):
    """Code built from the command's own text at run time could be anything: it is denied under any
    pattern (docs/policy.md §7; tests/policy/test_run_time_code.py has the class)."""
    assert denied(command)
    assert check_command(command).allowed  # no pattern at all: nothing to refuse it with


def test_the_documented_stricter_deny_list_catches_run_time_code():
    stricter = "\n".join([DEFAULT_DENY, r"^XECUTE\b", r"@", r"\$CLASSMETHOD\(", r"\$XECUTE\(", r"^JOB\b",
                          r"\^[|\[]"])
    for command in ('x "z"_"n ""%SYS"""', 'set c="zn" xecute c', "write @x", 'd $classmethod("A","B")',
                    "job ^X", 'w $xecute("q 1")', 'write ^|"%SYS"|X(1)', 'set ^["%SYS"]X=1'):
        assert denied(command, stricter), normalize(command)
