"""TerminalHTTPService in TerminalProduction on the offline runtime, driven over loopback with ``requests``
(docs/http-service.md §2, §3, §7). Every refusal: its code, nothing sent to the server, one Event Log warning
naming the source address, never the body or the secret."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from http_helpers import HTTP, MARK, SECRET, TABLE, commands, free_port, http_warnings, post, sent, signed

from adapters.http_signing import SIGNATURE_HEADER, TIMESTAMP_HEADER

BP = "Terminal Process"


def test_a_signed_named_command_runs_and_answers_its_response_with_the_session(rt, sim, start):
    url = start()
    r = post(url, {"Run": "hello"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    data = r.json()
    assert data["Status"] == "ok" and data["Output"] == "hello from http"
    assert data["Target"] == "Terminal Operation"
    assert commands(sim) == ['write "hello from http"']
    first = rt.messages(data["SessionId"])[0]
    assert first["SourceConfigName"] == HTTP and first["TargetConfigName"] == BP
    assert first["Description"] == "HTTP 127.0.0.1: run hello"  # the trace records who and what
    assert not http_warnings(rt)


def _refusal_cases():
    """(id, settings, request maker, expected code, words in the answer). Each maker gets the url."""
    good = {"Run": "hello"}

    def unsigned(url):
        raw = json.dumps(good).encode()
        return post(url, raw, {"Content-Type": "application/json"})

    def wrong_secret(url):
        raw, h = signed({"Run": "hello", "x": MARK}, secret="another-secret-of-enough-length")
        return post(url, raw, h)

    def stale(url):
        raw, h = signed(good, when=int(time.time()) - 301)
        return post(url, raw, h)

    def future(url):
        raw, h = signed(good, when=int(time.time()) + 400)
        return post(url, raw, h)

    def tampered(url):
        raw, h = signed(good)
        return post(url, raw.replace(b"hello", b"denied"), h)

    def ad_hoc(url):
        return post(url, {"Command": f'write "{MARK}"'})

    def unknown(url):
        return post(url, {"Run": MARK})

    def bad_json(url):
        return post(url, b'{"Run": "hello",' + MARK.encode())

    def unknown_field(url):
        return post(url, {"Run": "hello", MARK: 1})

    def get(url):
        raw, h = signed(good)
        return post(url, raw, h, method="GET")

    def too_long(url):
        return post(url, {"Run": "hello", "pad": MARK * 3000})

    def not_json(url):
        raw, h = signed(good)
        return post(url, raw, {**h, "Content-Type": "text/plain"})

    def denied(url):
        return post(url, {"Run": "denied"})

    def not_running(url):
        return post(url, good)

    return [
        ("unsigned", {}, unsigned, 401, "no X-LiteTerminal-Timestamp"),
        ("wrong-secret", {}, wrong_secret, 401, "does not match"),
        ("stale", {}, stale, 401, "300 s"),
        ("future", {}, future, 401, "300 s"),
        ("tampered", {}, tampered, 401, "does not match"),
        ("ad-hoc", {}, ad_hoc, 403, "named commands only"),
        ("policy", {}, denied, 403, "denied"),
        ("unknown-name", {}, unknown, 404, "no command named"),
        ("bad-json", {}, bad_json, 400, "not JSON"),
        ("unknown-field", {}, unknown_field, 400, MARK),
        ("get", {}, get, 405, "only POST"),
        ("too-long", {}, too_long, 413, "65536"),
        ("not-json", {}, not_json, 415, "application/json"),
        ("not-running", {"Target": "No Such Process"}, not_running, 503, "not a running config item"),
    ]


@pytest.mark.parametrize("case", _refusal_cases(), ids=lambda c: c[0])
def test_every_refusal_sends_nothing_and_logs_one_warning(rt, sim, start, case):
    _, host, make, code, words = case
    url = start(host=host)
    before = sent(sim)
    r = make(url)
    assert r.status_code == code, r.text
    assert words in r.text
    assert sent(sim) == before  # no command, not even a login
    warnings = http_warnings(rt)
    assert len(warnings) == 1 and warnings[0].startswith(f"HTTP {code} to 127.0.0.1"), warnings
    everything = json.dumps(rt.event_log(), default=str)
    assert MARK not in everything and SECRET not in everything
    if case[0] != "policy":  # the policy's denial is the Terminal Process's answer: that one is traced
        assert rt.messages() == []  # no session, no message: refused before anything was sent


def test_429_after_requests_per_minute_from_one_address(rt, sim, start):
    url = start(host={"RequestsPerMinute": 3})
    codes = [post(url, {"Run": "hello", "Id": str(n)}).status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    assert len(commands(sim)) == 3
    assert [w.split(":")[0] for w in http_warnings(rt)] == ["HTTP 429 to 127.0.0.1"]


def test_a_replay_is_refused_and_runs_nothing(rt, sim, start):
    url = start()
    raw, h = signed({"Run": "hello"})
    assert post(url, raw, h).status_code == 200
    again = post(url, raw, h)
    assert again.status_code == 401 and "already used" in again.text
    assert len(commands(sim)) == 1


def test_ad_hoc_commands_when_allowed_go_through_the_policy_and_the_fleet(rt, sim, start):
    url = start(host={"AllowCommands": 1})
    ok = post(url, {"Command": 'write "adhoc"', "Namespace": "USER"})
    assert ok.status_code == 200 and ok.json()["Output"] == "adhoc"
    denied = post(url, {"Command": 'zn "%SYS"'})
    assert denied.status_code == 403 and denied.json()["Status"] == "denied"
    fleet = post(url, {"Command": 'write "both"', "Targets": ["Terminal Operation"]})
    data = fleet.json()
    assert fleet.status_code == 200 and data["Status"] == "ok" and data["TargetCount"] == 1
    assert data["Results"][0]["Output"] == "both"
    assert commands(sim) == ['write "adhoc"', 'write "both"']


def test_a_named_command_edited_in_the_table_applies_to_the_next_call(rt, sim, start):
    url = start()
    assert post(url, {"Run": "hello", "Id": "1"}).json()["Output"] == "hello from http"
    rt.lookup_tables.set(TABLE, "hello", 'write "edited"')
    assert post(url, {"Run": "hello", "Id": "2"}).json()["Output"] == "edited"
    rt.lookup_tables.remove(TABLE, "hello")
    assert post(url, {"Run": "hello", "Id": "3"}).status_code == 404


def test_a_command_error_is_an_answer_not_a_refusal(rt, sim, start):
    url = start(host={"AllowCommands": 1})
    r = post(url, {"Command": "write x"})
    assert r.status_code == 200 and r.json()["Status"] == "error" and "<UNDEFINED>" in r.json()["Error"]


def test_100_concurrent_signed_calls_each_get_their_own_result(rt, sim, start):
    url = start(host={"AllowCommands": 1, "RequestsPerMinute": 0})

    def one(n):
        r = post(url, {"Command": f'write "call-{n}"'}, timeout=120)
        return n, r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(one, range(100)))
    assert all(code == 200 for _, code, _ in results)
    assert all(data["Output"] == f"call-{n}" for n, _, data in results)
    assert len({data["SessionId"] for _, _, data in results}) == 100  # one session per call
    assert sorted(commands(sim)) == sorted(f'write "call-{n}"' for n in range(100))


@pytest.mark.parametrize("secret, why", [(None, "does not exist"), ("", "empty password"),
                                         ("short-secret", "shorter than 16")])
def test_the_item_does_not_start_without_a_usable_secret(rt, sim, start, secret, why):
    url = start(secret=secret)
    assert not rt.engine.items[HTTP].started
    errors = [e["Text"] for e in rt.event_log("Error")]
    assert any("SigningCredentials" in t and why in t for t in errors), errors
    assert not any(secret and secret in t for t in errors)
    with pytest.raises(requests.ConnectionError):  # nothing listens
        requests.post(url, data=b"{}", timeout=5)


@pytest.mark.parametrize("adapter, why", [({"Charset": "Auto"}, "Charset"),
                                          ({"JobPerConnection": 1}, "JobPerConnection")])
def test_the_item_does_not_start_with_adapter_settings_that_break_signing(rt, sim, start, adapter, why):
    start(adapter=adapter)
    assert not rt.engine.items[HTTP].started
    assert any(why in e["Text"] for e in rt.event_log("Error"))


def test_headers_are_case_insensitive_and_the_signature_covers_raw_bytes(rt, sim, start):
    url = start()
    raw = b'{ "Run" :\n "hello" }'  # any JSON spacing: the signature is over the bytes as sent
    _, h = signed(raw)
    lower = {k.lower(): v for k, v in h.items()}
    assert post(url, raw, lower).status_code == 200
    _, h2 = signed(b'{"Run": "hello"}')
    shifted = {**h2, TIMESTAMP_HEADER: h2[TIMESTAMP_HEADER] + "0"}
    assert post(url, b'{"Run": "hello"}', shifted).status_code == 401
    assert SIGNATURE_HEADER.lower() in lower


def test_an_unreachable_server_is_502_with_its_status_and_nothing_ran(rt, sim, start):
    url = start(other={("Terminal Operation", "Adapter", "Port"): free_port()})  # nobody listens there
    r = post(url, {"Run": "hello"})
    assert r.status_code == 502 and r.json()["Status"] == "unreachable" and r.json()["SessionId"]
    assert commands(sim) == []


def test_a_named_command_may_be_a_json_request_that_runs_on_a_fleet(rt, sim, start):
    url = start()
    request = '{"Command": "write 7", "Targets": "Terminal Operation", "Expect": "7"}'
    rt.lookup_tables.set(TABLE, "fleet", request)
    r = post(url, {"Run": "fleet"})
    data = r.json()
    assert r.status_code == 200 and data["Status"] == "ok" and data["Results"][0]["Output"] == "7"
    first = rt.messages(data["SessionId"])[0]
    assert first["TargetConfigName"] == "Terminal Process"  # the one enforcement point, then the fleet
    assert first["Description"] == "HTTP 127.0.0.1: run fleet"
    assert "Terminal Fleet Process" in {h["TargetConfigName"] for h in rt.messages(data["SessionId"])}


def test_a_named_command_that_is_not_a_usable_request_is_a_500_naming_it(rt, sim, start):
    url = start()
    rt.lookup_tables.set(TABLE, "broken", '{"Command": "write 1", "Bogus": 1}')
    r = post(url, {"Run": "broken"})
    assert r.status_code == 500 and "Bogus" in r.json()["Error"]
    assert commands(sim) == []
    assert http_warnings(rt) == ["HTTP 500 to 127.0.0.1: named command is not a usable request"]


def test_the_python_lines_in_the_docs_sign_a_call(rt, sim, start):
    """docs/http-service.md §3's Python lines, run as written with SECRET and URL defined."""
    import re

    docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "http-service.md")
    with open(docs, encoding="utf-8") as f:
        text = f.read()
    code = re.search(r"```python\n(.*?)```", text[text.index("## 3. Signing"):], re.S).group(1)
    assert len(code.strip().splitlines()) == 5
    scope = {"SECRET": SECRET, "URL": start()}
    exec(code.replace('"Run": "version"', '"Run": "hello"'), scope)  # noqa: S102  our own docs
    assert scope["r"].status_code == 200 and scope["r"].json()["Output"] == "hello from http"


def test_the_secret_is_kept_nowhere(rt, sim, start):
    """Signed calls, and a careless caller who sends the secret itself as the signature: the secret is in no
    Event Log entry, trace or file the runtime writes (the offline credentials store keeps passwords in
    memory only)."""
    url = start()
    assert post(url, {"Run": "hello"}).status_code == 200
    careless = {"Content-Type": "application/json", TIMESTAMP_HEADER: str(int(time.time())),
                SIGNATURE_HEADER: SECRET}
    refused = post(url, b'{"Run": "hello"}', careless)
    assert refused.status_code == 401 and SECRET not in refused.text
    rt.stop_production()
    assert SECRET not in json.dumps(rt.event_log(), default=str) and SECRET not in rt.trace_text()
    for root, _dirs, names in os.walk(rt.workdir):
        for name in names:
            with open(os.path.join(root, name), "rb") as f:
                assert SECRET.encode() not in f.read(), name


@pytest.mark.parametrize("name, value", [("Charset", "Auto"), ("JobPerConnection", 1)])
def test_adapter_settings_changed_under_a_running_service_refuse_every_call(rt, sim, start, name, value):
    url = start()
    rt.engine.items[HTTP].adapter._o_props[name] = value  # as if changed without restarting the item
    r = post(url, {"Run": "hello"})
    assert r.status_code == 503 and commands(sim) == []
    (warning,) = http_warnings(rt)
    assert warning.startswith(f"HTTP 503 to 127.0.0.1: adapter setting: {name} is ")
