"""productions/policy.py: the pattern rules (deny wins, an allow list must accept every statement, one pattern
per line, an invalid pattern denies) and the normalised form the patterns match (docs/security.md §3). Every
spelling of a namespace switch or HALT is in test_spellings.py, attacks in test_attacks.py and
test_red_team.py, the policy through the whole production in test_through_the_production.py."""

from productions.policy import DEFAULT_DENY, CommandPolicy, check_command, normalize, split_patterns

NAMESPACE_DENY = r"^ZNSPACE\b"


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
