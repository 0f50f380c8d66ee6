"""The ObjectScript subset, sans-IO: drive ``Session.run`` directly (no sockets)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sim_interp import host_with, new_session, run

from simulator.objectscript import TICK, to_num, to_str


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("w 1+2*3", "9"),  # strictly left to right
        ("w 1+(2*3)", "7"),
        ("w 1/3", ".3333333333333333333"),
        ("w 2/3", ".6666666666666666667"),
        ("w 10/4,!,-7\\2,!,-7#2,!,7#-2", "2.5\r\n-3\r\n1\r\n-1"),
        ("w 0.50,!,-.5,!,1E3,!,007", ".5\r\n-.5\r\n1000\r\n7"),
        ('w +"12abc",!,+"abc",!,-"-3"', "12\r\n0\r\n3"),
        ('w "a"_1_"b"', "a1b"),
        ('w 1=1.0,"1.0"=1,2>1,"b"]"a",\'1', "10110"),
        ('w "abc"["b",3\'=3,1&0,1!0', "1001"),
        ('w $l("abc"),$e("hello",2,3),$p("a^b^c","^",2)', "3elb"),
        ('w $c(72,105),$a("A"),$reverse("ab"),$zcvt("ab","U")', "Hi65baAB"),
        ('w $j(5,3),$j(3.14159,0,2)', "  53.14"),
        ('w $tr("hello","l","L")', "heLLo"),
        ('w $f("abcabc","c",4)', "7"),
        ('w ?3,"x",?1,"y"', "   xy"),
        ("w *65", "A"),
        ("for i=1:2:7 w i", "1357"),
        ("for i=3:-1:1 w i", "321"),
        ('for x="a","b" w x', "ab"),
        ("for i=1:1 q:i>3  w i", "123"),
        ("if 1 w \"y\"", "y"),
        ("if 0 w \"y\"", ""),
        ("i 0  w 1\r\ne  w 2", "2"),
        ("w:0 \"no\" w:1 \"yes\"", "yes"),
        ("set (a,b)=5 w a+b", "10"),
        ("set x(1)=\"one\",x(2)=2 w $d(x),$d(x(1)),$g(x(3),\"dflt\")", "101dflt"),
        ("w $zv,!,$namespace,!,$j", "IRIS test\r\nUSER\r\n4242"),
        ('w $select(0:"a",1:"b"),$s(1:"c",1:"d")', "bc"),
        ("w 1 ; a comment", "1"),
        ("w 1 // another", "1"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_expressions_and_commands(source, output):
    assert run(source) == output


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("w 1/0", "<DIVIDE>"),
        ("w 5\\0", "<DIVIDE>"),
        ("w 5#0", "<DIVIDE>"),
        ("w x", "<UNDEFINED> *x"),
        ('w x(1,"a")', '<UNDEFINED> *x(1,"a")'),
        ("w ^Global", "<UNDEFINED> ^Global"),  # no "*" for globals, as IRIS shows it
        ("do ^Foo", "<NOROUTINE> *Foo"),
        ("do lbl^Bar(1)", "<NOROUTINE> *Bar"),
        ("w $$fn^Baz()", "<NOROUTINE> *Baz"),
        ("do ##class(My.Cls).Run()", "<CLASS DOES NOT EXIST> *My.Cls"),
        ('zn "NOWHERE"', "<NAMESPACE> *NOWHERE"),
        ('set $namespace="NOWHERE"', "<NAMESPACE> *NOWHERE"),
        ('set x("")=1', '<SUBSCRIPT> *x("")'),
        ("w $select(0:1)", "<SELECT>"),
    ],
)
def test_errors_start_on_a_fresh_line(source, error):
    assert run(source) == "\r\n" + error


@pytest.mark.parametrize(
    ("source", "echo"),
    [
        ("w (", "W ("),
        ('w "unterminated', 'W "unterminated'),
        ("w $nosuch", "W $nosuch"),
        ("w $nosuch(1)", "W $nosuch(1)"),
        ("w 1,", "W 1,"),
        ('w"x"', 'W"x"'),
        ("set =1", "SET =1"),
        ("halt 1", "HALT 1"),
        ("123", "123"),
        ("bogus", "BOGUS"),  # an unknown command is <SYNTAX>, as IRIS reports `zpm` where it is not installed
        ('Set S2=""Hello"" Write S2', 'SET S2=""Hello"" Write S2'),  # only the first word is upper-cased
    ],
)
def test_syntax_errors_repeat_the_line_with_a_caret_under_its_start(source, echo):
    """InterSystems' docs and public transcripts: the line in error, ``^`` at column 0, then <SYNTAX>."""
    assert run(source) == "\r\n" + echo + "\r\n^\r\n<SYNTAX>"


def test_error_after_a_newline_needs_no_extra_line_break():
    assert run('w "a",! w nope') == "a\r\n<UNDEFINED> *nope"


def test_ansi_error_rendering_when_not_raw():
    assert run("w nope", new_session(raw=False)) == "\r\n\u001b[31;1m<UNDEFINED>\u001b[0m *nope"


def test_read_variants():
    session = new_session()
    assert run('read "Name: ",n,! w n', session, reads=["Ann"]) == "Name: [READ]\r\nAnn"
    assert run("r *c w c", session, reads=["A"]) == "[READ]65"
    assert run("read x:1 w $t,x", session, reads=[None]) == "[READ]0"  # None = the READ timed out
    assert run("read x:1 w $t,x", session, reads=["y"]) == "[READ]1y"


def test_hang_and_halt_events():
    assert run("hang 0.5 h 2 w 1") == "[HANG 0.5][HANG 2]1"
    assert run("h") == "[HALT]"
    assert run('w "bye" halt') == "bye[HALT]"


def test_kill_and_zwrite():
    session = new_session()
    run('set a=1,b="two",c(1)=3', session)
    assert run("zw", session) == 'a=1\r\nb="two"\r\nc(1)=3\r\n'
    assert run("kill a zw", session) == 'b="two"\r\nc(1)=3\r\n'
    assert run("k  w $d(b)", session) == "0"


def test_namespaces_resolve_case_insensitively_and_persist():
    session = new_session()
    assert run('zn "%sys" w $namespace', session) == "%SYS"
    assert session.namespace == "%SYS"


def test_busy_loops_tick_so_a_driver_can_interrupt():
    events = new_session().run("for  set x=1")
    assert next(events) is TICK
    events.close()


def test_multi_line_input_stops_at_the_first_error():
    assert run("w 1\r\nw nope\r\nw 3") == "1\r\n<UNDEFINED> *nope"


def test_a_hundred_thousand_lines():
    text = run("for i=1:1:100000 w i,!")
    assert text.count("\r\n") == 100000 and text.endswith("99999\r\n100000\r\n")


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12, places=6))
def test_canonical_numbers_round_trip(number):
    text = to_str(number)
    assert to_num(text) == number
    assert not text.startswith("0.") and not text.startswith("-0.")
    if "." in text:
        assert not text.endswith("0") and not text.endswith(".")


LITERAL_CHARS = st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",))


@given(st.text(alphabet=LITERAL_CHARS, max_size=30))
def test_string_literals_round_trip(text):
    literal = '"' + text.replace('"', '""') + '"'
    assert run("w " + literal) == text


def test_to_num_of_decimal_is_identity():
    assert to_num(Decimal("1.5")) == Decimal("1.5")


def test_runtime_errors_echo_the_line_with_a_caret_under_the_failing_command_when_switched_on():
    """The classic shell's form (InterSystems' error processing page), off for the Lite Terminal."""
    session = new_session(host=host_with(error_echo=True))
    source = 'WRITE "hello",! SET x="world" SET y=zzz WRITE x,!'
    assert run(source, session) == "hello\r\n" + source + "\r\n" + " " * 30 + "^\r\n<UNDEFINED> *zzz"
    assert run("write ^TestData", session) == "\r\nWRITE ^TestData\r\n^\r\n<UNDEFINED> ^TestData"
    block = "for i=1:1:2 {\r\n  w i\r\n  w:i=2 nope\r\n}"
    assert run(block, session) == "12\r\nW:i=2 nope\r\n^\r\n<UNDEFINED> *nope"
    assert run("w nope") == "\r\n<UNDEFINED> *nope"  # default: no echo
