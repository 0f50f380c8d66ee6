"""Masking a secret never changes text that is not the secret (issue 16 item 10).

The client masks a password a hostile server might echo back (a reason phrase, a namespace name, a redirect
path). Only a whole unit equal to a secret is masked; the same letters inside a longer word are other text:
with the password ``SYS`` an error listing namespaces must still say ``%SYS``, not ``%***``.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.lite_terminal import LiteTerminal
from adapters.lite_terminal.errors import NamespaceError
from adapters.lite_terminal.login import _TEXT_UNIT, _URL_UNIT, _scrub
from simulator import Simulator, SimulatorConfig

WORD = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x17F, exclude_categories=("Zs", "Cc")),
               min_size=1, max_size=8)
SEGMENT = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x17F, exclude_categories=("Zs", "Cc"),
                                exclude_characters="/:@[]"), min_size=1, max_size=8)


@given(password=WORD, words=st.lists(st.tuples(WORD, WORD), max_size=6))
def test_the_secret_inside_a_longer_word_is_never_changed(password, words):
    # every word holds the password with something around it: none of them *is* the password
    text = " ".join(f"{before}{password}{after}" for before, after in words)
    assert _scrub(text, [password]) == text


@given(password=WORD, words=st.lists(WORD, max_size=6), spaces=st.sampled_from([" ", "\t", "\n", "  "]))
def test_a_whole_word_equal_to_the_secret_is_masked_and_nothing_else_changes(password, words, spaces):
    units = words + [password] + words
    masked = _scrub(spaces.join(units), [password])
    assert masked.split(spaces) == ["***" if unit == password else unit for unit in units]


@given(password=SEGMENT, segments=st.lists(SEGMENT, min_size=1, max_size=4))
def test_a_url_masks_a_path_segment_equal_to_the_secret_only(password, segments):
    path = "/".join(["http://iris.example:52773", *segments, password, f"%{password}"])
    masked = _scrub(path, [password], _URL_UNIT)
    parts = masked.split("/")
    assert parts[-1] == f"%{password}" and parts[-2] == "***"
    assert parts[3:-2] == ["***" if s == password else s for s in segments]


def test_longer_secrets_are_masked_first_and_text_separators_are_whitespace():
    assert _scrub("a SYS%SYS b", ["SYS", "SYS%SYS"], _TEXT_UNIT) == "a *** b"


@pytest.mark.parametrize("password", ["SYS", "USER", "%SYS"])
def test_a_namespace_error_lists_every_namespace_as_it_is_whatever_the_password(password):
    with Simulator(SimulatorConfig(users={"_SYSTEM": password})) as sim:
        terminal = LiteTerminal(sim.host, sim.port, username="_SYSTEM", password=password, namespace="NOPE",
                                connect_timeout=5)
        with pytest.raises(NamespaceError) as raised:
            terminal.connect()
        terminal.close()
    text = str(raised.value)
    offered = text.split("the server offers ", 1)[1]
    names = [n.strip() for n in offered.split(",")]
    assert "%SYS" in names and "USER" in names or password in ("USER", "%SYS")
    assert "%***" not in text
    if password in ("USER", "%SYS"):  # a namespace that *is* the password: that unit is masked
        assert "***" in names and password not in names
