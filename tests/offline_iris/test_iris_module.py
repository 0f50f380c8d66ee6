"""The fake embedded ``iris`` module on its own (docs/pyprod-runtime.md §8.1)."""

import sys

import pytest

from offline_iris import iris_module
from offline_iris.status import ErrorStatus


@pytest.fixture
def iris():
    ns = iris_module.install()
    import iris as mod

    yield mod
    iris_module.uninstall()
    assert ns is not None


def test_install_and_uninstall_leave_no_trace():
    assert "iris" not in sys.modules
    iris_module.install()
    assert sys.modules["iris"] is iris_module.IRIS
    iris_module.uninstall()
    assert "iris" not in sys.modules


def test_error_status_is_truthy_and_carries_text(iris):
    s = iris.system.Status.Error(5001, "it broke")
    assert s and str(s) != "1" and isinstance(s, ErrorStatus)
    assert iris.system.Status.IsError(s) == 1 and iris.system.Status.IsOK(s) == 0
    assert iris.system.Status.GetErrorText(s) == "ERROR #5001: it broke"
    assert iris.system.Status.IsOK(1) == 1


def test_ref_and_arrayref(iris):
    r = iris.ref()
    assert r.value is None
    r.value = 3
    assert r.value == 3
    assert iris.arrayref().value == {}


def test_unknown_class_raises_instead_of_returning_a_proxy(iris):
    with pytest.raises(AttributeError, match="CLASS DOES NOT EXIST"):
        iris.NoSuchPkg.Cls  # noqa: B018
    with pytest.raises(AttributeError):
        iris.Ens.NoSuchClass  # noqa: B018
    with pytest.raises(RuntimeError):
        iris.cls("Nope.Nope")


def test_streams_and_bytes(iris):
    s = iris._Stream.GlobalCharacter._New()
    s.Write("abc")
    s.Write("def")
    s.Rewind()
    assert s.Size == 6 and s.Read(4) == "abcd" and not s.AtEnd
    assert s.Read(10) == "ef" and s.AtEnd
    assert iris._SYS.Python.Bytes("é") == "é".encode("latin-1")
    assert iris._SYS.Python.Bytes(b"") == b"" and not iris._SYS.Python.Bytes("")


def test_loadstream_registers_class_and_dictionary_answers(iris):
    text = """
Class Demo.Msg Extends (%Persistent,Ens.Request)
{
Property SerializedStream As %Stream.GlobalCharacter;
Property Name As %VarString [InitialExpression = "anon"];
Parameter ADAPTER = "Demo.Adapter";
}
"""
    stream = iris._Stream.GlobalCharacter._New()
    stream.Write(text)
    assert iris._SYSTEM.OBJ.LoadStream(stream, "ck") == 1
    assert iris._Dictionary.CompiledProperty._ExistsId("Demo.Msg||Name") == 1
    assert iris._Dictionary.CompiledProperty._ExistsId("Demo.Msg||Nope") == 0
    assert iris._Dictionary.CompiledParameter._OpenId("Demo.Msg||ADAPTER").Default == "Demo.Adapter"
    assert iris._Dictionary.CompiledParameter._OpenId("Demo.Msg||NOPE") is None
    obj = iris.Demo.Msg._New()
    assert type(obj).__module__ == "iris.Demo" and type(obj).__name__ == "Msg"
    assert obj.Name == "anon" and obj._Extends("Ens.Request") == 1
    with pytest.raises(AttributeError):
        obj.Undeclared = 1
    assert getattr(obj, "_fullname", None) is None and obj != ""


def test_credentials_open_id(iris):
    ns = iris_module.current()
    ns.credentials.set("sim", "_SYSTEM", "s3cret")
    cred = iris.cls("Ens.Config.Credentials")._OpenId("sim")
    assert (cred.Username, cred.Password) == ("_SYSTEM", "s3cret")
    assert "s3cret" not in repr(cred)
    assert iris.cls("Ens.Config.Credentials")._OpenId("missing") is None


def test_event_log_is_recorded(iris):
    iris.Ens.Util.Log.LogWarning("Cls", "Meth", "careful")
    entries = iris_module.current().store.log_entries("Warning")
    assert [(e["SourceClass"], e["SourceMethod"], e["Text"]) for e in entries] == [("Cls", "Meth", "careful")]


def test_director_without_engine_returns_error_status(iris):
    assert iris.Ens.Director.StartProduction("X") != 1
