"""adapters/sessions.py: StayConnected, named sessions, MaxSessions, idle expiry, lost sessions."""

from dataclasses import dataclass

import pytest

from adapters.lite_terminal import TerminalError
from adapters.sessions import SessionLimitError, SessionPool


@dataclass
class Result:
    status: str = "ok"
    output: str = ""


class FakeTerminal:
    """Stands in for LiteTerminal: records calls, can fail on connect or lose the connection."""

    created = []

    def __init__(self, fail_connect=False, outcome="ok", raise_on_execute=None):
        self.connected = False
        self.closed = False
        self.commands = []
        self.fail_connect = fail_connect
        self.outcome = outcome
        self.raise_on_execute = raise_on_execute
        FakeTerminal.created.append(self)

    def connect(self):
        if self.fail_connect:
            raise TerminalError("connection refused")
        self.connected = True

    def execute(self, command, namespace=None, timeout=None, input_lines=(), **options):
        assert self.connected, "execute before connect"
        self.options = options
        if self.raise_on_execute:
            raise self.raise_on_execute
        self.commands.append((command, namespace, timeout, tuple(input_lines)))
        return Result(self.outcome, command)

    def close(self):
        self.closed = True
        self.connected = False


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture(autouse=True)
def _reset():
    FakeTerminal.created = []


def make_pool(**kw):
    clock = Clock()
    kw.setdefault("clock", clock)
    return SessionPool(kw.pop("factory", FakeTerminal), **kw), clock


def test_stay_connected_minus_one_reuses_the_default_session():
    pool, _ = make_pool(stay_connected=-1)
    pool.execute("write 1")
    pool.execute("write 2")
    assert len(FakeTerminal.created) == 1
    assert [c[0] for c in FakeTerminal.created[0].commands] == ["write 1", "write 2"]
    assert not FakeTerminal.created[0].closed


def test_stay_connected_zero_uses_one_session_per_message():
    pool, _ = make_pool(stay_connected=0)
    pool.execute("write 1")
    pool.execute("write 2")
    assert len(FakeTerminal.created) == 2
    assert all(t.closed for t in FakeTerminal.created)
    assert pool.names == []


def test_stay_connected_n_closes_the_session_after_n_idle_seconds():
    pool, clock = make_pool(stay_connected=10)
    pool.execute("write 1")
    clock.now += 5
    pool.execute("write 2")
    assert len(FakeTerminal.created) == 1
    clock.now += 11
    pool.execute("write 3")
    assert len(FakeTerminal.created) == 2
    assert FakeTerminal.created[0].closed


def test_named_sessions_are_separate_and_kept():
    pool, _ = make_pool(stay_connected=0)
    pool.execute("set x=1", session="job")
    pool.execute("write x", session="job")
    pool.execute("write 1")
    named = FakeTerminal.created[0]
    assert [c[0] for c in named.commands] == ["set x=1", "write x"]
    assert not named.closed  # StayConnected=0 governs only the default session
    assert pool.names == ["job"]


def test_max_sessions_refuses_a_new_name_instead_of_evicting():
    pool, _ = make_pool(max_sessions=2)
    pool.execute("w 1", session="a")
    pool.execute("w 1", session="b")
    with pytest.raises(SessionLimitError, match="MaxSessions=2"):
        pool.execute("w 1", session="c")
    pool.execute("w 2", session="a")  # existing names still work
    pool.execute("w 3")  # the default session does not count
    assert pool.names == ["", "a", "b"]


def test_idle_named_sessions_expire_and_free_their_slot():
    pool, clock = make_pool(max_sessions=1, session_idle_timeout=60)
    pool.execute("w 1", session="a")
    clock.now += 61
    pool.execute("w 1", session="b")
    assert FakeTerminal.created[0].closed
    assert pool.names == ["b"]


def test_a_lost_session_is_dropped_and_the_command_not_resent():
    pool, _ = make_pool(factory=lambda: FakeTerminal(outcome="lost"))
    result = pool.execute("set ^x=1")
    assert result.status == "lost"
    assert FakeTerminal.created[0].closed
    assert len(FakeTerminal.created[0].commands) == 1
    assert pool.names == []


def test_a_failed_connect_raises_and_leaves_no_session():
    pool, _ = make_pool(factory=lambda: FakeTerminal(fail_connect=True))
    with pytest.raises(TerminalError, match="refused"):
        pool.execute("w 1", session="a")
    assert pool.names == []


def test_an_exception_during_execute_drops_the_session():
    pool, _ = make_pool(factory=lambda: FakeTerminal(raise_on_execute=TerminalError("socket closed")))
    with pytest.raises(TerminalError):
        pool.execute("w 1")
    assert FakeTerminal.created[0].closed and pool.names == []


def test_arguments_reach_the_terminal():
    pool, _ = make_pool()
    pool.execute("read x", namespace="%SYS", timeout=3, input_lines=["Alice"])
    assert FakeTerminal.created[0].commands == [("read x", "%SYS", 3, ("Alice",))]


def test_close_all_closes_everything():
    pool, _ = make_pool()
    pool.execute("w 1")
    pool.execute("w 1", session="a")
    pool.close_all()
    assert all(t.closed for t in FakeTerminal.created) and pool.names == []
