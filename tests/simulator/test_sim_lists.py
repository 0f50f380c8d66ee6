"""The $LIST family (docs/objectscript-grammar.md §5): documented examples, errors, and a round trip of
generated values through the encoding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sim_interp import run

from simulator.objectscript import lists


@pytest.mark.parametrize("source, expected", [
    ('write $ll($lb("Red","Blue","Green"))', "3"),  # RCOS_flistlength examples
    ('write $ll($lb("Red",,"Green"))', "3"),
    ("write $ll($lb()),$ll($lb(undefinedVar)),$ll($lb(\"\")),$ll($lb($c(0)))", "1111"),
    ('write $ll("")', "0"),
    ("write $ll($lb(,,))", "3"),
    ('write $ll($lb()_$lb("a","b"))', "3"),
    ('write $lb()=$c(1),$lb("")=$c(2,1),$lb("A")=$c(3,1,65)', "111"),
    ('write $li($lb("a","b","c"),2),$li($lb("a","b","c")),$li($lb("a","b","c"),-1)', "bac"),
    ('write $ll($li($lb("a","b","c","d"),2,3)),$lts($li($lb("a","b","c","d"),2,3))', "2b,c"),
    ('write $lg($lb("a",,"c"),2,"none"),$lg($lb("a"),5),"|",$lg($lb("a"))', "none|a"),
    ('write $ld($lb("a",,"c"),1),$ld($lb("a",,"c"),2),$ld($lb("a"),9)', "100"),
    ('write $lf($lb("a","b","a"),"a"),$lf($lb("a","b","a"),"a",1),$lf($lb("a"),"z")', "130"),
    ('write $lts($lb("a","b","c")),"|",$lts($lb("a","b"),"; ")', "a,b,c|a; b"),
    ('write $lts($lb("a",,"c"),,1)', "a,,c"),
    ('write $ll($lfs("a,b,,c")),$lg($lfs("x^y","^"),2)', "4y"),
    ('write $lv(""),$lv($lb(1)),$lv("abc"),$lv($c(1))', "1101"),
    ('write $lb(1)=$lb(1),$lb(1)=$lb("1")', "10"),  # the number and the string are encoded differently
    ('set l=$lb(1,"a",,-2.5) zwrite l', 'l=$lb(1,"a",,-2.5)\r\n'),
    ('set l=$lb("x",,"z"),p=0 while $listnext(l,p,v) { write $g(v,"?") }', "x?z"),
    ('set p=0 write $listnext("",p,v),p', "00"),
    ('write $LISTBUILD( 1 , 2 )=$lb(1,2), $LISTLENGTH( $LISTBUILD(1, 2) )', "12"),
])  # fmt: skip
def test_documented_behaviour(source, expected):
    assert run(source) == expected


@pytest.mark.parametrize("source, error", [
    ('write $ll("abc")', "<LIST>"),
    ('write $li("not a list",1)', "<LIST>"),
    ('write $li($lb("a",,"c"),2)', "<NULL VALUE>"),
    ('write $li($lb("a"),2)', "<NULL VALUE>"),
    ('write $lts($lb("a",,"c"))', "<NULL VALUE>"),
    ('write $lg("junk")', "<LIST>"),
    ('write $lf("junk","a")', "<LIST>"),
    ('set p=1 write $listnext($lb(1),p,v)', "<LIST>"),
    ("write $ll()", "<SYNTAX>"),
    ('write $lfs("a","")', "<FUNCTION>"),
    ("write $lb(.x)", "<SYNTAX>"),
])  # fmt: skip
def test_errors(source, error):
    assert run(source).endswith(error)


ELEMENTS = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.integers(min_value=-(10**18), max_value=10**18).map(Decimal),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9),
)


@settings(max_examples=120, deadline=None)
@given(st.lists(ELEMENTS, max_size=8))
def test_every_list_decodes_to_what_was_built(items):
    encoded = lists.build(items)
    decoded = lists.parse(encoded)
    assert decoded is not None and len(decoded) == len(items)
    for before, after in zip(items, decoded):
        assert (before is None and after is None) or (
            before is not None and after is not None and str(before) == str(after)
            if isinstance(before, str) else Decimal(after) == before
        )


@settings(max_examples=120, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=300), max_size=12))
def test_any_string_is_a_list_or_list_error_never_a_crash(text):
    result = lists.parse(text)
    assert result is None or isinstance(result, list)
