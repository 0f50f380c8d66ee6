"""URL building and server info (docs/protocol.md §3.1, §5)."""

import pytest

from adapters.lite_terminal.login import Endpoint, ServerInfo


@pytest.mark.parametrize(
    "endpoint, rest, ws",
    [
        (Endpoint("localhost", 52773), "http://localhost:52773/api/atelier/",
         "ws://localhost:52773/api/atelier/v8/%25SYS/terminal"),
        (Endpoint("iris.example", 443, tls=True, path_prefix="iris"), "https://iris.example:443/iris/api/atelier/",
         "wss://iris.example:443/iris/api/atelier/v8/%25SYS/terminal"),
        (Endpoint("::1", 52773, path_prefix="/a/b/"), "http://[::1]:52773/a/b/api/atelier/",
         "ws://[::1]:52773/a/b/api/atelier/v8/%25SYS/terminal"),
    ],
)
def test_urls_keep_the_encoded_sys_namespace_and_the_prefix(endpoint, rest, ws):
    assert endpoint.rest_base == rest
    assert endpoint.terminal_url(8) == ws


def test_release_is_derived_like_vs_code():
    zv = "IRIS for Windows (x86-64) 2025.1 (Build 223U) Tue Mar 11 2025 18:14:42 EDT"
    info = ServerInfo(8, zv, ("USER",))
    assert info.release == "2025.1"
    assert ServerInfo(8, "odd", ()).release == ""
