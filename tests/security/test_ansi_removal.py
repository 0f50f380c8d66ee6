"""ECMA-48 removal (adapters/lite_terminal/output.py): no escape sequence or control string survives in
``output``, every plain character does, and ``raw_output`` keeps what the server sent (issue 21, item 6)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from security_helpers import PASSWORD

from adapters.lite_terminal import LiteTerminal
from adapters.lite_terminal.output import find_error, has_escapes, strip_ansi

ESC = "\x1b"


@pytest.mark.parametrize("sequence", [
    ESC + "c",                    # RIS, full reset
    ESC + "(0", ESC + "(B",       # character-set designation (G0 = line drawing / ASCII)
    ESC + ")0", ESC + "*B", ESC + "+A", ESC + "-A",
    ESC + "#8",                   # DECALN, fill the screen with E
    ESC + "%G",                   # select UTF-8
    ESC + "[38:2:255:0:0m",       # colour with colon sub-parameters
    ESC + "[38:5:196m", ESC + "[?1049h", ESC + "[>4;2m", ESC + "[<u", ESC + "[=c", ESC + "[1 q",
    ESC + "]0;title\x07", ESC + "]8;;http://x\x1b\\", ESC + "]52;c;Zm9v" + ESC + "\\",
    ESC + "Pq#0;2;0;0;0" + ESC + "\\",  # DCS (sixel)
    ESC + "Xsos" + ESC + "\\", ESC + "^pm" + ESC + "\\", ESC + "_apc" + ESC + "\\",
    ESC + "7", ESC + "8", ESC + "=", ESC + ">", ESC + "D", ESC + "M", ESC + "E", ESC + "H",
    "\x9b31m", "\x9d0;t\x9c", "\x90dcs\x9c",  # C1 forms of CSI, OSC, DCS
])
def test_each_kind_of_sequence_is_removed_and_the_text_around_it_kept(sequence):
    assert strip_ansi("a" + sequence + "b") == "ab"


@pytest.mark.parametrize("raw, kept", [
    (ESC, ""), ("x" + ESC, "x"), (ESC + "[31", ""), (ESC + "[31\nnext", "\nnext"),
    (ESC + "]0;unterminated", ""), (ESC + "(", ""), (ESC + ESC + "[1mA", "A"), (ESC + "\nB", "\nB"),
])
def test_cut_off_and_lone_escapes_leave_no_esc(raw, kept):
    assert strip_ansi(raw) == kept


# --- generated: any mix of plain text and well-formed sequences ------------------------------------------

PLAIN = st.text(st.characters(blacklist_characters=ESC, blacklist_categories=("Cs",))
                .filter(lambda c: not 0x80 <= ord(c) <= 0x9F), max_size=12)
PARAMS = st.text(st.sampled_from("0123456789:;<=>?"), max_size=12)
INTERMEDIATES = st.text(st.sampled_from(" !\"#$%&'()*+,-./"), max_size=3)
FINAL_CSI = st.sampled_from([chr(c) for c in range(0x40, 0x7F)])
FINAL_ESC = st.sampled_from([chr(c) for c in range(0x30, 0x7F) if chr(c) not in "[]PX^_"])
BODY = st.text(st.characters(blacklist_characters="\x07\x1b\x9c", blacklist_categories=("Cs",)), max_size=20)

csi = st.builds(lambda p, i, f: ESC + "[" + p + i + f, PARAMS, INTERMEDIATES, FINAL_CSI)
control_string = st.builds(lambda kind, body, end: ESC + kind + body + end, st.sampled_from("]PX^_"), BODY,
                           st.sampled_from(["\x07", ESC + "\\", "\x9c"]))
other_escape = st.builds(lambda i, f: ESC + i + f, INTERMEDIATES, FINAL_ESC)
SEQUENCE = st.one_of(csi, control_string, other_escape)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(PLAIN, SEQUENCE), max_size=8), PLAIN)
def test_stripped_output_has_no_esc_and_keeps_every_plain_character(parts, tail):
    raw = "".join(text + seq for text, seq in parts) + tail
    stripped = strip_ansi(raw)
    assert ESC not in stripped
    assert stripped == "".join(text for text, _ in parts) + tail


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_loses_every_esc(text):
    assert ESC not in strip_ansi(text)


def test_the_error_line_is_read_without_any_escape():
    raw = "\r\n" + ESC + "[31;1m<UNDEFINED>" + ESC + "[0m *x" + ESC + "(B"
    assert find_error(raw) == "<UNDEFINED> *x"


def run_on(sim, command):
    """``command``'s result from the simulator, through the client."""
    with LiteTerminal(sim.host, sim.port, username="_SYSTEM", password=PASSWORD, namespace="USER",
                      connect_timeout=3.0, response_timeout=5.0) as term:
        result = term.execute(command)
    assert result.status == "ok", result.error
    return result


def test_through_the_client_output_is_stripped_and_raw_output_is_what_the_server_sent(sim):
    result = run_on(sim, 'write $c(27)_"c",$c(27)_"(0","A",$c(27)_"[38:2:255:0:0m","B",$c(27)_"#8"')
    assert result.output == "AB"
    assert "\x1bc" in result.raw_output and "\x1b(0" in result.raw_output
    assert "\x1b[38:2:255:0:0m" in result.raw_output and "\x1b#8" in result.raw_output


@given(st.text(alphabet=st.sampled_from(["a", " ", "\x1b", "\x9b", "\x9d", "\x90", "\x9c", "[", "]", "3", "1",
                                         "m", "\x07", "\\"]), max_size=30))
def test_the_fast_path_skips_only_text_that_stripping_would_not_change(text):
    """The client and the CLI skip strip_ansi when has_escapes is false: that must never keep a sequence,
    C1 introducers without any ESC included."""
    if not has_escapes(text):
        assert strip_ansi(text) == text


def test_through_the_client_a_c1_csi_without_esc_is_stripped_too(sim):
    result = run_on(sim, 'write "A",$c(155)_"31mB",$c(157)_"0;title"_$c(7)_"C"')
    assert result.output == "ABC" and "\x9b31m" in result.raw_output
