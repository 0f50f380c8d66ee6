"""offline_iris/clsparse.py: the block and statement ends of a class text, quote-aware where ObjectScript is.

The scanners visit only braces, quotes and semicolons; these properties say what they must find, over any
mix of those characters and others."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from offline_iris.clsparse import ClsParseError, _match_brace, _read_statement, parse_cls

PIECES = st.text(alphabet='{}";a\n ', max_size=60)


def _depths(text: str, quotes: bool):
    """(index just past each character, brace depth there), braces between quotes not counted if quotes."""
    depth, in_q = 0, False
    for index, c in enumerate(text):
        if quotes and c == '"':
            in_q = not in_q
        elif not in_q and c in "{}":
            depth += 1 if c == "{" else -1
        yield index + 1, depth


@given(PIECES, st.booleans())
def test_the_matching_brace_ends_the_shortest_balanced_block(rest, quotes):
    text = "x{" + rest
    ends = [end for end, depth in _depths(text[1:], quotes) if depth == 0]
    if ends:
        assert _match_brace(text, 1, quotes) == 1 + ends[0]
    else:
        with pytest.raises(ClsParseError):
            _match_brace(text, 1, quotes)


@given(PIECES, st.integers(0, 5))
def test_a_statement_ends_at_the_first_semicolon_outside_quotes(text, pos):
    pos = min(pos, len(text))
    ends = [i for i in range(pos, len(text)) if text[i] == ";" and text[pos:i].count('"') % 2 == 0]
    expected = (text[pos:ends[0]], ends[0] + 1) if ends else (text[pos:], len(text))
    assert _read_statement(text, pos) == expected


def test_a_class_with_quoted_braces_and_semicolons_in_its_members():
    """A quoted brace does not end a method's block (its ObjectScript may hold any text); a quoted
    semicolon does not end a Parameter or Property."""
    cdef = parse_cls('''Class A.B Extends Ens.BusinessOperation
{
/// the doc
Parameter P = "x;{y}";

Property Q As %String [ InitialExpression = "a;b" ];

Method M(x As %String = ";") As %Status
{
  set s = "{;}}{"
  quit $$$OK
}

XData D
{
<a>"</a>
}
}
''')
    assert cdef.name == "A.B" and cdef.extends == ["Ens.BusinessOperation"]
    assert cdef.parameters["P"].value == "x;{y}"
    assert cdef.properties["Q"].initial == "a;b"
    assert 'set s = "{;}}{"' in cdef.methods["M"].body and cdef.methods["M"].args[0].default == '";"'
    assert cdef.xdata["D"] == '<a>"</a>'
