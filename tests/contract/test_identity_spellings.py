"""One identity per server, whatever numeric spelling of its address is given (contract.server_identity).

The resolver the client connects through (getaddrinfo) reads ``127.1``, ``2130706433``, ``0x7f.1``,
``0177.0.0.1`` and ``::ffff:127.0.0.1`` all as 127.0.0.1. Before, each had an identity of its own, so a hosts
file listing ``127.0.0.1:P`` and ``127.1:P`` ran the command on that server twice. The oracle here is the
resolver itself (numeric lookups only, no DNS): two spellings it reads as one address are one server.
"""

from __future__ import annotations

import ipaddress
import socket

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.lite_terminal.contract import server_identity


def numeric(host: str) -> str:
    """The address getaddrinfo connects to for ``host``, without any DNS query."""
    return socket.getaddrinfo(host, 1, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)[0][4][0]


@st.composite
def ipv4_spellings(draw):  # noqa: ANN001, ANN201
    """An IPv4 address and one of its inet_aton spellings: 1 to 4 parts, each decimal, octal or hex."""
    value = draw(st.integers(0, 2**32 - 1))
    parts = draw(st.integers(1, 4))
    octets = list(value.to_bytes(4, "big"))
    numbers = octets[: parts - 1] + [int.from_bytes(bytes(octets[parts - 1:]), "big")]
    spelled = []
    for number in numbers:
        form = draw(st.sampled_from(["dec", "oct", "hex", "HEX"]))
        spelled.append({"dec": str(number), "oct": "0" + format(number, "o"), "hex": hex(number),
                        "HEX": "0X" + format(number, "X")}[form])
    return str(ipaddress.IPv4Address(value)), ".".join(spelled)


@settings(max_examples=150)
@given(ipv4_spellings(), st.booleans())
def test_every_spelling_the_resolver_accepts_is_one_server(pair, mapped):
    canonical, spelled = pair
    assert numeric(spelled) == canonical  # the resolver reads it so
    assert server_identity(spelled, 52773) == server_identity(canonical, 52773)
    if mapped:
        assert server_identity(f"[::ffff:{canonical}]", None) == server_identity(canonical, None)


def test_names_that_only_look_numeric_stay_names():
    for name in ("999.1.1.1", "1e3", "0x", "iris1", "12345678901"):
        assert server_identity(name, 1)[0] == name
