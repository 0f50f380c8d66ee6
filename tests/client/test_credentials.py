"""Credentials on the wire and in errors (docs/security.md §5).

Any password is sent as UTF-8 in HTTP Basic auth (RFC 7617's charset; what VS Code sends) or, when Basic
auth cannot carry it, refused before anything is sent with a message holding no part of it. No exception
the client raises keeps a credential anywhere it can reach: message, args, attributes, and the whole
``__cause__``/``__context__`` chain (a requests exception's ``request`` holds the Authorization header).
Traceback frames are not searched: any Python function that takes a password has it in its frame.
"""

from __future__ import annotations

import base64
import socket
import time
import urllib.parse
from typing import Iterable, List

import pytest
from lite_terminal_helpers import PASSWORD
from loopback import free_port
from wire_peers import Peer, atelier_ok, connect_failure, response, switching_protocols

from adapters.lite_terminal import (
    AuthError,
    ConnectError,
    InvalidArgument,
    LiteTerminal,
    NamespaceError,
    TerminalError,
)
from simulator import Simulator, SimulatorConfig

UNICODE_PASSWORDS = [
    "Pässwörd-Ünïcode",  # Latin-1 range: requests' own default would send these as one byte each
    "пароль-密码-🔑-x",  # outside Latin-1: requests' default raised an error quoting the character
    "e\u0301-combining-ﬁ-ligature",  # not NFC: sent exactly as given, never normalised
]


def forms(secret: str, user: str = "_SYSTEM") -> List[str]:
    """How a secret can leak: as is, URL-encoded, and as the Basic token (UTF-8 and Latin-1 attempts)."""
    found = [secret, urllib.parse.quote(secret.encode("utf-8", "surrogatepass"), safe=""),
             base64.b64encode(f"{user}:{secret}".encode("utf-8", "surrogatepass")).decode()]
    try:
        found.append(base64.b64encode(f"{user}:{secret}".encode("latin-1")).decode())
    except UnicodeEncodeError:
        pass
    return found


def reachable(root: BaseException, limit: int = 20000) -> List[object]:
    """Everything an exception reaches through its chain, args, attributes and containers."""
    seen, out, stack = set(), [], [root]
    while stack and len(out) < limit:
        item = stack.pop()
        if item is None or id(item) in seen or isinstance(item, (type, type(socket), type(reachable))):
            continue
        seen.add(id(item))
        out.append(item)
        if isinstance(item, BaseException):
            stack += [item.__cause__, item.__context__, *item.args]
        if isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack += list(item)
        elif hasattr(item, "__dict__") and not isinstance(item, (str, bytes)):
            stack += list(vars(item).values())
    return out


def leaks(exc: BaseException, secrets: Iterable[str]) -> List[str]:
    """Forms of the secrets found anywhere the exception reaches (text, reprs, bytes)."""
    needles = [form for secret in secrets for form in forms(secret)]
    found = []
    for item in reachable(exc):
        texts = [item] if isinstance(item, (str, bytes)) else [repr(item), str(item)]
        for text in texts:
            for needle in needles:
                if isinstance(text, bytes):
                    hit = needle.encode("utf-8", "surrogatepass") in text
                else:
                    hit = needle in text
                if hit and needle not in found:
                    found.append(needle)
    return found


def failure(host: str, port: int, password: str = PASSWORD, **options) -> TerminalError:
    return connect_failure(host, port, password=password, **options)


@pytest.mark.parametrize("password", UNICODE_PASSWORDS)
def test_a_unicode_password_logs_in(password):
    with Simulator(SimulatorConfig(users={"_SYSTEM": password})) as sim:
        with LiteTerminal(sim.host, sim.port, username="_SYSTEM", password=password,
                          connect_timeout=3.0) as term:
            assert term.execute("write 1+1").output == "2"


@pytest.mark.parametrize("password", UNICODE_PASSWORDS)
def test_the_basic_token_is_the_utf8_of_user_colon_password(password):
    with Peer(lambda request: response("401 Unauthorized")) as server:
        error = failure(server.host, server.port, password)
    assert isinstance(error, AuthError)
    (request,) = server.requests
    scheme, token = request.headers["authorization"].split(" ", 1)
    assert scheme == "Basic"
    assert base64.b64decode(token, validate=True) == f"_SYSTEM:{password}".encode()


@pytest.mark.parametrize("password", UNICODE_PASSWORDS)
def test_a_wrong_unicode_password_is_an_auth_error_that_keeps_nothing(password):
    with Simulator(SimulatorConfig(users={"_SYSTEM": "right-one"})) as sim:
        error = failure(sim.host, sim.port, password)
    assert isinstance(error, AuthError) and "401" in str(error)
    assert leaks(error, [password]) == []


@pytest.mark.parametrize("user, password, what", [
    ("_SYSTEM", "Qz7\nWv9#Kp", "password"),
    ("_SYSTEM", "Qz7\tWv9#Kp", "password"),
    ("_SYSTEM", "Qz7\x00Wv9#Kp", "password"),
    ("_SYSTEM", "Qz7\x7fWv9#Kp", "password"),
    ("_SYSTEM", "Qz7\x85Wv9#Kp", "password"),
    ("_SYSTEM", "Qz7\ud800Wv9#Kp", "password"),
    ("ops\r\nX-Injected 1", "Qz7Wv9#Kp", "user name"),
])
def test_credentials_basic_auth_cannot_carry_are_refused_before_anything_is_sent(user, password, what):
    with Peer(lambda request: response("401 Unauthorized")) as server:
        error = connect_failure(server.host, server.port, InvalidArgument, username=user, password=password)
    assert server.connections == 0
    text = str(error)
    assert f"the {what} contains a control character" in text
    assert all(password[i:i + 3] not in text for i in range(len(password) - 2))
    assert leaks(error, [password]) == []


def test_a_user_name_with_a_colon_is_refused():
    with Peer(lambda request: response("401 Unauthorized")) as server:
        error = connect_failure(server.host, server.port, InvalidArgument, username="dom:ops")
    assert "contains ':'" in str(error)
    assert server.connections == 0


def silent(request):
    """Reads the request and never answers (the login must time out)."""
    raise OSError("no answer")


@pytest.fixture(params=["refused", "tls-unknown-ca", "no-answer", "redirect", "bad-redirect", "http-500",
                        "not-json", "no-envelope", "wrong-password", "no-namespace", "upgrade-403",
                        "upgrade-garbage", "upgrade-silent", "closed-before-init", "upgrade-redirect"])
def failing_server(request, tls_files):
    """(host, port, extra options) of a server that makes the connect fail in one particular way."""
    kind = request.param
    handlers = {
        "redirect": lambda r: response("302 Found", {"Location": f"http://127.0.0.1:1/?{PASSWORD}"}),
        "http-500": lambda r: response(f"500 Broken {PASSWORD}"),
        "not-json": lambda r: response("200 OK", {"Content-Type": "application/json"}, PASSWORD.encode()),
        "no-envelope": lambda r: response("200 OK", {}, b'{"result": {}}'),
        "wrong-password": lambda r: response("401 Unauthorized"),
        "no-namespace": lambda r: atelier_ok(namespaces=["%SYS"]),
        "upgrade-403": lambda r: response("403 Forbidden") if r.is_upgrade else atelier_ok(),
        "bad-redirect": lambda r: response("302 Found", {"Location": f"http://[::1/{PASSWORD}"}),
        "upgrade-garbage": lambda r: b"SSH-2.0-OpenSSH\r\n\r\n" if r.is_upgrade else atelier_ok(),
        "upgrade-silent": lambda r: (time.sleep(2.5), b"")[1] if r.is_upgrade else atelier_ok(),
        "closed-before-init": lambda r: switching_protocols(r) if r.is_upgrade else atelier_ok(),
        "upgrade-redirect": lambda r: (response("307 Temporary Redirect", {"Location": f"ws://x/{PASSWORD}"})
                                       if r.is_upgrade else atelier_ok()),
    }
    if kind == "refused":
        yield "127.0.0.1", free_port(), {}
    elif kind == "tls-unknown-ca":
        with Peer(handlers["wrong-password"], tls=tls_files) as peer:
            yield peer.host, peer.port, {"tls": True}
    elif kind == "no-answer":
        with Peer(None) as peer:
            yield peer.host, peer.port, {"connect_timeout": 0.5}
    elif kind == "upgrade-silent":
        with Peer(handlers[kind]) as peer:
            yield peer.host, peer.port, {"connect_timeout": 1.0}
    else:
        with Peer(handlers[kind]) as peer:
            yield peer.host, peer.port, {}


def test_no_connect_failure_keeps_the_password_anywhere_in_its_exception_chain(failing_server):
    host, port, options = failing_server
    error = failure(host, port, **options)
    assert isinstance(error, (ConnectError, NamespaceError))
    assert leaks(error, [PASSWORD]) == []
    # nothing foreign in the chain: a requests, urllib3, ssl or socket exception may hold the request
    chain, item = [], error
    while item is not None:
        chain.append(item)
        item = item.__cause__ or item.__context__
    assert all(type(e).__module__.startswith("adapters.lite_terminal") for e in chain), chain
