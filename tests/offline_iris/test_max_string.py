"""The offline runtime raises <MAXSTRING> as IRIS does for a string longer than 3,641,144 characters
(docs/offline-runtime.md §25), so the product's tests catch an over-long IRISProperty or message property."""

from __future__ import annotations

import pytest

from offline_iris import OfflineIRIS
from offline_iris.errors import IRIS_MAX_STRING, MaxStringError, OfflineIRISError


@pytest.fixture(scope="module")
def rt():
    with OfflineIRIS() as runtime:
        yield runtime


def _container(rt):
    from offline_iris import iris_module

    return iris_module.current().new("Ens.StringContainer")


def test_a_string_at_the_limit_is_stored_and_one_more_character_is_maxstring(rt):
    box = _container(rt)
    box.StringValue = "x" * IRIS_MAX_STRING
    assert len(box.StringValue) == IRIS_MAX_STRING
    with pytest.raises(MaxStringError, match=r"<MAXSTRING> .*StringValue: 3,641,145 characters"):
        box.StringValue = "x" * (IRIS_MAX_STRING + 1)
    assert len(box.StringValue) == IRIS_MAX_STRING  # the old value is kept


def test_characters_outside_the_bmp_count_twice(rt):
    box = _container(rt)
    half = IRIS_MAX_STRING // 2
    box.StringValue = "\U0001F600" * half
    with pytest.raises(MaxStringError):
        box.StringValue = "\U0001F600" * (half + 1)


def test_maxstring_is_part_of_the_runtime_s_tree_and_a_runtime_error():
    assert issubclass(MaxStringError, OfflineIRISError) and issubclass(MaxStringError, RuntimeError)
