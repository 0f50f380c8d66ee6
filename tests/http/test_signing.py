"""adapters/http_signing.py: the HMAC check, the skew and replay windows at their edges, the rate limit
(docs/http-service.md §3). Plain classes, driven with a clock of the test's own."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters import http_signing
from adapters.http_signing import MAX_SKEW, RateLimiter, ReplayWindow, secret_problem, sign, verify

SECRET = "0123456789abcdef-unit-secret"
T = 1_767_225_600
BODY = b'{"Run": "version"}'


def test_sign_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, T, BODY) == "sha256=" + expected


def test_a_good_signature_passes_and_names_its_digest_and_time():
    verdict = verify(SECRET, str(T), sign(SECRET, T, BODY), BODY, now=T)
    assert verdict.ok and verdict.timestamp == T and verdict.signature == sign(SECRET, T, BODY)[7:]


@pytest.mark.parametrize("offset, ok", [(0, True), (MAX_SKEW, True), (-MAX_SKEW, True), (MAX_SKEW + 1, False),
                                        (-MAX_SKEW - 1, False), (MAX_SKEW + 0.001, False)])
def test_the_skew_window_edges(offset, ok):
    verdict = verify(SECRET, str(T), sign(SECRET, T, BODY), BODY, now=T + offset)
    assert verdict.ok is ok
    if not ok:
        assert "300 s" in verdict.reason


@pytest.mark.parametrize("timestamp, signature, why", [
    (None, "x", "no X-LiteTerminal-Timestamp"),
    ("", "x", "no X-LiteTerminal-Timestamp"),
    ("17672256OO", "x", "not Unix seconds"),
    ("-1767225600", "x", "not Unix seconds"),
    ("1" * 13, "x", "not Unix seconds"),
    (" 1767225600", "x", "not Unix seconds"),
    (str(T), None, "no X-LiteTerminal-Signature"),
    (str(T), "sha1=" + "0" * 64, "not 'sha256='"),
    (str(T), "sha256=" + "A" * 64, "not 'sha256='"),
    (str(T), "sha256=" + "0" * 63, "not 'sha256='"),
    (str(T), "sha256=" + "0" * 64 + "\n", "not 'sha256='"),
    (str(T), "sha256=" + "0" * 64, "does not match"),
])
def test_malformed_or_wrong_headers_are_refused_with_the_rule_named(timestamp, signature, why):
    verdict = verify(SECRET, timestamp, signature, BODY, now=T)
    assert not verdict.ok and why in verdict.reason


def test_the_comparison_is_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(http_signing.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    verify(SECRET, str(T), sign(SECRET, T, BODY), BODY, now=T)
    verify(SECRET, str(T), "sha256=" + "0" * 64, BODY, now=T)
    assert len(calls) == 2


@given(st.binary(max_size=200), st.integers(min_value=0), st.integers(min_value=1, max_value=255))
def test_any_change_to_body_or_timestamp_breaks_the_signature(body, position, delta):
    signature = sign(SECRET, T, body)
    if body:
        i = position % len(body)
        changed = body[:i] + bytes([(body[i] + delta) % 256]) + body[i + 1:]
        assert not verify(SECRET, str(T), signature, changed, now=T).ok
    assert not verify(SECRET, str(T + 1), signature, body, now=T).ok
    assert not verify(SECRET + "x", str(T), signature, body, now=T).ok
    assert verify(SECRET, str(T), signature, body, now=T).ok


@pytest.mark.parametrize("secret, problem", [
    (None, "does not exist"), ("", "empty password"), ("Qz9-7", "shorter than 16"),
    (" " + "x" * 20, "blanks"), ("x" * 16, ""),
])
def test_usable_secrets(secret, problem):
    found = secret_problem(secret)
    assert (problem in found) if problem else found == ""
    if secret:
        assert secret not in found  # never the value


def test_replay_window_refuses_a_signature_twice_until_its_timestamp_is_stale():
    window = ReplayWindow(MAX_SKEW)
    assert window.admit("a" * 64, T, now=T) == "new"
    assert window.admit("a" * 64, T, now=T + 1) == "replay"
    assert window.admit("a" * 64, T, now=T + MAX_SKEW) == "replay"  # the last second verify still accepts
    assert window.admit("b" * 64, T + MAX_SKEW + 1, now=T + MAX_SKEW + 1) == "new"
    assert len(window) == 1  # "a" was forgotten once verify would call it stale


def test_every_second_of_the_window_is_covered():
    """Invariant: for any accepted (signature, timestamp), a second arrival at any time verify still accepts
    is a replay."""
    for sent_at in (T - MAX_SKEW, T, T + MAX_SKEW):  # accepted timestamps at the skew edges
        window = ReplayWindow(MAX_SKEW)
        assert window.admit("s", sent_at, now=T) == "new"
        for later in range(T, sent_at + MAX_SKEW + 1, 7):
            assert window.admit("s", sent_at, now=later) == "replay", (sent_at, later)


def test_a_full_window_refuses_instead_of_forgetting_a_fresh_signature():
    window = ReplayWindow(MAX_SKEW, capacity=3)
    for i in range(3):
        assert window.admit(str(i), T, now=T) == "new"
    assert window.admit("3", T, now=T) == "full"
    assert window.admit("0", T, now=T) == "replay"  # still remembered
    assert window.admit("3", T + MAX_SKEW + 1, now=T + MAX_SKEW + 1) == "new"  # the old ones expired
    assert len(window) == 1


def test_rate_limit_per_source_in_a_sliding_minute():
    limit = RateLimiter(3)
    assert [limit.allow("10.0.0.1", T + i) for i in range(4)] == [True, True, True, False]
    assert limit.allow("10.0.0.2", T + 4)  # another source has its own budget
    assert not limit.allow("10.0.0.1", T + 59.9)
    assert limit.allow("10.0.0.1", T + 60)  # the first hit is a minute old


def test_rate_limit_keeps_a_bounded_number_of_sources():
    limit = RateLimiter(5, max_sources=2)
    assert limit.allow("a", T) and limit.allow("b", T)
    assert not limit.allow("c", T)  # both still active: refuse rather than grow
    assert limit.allow("c", T + 61) and limit.sources() <= 2


def test_rate_limit_zero_means_none():
    limit = RateLimiter(0)
    assert all(limit.allow("a", T) for _ in range(1000)) and limit.sources() == 0


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 120)), min_size=1, max_size=60),
       st.lists(st.integers(-400, 400), min_size=5, max_size=5))
def test_no_signature_is_ever_accepted_twice_while_its_timestamp_is_fresh(events, offsets):
    """Invariant (generated schedules): five captured requests, each with its own timestamp, re-sent in any
    order as the clock moves forward; a request is accepted at most once, and a later send of it is refused
    (replay or stale) whenever it arrives."""
    window = ReplayWindow(MAX_SKEW, capacity=3)
    stamps = [T + off for off in offsets]
    bodies = [f'{{"Run": "v", "Id": "{i}"}}'.encode() for i in range(5)]
    now = T
    accepted = set()
    for which, step in events:
        now += step
        signature = sign(SECRET, stamps[which], bodies[which])
        verdict = verify(SECRET, str(stamps[which]), signature, bodies[which], now)
        outcome = window.admit(verdict.signature, verdict.timestamp, now) if verdict.ok else "stale"
        if outcome == "new":
            assert which not in accepted, f"request {which} accepted twice"
            accepted.add(which)
        assert len(window) <= 3
