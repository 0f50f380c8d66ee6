"""The offline runtime reads statuses, property values, start failures, alerts and queues as IRIS does
(issue 12 (a)-(g), issue 7 item 6; docs/offline-runtime.md)."""

import os
import socket
import threading
import time

import pytest
from loopback import free_port
from runtime_helpers import HERE

from offline_iris import OfflineIRIS
from offline_iris.iris_module import ref
from offline_iris.status import ErrorStatus, is_ok

FID_MODULES = ["toy.msgs", "toy.fidelity"]


def _prod(name, *items):
    return f'<Production Name="{name}">' + "".join(items) + "</Production>"


def _item(name, cls, *settings, enabled="true"):
    body = "".join(f'<Setting Target="{t}" Name="{n}">{v}</Setting>' for t, n, v in settings)
    return f'<Item Name="{name}" ClassName="{cls}" PoolSize="1" Enabled="{enabled}">{body}</Item>'


@pytest.fixture
def fid(tmp_path):
    with OfflineIRIS(workdir=tmp_path, warn_shared_modules=False) as rt:
        rt.load(FID_MODULES, source_root=HERE)
        import toy.fidelity as fidelity

        for lst in (fidelity.ALERTS, fidelity.HANDLED, fidelity.RELAYED, fidelity.FANNED):
            del lst[:]
        fidelity.GATE.set()
        rt.toy = fidelity
        yield rt


# -- (a) statuses ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, ok",
    [
        (1, True),
        ("1", True),
        (0, False),
        ("", False),
        (None, False),
        (ErrorStatus(5001, "x"), False),
        ((1, None), True),  # the outbound wrapper's (status, response): an object reference
        ((ErrorStatus(5001, "x"), None), True),  # still an object reference: IRIS does not look inside
        ([], True),
        ("5@%SYS.Python", True),
        ("abc", False),
        (2, True),
        (0.0, False),
    ],
)
def test_a_status_reads_as_objectscript_reads_it(value, ok):
    assert is_ok(value) is ok


# -- (c) start failures ----------------------------------------------------------------------------
def test_c_an_item_that_cannot_start_is_not_running_and_the_production_keeps_running(fid):
    fid.start_production(xml=_prod("Fid.Broken", _item("Sink", "Fid.Slow"), _item("Lines", "Fid.Orphan")))
    item = fid.engine.items["Lines"]
    assert not item.started and "Fid.NoSuchAdapter" in item.error
    errors = [e for e in fid.event_log("Error")]
    assert [(e["ConfigName"], e["SourceClass"]) for e in errors] == [("Lines", "Fid.Orphan")]
    assert "Item 'Lines' failed to start and is not running: <CLASS DOES NOT EXIST>" in errors[0]["Text"]
    state = ref()
    fid.ns.class_methods["Ens.Director"].GetProductionStatus(ref(), state)
    assert state.value == 1  # Troubled is documented as "stopped but did not shut down properly"
    status, _ = fid.send_sync("Lines", fid.toy.Note(text="x"))
    assert not is_ok(status) and "not a running config item" in status
    status, resp = fid.send_sync("Sink", fid.toy.Note(text="still works"))
    assert is_ok(status) and resp.text == "handled still works"


def test_c_start_failure_state_switch_can_report_troubled(tmp_path):
    with OfflineIRIS(workdir=tmp_path, warn_shared_modules=False, start_failure_state="troubled") as rt:
        rt.load(FID_MODULES, source_root=HERE)
        rt.start_production(xml=_prod("Fid.Broken", _item("Lines", "Fid.Orphan")))
        assert rt.engine.state == 4 and not rt.engine.items["Lines"].started
        rt.stop_production()
        assert rt.engine.state == 2


# -- (e) hand-written ObjectScript ----------------------------------------------------------------
HAND_WRITTEN = """Class Hand.Service Extends Ens.BusinessService
{

Method OnProcessInput(pInput As %RegisteredObject, Output pOutput As %RegisteredObject) As %Status
{
    Set pOutput = pInput
    Quit $$$OK
}

ClassMethod Helper() As %String
{
    Quit "x"
}

}
"""


def test_e_a_hand_written_objectscript_method_fails_clearly_instead_of_doing_nothing(fid):
    fid.load_cls(HAND_WRITTEN)
    fid.start_production(xml=_prod("Fid.Hand", _item("Hand", "Hand.Service")))
    status, _ = fid.send_sync("Hand", "hello")
    assert not is_ok(status)
    assert "Hand.Service:OnProcessInput is a hand-written ObjectScript method" in status
    assert any("does not interpret ObjectScript" in e["Text"] for e in fid.event_log("Error"))
    import iris

    assert "hand-written ObjectScript" in iris.Hand.Service.Helper()


# -- (f) one commit per message --------------------------------------------------------------------
def test_f_each_message_is_one_commit_with_its_body(fid):
    fid.start_production(
        xml=_prod(
            "Fid.Commit", _item("Sender", "Fid.Sender"), _item("Slow", "Fid.Slow", ("Host", "Pause", "0.05"))
        )
    )
    store = fid.ns.store
    before_commits, before_headers, before_logs = store.commits, len(fid.messages()), len(fid.event_log())
    status, _ = fid.send_sync("Sender", "sync one")
    assert is_ok(status)
    headers = len(fid.messages()) - before_headers  # request + response
    logs = len(fid.event_log()) - before_logs
    deliveries = 1  # the request's Queued -> Delivered
    assert headers == 2
    # every header commits together with its body, every state change and log entry is its own commit
    assert store.commits - before_commits == headers + deliveries + logs


def test_f_a_failed_transaction_leaves_nothing_half_written(fid):
    store = fid.ns.store
    before = len(fid.messages())
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.new_header(SourceConfigName="a", TargetConfigName="b", Status=2, Type=1)
            raise RuntimeError("crash between the header and its body")
    assert len(fid.messages()) == before


# -- (g) alerts -------------------------------------------------------------------------------------
ALERT_PROD = _prod(
    "Fid.Alerts",
    _item("Sender", "Fid.Sender", ("Host", "Target", "Grumpy")),
    _item("Grumpy", "Fid.Grumpy", ("Host", "AlertOnError", "1")),
    _item("Ens.Alert", "Fid.AlertSink"),
)


def test_g_irislog_alert_reaches_ens_alert_and_the_event_log(fid):
    fid.start_production(xml=ALERT_PROD)
    status, _ = fid.send_sync("Sender", "sync alert")
    assert is_ok(status)
    fid.wait_for(lambda: fid.toy.ALERTS)
    assert fid.toy.ALERTS == [("Grumpy", "grumpy was asked to alert")]
    alerts = fid.event_log("Alert")
    assert [(a["ConfigName"], a["Text"]) for a in alerts] == [("Grumpy", "grumpy was asked to alert")]
    alert_msgs = [m for m in fid.messages() if m["TargetConfigName"] == "Ens.Alert"]
    assert [m["MessageBodyClassName"] for m in alert_msgs] == ["Ens.AlertRequest"]
    assert alert_msgs[0]["SessionId"] == fid.messages()[0]["SessionId"]  # in the session that raised it


def test_g_alert_on_error_raises_an_alert_with_the_error_text(fid):
    fid.start_production(xml=ALERT_PROD)
    status, _ = fid.send_sync("Sender", "sync fail")
    assert not is_ok(status)
    fid.wait_for(lambda: fid.toy.ALERTS)
    assert fid.toy.ALERTS[0][0] == "Grumpy" and "grumpy refuses" in fid.toy.ALERTS[0][1]
    assert any("grumpy refuses" in a["Text"] for a in fid.event_log("Alert"))


def test_g_without_an_ens_alert_item_the_alert_is_only_logged(fid):
    fid.start_production(
        xml=_prod(
            "Fid.NoAlert",
            _item("Sender", "Fid.Sender", ("Host", "Target", "Grumpy")),
            _item("Grumpy", "Fid.Grumpy"),
        )
    )
    assert is_ok(fid.send_sync("Sender", "sync alert")[0])
    assert [a["Text"] for a in fid.event_log("Alert")] == ["grumpy was asked to alert"]
    assert not any(m["TargetConfigName"] == "Ens.Alert" for m in fid.messages())


# -- issue 7 item 6: queues survive a stop ---------------------------------------------------------
QUEUE_PROD = _prod(
    "Fid.Queue", _item("Sender", "Fid.Sender"), _item("Slow", "Fid.Slow", ("Host", "Pause", "0.05"))
)


def _stop_and_open_the_gate_meanwhile(fid):
    """Stop the production while the toy's GATE holds a message in a job, and open the gate 0.2 s into the
    stop, so that message finishes during the stop; returns once the stop is done."""
    stopper = threading.Thread(target=fid.stop_production)
    stopper.start()
    time.sleep(0.2)
    fid.toy.GATE.set()
    stopper.join(10)


def test_queued_requests_are_kept_at_stop_and_delivered_after_the_next_start(fid):
    fid.start_production(xml=QUEUE_PROD)
    fid.toy.GATE.clear()  # the operation holds its first message until the gate opens
    for text in ("one", "two", "three"):
        assert is_ok(fid.send_sync("Sender", "async " + text)[0])
    fid.wait_for(lambda: [m for m in fid.messages() if m["StatusName"] == "Delivered"])
    _stop_and_open_the_gate_meanwhile(fid)  # "one" finishes during the stop; "two" and "three" stay queued
    assert fid.toy.HANDLED == ["one"]
    queued = [m for m in fid.messages() if m["Type"] == 1 and m["StatusName"] == "Queued"]
    assert len(queued) == 2
    fid.start_production(xml=QUEUE_PROD)
    fid.wait_for(lambda: len(fid.toy.HANDLED) == 3)
    assert fid.toy.HANDLED == ["one", "two", "three"]  # in their original order
    fid.wait_for(lambda: all(m["StatusName"] == "Completed" for m in fid.messages() if m["Type"] == 1))


def test_a_sync_caller_is_answered_at_stop_instead_of_waiting_out_its_timeout(fid):
    fid.start_production(xml=QUEUE_PROD)
    fid.toy.GATE.clear()
    assert is_ok(fid.send_sync("Sender", "async first")[0])
    answers = []
    caller = threading.Thread(target=lambda: answers.append(fid.send_sync("Sender", "sync waiting")))
    caller.start()  # its request queues behind "first"; its own timeout is 20 s
    fid.wait_for(lambda: len(fid.messages()) >= 2)
    started = time.monotonic()
    _stop_and_open_the_gate_meanwhile(fid)
    caller.join(10)
    assert time.monotonic() - started < 5
    status, _ = answers[0]
    assert not is_ok(status) and "ErrProductionStopped" in status and "stays queued" in status
    fid.start_production(xml=QUEUE_PROD)  # the request itself is still delivered
    fid.wait_for(lambda: "waiting" in fid.toy.HANDLED)


def test_a_kept_request_whose_item_is_gone_ends_in_error(fid):
    fid.start_production(xml=QUEUE_PROD)
    fid.toy.GATE.clear()
    for text in ("one", "two"):
        fid.send_sync("Sender", "async " + text)
    fid.wait_for(lambda: [m for m in fid.messages() if m["StatusName"] == "Delivered"])
    _stop_and_open_the_gate_meanwhile(fid)
    fid.start_production(xml=_prod("Fid.Other", _item("Sender", "Fid.Sender")))
    failed = [m for m in fid.messages() if m["StatusName"] == "Error"]
    assert len(failed) == 1 and "is not in the restarted production" in failed[0]["ErrorStatus"]


# -- (d) TCP text-line adapters and the passthrough service ----------------------------------------


def test_d_tcp_text_line_adapters_relay_a_line_on_loopback(fid):
    in_port, out_port = free_port(), free_port()
    sink = socket.socket()
    sink.bind(("127.0.0.1", out_port))
    sink.listen(1)
    sink.settimeout(10)
    fid.start_production(
        xml=_prod(
            "Fid.Tcp",
            _item(
                "Lines In",
                "Fid.LineService",
                ("Host", "Target", "Lines Out"),
                ("Adapter", "Port", in_port),
                ("Adapter", "StayConnected", "0"),
            ),
            _item(
                "Lines Out",
                "Fid.LineOperation",
                ("Adapter", "IPAddress", "127.0.0.1"),
                ("Adapter", "Port", out_port),
                ("Adapter", "GetReply", "0"),
                ("Adapter", "StayConnected", "0"),
            ),
        )
    )
    with socket.create_connection(("127.0.0.1", in_port), timeout=5) as client:
        client.sendall(b"hello over tcp\nsecond line\n")
        client.shutdown(socket.SHUT_WR)
    received = b""
    for _ in range(2):  # StayConnected=0: one connection per line
        conn, _ = sink.accept()
        line = b""
        with conn:
            conn.settimeout(5)
            while not line.endswith(b"\n"):
                chunk = conn.recv(100)
                if not chunk:
                    break
                line += chunk
        received += line
    sink.close()
    assert received == b"relayed: hello over tcp\nrelayed: second line\n"
    assert fid.toy.RELAYED == ["hello over tcp", "second line"]


def start_lines_in(fid) -> int:  # noqa: ANN001
    """A production of one TCP line service that relays to nobody; its port."""
    in_port = free_port()
    fid.start_production(
        xml=_prod(
            "Fid.Tcp",
            _item("Lines In", "Fid.LineService", ("Host", "Target", "Nobody"), ("Adapter", "Port", in_port)),
        )
    )
    return in_port


def test_d_an_unterminated_line_at_close_is_reported_not_handed_over(fid):
    in_port = start_lines_in(fid)
    with socket.create_connection(("127.0.0.1", in_port), timeout=5) as client:
        client.sendall(b"no terminator")
    fid.wait_for(lambda: fid.event_log("Warning"))
    assert "13 bytes not handed over" in fid.event_log("Warning")[-1]["Text"]
    assert fid.toy.RELAYED == []


def test_d_an_inbound_line_past_the_cap_closes_the_connection_while_it_arrives(fid, monkeypatch):
    from offline_iris import tcp_adapters

    monkeypatch.setattr(tcp_adapters, "MAX_LINE", 1000)
    in_port = start_lines_in(fid)
    with socket.create_connection(("127.0.0.1", in_port), timeout=5) as client:
        client.sendall(b"x" * 5000)  # a flood with no terminator
        fid.wait_for(lambda: fid.event_log("Error"))
        assert client.recv(100) == b""  # the adapter closed it: nothing more is buffered
    assert "line longer than 1000 bytes without a terminator" in fid.event_log("Error")[-1]["Text"]
    assert fid.toy.RELAYED == []


def test_d_a_reply_dripped_a_byte_at_a_time_ends_at_the_read_timeout_of_the_whole_line(fid):
    out_port = free_port()
    peer = socket.socket()
    peer.bind(("127.0.0.1", out_port))
    peer.listen(1)
    peer.settimeout(10)
    dripped = threading.Event()

    def drip():  # reads the request, then sends one byte every 0.1 s, never a terminator, for 4 s at most
        conn, _ = peer.accept()
        with conn:
            conn.recv(1000)
            for _ in range(40):
                try:
                    conn.sendall(b"x")
                except OSError:
                    break
                time.sleep(0.1)
        dripped.set()

    threading.Thread(target=drip, daemon=True).start()
    fid.start_production(
        xml=_prod(
            "Fid.Tcp",
            _item(
                "Lines Out",
                "Fid.LineOperation",
                ("Adapter", "IPAddress", "127.0.0.1"),
                ("Adapter", "Port", out_port),
                ("Adapter", "GetReply", "1"),
                ("Adapter", "ReadTimeout", "1"),
            ),
        )
    )
    status, _ = fid.send_sync("Lines Out", fid.toy.Note(text="x"))
    # each byte came well within 1 s of the last, so only a bound on the whole line can end it this way
    assert not is_ok(status) and "no reply line within 1" in status
    assert not dripped.is_set()
    peer.close()


def test_d_the_outbound_adapter_refuses_a_non_loopback_address(fid):
    fid.start_production(
        xml=_prod(
            "Fid.Tcp",
            _item(
                "Lines Out",
                "Fid.LineOperation",
                ("Adapter", "IPAddress", "192.0.2.1"),
                ("Adapter", "Port", "9"),
            ),
        )
    )
    status, _ = fid.send_sync("Lines Out", fid.toy.Note(text="x"))
    assert not is_ok(status) and "not a loopback address" in status


def test_d_passthrough_service_sends_each_file_as_a_stream_container(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    with OfflineIRIS(workdir=tmp_path / "iris", warn_shared_modules=False) as rt:
        rt.load(["toy.tour"], source_root=HERE)
        rt.start_production(
            xml=_prod(
                "Tour.Hello",
                _item(
                    "EnsLib.File.PassthroughService",
                    "EnsLib.File.PassthroughService",
                    ("Host", "TargetConfigNames", "Tour.Hello"),
                    ("Adapter", "FilePath", str(inbox)),
                    ("Adapter", "CallInterval", "0.1"),
                    ("Adapter", "ConfirmComplete", "0"),
                ),
                _item("Tour.Hello", "Tour.Hello"),
            )
        )
        (tmp_path / "greeting.txt").write_text("Hello world")  # written elsewhere, then moved in whole:
        os.replace(tmp_path / "greeting.txt", inbox / "greeting.txt")  # ConfirmComplete=0 takes it as found
        rt.wait_for(lambda: len(rt.messages()) == 2 and rt.messages()[0]["StatusName"] == "Completed")
        request, response = rt.messages()
        assert (request["SourceConfigName"], request["TargetConfigName"]) == (
            "EnsLib.File.PassthroughService",
            "Tour.Hello",
        )
        assert request["MessageBodyClassName"] == response["MessageBodyClassName"] == "Ens.StreamContainer"
        assert response["Type"] == 2 and not request["IsError"] and not response["IsError"]
        assert request["StatusName"] == "Completed"
        body = rt.ns.open("Ens.StreamContainer", request["MessageBodyId"])
        assert body.Stream.getvalue() == "Hello world" and body.OriginalFilename.endswith("greeting.txt")
        rt.wait_for(lambda: not os.listdir(inbox))  # the adapter deletes it after the service handled it


# -- asynchronous calls that fail: OnError (inherited) or OnResponse -------------------------------
@pytest.mark.parametrize("delivery", ["on_error", "on_response"])
def test_an_async_call_that_fails_reaches_the_process_as_the_switch_says(tmp_path, delivery):
    from runtime_helpers import TOY_MODULES

    with OfflineIRIS(workdir=tmp_path, warn_shared_modules=False, async_error_delivery=delivery) as rt:
        rt.load(TOY_MODULES, source_root=HERE)
        import toy.hosts as hosts
        import toy.msgs as msgs

        del hosts.BP_INSTANCES[:]
        rt.start_production("Toy.ToyProduction")
        status, response = rt.send_sync("Router", msgs.Ping(text="fail"))  # both calls fail at Echo
        rt.wait_for(
            lambda: len([m for m in rt.messages() if m["TargetConfigName"] == "Echo" and m["IsError"]]) == 2
        )
        callbacks = [name for name, _, _ in hosts.BP_INSTANCES]
        primary = [m for m in rt.messages() if m["TargetConfigName"] == "Router"]
        answers = [
            m for m in rt.messages() if m["SourceConfigName"] == "Router" and m["TypeName"] == "Response"
        ]
        if delivery == "on_error":
            # the inherited OnError returns the error: the process ends with it, OnResponse never runs
            assert not is_ok(status) and "soft failure fail-a" in status
            assert callbacks == ["on_request"]
            assert primary[0]["StatusName"] == "Error"
        else:
            assert is_ok(status) and response.text == "fail:ka,kb:calls=1"
            assert callbacks == ["on_request", "on_response", "on_response"]
            assert primary[0]["StatusName"] == "Completed"
        assert len(answers) <= 1  # the process is completed once, whatever arrives after
        rt.stop_production()


def test_messages_created_in_the_same_millisecond_come_back_newest_first(fid):
    """director.get_host_messages orders by TimeCreated DESC: ties (a request and its response in one
    millisecond) come back by ID in the same direction, the newest first."""
    store = fid.ns.store
    first = store.new_header(TimeCreated="2026-01-01 00:00:00.000", SourceConfigName="A", Type=1)
    second = store.new_header(TimeCreated="2026-01-01 00:00:00.000", SourceConfigName="A", Type=2)
    rows = fid.ns.sql.exec(
        "SELECT TOP 2 ID FROM Ens.MessageHeader WHERE SourceConfigName = ? ORDER BY TimeCreated DESC", "A"
    )
    assert [r[0] for r in rows] == [second, first]


def test_a_process_waiting_on_async_calls_across_a_stop_completes_after_the_next_start(fid):
    prod = _prod("Fid.Fan", _item("Fan", "Fid.Fan"), _item("Slow", "Fid.Slow", ("Host", "Pause", "0.05")))
    fid.start_production(xml=prod)
    fid.toy.GATE.clear()
    answers = []
    caller = threading.Thread(target=lambda: answers.append(fid.send_sync("Fan", fid.toy.Note(text="job"))))
    caller.start()
    fid.wait_for(
        lambda: [
            m for m in fid.messages() if m["TargetConfigName"] == "Slow" and m["StatusName"] == "Delivered"
        ]
    )
    _stop_and_open_the_gate_meanwhile(fid)
    caller.join(10)
    assert "ErrProductionStopped" in answers[0][0]  # the caller did not wait out its 10 s
    assert fid.toy.FANNED == []  # the process's job had stopped: the first reply is kept for it
    fid.start_production(xml=prod)
    fid.wait_for(lambda: len(fid.toy.FANNED) == 2)
    assert sorted(fid.toy.FANNED) == ["left", "right"]
    fid.wait_for(
        lambda: [m for m in fid.messages() if m["SourceConfigName"] == "Fan" and m["TypeName"] == "Response"]
    )
    primary = [m for m in fid.messages() if m["TargetConfigName"] == "Fan" and m["TypeName"] == "Request"][0]
    assert primary["StatusName"] == "Completed"
    reply = [m for m in fid.messages() if m["SourceConfigName"] == "Fan" and m["TypeName"] == "Response"][0]
    assert fid.body(reply)["json"]["text"] == "both: left,right"


HAND_WRITTEN_PRODUCTION = """Class Fid.TcpProduction Extends Ens.Production
{

XData ProductionDefinition
{
<Production Name="Fid.TcpProduction" LogGeneralTraceEvents="false">
  <Description>Lines in on one loopback port, out on another</Description>
  <ActorPoolSize>2</ActorPoolSize>
  <Item Name="Lines In" ClassName="Fid.LineService" PoolSize="1" Enabled="true" Foreground="false">
    <Setting Target="Host" Name="Target">Lines Out</Setting>
    <Setting Target="Adapter" Name="AllowedIPAddresses">127.0.0.1</Setting>
    <Setting Target="Adapter" Name="Port">{in_port}</Setting>
  </Item>
  <Item Name="Lines Out" ClassName="Fid.LineOperation" PoolSize="1" Enabled="true" Foreground="false">
    <Setting Target="Adapter" Name="IPAddress">127.0.0.1</Setting>
    <Setting Target="Adapter" Name="Port">{out_port}</Setting>
    <Setting Target="Adapter" Name="GetReply">1</Setting>
  </Item>
</Production>
}

}
"""


def test_d_a_hand_written_production_class_with_tcp_items_starts_by_name(fid):
    """As pyprod's mixed ObjectScript/Python CI fixture does: a Production class written by hand (only
    XData), Python hosts on IRIS's TCP text-line adapters; here the outbound side also reads a reply."""
    in_port, out_port = free_port(), free_port()
    echo = socket.socket()
    echo.bind(("127.0.0.1", out_port))
    echo.listen(1)
    echo.settimeout(10)
    fid.load_cls(
        HAND_WRITTEN_PRODUCTION.replace("{in_port}", str(in_port)).replace("{out_port}", str(out_port))
    )
    fid.start_production("Fid.TcpProduction")

    def answer_one_line():
        conn, _ = echo.accept()
        with conn:
            conn.settimeout(5)
            data = b""
            while not data.endswith(b"\n"):
                data += conn.recv(100)
            conn.sendall(b"ack " + data)

    responder = threading.Thread(target=answer_one_line)
    responder.start()
    with socket.create_connection(("127.0.0.1", in_port), timeout=5) as client:
        client.sendall(b"ping\n")
    responder.join(10)
    echo.close()
    fid.wait_for(
        lambda: [
            m
            for m in fid.messages()
            if m["TargetConfigName"] == "Lines Out" and m["StatusName"] == "Completed"
        ]
    )
    assert fid.toy.RELAYED == ["ping"]
