"""offline_iris/http_adapter.py: EnsLib.HTTP.InboundAdapter's contract as a pyprod service sees it
(docs/http-service.md §1, docs/offline-runtime.md §28), with a service that echoes what it was handed."""

from __future__ import annotations

import os
import socket

import pytest
import requests
from http_helpers import free_port

from offline_iris import OfflineIRIS

HERE = os.path.dirname(os.path.abspath(__file__))


def production(port: int, charset: str) -> str:
    return f"""<Production Name="HttpToy.Production">
  <Item Name="Echo" ClassName="HttpToy.EchoService" PoolSize="1" Enabled="true">
    <Setting Target="Adapter" Name="Port">{port}</Setting>
    <Setting Target="Adapter" Name="Charset">{charset}</Setting>
  </Item>
</Production>"""


@pytest.fixture
def echo(tmp_path):
    """echo(charset) -> the URL of a running echo service."""
    with OfflineIRIS(tmp_path / "iris") as rt:
        reports = rt.load(["httptoy.echo"], source_root=HERE)
        assert not any(r.warnings for r in reports)

        def _start(charset="Auto"):
            port = free_port()
            rt.start_production(xml=production(port, charset))
            return f"http://127.0.0.1:{port}"

        _start.rt = rt
        yield _start
        rt.stop_production()


def test_the_stream_attributes_and_the_answer(echo):
    url = echo()
    r = requests.post(url + "/hook/x?a=1&b=2", data="héllo".encode(),
                      headers={"Content-Type": "text/plain; charset=utf-8", "X-Dup": "first"}, timeout=10)
    assert r.status_code == 201 and r.reason == "Created"
    assert r.headers["X-Echo"] == "yes" and r.headers["CACHE-CONTROL"] == "no-cache"
    assert r.headers["PRAGMA"] == "no-cache" and r.headers["Content-Type"] == "text/html"  # IRIS's default
    data = r.json()
    assert data["attrs"] == {
        "HttpRequest": "POST", "URL": "/hook/x", "RawParams": "a=1&b=2", "HTTPVersion": "1.1",
        "content-type": "text/plain; charset=utf-8", "x-dup": "first", "CharEncoding": "utf-8",
        "TranslationTable": "UTF8", "EnsConfigName": "Echo"}
    assert data["body"] == "héllo" and data["stream"] == "%Library.GlobalCharacterStream"
    assert data["ioaddr"].startswith(url.rsplit(":", 1)[1] + "<-127.0.0.1:")


def test_without_a_charset_the_body_is_kept_raw_one_character_per_byte(echo):
    url = echo()
    r = requests.post(url, data="é".encode(), headers={"Content-Type": "application/json"}, timeout=10)
    data = r.json()
    assert data["body"] == "Ã©" and data["attrs"]["TranslationTable"] == "RAW" and not data["binary"]


def test_binary_charset_hands_over_the_bytes_in_a_binary_stream(echo):
    url = echo("Binary")
    r = requests.post(url, data=b"\xff\x00\xc3", timeout=10)
    data = r.json()
    assert data["binary"] and data["body"] == "\xff\x00\xc3"
    assert data["stream"] == "%Library.GlobalBinaryStream"


def test_a_repeated_header_keeps_its_first_value(echo):
    url = echo()
    with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=10) as s:
        s.sendall(b"POST / HTTP/1.1\r\nX-Dup: one\r\nx-dup: two\r\nContent-Length: 2\r\n\r\nhi")
        answer = b""
        while b"}" not in answer:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert b'"x-dup": "one"' in answer


def test_an_error_status_is_answered_500_with_irises_xml_fault(echo):
    url = echo()
    r = requests.post(url, data=b"fail", timeout=10)
    assert r.status_code == 500
    assert "<error>" in r.text and "<source>HttpToy.EchoService</source>" in r.text
    assert "echo was asked to fail" in r.text


def test_a_get_has_no_body(echo):
    r = requests.get(echo(), timeout=10)
    assert r.status_code == 201 and r.json()["attrs"]["HttpRequest"] == "GET" and r.json()["body"] == ""
