"""Revocation bites (issue 21, item 3; docs/security.md §12): a kept session, default or named, re-checks its
credentials entry before each request; a deleted or changed entry closes the session and the request is
``unreachable`` with the reason, never run. And a refusal never names another caller's session (item 8)."""

import json

import pytest
from security_helpers import OP, PASSWORD, call, everything_the_runtime_kept, executed

from adapters.sessions import CredentialsRevoked, SessionLimitError, SessionPool
from adapters.terminal_core import credential_fingerprint


def named(command, session):
    return json.dumps({"Command": command, "Session": session})


@pytest.mark.parametrize("session", ["", "s1"])
def test_a_deleted_entry_closes_the_kept_session_and_the_request_is_unreachable(rt, sim, start, session):
    start(sim)
    assert call(rt, named("set a=1 write 1", session))[1].Status == "ok"
    assert sim.open_terminals() == 1
    rt.credentials.delete("LiteTerminal")
    _, resp = call(rt, named("write 2", session))
    assert resp.Status == "unreachable", resp.Error
    assert "credentials" in resp.Error and "closed" in resp.Error and "not sent" in resp.Error
    assert executed(sim)[-1] != "write 2" and "write 2" not in executed(sim)
    assert sim.open_terminals() == 0  # the server process is gone
    _, again = call(rt, named("write 3", session))  # and nothing re-opens without an entry
    assert again.Status == "unreachable" and "write 3" not in executed(sim)


@pytest.mark.parametrize("change", [("_SYSTEM", "Another-Pw-1"), ("Other", PASSWORD)])
def test_a_changed_entry_closes_the_kept_session(rt, make_sim, start, change):
    sim = make_sim(users={"_SYSTEM": PASSWORD, "Other": PASSWORD, "_SYSTEM2": "x"})
    start(sim)
    assert call(rt, named("set kept=1", "s1"))[1].Status == "ok"
    rt.credentials.set("LiteTerminal", *change)
    _, resp = call(rt, named("write $get(kept,0)", "s1"))
    assert resp.Status == "unreachable" and "changed" in resp.Error, resp.Error
    assert sim.open_terminals() == 0
    # the next request logs in afresh with the new entry: a new server process, the old locals gone
    rt.credentials.set("LiteTerminal", "_SYSTEM", PASSWORD)
    _, fresh = call(rt, named("write $get(kept,0)", "s1"))
    assert (fresh.Status, fresh.Output) == ("ok", "0")


def test_an_unchanged_entry_keeps_the_session_and_no_password_is_kept(rt, sim, start):
    start(sim)
    for i in range(3):
        assert call(rt, named(f"write {i}", "s1"))[1].Status == "ok"
    assert sim.logins == 1
    assert not any(PASSWORD in text for text in everything_the_runtime_kept(rt))


def test_the_fingerprint_is_keyed_and_tells_user_and_password_apart():
    assert credential_fingerprint("u", "p") == credential_fingerprint("u", "p")
    pairs = [("u", "p"), ("u", "q"), ("v", "p"), ("u\0p", ""), ("", "u\0p"), ("u\0p", "q"), ("u", "p\0q")]
    assert len({credential_fingerprint(*pair) for pair in pairs}) == len(pairs)
    assert "p" * 3 not in credential_fingerprint("u", "ppp")


class _Term:
    connected = False

    def connect(self):
        self.connected = True

    def execute(self, command, **_):
        return type("R", (), {"status": "ok"})()

    def close(self):
        self.connected = False


def test_the_pool_rechecks_before_every_request_on_a_kept_session():
    stamps = iter(["a", "a", "a", "b"])
    pool = SessionPool(_Term, credential_stamp=lambda: next(stamps))
    pool.execute("w 1", session="x")  # opens: stamp a
    pool.execute("w 2", session="x")  # a == a
    pool.execute("w 3", session="x")  # a == a
    with pytest.raises(CredentialsRevoked, match="changed"):
        pool.execute("w 4", session="x")
    assert pool.names == []


def test_the_max_sessions_refusal_names_no_other_callers_session():
    pool = SessionPool(_Term, max_sessions=1)
    pool.execute("w 1", session="alice-secret-name")
    with pytest.raises(SessionLimitError) as refused:
        pool.execute("w 1", session="bob")
    assert "alice" not in str(refused.value) and "'bob'" in str(refused.value)


def test_the_max_sessions_refusal_through_the_production(rt, sim, start):
    start(sim, {(OP, "Adapter", "MaxSessions"): "1"})
    assert call(rt, named("write 1", "carol-private"))[1].Status == "ok"
    _, resp = call(rt, named("write 1", "dave"))
    assert resp.Status == "unreachable" and "carol" not in resp.Error
