"""TRY/CATCH, THROW, $ZERROR and exception objects (docs/simulator-objectscript.md §3)."""

from __future__ import annotations

import pytest
from sim_interp import new_session, run


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ('try { w "a",1/0,"b" } catch { w "caught" } w "after"', "acaughtafter"),
        ("try { w 1 } catch { w \"never\" } w 2", "12"),
        ("try { w 1/0 } catch e { w e.Name,\"|\",e.Code,\"|\",e.Location,\"|\",e.Data }", "<DIVIDE>|18||"),
        ("try { w x } catch e { w e.Name,\"|\",e.Code,\"|\",e.Data }", "<UNDEFINED>|9|x"),
        ('try { w x(1,"a") } catch e { w e.Data }', 'x(1,"a")'),
        ("try { w x } catch e { w e.DisplayString() }", "<UNDEFINED> 9 x"),
        ("try { w 1/0 } catch e { w e.DisplayString() }", "<DIVIDE> 18"),
        ("try { w x } catch (e) { w e.Name }", "<UNDEFINED>"),
        ("try { w x } catch err(1) { w err(1).Name }", "<UNDEFINED>"),
        ("try { w x } catch e { w e.%ClassName(1) }", "%Exception.SystemException"),
        ('try { do ^Nope } catch e { w e.Name," ",e.Data }', "<NOROUTINE> Nope"),
    ],
)
def test_try_catch_and_the_exception_object(source, output):
    assert run(source) == output


def test_zerror_is_set_by_a_caught_system_error_and_kept():
    session = new_session()
    assert run("w $zerror", session) == ""
    source = 'try { w 1/0 } catch { w "A ",$zerror," error occurred" }'
    assert run(source, session) == "A <DIVIDE> error occurred"
    assert run("w $ze", session) == "<DIVIDE>"
    run("w nope", session)  # an uncaught error sets it too
    assert run("w $ZERROR", session) == "<UNDEFINED> *nope"


def test_a_user_exception_carries_what_it_was_given():
    source = (
        'try { throw ##class(%Exception.General).%New("MyErr",5001,,"some data") } '
        'catch e { w e.Name,"|",e.Code,"|",e.Data,"|",e.DisplayString(),"|",$ze }'
    )
    assert run(source) == "MyErr|5001|some data|MyErr 5001 some data|"  # a user THROW leaves $ZERROR alone


def test_an_uncaught_throw_is_a_throw_error_naming_the_class():
    source = 'throw ##class(%Exception.General).%New("Parsing error",3,,"Line 1 Offset 1")'
    assert run(source) == "\r\n<THROW> *%Exception.General Parsing error 3 Line 1 Offset 1"


def test_rethrowing_a_system_exception_reports_the_original_error():
    assert run("try { w x } catch e { throw e }") == "\r\n<UNDEFINED> *x"


def test_nested_try_blocks_and_rethrow_to_the_outer_catch():
    source = (
        'try { try { w 1/0 } catch inner { w "inner:",inner.Name," " throw inner } } '
        'catch outer { w "outer:",outer.Name }'
    )
    assert run(source) == "inner:<DIVIDE> outer:<DIVIDE>"


def test_an_error_in_the_catch_block_is_not_caught_by_it():
    assert run('try { w 1/0 } catch { w "c" w nope } w "never"') == "c\r\n<UNDEFINED> *nope"


def test_quit_leaves_the_try_block_and_continues_after_the_catch():
    assert run('try { w 1 quit  w 2 } catch { w "c" } w 3') == "13"
    assert run('try { w 1/0 } catch { w "c" quit  w "x" } w 3') == "c3"


def test_continue_inside_try_goes_to_the_loop():
    assert run("for i=1:1:3 { try { continue:i=2  w i } catch { } }") == "13"


def test_try_catch_across_lines_of_a_multi_line_input():
    source = "try {\r\n  set x=1/0\r\n}\r\ncatch ex {\r\n  write \"Error: \",ex.Name\r\n}"
    assert run(source) == "Error: <DIVIDE>"


def test_status_exceptions_from_a_status():
    source = (
        'set sc=$system.Status.Error(5351,"Foo") '
        "try { throw ##class(%Exception.StatusException).CreateFromStatus(sc) } "
        "catch e { w e.Code,\"|\",e.DisplayString(),\"|\",$system.Status.GetErrorText(e.AsStatus()) }"
    )
    text = "ERROR #5351: Class 'Foo' does not exist"
    assert run(source) == f"5351|{text}|{text}"


def test_a_system_exception_as_status():
    source = "try { w x } catch e { w $system.Status.GetErrorText(e.AsStatus()) }"
    assert run(source) == "ERROR #5002: ObjectScript error: <UNDEFINED> *x"


NEW_GENERAL = 'set e=##class(%Exception.General).%New("n")'


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ('throw "text"', "<INVALID OREF>"),
        ("throw", "<COMMAND>"),
        ("set x=1 w x.Name", "<INVALID OREF>"),
        (NEW_GENERAL + " w e.Nope", "<PROPERTY DOES NOT EXIST> *Nope,%Exception.General"),
        (NEW_GENERAL + " w e.Nope()", "<METHOD DOES NOT EXIST> *Nope,%Exception.General"),
    ],
)
def test_misuse_of_exceptions_is_an_error(source, error):
    assert run(source) == "\r\n" + error


def test_objects_show_as_orefs():
    session = new_session()
    assert run('set e=##class(%Exception.General).%New("n") w e', session) == "1@%Exception.General"
    assert run("zw e", session) == "e=<OBJECT REFERENCE>[1@%Exception.General]\r\n"
