"""offline_iris/lookup.py: data lookup tables as Ens.Util.FunctionSet and Ens.Util.LookupTable use them
(docs/offline-runtime.md §27), called through the fake ``iris`` module as production code calls them."""

from __future__ import annotations

import pytest

from offline_iris import OfflineIRIS


@pytest.fixture
def iris_cls(tmp_path):
    with OfflineIRIS(tmp_path / "iris"):
        import iris

        yield iris.cls


def test_update_lookup_exists_remove(iris_cls):
    table = iris_cls("Ens.Util.LookupTable")
    functions = iris_cls("Ens.Util.FunctionSet")
    assert table._ExistsTable("T") == 0
    assert table._UpdateValue("T", "k", "v") == 1
    assert table._ExistsTable("T") == 1
    assert functions.Lookup("T", "k") == "v" and functions.Exists("T", "k") == 1
    assert functions.Lookup("T", "missing", "dflt") == "dflt" and functions.Exists("T", "missing") == 0
    assert table._UpdateValue("T", "k", "") == 1
    # present with an empty value: Exists says so, Lookup gives the value, not the default
    assert functions.Exists("T", "k") == 1 and functions.Lookup("T", "k", "dflt") == ""
    assert table._RemoveValue("T", "k") == 1
    assert functions.Exists("T", "k") == 0 and table._ExistsTable("T") == 0
    assert "not found" in table._RemoveValue("T", "k")


@pytest.mark.parametrize("table, value, flag, expected", [
    ("", "k", 0, ""), ("", "k", 1, "D"), ("", "k", 2, ""), ("", "k", 3, "D"),
    ("T", "", 0, ""), ("T", "", 1, ""), ("T", "", 2, "D"), ("T", "", 3, "D"),
])
def test_lookup_with_an_empty_table_or_key_follows_its_flag(iris_cls, table, value, flag, expected):
    iris_cls("Ens.Util.LookupTable")._UpdateValue("T", "k", "v")
    assert iris_cls("Ens.Util.FunctionSet").Lookup(table, value, "D", flag) == expected
    assert iris_cls("Ens.Util.FunctionSet").Exists(table, value) == 0


def test_update_refuses_what_the_persistent_class_would(iris_cls):
    table = iris_cls("Ens.Util.LookupTable")
    assert "TableName" in table._UpdateValue("", "k", "v")
    assert "KeyName" in table._UpdateValue("T", "", "v")
    assert "255" in table._UpdateValue("T", "k" * 256, "v")
    assert "32000" in table._UpdateValue("T", "k", "v" * 32001)
    assert "not found" in table._UpdateValue("T", "new", "v", 0)  # pCreate=0: only existing entries
    assert table._UpdateValue("T", "k" * 255, "v" * 32000) == 1


def test_clear_table(iris_cls):
    table = iris_cls("Ens.Util.LookupTable")
    for key in "abc":
        table._UpdateValue("T", key, key)
    table._ClearTable("T")
    assert table._ExistsTable("T") == 0 and iris_cls("Ens.Util.FunctionSet").Exists("T", "a") == 0
