"""productions/http_gate.py: every decision before anything is sent, in its order (docs/http-service.md §2).
No IRIS: the lookup is a dict, the clock is the test's."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.http_signing import sign
from productions.http_gate import Call, Gate, GateSettings, Refusal, adapter_problem, source_address

SECRET = "0123456789abcdef-gate-secret"
T = 1_767_225_600
TABLE = {"version": "write $zversion", "fleet": '{"Command": "write 1", "Targets": "A,B"}'}


def gate(**kw) -> Gate:
    return Gate(SECRET, GateSettings(**kw))


def headers(body: bytes, when: int = T, ctype: str = "application/json", secret: str = SECRET) -> dict:
    return {"content-type": ctype, "content-length": str(len(body)), "x-liteterminal-timestamp": str(when),
            "x-liteterminal-signature": sign(secret, when, body)}


def check(g: Gate, body, method="POST", hdrs=None, source="10.0.0.1", now=T):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return g.check(method, headers(raw) if hdrs is None else hdrs, raw, source, now, TABLE.get)


def test_a_named_command_is_looked_up():
    decision = check(gate(), {"Run": "version"})
    assert decision == Call({"Command": "write $zversion"}, "run version", name="version")


@pytest.mark.parametrize("body, code, words", [
    ({"Run": "nope"}, 404, "no command named 'nope'"),
    ({"Run": "version", "Namespace": "%SYS"}, 400, "'Namespace'"),
    ({"Run": 5}, 400, "Run must be the name"),
    ({"Run": "a\nb"}, 400, "one line"),
    ({"Run": " version"}, 400, "without blanks"),
    ({"Run": "x" * 256}, 400, "at most 255"),
    ({"Command": "write 1"}, 403, "named commands only"),
    ({"Bogus": 1}, 400, "'Bogus'"),
    ({}, 400, "send {\"Run\": name}"),
    ([1, 2], 400, "one JSON object"),
    (b'{"Run": "version", "Run": "other"}', 400, "'Run' appears twice"),
    (b'{"Run": NaN}', 400, "not JSON"),
    (b"\xff\xfe{}", 400, "not UTF-8"),
    (b"[" * 60000, 400, "not JSON"),  # nesting deeper than the parser recurses
    (b"", 400, "not JSON"),
])
def test_bad_bodies_are_refused_with_the_field_named(body, code, words):
    decision = check(gate(), body)
    assert isinstance(decision, Refusal) and decision.code == code, decision
    assert words in decision.detail


def test_ad_hoc_commands_when_allowed_pass_the_one_request_check():
    g = gate(allow_commands=True)
    ok = check(g, {"Command": "write 1", "Namespace": "user", "Targets": ["A", "B"], "Expect": "1"})
    expected = {"Command": "write 1", "Namespace": "user", "Expect": "1", "Targets": "A,B"}
    assert isinstance(ok, Call) and ok.fields == expected
    for body, words in [({"Command": ""}, "empty command"), ({"Command": 1}, "Command must be text"),
                        ({"Command": "w 1", "Namespace": "US ER"}, "Namespace"),
                        ({"Command": "w 1", "Expect": "("}, "Expect"),
                        ({"Command": "w 1", "Targets": "A"}, "Targets must be a non-empty list"),
                        ({"Command": "w 1", "Targets": ["A,B"]}, "no comma"),
                        ({"Command": "w 1", "Timeout": 5}, "'Timeout'")]:
        refused = check(g, body)
        assert isinstance(refused, Refusal) and refused.code == 400, (body, refused)
        assert words in refused.detail, (body, refused)


def test_refusal_order_method_size_type_signature():
    g = gate(max_body_bytes=10)
    long_body = json.dumps({"Run": "version"}).encode()
    assert check(g, long_body, method="GET").code == 405
    assert check(g, long_body).code == 413
    small = b'{"Run":1}'
    assert check(g, small, hdrs={**headers(small), "content-type": "text/plain"}).code == 415
    assert check(g, small, hdrs={**headers(small), "x-liteterminal-signature": ""}).code == 401


def test_a_declared_length_over_the_limit_is_refused_even_if_few_bytes_came():
    body = b'{"Run":"version"}'
    assert check(gate(max_body_bytes=100), body, hdrs={**headers(body), "content-length": "101"}).code == 413


def test_content_type_parameters_are_allowed_but_not_other_types():
    body = b'{"Run":"version"}'
    with_charset = {**headers(body), "content-type": "Application/JSON; charset=utf-8"}
    assert isinstance(check(gate(), body, hdrs=with_charset), Call)
    for ctype in ("", "text/json", "application/json-seq", "application/x-www-form-urlencoded"):
        assert check(gate(), body, hdrs={**headers(body), "content-type": ctype}).code == 415


def test_a_replay_is_refused_and_a_fresh_signature_of_the_same_body_is_not():
    g = gate()
    body = b'{"Run":"version"}'
    assert isinstance(check(g, body), Call)
    again = check(g, body, now=T + 1)
    assert again.code == 401 and "already used" in again.detail
    assert isinstance(check(g, body, hdrs=headers(body, when=T + 1), now=T + 1), Call)


def test_a_signed_request_that_fails_later_checks_still_uses_up_its_signature():
    g = gate()
    assert check(g, {"Run": "nope"}).code == 404
    assert check(g, {"Run": "nope"}).code == 401


def test_rate_limit_counts_refused_requests_too():
    g = gate(requests_per_minute=2)
    assert check(g, b"x", method="GET").code == 405
    assert check(g, b"x", method="GET").code == 405
    refused = check(g, {"Run": "version"})
    assert refused.code == 429 and ("Retry-After", "60") in refused.headers
    assert isinstance(check(g, {"Run": "version"}, source="10.0.0.2"), Call)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.integers(), st.text(max_size=20),
                                                      st.lists(st.text(max_size=5), max_size=3)), max_size=4))
def test_any_json_object_is_a_call_or_a_refusal_never_an_exception(data):
    """Invariant: every body gets a decision; a Call only ever carries a Run name from the table, or
    (AllowCommands) a Command that passed CommandRequest.parse."""
    for allow in (False, True):
        decision = check(gate(allow_commands=allow, requests_per_minute=0), data, now=T)
        assert isinstance(decision, (Call, Refusal))
        if isinstance(decision, Call):
            assert decision.name in TABLE if decision.name else allow and "Command" in data
        else:
            assert decision.code in (400, 403, 404) and decision.log and decision.detail


def test_the_secret_is_never_in_a_refusal_or_repr():
    g = gate()
    texts = [repr(g)]
    for body in ({"Run": SECRET}, {"Command": SECRET}, b"not json " + SECRET.encode()):
        refusal = check(g, body, hdrs=headers(b"other"))
        texts += [refusal.log, refusal.detail]
    assert not any(SECRET in t for t in texts)


def test_an_id_makes_identical_requests_in_one_second_distinct_and_shows_in_the_trace():
    g = gate()
    first = check(g, {"Run": "version", "Id": "build-41"})
    second = check(g, {"Run": "version", "Id": "build-42"})
    assert isinstance(first, Call) and isinstance(second, Call)
    assert first.what == "run version (Id build-41)" and first.fields == {"Command": "write $zversion"}
    assert isinstance(check(g, {"Run": "version"}), Call)
    assert check(g, {"Run": "version"}).code == 401  # the same bytes in the same second: a replay
    for bad in (5, "x" * 129, "a\r\nb"):
        refused = check(g, {"Run": "version", "Id": bad})
        assert refused.code == 400 and "Id must be" in refused.detail


@pytest.mark.parametrize("io_addr, source", [
    ("9980<-10.1.2.3:51000", "10.1.2.3"),
    ("9980<-10.1.2.3:51000/SSL=hook", "10.1.2.3"),
    ("9980<-fe80::4c60:9595:7fb3:8139|3298", "fe80::4c60:9595:7fb3:8139"),
    ("9980<-::1", "::1"),
    ("", "unknown"),
    ("9980<-evil\r\nHTTP 200 forged:1", "evil\\r\\nHTTP 200 forged"),
])
def test_the_source_address_comes_from_ioaddr_as_one_printable_line(io_addr, source):
    assert source_address(io_addr) == source


@pytest.mark.parametrize("charset, jobs, problem", [
    ("Binary", 0, None), ("RawBytes", "0", None), ("binary", "", None),
    ("Auto", 0, "Charset"), ("", 0, "Charset"), ("UTF-8", 0, "Charset"),
    ("Binary", 1, "JobPerConnection"), ("Binary", "1", "JobPerConnection"),
])
def test_adapter_settings_that_would_break_signing_or_the_windows(charset, jobs, problem):
    from types import SimpleNamespace

    found = adapter_problem(SimpleNamespace(Charset=charset, JobPerConnection=jobs))
    assert (found is None) if problem is None else found[0].startswith(problem)
