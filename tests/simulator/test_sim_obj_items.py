"""$SYSTEM.OBJ item names: type suffixes, wildcards, exclusions, Delete, the error for a missing item
(docs/simulator-objectscript.md §6.4)."""

from __future__ import annotations

import pytest
from sim_interp import host_with, new_session, run

CLASSES = ("Demo.Hello", "Demo.World", "App.Main")


def compile_log(call: str) -> str:
    session = new_session(host=host_with(classes=CLASSES))
    return run(f"set sc={call} write !,\"sc=\",$system.Status.IsOK(sc)", session)


@pytest.mark.parametrize("items", ['"Demo.Hello.cls"', '"Demo.Hello"', '"Demo.Hello.CLS"', '" Demo.Hello "'])
def test_a_class_item_compiles_with_or_without_its_suffix(items):
    log = compile_log(f"$system.OBJ.CompileList({items}, \"cuk\")")
    assert "Compiling class Demo.Hello\r\n" in log and log.endswith("sc=1")
    assert "does not exist" not in log


def test_a_wildcard_compiles_every_match_and_an_exclusion_removes_some():
    log = compile_log('$system.OBJ.Compile("Demo.*,\'Demo.W*", "cuk")')
    assert "Compiling class Demo.Hello" in log and "Demo.World" not in log and "App.Main" not in log


def test_a_question_mark_matches_one_character():
    log = compile_log('$system.OBJ.Compile("App.Mai?")')
    assert "Compiling class App.Main" in log


def test_a_missing_class_item_is_error_5351_and_a_failed_status():
    log = compile_log('$system.OBJ.CompileList("Demo.Nope.cls", "cuk")')
    assert "ERROR #5351: Class 'Demo.Nope' does not exist" in log
    assert "Detected 1 errors during compilation" in log and log.endswith("sc=0")


def test_a_routine_item_is_missing_here():
    log = compile_log('$system.OBJ.CompileList("MyRoutine.mac,Demo.Hello.cls", "cuk")')
    assert "ERROR #5011: Routine 'MyRoutine.mac' does not exist" in log
    assert "Compiling class Demo.Hello" in log and log.endswith("sc=0")


def test_a_missing_item_is_not_reported_as_success_with_the_whitespace_clients_send():
    """The form third-party clients send, blanks after the comma (issue 17)."""
    log = run('do $system.OBJ.CompileList("Demo.Hello.cls", "cuk")', new_session())
    assert "<SYNTAX>" not in log and "ERROR #5351: Class 'Demo.Hello' does not exist" in log


def test_delete_forgets_a_loaded_class_and_refuses_an_unknown_one():
    session = new_session(host=host_with(loadable_files=("/src/Demo.Loaded.cls",)))
    run('do $system.OBJ.Load("/src/Demo.Loaded.cls", "-d")', session)
    assert run('write $system.OBJ.Delete("Demo.Loaded.cls", "-d")', session) == "1"
    out = run('set sc=$system.OBJ.Compile("Demo.Loaded", "-d") write $system.Status.IsOK(sc)', session)
    assert out == "0"
    out = run('do $system.OBJ.Delete("Demo.Loaded")', session)
    assert "ERROR #5351: Class 'Demo.Loaded' does not exist" in out


@pytest.mark.parametrize("items", ['""', '","', '" , "', "\"'Demo.*\""])
def test_an_empty_or_only_excluding_list_compiles_nothing(items):
    log = compile_log(f"$system.OBJ.Compile({items})")
    assert "Compiling class" not in log and log.endswith("sc=1")
