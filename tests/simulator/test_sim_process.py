"""NEW, LOCK, $QUERY, $ETRAP/$ECODE and indirection beyond the grammar table's rows
(docs/objectscript-grammar.md §7, §8)."""

from __future__ import annotations

from sim_interp import host_with, new_session, run
from sim_wire import eventually

from simulator.objectscript import TICK, Hang, Output


def test_what_new_hid_comes_back_when_the_input_ends():
    session = new_session()
    run("set x=1,y=2", session)
    assert run("new x set x=9 write x kill y write $data(y)", session) == "90"
    assert run("write x,$data(y)", session) == "10"  # x comes back; y was not NEWed, its KILL stays


def test_new_of_an_undefined_name_leaves_it_undefined_afterwards():
    session = new_session()
    run("new z set z=5", session)
    assert run("write $data(z)", session) == "0"


def test_argumentless_and_exclusive_new():
    session = new_session()
    run("set a=1,b=2,c=3", session)
    assert run("new  write $data(a),$data(b)", session) == "00"
    assert run("new (a) write a,$data(b),$data(c)", session) == "100"
    assert run("write a,b,c", session) == "123"


def test_new_namespace_is_restored_after_the_input():
    session = new_session()
    assert run('new $namespace set $namespace="%SYS" write $namespace', session) == "%SYS"
    assert session.namespace == "USER"


def test_new_etrap_is_restored():
    session = new_session()
    run('set $etrap="write 1"', session)
    run('new $etrap set $etrap="write 2"', session)
    assert run("write $etrap", session) == "write 1"


def drive(session, source):
    """Run ``source`` to its first wait; (events so far, the generator)."""
    events = session.run(source)
    seen = []
    for event in events:
        seen.append(event)
        if isinstance(event, Hang) or event is TICK:
            break
    return seen, events


def test_a_lock_held_by_another_process_times_out_with_test_0():
    host = host_with()
    holder, other = new_session(host=host), new_session(host=host)
    other.job = 7
    run("lock +^acct(1)", holder)
    assert run("lock +^acct(1):0 write $test", other) == "0"
    assert run("lock +^acct:0 write $test", other) == "0"  # the parent of a locked node
    assert run("lock +^acct(2):0 write $test", other) == "1"  # a sibling is free
    out = run("lock +^acct(1):1 write $test", other)
    assert out.startswith("[HANG") and out.endswith("0")


def test_an_untimed_lock_waits_until_the_holder_lets_go():
    host = host_with()
    holder, waiter = new_session(host=host), new_session(host=host)
    waiter.job = 8
    run("lock +^q", holder)
    seen, events = drive(waiter, 'lock +^q write "got it"')
    assert isinstance(seen[-1], Hang)  # waiting, interruptible: the driver can stop it here
    events.send(None)
    run("lock -^q", holder)
    texts = []
    for event in events:
        if isinstance(event, Output):
            texts.append(event.text)
    assert "".join(texts) == "got it"


def test_a_closed_process_releases_its_locks_and_lock_counts_nest():
    host = host_with()
    first, second = new_session(host=host), new_session(host=host)
    second.job = 9
    run("lock +^n lock +^n lock -^n", first)
    assert run("lock +^n:0 write $test", second) == "0"  # one increment still held
    first.end()
    assert run("lock +^n:0 write $test", second) == "1"
    assert run("lock  write 1", second) == "1" and host.locks == {}


def test_lock_without_sign_releases_the_other_locks_first():
    host = host_with()
    session = new_session(host=host)
    run("lock +^a,+^b lock ^c", session)
    assert {name for _, name, _ in host.locks} == {"^c"}


def test_query_walks_every_node_with_data_in_order_and_back():
    session = new_session()
    run('set ^t(1)=1,^t(1,"a")=2,^t(2,3)=3,^t("z")=4', session)
    forward = run('set r="^t("""")" for  set r=$query(@r) quit:r=""  write r," "', session)
    assert forward == '^t(1) ^t(1,"a") ^t(2,3) ^t("z") '
    assert run('write $query(^t("z"),-1)', session) == "^t(2,3)"
    assert run('write $query(x(""))', session) == ""
    assert run("write $query(^t(1),2)", session).endswith("<FUNCTION>")


def test_an_error_inside_the_trap_is_the_one_reported_and_the_trap_does_not_loop():
    session = new_session()
    out = run('set $etrap="write undefinedInTrap" write 1/0', session)
    assert out.endswith("<UNDEFINED> *undefinedInTrap")
    assert run("write $etrap", session) == "write undefinedInTrap"  # still set for the next error


def test_a_trap_that_does_not_clear_ecode_lets_the_error_be_reported():
    session = new_session()
    out = run('set $etrap="write ""[""_$ecode_""]""" write x', session)
    assert out.startswith("[,M6,]") and out.endswith("<UNDEFINED> *x")


def test_a_trap_that_halts_halts_before_any_report():
    assert run('set $etrap="halt" write 1/0').startswith("[HALT]")  # the driver ends the process there


def test_indirection_text_that_is_not_a_name_is_a_runtime_syntax_error():
    session = new_session()
    assert run('set x="1+" write 2 write @x', session).startswith("2")
    assert run('set n="a b" set @n=1', session).endswith("<SYNTAX>")
    assert run('set n="" set @n=1', session).endswith("<SYNTAX>")


def test_a_closed_socket_releases_its_locks_for_the_other_terminals(sim, open_terminal):
    holder, other = open_terminal(sim), open_terminal(sim)
    holder.run("lock +^shared")
    assert other.run("lock +^shared:0 write $test") == "0"
    holder.ws.close()
    assert eventually(lambda: other.run("lock +^shared:0 write $test") == "1")
