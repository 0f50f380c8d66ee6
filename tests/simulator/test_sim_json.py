"""Dynamic objects, dynamic arrays and JSON literals (docs/objectscript-grammar.md §6)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sim_interp import new_session, run


@pytest.mark.parametrize("source, expected", [
    ('write {"a":1}.%ToJSON()', '{"a":1}'),  # issue 17's example
    ('write [1,"x",true,false,null].%ToJSON()', '[1,"x",true,false,null]'),
    ('write { "a" : 1 , "b" : [ 1 , 2 ] }.%ToJSON()', '{"a":1,"b":[1,2]}'),
    ('set x=5 write {"n":(x*2),"s":("a"_"b")}.%ToJSON()', '{"n":10,"s":"ab"}'),
    ('set o={"a":{"b":[10,20]}} write o.a.b.%Get(1)', "20"),
    ('write {"a":"\\""}.a', '"'),  # a JSON escape inside a JSON literal
    ('write {"a":"\\u00e9"}.a', "é"),
    ('write {"t":true,"f":false,"n":null}.t,{"t":true}.%GetTypeOf("t")', "1boolean"),
    ('write "[",{"n":null}.n,"]",{"n":null}.%GetTypeOf("n")', "[]null"),
    ('write {}.missing,"|",{}.%IsDefined("missing")', "|0"),
    ('set o={} do o.%Set("k","v") write o.%ToJSON()', '{"k":"v"}'),
    ('set o={} set o.name="x" write o.%ToJSON()', '{"name":"x"}'),
    ('set o={} do o.%Set("b",1,"boolean"),o.%Set("s",1,"string") write o.%ToJSON()', '{"b":true,"s":"1"}'),
    ('set a=[] do a.%Push(1).%Push("2") write a.%ToJSON(),a.%Pop(),a.%Size()', '[1,"2"]21'),
    ('set a=[] do a.%Set(2,"z") write a.%ToJSON()', '[null,null,"z"]'),
    ('write [1,2].%Get(5,"d")', "d"),
    ('set o={"a":1,"b":2},it=o.%GetIterator() while it.%GetNext(.k,.v) { write k,"=",v," " }', "a=1 b=2 "),
    ('set a=["x","y"],it=a.%GetIterator() while it.%GetNext(.k,.v) { write k,v }', "0x1y"),
    ('set o={"a":1} write o.%Remove("a"),o.%Size()', "10"),
    ('set o=##class(%DynamicObject).%FromJSON("{""a"":[1,2.50]}") write o.a.%ToJSON()', "[1,2.5]"),
    ('set o=##class(%Library.DynamicArray).%New() write o.%Size(),o.%ClassName(1)', "0%Library.DynamicArray"),
    ('write {"x":.5}', "<SYNTAX>"),  # JSON numbers need their leading 0
    ('set n=.5 write {"x":(n)}.%ToJSON()', '{"x":0.5}'),
    ('set o={"a":1} zwrite o', 'o={"a":1}  ; <DYNAMIC OBJECT,refs=1>\r\n'),
    ('write {"a":1}', "1@%Library.DynamicObject"),
])  # fmt: skip
def test_documented_forms(source, expected):
    out = run(source)
    assert out.endswith(expected) if expected.startswith("<") else out == expected


@pytest.mark.parametrize("source, error", [
    ('set o=##class(%DynamicObject).%FromJSON("{bad")',
     "<THROW> *%Exception.General Parsing error 3 Line 1 Offset 2"),
    ('set o={} set o.a.b=1', "<INVALID OREF>"),
    ('write {"a" 1}', "<SYNTAX>"),
    ('write {a:1}', "<SYNTAX>"),
    ('write [1,]', "<SYNTAX>"),
    ('write {"a":"unterminated}', "<SYNTAX>"),
    ('write ' + "[" * 500 + "]" * 500, "<SYNTAX>"),
    ('set o={} do o.%Set("k",1,"nonsense")', "<ILLEGAL VALUE>"),
])  # fmt: skip
def test_errors(source, error):
    assert run(source).endswith(error)


def test_a_parsing_error_is_caught_as_an_exception_object():
    out = run('try { set o=##class(%DynamicObject).%FromJSON("[1,") } catch e { write e.Name,"/",e.Code }')
    assert out == "Parsing error/3"


def test_each_evaluation_of_a_literal_is_a_new_object():
    session = new_session()
    assert run('for i=1:1:2 { set o(i)={"n":(i)} } write o(1).n,o(2).n,o(1)=o(2)', session) == "120"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=5) | st.lists(JSON_VALUES, max_size=5))
def test_json_text_survives_fromjson_and_tojson(document):
    """Any JSON document read by %FromJSON and written by %ToJSON is the same document."""
    text = json.dumps(document, separators=(",", ":"))
    quoted = '"' + text.replace('"', '""') + '"'
    session = new_session()
    out = run(f"write ##class(%DynamicObject).%FromJSON({quoted}).%ToJSON()", session)
    assert json.loads(out) == document


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.text(alphabet="abc\"\\é", max_size=6), JSON_VALUES, max_size=4))
def test_a_json_literal_is_the_document_it_spells(document):
    """Valid JSON text written as an ObjectScript JSON literal builds that document."""
    text = json.dumps(document, separators=(",", ":"))
    if "\n" in text or "\r" in text:
        return
    assert json.loads(run(f"write {text}.%ToJSON()")) == document
