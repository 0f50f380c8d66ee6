"""Globals per namespace for the simulator's life; $DATA, $GET, $ORDER, KILL, MERGE and ZWRITE on locals and
globals alike (docs/simulator-objectscript.md §4)."""

from __future__ import annotations

import pytest
from sim_interp import new_session, run

from simulator.objectscript.host import Host


@pytest.fixture
def session():
    return new_session()


def test_set_get_and_undefined_globals(session):
    assert run('set ^G="top",^G(1)="one" w ^G,^G(1)', session) == "topone"
    assert run("w ^G(2)", session) == "\r\n<UNDEFINED> ^G(2)"
    assert run('w $get(^G(2)),$get(^G(2),"dflt"),$get(^G(1))', session) == "dfltone"


def test_data_of_nodes_with_and_without_values_and_children(session):
    run('set ^D(1)=1,^D(2,1)=21,^D(3)=3,^D(3,1)=31', session)
    assert run("w $d(^D),$d(^D(1)),$d(^D(2)),$d(^D(3)),$d(^D(4)),$d(^Nope)", session) == "101101100"
    run("set l(1)=1,l(2,1)=21", session)
    assert run("w $d(l),$d(l(1)),$d(l(2)),$d(l(9))", session) == "101100"


def test_order_forwards_and_backwards_in_collation_order(session):
    run('set ^O("b")=1,^O(10)=1,^O(2)=1,^O("a")=1,^O(-1.5)=1,^O("10a")=1', session)
    forward = 'set k="" for { set k=$order(^O(k)) quit:k=""  w k,"," }'
    backward = 'set k="" for { set k=$order(^O(k),-1) quit:k=""  w k,"," }'
    assert run(forward, session) == "-1.5,2,10,10a,a,b,"  # canonical numbers first, numerically
    assert run(backward, session) == "b,a,10a,10,2,-1.5,"
    neighbours = 'w $o(^O(2)),"|",$o(^O("b")),"|",$o(^O(2),-1),"|",$o(^O(3))'
    assert run(neighbours, session) == "10||-1.5|10"


def test_order_on_subscripted_levels_and_locals(session):
    run("set ^T(1,1)=1,^T(1,5)=1,^T(2,3)=1,x(3)=1,x(1)=1", session)
    source = 'w $o(^T(1,"")),$o(^T(1,1)),$o(^T(1,5)),"|",$o(x("")),$o(x(1)),$o(x(""),-1)'
    assert run(source, session) == "15|133"


def test_kill_a_node_its_subtree_and_empty_parents(session):
    run("set ^K(1,1)=11,^K(1,2)=12,^K(2)=2", session)
    run("kill ^K(1,1)", session)
    assert run("w $d(^K(1)),$d(^K(1,1)),$d(^K(1,2))", session) == "1001"
    run("kill ^K(1,2)", session)
    assert run("w $d(^K(1)),$o(^K(\"\"))", session) == "02"  # the emptied parent is gone
    run("kill ^K", session)
    assert run("w $d(^K)", session) == "0"


def test_merge_copies_a_subtree_between_locals_and_globals(session):
    run('set a(1)="x",a(1,2)="y",a(3)="z"', session)
    run("merge ^M(\"copy\")=a(1),b=a", session)
    lines = ['^M("copy")="x"', '^M("copy",2)="y"', 'b(1)="x"', 'b(1,2)="y"', 'b(3)="z"']
    assert run("zw ^M,b", session) == "\r\n".join(lines) + "\r\n"


def test_zwrite_format(session):
    run('set ^Z=1,^Z(1)="one",^Z(1,"a b")=-.5,^Z(2)="say ""hi""",^Z(3)="1.50",^Z(4)="a"_$c(9)_"b"', session)
    expected = [
        "^Z=1",
        '^Z(1)="one"',
        '^Z(1,"a b")=-.5',
        '^Z(2)="say ""hi"""',
        '^Z(3)="1.50"',  # a non-canonical number string stays quoted
        '^Z(4)="a"_$c(9)_"b"',  # non-printing characters as $c()
    ]
    assert run("zwrite ^Z", session) == "\r\n".join(expected) + "\r\n"
    assert run("zw ^Z(1)", session) == '^Z(1)="one"\r\n^Z(1,"a b")=-.5\r\n'
    assert run("zw ^Nope,^Z(3)", session) == '^Z(3)="1.50"\r\n'  # undefined ones are skipped


def test_zwrite_of_expressions_and_bare_zwrite(session):
    assert run('zw 1+2,"a"', session) == '3\r\n"a"\r\n'
    run('set b=2,a("x")=1,%=0', session)
    assert run("zw", session) == '%=0\r\na("x")=1\r\nb=2\r\n'


def test_globals_live_per_namespace_and_outlive_sessions():
    host = Host()
    first = new_session(host=host)
    run('set ^Shared="user ns"', first)
    run('zn "%SYS" set ^Shared="sys ns"', first)
    second = new_session(host=host)  # another terminal on the same server
    assert run("w ^Shared", second) == "user ns"
    assert run('zn "%SYS" w ^Shared', second) == "sys ns"
    assert run('w ^|"USER"|Shared,^["USER"]Shared', second) == "user nsuser ns"
    assert run('w ^|"NOPE"|Shared', second) == "\r\n<NAMESPACE> *NOPE"
    assert run("w $d(^Shared)", new_session(host=Host())) == "0"  # another server has its own


def test_process_private_globals_stay_in_their_process():
    host = Host()
    first = new_session(host=host)
    run("set ^||P=1", first)
    assert run("w ^||P", first) == "1"
    assert run("w $d(^||P)", new_session(host=host)) == "0"


def test_increment(session):
    assert run("w $increment(^N),$i(^N),$i(^N,10),^N", session) == "121212"


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ('set ^G("")=1', '<SUBSCRIPT> ^G("")'),
        ('w $d(^G(""))', '<SUBSCRIPT> ^G("")'),
        ('w $o(^G("",1))', '<SUBSCRIPT> ^G("",1)'),
        ("w $o(^G(1),2)", "<FUNCTION>"),
    ],
)
def test_bad_subscripts_and_directions(source, error, session):
    assert run(source, session) == "\r\n" + error


def test_a_thousand_nodes_in_order(session):
    run("for i=1000:-1:1 { set ^Big(i)=i }", session)
    walk = 'set k="",n=0 for { set k=$o(^Big(k)) quit:k=""  set n=n+1 if n\'=k { w "out of order" } } w n'
    out = run(walk, session)
    assert out == "1000"
