"""productions/policy.py: the command policy cannot be sidestepped by spelling (docs/security.md §3: case
changes, extra spaces, multi-line input, abbreviations such as zn / ZN / znspace / set $namespace)."""

import pytest

from productions.policy import DEFAULT_DENY, CommandPolicy, check_command, normalize, split_patterns

NAMESPACE_DENY = r"^ZNSPACE\b"


@pytest.mark.parametrize(
    "command",
    [
        'zn "%SYS"',
        'ZN "%SYS"',
        'Zn "%SYS"',
        'znspace "%SYS"',
        'ZNSPACE "%SYS"',
        '   zn "%SYS"',
        'write 1  zn "%SYS"',
        'write 1 zn "%SYS"',
        'write 1\nzn "%SYS"',
        'write 1\r\n  ZN "%SYS"',
        'set $namespace="%SYS"',
        'SET $NAMESPACE="%SYS"',
        's $NameSpace="%SYS"',
        's a=1,$namespace="%SYS" write a',
        's (a,$namespace)="%SYS"',
        'set $znspace="%SYS"',
        's $zns="%SYS"',
        'new $namespace set $namespace="%SYS"',
        'set:1 $namespace="%SYS"',
        'if 1 { zn "%SYS" }',
        'for i=1:1:1 { set $namespace="%SYS" }',
        'xecute "zn ""%SYS"""',
        'x "set $namespace=""%SYS"""',
    ],
)
def test_every_spelling_of_a_namespace_switch_is_denied(command):
    decision = check_command(command, deny_patterns=NAMESPACE_DENY)
    assert not decision.allowed, normalize(command)
    assert "DenyPatterns" in decision.reason


@pytest.mark.parametrize(
    "command",
    [
        'write "zn is just text"',
        'set x="zn %SYS"',
        "write $namespace",
        'write 1 // zn "%SYS" in a comment',
        'write 1 ; zn "%SYS"',
        "set zn=1 write zn",
    ],
)
def test_text_that_only_mentions_the_command_is_allowed(command):
    assert check_command(command, deny_patterns=NAMESPACE_DENY).allowed, normalize(command)


def test_normalised_statements_expand_abbreviations_and_split_arguments():
    assert normalize('s a=1,b=2 w a,!') == ["SET A=1", "SET B=2", "WRITE A", "WRITE !"]
    assert normalize("h") == ["HALT"]
    assert normalize("h 5") == ["HANG 5"]
    assert normalize("quit  write 1") == ["QUIT", "WRITE 1"]
    # String literals keep their spelling; only code outside them is upper-cased.
    assert normalize('w "Mixed Case"') == ['WRITE "Mixed Case"']


def test_allow_list_requires_every_statement_to_match():
    policy = CommandPolicy(allow_patterns="^WRITE\\b\n^SET\\b")
    assert policy.check('write 1 set a=2').allowed
    decision = policy.check('write 1 kill ^X')
    assert not decision.allowed
    assert "KILL ^X" in decision.reason


def test_deny_wins_over_allow():
    decision = check_command('write 1 zn "%SYS"', allow_patterns=".*", deny_patterns=NAMESPACE_DENY)
    assert not decision.allowed


def test_no_patterns_allows_everything():
    assert check_command('zn "%SYS"').allowed


def test_patterns_are_one_per_line_and_case_insensitive():
    assert split_patterns("  ^A\n\n ^B  \n") == ["^A", "^B"]
    assert not check_command("halt", deny_patterns="^halt$").allowed


def test_an_invalid_pattern_denies_and_says_which_setting():
    decision = check_command("write 1", deny_patterns="([unclosed")
    assert not decision.allowed
    assert "DenyPatterns" in decision.reason and "([unclosed" in decision.reason


def test_the_default_production_deny_list_blocks_namespace_switch_and_halt():
    for command in ('zn "USER"', "halt", "h", 'set $namespace="%SYS"'):
        assert not check_command(command, deny_patterns=DEFAULT_DENY).allowed, command
    for command in ("write $zversion", "h 1", 'write "halt"'):
        assert check_command(command, deny_patterns=DEFAULT_DENY).allowed, command
