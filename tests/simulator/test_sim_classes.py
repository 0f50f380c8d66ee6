"""Simulated system classes through ##class(…) and $SYSTEM (docs/simulator-objectscript.md §6, §7)."""

from __future__ import annotations

import re

import pytest
from sim_interp import host_with, new_session, run

from simulator.config import DEFAULT_VERSION
from simulator.objectscript import Session
from simulator.objectscript.classes import lookup, names

STARTED = r"\r\nCompilation started on \d\d/\d\d/\d{4} \d\d:\d\d:\d\d with qualifiers '(\w+)'"


def session_on(**settings) -> Session:
    host = host_with(**settings)
    return Session(job=777, namespace="USER", namespaces=["USER", "%SYS", "APP"], version=DEFAULT_VERSION,
                   raw=True, host=host)


def test_version_and_process():
    s = session_on()
    assert run("w $system.Version.GetVersion()", s) == DEFAULT_VERSION
    assert run("w $SYSTEM.Version.GetNumber(),\"|\",##class(%SYSTEM.Version).GetMajor()", s) == "2025.3|2025"
    assert run('w $system.Process.NameSpace(),"|",$system.Process.ProcessID()', s) == "USER|777"
    assert run('zn "%SYS" w ##class(%SYSTEM.Process).NameSpace()', s) == "%SYS"


def test_system_class_names_are_case_insensitive_but_class_and_method_names_are_not():
    s = session_on()
    assert run("w $system.version.GetNumber()", s) == "2025.3"
    assert run("w ##class(%system.Version).GetNumber()", s) == "\r\n<CLASS DOES NOT EXIST> *%system.Version"
    assert run("w $system.Version.getnumber()", s) == "\r\n<METHOD DOES NOT EXIST> *getnumber,%SYSTEM.Version"
    assert run("w $system.NoSuch.Thing()", s) == "\r\n<CLASS DOES NOT EXIST> *%SYSTEM.NoSuch"


def test_status_methods():
    s = session_on()
    run('set ok=$system.Status.OK(),bad=$system.Status.Error(5351,"My.Cls")', s)
    assert run('w $system.Status.IsOK(ok),$system.Status.IsOK(bad),$system.Status.IsError(bad)', s) == "101"
    assert run("w $system.Status.GetErrorText(bad)", s) == "ERROR #5351: Class 'My.Cls' does not exist"
    assert run("w $system.Status.GetErrorCodes(bad),\"|\",$system.Status.GetErrorText(ok)", s) == "5351|"
    assert run('if bad { w "true" } else { w "false" }', s) == "false"  # an error status reads as false
    assert run("do $system.Status.DisplayError(bad)", s) == "\r\nERROR #5351: Class 'My.Cls' does not exist"
    assert run('w "x" d $system.Status.DisplayError(bad) w "y"', s) == (
        "x\r\nERROR #5351: Class 'My.Cls' does not exist" + "y"
    )


def test_user_errors_and_appended_statuses():
    s = session_on()
    run('set a=$system.Status.Error(83,"mine"),b=$system.Status.Error(5001,"also mine")', s)
    assert run("w $system.Status.GetErrorText(a)", s) == "ERROR #83: Error code = mine"
    both = "ERROR #83: Error code = mine\r\nERROR #5001: also mine"
    assert run("w $system.Status.GetErrorText($system.Status.AppendStatus(a,b))", s) == both
    source = "w $system.Status.AppendStatus(1,1),$system.Status.IsOK($system.Status.AppendStatus(1,b))"
    assert run(source, s) == "10"


def test_compile_of_an_unknown_class_prints_error_5351_and_returns_the_status():
    s = session_on()
    out = run('set sc=$system.OBJ.Compile("No.Such")', s)
    assert re.fullmatch(
        STARTED + r"\r\nERROR #5351: Class 'No.Such' does not exist"
        r"\r\nDetected 1 errors during compilation in \d+\.\d{3}s\.",
        out,
    ), out
    assert run("w $system.Status.GetErrorText(sc)", s) == "ERROR #5351: Class 'No.Such' does not exist"


def test_compile_of_known_classes_succeeds_with_the_given_qualifiers():
    s = session_on(classes=("App.Main",))
    out = run('set sc=$system.OBJ.Compile("App.Main","ck") w !,sc', s)
    match = re.fullmatch(
        STARTED + r"\r\nCompiling class App\.Main\r\nCompiling routine App\.Main\.1"
        r"\r\nCompilation finished successfully in \d+\.\d{3}s\.\r\n1",
        out,
    )
    assert match and match.group(1) == "ck", out
    assert "Compiling class %SYSTEM.Status" in run('d $system.OBJ.Compile("%SYSTEM.Status")', s)


def test_a_known_user_class_exists_but_has_no_methods_here():
    s = session_on(classes=("App.Main",))
    assert run("do ##class(App.Main).Run()", s) == "\r\n<METHOD DOES NOT EXIST> *Run,App.Main"
    assert run("do ##class(App.Other).Run()", s) == "\r\n<CLASS DOES NOT EXIST> *App.Other"


def test_compile_list_reports_every_unknown_class():
    s = session_on(classes=("App.A",))
    out = run('set sc=$system.OBJ.CompileList("App.A,App.B,App.C") w !,$system.Status.GetErrorCodes(sc)', s)
    assert "Compiling class App.A" in out and "Class 'App.B' does not exist" in out
    assert "Detected 2 errors during compilation" in out and out.endswith("\r\n5351,5351")


def test_compile_output_is_suppressed_by_the_d_qualifier():
    s = session_on()
    assert run('set sc=$system.OBJ.Compile("No.Such","-d") w $system.Status.IsOK(sc)', s) == "0"


def test_load_of_a_known_file_makes_its_class_known_in_that_namespace():
    s = session_on(loadable_files=("/src/App/Thing.cls",))
    out = run('set sc=$system.OBJ.Load("/src/App/Thing.cls","ck") w !,sc', s)
    assert out.startswith("\r\nLoad started on ") and "\r\nLoading file /src/App/Thing.cls as udl" in out
    assert "Compiling class Thing" in out and out.endswith("Load finished successfully.\r\n1")
    assert "Imported" not in out  # a UDL load logs no import line (docs/simulator-objectscript.md §6.4)
    assert "finished successfully" in run('d $system.OBJ.Compile("Thing")', s)
    assert "does not exist" in run('zn "APP" d $system.OBJ.Compile("Thing")', s)


def test_load_of_an_unknown_file_is_error_5012():
    s = session_on()
    out = run('set sc=$system.OBJ.Load("/nope.xml") w !,$system.Status.GetErrorText(sc)', s)
    assert "Loading file /nope.xml as xml\r\nERROR #5012: File '/nope.xml' does not exist" in out
    assert out.endswith("Detected 1 errors during load.\r\nERROR #5012: File '/nope.xml' does not exist")


def test_namespace_exists_and_list_all():
    s = session_on()
    assert run('w ##class(%SYS.Namespace).Exists("user"),##class(%SYS.Namespace).Exists("NOPE")', s) == "10"
    assert run("set sc=##class(%SYS.Namespace).ListAll(.ns) zw ns w sc", s) == (
        'ns("%SYS")=""\r\nns("APP")=""\r\nns("USER")=""\r\n1'
    )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, "0|0|0|"),
        ({"mirror_member": True, "mirror_primary": True, "mirror_name": "MIR1"}, "1|1|0|MIR1"),
        ({"mirror_member": True, "mirror_primary": False, "mirror_name": "MIR1"}, "1|0|1|MIR1"),
        ({"mirror_member": False, "mirror_primary": True}, "0|0|0|"),  # primary means nothing off a mirror
    ],
)
def test_mirror_role_comes_from_the_server_settings(settings, expected):
    s = session_on(**settings)
    source = 'w $system.Mirror.IsMember(),"|",$system.Mirror.IsPrimary(),"|"'
    source += ',##class(%SYSTEM.Mirror).IsBackup(),"|",$system.Mirror.MirrorName()'
    assert run(source, s) == expected


@pytest.mark.parametrize(
    ("settings", "expected"),
    [({}, "Not Member|0"), ({"mirror_member": True, "mirror_primary": True}, "Primary|0"),
     ({"mirror_member": True}, "Backup|0")],
)
def test_mirror_member_type(settings, expected):
    source = 'w $system.Mirror.GetMemberType(),"|",$system.Mirror.IsAsyncMember()'
    assert run(source, session_on(**settings)) == expected


def test_method_output_comes_before_the_error_that_follows_it():
    s = session_on()
    out = run('d $system.Status.DisplayError($system.Status.Error(5001,"boom")) w nope', s)
    assert out == "\r\nERROR #5001: boom\r\n<UNDEFINED> *nope"


def test_every_class_module_registers_its_classes():
    expected = {
        "%SYSTEM.Version", "%SYSTEM.Process", "%SYSTEM.Status", "%SYSTEM.OBJ", "%SYS.Namespace",
        "%SYSTEM.Mirror", "%Exception.General", "%Exception.SystemException", "%Exception.StatusException",
    }  # fmt: skip
    assert expected <= set(names())
    assert lookup("%system.obj", system=True) is lookup("%SYSTEM.OBJ")


def test_sessions_without_a_host_have_defaults():
    assert run("w $system.Mirror.IsMember()", new_session()) == "0"
