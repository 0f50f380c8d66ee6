"""adapters/terminal_core.py: settings parsing, credentials, truncation, JSON in/out, failure classes."""

import json

import pytest

from adapters.lite_terminal import AuthError, CommandResult
from adapters.lite_terminal.contract import COMMAND_FAILURE, SESSION_FAILURE
from adapters.terminal_core import (
    AdapterSettings,
    CredentialsError,
    TerminalAdapterCore,
    truncate,
)

SECRET = "s3cr3t-Pa55"


class FakeTerminal:
    instances = []

    def __init__(self, host, port, **kw):
        self.host, self.port, self.kw = host, port, kw
        self.connected = False
        self.closed = False
        self.next = None
        self.ran = []  # (command, namespace) in order
        FakeTerminal.instances.append(self)

    @classmethod
    def open(cls, options, username, password):
        return cls(options.host, options.port, username=username, password=password,
                   namespace=options.namespace, tls=options.tls, verify=options.verify,
                   path_prefix=options.path_prefix, connect_timeout=options.connect_timeout,
                   response_timeout=options.response_timeout)

    def connect(self):
        if self.kw["password"] != SECRET:
            raise AuthError(f"HTTP 401 from {self.host}:{self.port}: login refused for {self.kw['username']}")
        self.connected = True

    def execute(self, command, namespace=None, timeout=None, input_lines=(), max_output_chars=None,
                keep_session=False):
        self.ran.append((command, namespace))
        if self.next is not None and command != "kill":
            return self.next
        return CommandResult(command=command, output=f"ran {command}", raw_output="", status="ok", error="",
                             namespace=namespace or self.kw["namespace"], elapsed=0.0123,
                             server_version="IRIS for UNIX 2025.1")

    def close(self):
        self.closed = True


@pytest.fixture(autouse=True)
def _reset():
    FakeTerminal.instances = []


#: The adapter's settings as IRIS hands them over when nothing is configured (the IRISProperty defaults).
DEFAULTS = {"Server": "localhost", "Port": 52773, "PathPrefix": "", "Credentials": "LiteTerminal",
            "Namespace": "USER", "UseTLS": 0, "CAFile": "", "VerifyTLS": 1, "ConnectTimeout": 5,
            "ResponseTimeout": 30, "StayConnected": -1, "MaxSessions": 4, "SessionIdleTimeout": 300,
            "MaxOutputChars": 100000}


def make_core(password=SECRET, warnings=None, **values):
    settings = AdapterSettings.from_values(dict(DEFAULTS, **values))
    store = {"LiteTerminal": ("_SYSTEM", password)}

    def resolver(cid):
        if cid not in store:
            raise CredentialsError(f"no credentials {cid}")
        return store[cid]

    sink = warnings if warnings is not None else []
    return TerminalAdapterCore(settings, warn=sink.append, credentials_resolver=resolver,
                               opener=FakeTerminal.open)


def run(core, **req):
    out = json.loads(core.run(json.dumps(req)))
    return out["response"], out["failure"]


def test_settings_from_iris_values_accept_numbers_as_text():
    s = AdapterSettings.from_values(dict(DEFAULTS, Server="iris", Port="1972", UseTLS=1, VerifyTLS="1",
                                         ResponseTimeout="-1", StayConnected="0", MaxOutputChars="7"))
    assert (s.server, s.port, s.use_tls, s.verify_tls) == ("iris", 1972, True, True)
    assert (s.response_timeout, s.stay_connected, s.max_output_chars) == (-1.0, 0.0, 7)
    assert s.endpoint == "wss://iris:1972"


def test_a_command_runs_with_the_resolved_login_and_settings(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("not parsed here")
    core = make_core(Server="h", Port=1, Credentials="LiteTerminal", Namespace="APP", PathPrefix="/iris",
                     ConnectTimeout=2, ResponseTimeout=9, UseTLS=1, CAFile=str(ca))
    resp, failure = run(core, Command="write 1")
    term = FakeTerminal.instances[0]
    assert (term.host, term.port) == ("h", 1)
    assert term.kw == {"username": "_SYSTEM", "password": SECRET, "namespace": "APP", "tls": True,
                       "verify": str(ca), "path_prefix": "/iris", "connect_timeout": 2.0,
                       "response_timeout": 9.0}
    assert failure is None
    assert resp["Status"] == "ok" and resp["Output"] == "ran write 1"
    assert resp["ElapsedMs"] == 12 and resp["ServerVersion"] == "IRIS for UNIX 2025.1"
    assert resp["Namespace"] == "APP"


def test_credentials_deleted_after_start_make_the_command_unreachable():
    core = make_core(Credentials="Nope")  # the start check is the adapter's (credentials_exist); not here
    resp, failure = run(core, Command="write 1")
    assert failure == SESSION_FAILURE and resp["Status"] == "unreachable"
    assert "no credentials Nope" in resp["Error"] and "not sent" in resp["Error"]


def test_a_refused_login_is_an_error_that_never_shows_the_password():
    core = make_core(password="wrong-" + SECRET, Credentials="LiteTerminal")
    resp, failure = run(core, Command="write 1")
    assert failure == SESSION_FAILURE and resp["Status"] == "unreachable"
    assert resp["Error"].startswith("AuthError from ws://localhost:52773: ") and "401" in resp["Error"]
    assert SECRET not in json.dumps(resp)


def test_an_iris_error_is_a_command_failure():
    core = make_core(Credentials="LiteTerminal")
    run(core, Command="write 1")
    err = CommandResult("write x", "", "", "error", "<UNDEFINED> *x", "USER", 0.001)
    FakeTerminal.instances[0].next = err
    resp, failure = run(core, Command="write x")
    assert failure == COMMAND_FAILURE
    assert resp["Status"] == "error" and resp["Error"] == "<UNDEFINED> *x"


@pytest.mark.parametrize("status", ["timeout", "interrupted", "lost"])
def test_timeouts_interrupts_and_losses_are_session_failures(status):
    core = make_core(Credentials="LiteTerminal")
    run(core, Command="write 1")
    FakeTerminal.instances[0].next = CommandResult("hang 9", "", "", status, "", "USER", 1.0)
    resp, failure = run(core, Command="hang 9")
    assert failure == SESSION_FAILURE and resp["Status"] == status
    if status == "lost":
        assert "not re-sent" in resp["Error"]


def test_output_over_max_output_chars_is_cut_with_a_marker():
    core = make_core(Credentials="LiteTerminal", MaxOutputChars=5)
    resp, _ = run(core, Command="write 123456789")
    assert resp["OutputTruncated"] == 1
    assert resp["Output"].startswith("ran w\n[output truncated by MaxOutputChars: first 5 of 19")


def test_truncate_zero_means_no_limit():
    assert truncate("abc", 0) == ("abc", False)
    assert truncate("abc", 3) == ("abc", False)


def test_request_fields_reach_the_terminal_and_session_names_are_kept():
    core = make_core(Credentials="LiteTerminal")
    resp, _ = run(core, Command="read x", Namespace="%SYS", Session="s1", Timeout=-1, InputLines=["Al"])
    assert resp["Session"] == "s1" and resp["Namespace"] == "%SYS"
    assert core.pool.names == ["s1"]


def test_an_empty_command_is_refused_without_connecting():
    core = make_core(Credentials="LiteTerminal")
    resp, failure = run(core, Command="   ")
    assert resp["Status"] == "invalid" and "empty command" in resp["Error"]
    assert FakeTerminal.instances == []


def test_disabling_tls_verification_is_logged_as_a_warning():
    warnings = []
    make_core(warnings=warnings, UseTLS=1, VerifyTLS=0, Server="h", Port=443)
    assert len(warnings) == 1 and "VerifyTLS=0" in warnings[0] and "h:443" in warnings[0]
    quiet = []
    make_core(warnings=quiet, UseTLS=1, VerifyTLS=1)
    assert quiet == []


class LimitingTerminal(FakeTerminal):
    """A client that enforces max_output_chars itself and reports what it dropped (R's execute API)."""

    def execute(self, command, namespace=None, timeout=None, input_lines=(), max_output_chars=None):
        self.limit = max_output_chars
        full = "x" * 50
        kept = full[:max_output_chars] if max_output_chars else full
        return CommandResult(command=command, output=kept, raw_output="", status="ok", error="",
                             namespace=namespace, elapsed=0.0, output_dropped=len(full) - len(kept))


def test_max_output_chars_goes_to_a_client_that_takes_it_and_its_drop_is_marked():
    settings = AdapterSettings.from_values(dict(DEFAULTS, MaxOutputChars=10))
    core = TerminalAdapterCore(settings, warn=[].append, credentials_resolver=lambda cid: ("u", SECRET),
                               opener=LimitingTerminal.open)
    resp, _ = run(core, Command="write 1")
    assert FakeTerminal.instances[0].limit == 10
    assert resp["OutputTruncated"] == 1 and resp["Output"].startswith("x" * 10 + "\n[output truncated by "
                                                                      "MaxOutputChars=10: 40 of 50")


def test_the_default_session_is_reset_before_each_later_request_and_named_ones_are_not():
    core = make_core(Credentials="LiteTerminal")
    run(core, Command="set a=1")
    run(core, Command="write a", Namespace="%SYS")
    run(core, Command="set b=1", Session="s")
    run(core, Command="write b", Session="s")
    default, named = FakeTerminal.instances
    assert default.ran == [("set a=1", "USER"), ("kill", "%SYS"), ("write a", "%SYS")]
    assert named.ran == [("set b=1", "USER"), ("write b", "USER")]


@pytest.mark.parametrize("request_fields, says", [
    ({"Command": ""}, "empty command"),
    ({"Command": 42}, "Command must be text"),
    ({"Command": "w 1", "Namespace": "a b"}, "Namespace 'a b' is not a valid IRIS namespace name"),
    ({"Command": "w 1", "Timeout": "soon"}, "Timeout 'soon' is not a number"),
    ({"Command": "w 1", "Timeout": -5}, "Timeout '-5' is out of range"),
    ({"Command": "w 1", "Timeout": True}, "is not a number"),
    ({"Command": "w 1", "InputLines": "yes"}, "InputLines must be a list"),
    ({"Command": "w 1", "InputLines": ["a", 1]}, "every InputLines entry must be text"),
    ({"Command": "w 1", "Session": "a\nb"}, "is not a usable session name"),
    ({"Command": "w 1", "Session": " s"}, "is not a usable session name"),
])
def test_a_wrong_request_is_invalid_and_nothing_connects(request_fields, says):
    core = make_core(Credentials="LiteTerminal")
    resp, failure = run(core, **request_fields)
    assert resp["Status"] == "invalid" and says in resp["Error"]
    assert resp["Error"].endswith("nothing was sent")
    assert FakeTerminal.instances == []


def test_the_response_names_the_server_as_host_and_port():
    resp, _ = run(make_core(Server="iris.example.com", Port=1972), Command="write 1")
    assert resp["Server"] == "iris.example.com:1972"


@pytest.mark.parametrize("raised, status", [
    ("InvalidArgument", "invalid"),
    ("ConnectError", "unreachable"),
    ("AuthError", "unreachable"),
    ("ServerUnavailable", "unreachable"),
    ("NamespaceError", "unreachable"),
    ("SessionClosed", "unreachable"),
    ("RemoteProtocolError", "lost"),
    ("RemoteError", "lost"),
    ("ConnectionLost", "lost"),
])
def test_each_client_exception_maps_to_the_status_that_says_whether_the_command_was_sent(raised, status):
    from adapters.lite_terminal import errors

    class Raising(FakeTerminal):
        def execute(self, command, namespace=None, timeout=None, input_lines=(), max_output_chars=None):
            raise getattr(errors, raised)(f"{raised} happened")

    settings = AdapterSettings.from_values(DEFAULTS)
    core = TerminalAdapterCore(settings, warn=[].append, credentials_resolver=lambda cid: ("u", SECRET),
                               opener=Raising.open)
    resp, failure = run(core, Command="write 1")
    assert failure == SESSION_FAILURE and resp["Status"] == status
    assert f"{raised} happened" in resp["Error"]
    if status == "unreachable":
        assert resp["Error"].startswith(f"{raised} from ws://localhost:52773: ")
        assert resp["Error"].endswith("the command was not sent")
    if status == "lost":
        assert "may or may not have run" in resp["Error"]


def test_a_full_named_session_table_is_unreachable():
    core = make_core(MaxSessions=1)
    run(core, Command="write 1", Session="a")
    resp, _ = run(core, Command="write 1", Session="b")
    assert resp["Status"] == "unreachable" and "MaxSessions=1" in resp["Error"]
