"""The production engine against the toy components (docs/pyprod-runtime.md §2, §3, §8.3)."""

import os
import sqlite3
import threading

import pytest
from runtime_helpers import HERE, TOY_MODULES

from offline_iris import OfflineIRIS, ProductionError
from offline_iris.status import is_error, is_ok


def _msgs():
    import toy.msgs

    return toy.msgs


def test_settings_are_applied_before_oninit(running):
    import toy.hosts

    assert toy.hosts.INIT_SEEN == [("Echo", "configured", 7)]


def test_unknown_setting_is_not_applied_and_logged(loaded):
    loaded.start_production("Toy.ToyProduction", overrides={("Echo", "Host", "Colour"): "red"})
    warnings = [e["Text"] for e in loaded.event_log("Warning")]
    assert any("Colour" in w and "does not exist" in w for w in warnings)
    with pytest.raises(AttributeError):
        loaded.engine.items["Echo"].host.Colour  # noqa: B018
    loaded.stop_production()


def test_unknown_setting_can_refuse_to_start(tmp_path):

    with OfflineIRIS(workdir=tmp_path, unknown_setting="error") as rt:
        rt.load(TOY_MODULES, source_root=HERE)
        with pytest.raises(ProductionError, match="Colour"):
            rt.start_production("Toy.ToyProduction", overrides={("Echo", "Host", "Colour"): "red"})


def test_bo_message_map_and_outbound_adapter(running):
    import toy.adapters

    status, resp = running.send_sync("Echo", _msgs().Ping(text="x"))
    assert is_ok(status) and resp.text == "P:x"  # adapter setting prefix="P:" applied
    assert toy.adapters.CALLS == [("echo", ("x",), {"upper": False})]


def test_message_map_matches_subclasses_and_falls_back_to_on_message(running):
    status, resp = running.send_sync("Echo", _msgs().LoudPing(volume=3))
    # LoudPing %Extends Toy.Ping → OnPing. pyprod drops parent fields of a message subclass (see
    # docs/pyprod-runtime.md §2.3), so on_ping sees the class-level Column for .text and fails: the dispatch
    # itself is the point.
    assert is_error(status) and running.python_errors[-1]["method"] == "OnPing"
    status, resp = running.send_sync("Echo", _msgs().Alarm(level="hi"))
    assert is_ok(status) and resp.text == "on_message:Alarm"


def test_outbound_adapter_method_returning_only_status_gives_two_tuple(running):
    obj = running.engine.items["Echo"].host.PythonClassObject
    assert obj.ADAPTER.only_status() == (1, None)  # docs/pyprod-runtime.md §2.2


def test_python_exception_becomes_error_status_and_event_log(running):
    status, resp = running.send_sync("Echo", _msgs().Ping(text="boom"))
    assert is_error(status) and "boom from on_ping" in str(status) and resp is None
    errors = [e for e in running.event_log("Error") if e["ConfigName"] == "Echo"]
    assert any("ValueError" in e["Text"] for e in errors)
    assert running.python_errors and isinstance(running.python_errors[0]["exception"], ValueError)
    header = [h for h in running.messages() if h["IsError"]][0]
    assert header["StatusName"] == "Error" and "boom" in header["ErrorStatus"]


def test_bp_gets_fresh_python_instance_per_callback_and_keeps_iris_properties(running):
    import toy.hosts

    status, resp = running.send_sync("Router", _msgs().Ping(text="r"))
    assert is_ok(status) and resp.text == "r:ka,kb:calls=1"
    calls = toy.hosts.BP_INSTANCES
    assert [c[0] for c in calls] == ["on_request", "on_response", "on_response"]
    assert len({id(c[1]) for c in calls}) == 3  # a new Python object each callback
    assert len({id(c[2]) for c in calls}) == 1  # one persistent host object for the primary request
    status, resp = running.send_sync("Router", _msgs().Ping(text="s"))
    assert resp.text == "s:ka,kb:calls=1"  # IRISProperty state does not leak between requests


def test_bp_sync_call_and_adapterless_service(running):
    status, resp = running.send_sync("SyncRouter", _msgs().Ping(text="s"))
    assert is_ok(status) and resp.text == "via-bp:P:s"
    svc = running.create_business_service("Direct")
    status, out = svc.process_input("hello")
    assert is_ok(status) and out.text == "P:hello"  # raw IRIS object, Column readable
    assert type(out).__module__ == "iris.Toy"


def test_send_request_argument_counts_per_host_kind(running):
    eng = running.engine
    bo = eng.items["Echo"].host
    bs = running.ns.new("Toy.DirectService")
    ping = _msgs().Ping(text="n")
    ping.update_iris_message_object()
    raw = ping.iris_message_object
    with pytest.raises(TypeError):
        bo.SendRequestSync("Echo", raw, None, 1, "d", None)  # BO: 5 args only
    with pytest.raises(TypeError):
        bo.SendRequestAsync("Echo", raw, 1, "k", "d")  # BO async: (target, req, desc)
    with pytest.raises(TypeError):
        bs.SendRequestAsync("Echo", raw, 1, "k", "d")
    bp = eng.make_host(eng.items["Router"])
    assert bp.SendRequestAsync("Echo", raw, 0, "k", "d") == 1  # BP async: 5 args
    assert bs.SendRequestSync("Echo", raw, None, 5, "d", None) == 1  # BS sync: 6 args


def test_non_persistent_request_is_rejected(running):
    bs = running.ns.new("Toy.DirectService")
    status = bs.SendRequestAsync("Echo", {"not": "persistent"}, "")
    assert is_error(status) and "not a persistent" in str(status)


def test_credentials_resolve_through_adapter_setting(loaded):
    loaded.credentials.set("iris-sim", "_SYSTEM", "SYS-secret")
    loaded.start_production("Toy.ToyProduction", overrides={("Echo", "Adapter", "Credentials"): "iris-sim"})
    status, resp = loaded.send_sync("Echo", _msgs().Ping(text="whoami"))
    assert is_ok(status) and resp.text == "_SYSTEM/10"
    loaded.stop_production()
    with open(os.path.join(loaded.workdir, "iris.sqlite3"), "rb") as f:
        assert b"SYS-secret" not in f.read()
    assert "SYS-secret" not in loaded.trace_text()


def test_missing_credentials_id(loaded):
    loaded.start_production("Toy.ToyProduction", overrides={("Echo", "Adapter", "Credentials"): "nope"})
    status, _ = loaded.send_sync("Echo", _msgs().Ping(text="whoami"))
    assert is_error(status) and "no credentials" in str(status)
    loaded.stop_production()


@pytest.mark.parametrize(
    "rca,ok,kind",
    [
        ("E=W", True, "Warning"),
        ("E*soft=F", False, "Error"),
        ("E=C", True, None),
        ("E*other=W", False, "Error"),
    ],
)
def test_reply_code_actions(loaded, rca, ok, kind):
    loaded.start_production("Toy.ToyProduction", overrides={("Echo", "Host", "ReplyCodeActions"): rca})
    status, _ = loaded.send_sync("Echo", _msgs().Ping(text="fail-1"))
    assert is_ok(status) is ok
    if kind:
        assert any("soft failure" in e["Text"] for e in loaded.event_log(kind))
    loaded.stop_production()


def test_reply_code_retry_is_bounded_by_failure_timeout(loaded):
    loaded.start_production(
        "Toy.ToyProduction",
        overrides={
            ("Echo", "Host", "ReplyCodeActions"): "E=R",
            ("Echo", "Host", "RetryInterval"): "0.05",
            ("Echo", "Host", "FailureTimeout"): "0.2",
        },
    )
    status, _ = loaded.send_sync("Echo", _msgs().Ping(text="fail-r"))
    assert is_error(status)
    retries = [e for e in loaded.event_log("Warning") if e["SourceMethod"] == "Retry"]
    assert 1 <= len(retries) <= 4
    loaded.stop_production()


PROD_XML = """<Production Name="Toy.Inline" TestingEnabled="true">
  <Item Name="Ticker" ClassName="Toy.TickService" PoolSize="1" Enabled="true">
    <Setting Target="Adapter" Name="CallInterval">0.1</Setting>
    <Setting Target="Host" Name="target">Echo</Setting>
  </Item>
  <Item Name="Files" ClassName="Toy.FileService" PoolSize="1" Enabled="true">
    <Setting Target="Adapter" Name="FilePath">{inbox}</Setting>
    <Setting Target="Adapter" Name="FileSpec">*.txt</Setting>
    <Setting Target="Adapter" Name="ArchivePath">{archive}</Setting>
    <Setting Target="Adapter" Name="CallInterval">0.1</Setting>
  </Item>
  <Item Name="Echo" ClassName="Toy.Echo" PoolSize="1" Enabled="true"/>
</Production>"""


def test_inbound_adapter_on_task_runs_on_call_interval_and_file_adapter(loaded, tmp_path):
    import toy.hosts

    inbox, archive = tmp_path / "in", tmp_path / "arch"
    inbox.mkdir()
    (inbox / "one.txt").write_text("hello file\n")
    (inbox / "skip.csv").write_text("not matched")
    loaded.start_production(xml=PROD_XML.format(inbox=inbox, archive=archive))
    loaded.wait_for(
        lambda: len([h for h in loaded.messages() if h["SourceConfigName"] == "Ticker"]) >= 3, timeout=10
    )
    loaded.wait_for(lambda: toy.hosts.FILES, timeout=10)
    loaded.stop_production()
    fname, content, size = toy.hosts.FILES[0]
    assert fname == str(inbox / "one.txt") and content == "hello file\n" and size == 11
    assert (archive / "one.txt").exists() and not (inbox / "one.txt").exists()
    assert (inbox / "skip.csv").exists()
    ticks = [
        loaded.body(h)["json"]["text"]
        for h in loaded.messages()
        if h["SourceConfigName"] == "Ticker" and h["TypeName"] == "Request"
    ]
    assert ticks[:3] == ["tick1", "tick2", "tick3"]  # one adapter instance, OnTask repeatedly


FILES_ONLY_XML = """<Production Name="Toy.FilesOnly" TestingEnabled="true">
  <Item Name="Files" ClassName="Toy.FileService" PoolSize="1" Enabled="true">
    <Setting Target="Adapter" Name="FilePath">{inbox}</Setting>
    <Setting Target="Adapter" Name="CallInterval">3600</Setting>
    <Setting Target="Adapter" Name="ConfirmComplete">{confirm}</Setting>
    <Setting Target="Adapter" Name="FileAccessTimeout">1</Setting>
  </Item>
  <Item Name="Echo" ClassName="Toy.Echo" PoolSize="1" Enabled="true"/>
</Production>"""


def _polled_by_hand(rt, inbox, confirm):
    """The Files item with its job stopped, and a function that runs one poll (OnTask) and returns
    [(file name, content)] of every file handed over so far."""
    import toy.hosts

    rt.start_production(xml=FILES_ONLY_XML.format(inbox=inbox, confirm=confirm))
    item = rt.engine.item_by("Files")
    item.stop.set()  # end the adapter's job (after at most one poll of the empty folder): the test polls
    item.thread.join(5)
    assert not item.thread.is_alive()
    item.adapter._o_stop = threading.Event()  # a stop the hand-run polls never see

    def poll():
        with item.lock, rt.engine.job_context(item.name):
            status = item.adapter.OnTask()
        return status, [(os.path.basename(name), content) for name, content, _size in toy.hosts.FILES]

    return poll


@pytest.mark.parametrize("confirm", ["1", "0", "4"])
def test_confirm_complete_size_waits_in_the_poll_until_the_size_settles(loaded, tmp_path, confirm):
    """ConfirmComplete=1 (Size): in the poll, the size is read again FileAccessTimeout seconds later and the
    file handed over once two reads agree, so a file filled during that wait is handed over whole.
    0 (None) and 4 (Readable, IRIS's default): handed over as the poll finds it."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    poll = _polled_by_hand(loaded, inbox, confirm)
    with open(inbox / "job.txt", "w") as writer:  # the file exists, still empty, until the write
        fill = threading.Timer(0.3, lambda: (writer.write("hello file\n"), writer.flush()))
        fill.start()
        status, seen = poll()
        fill.join()
    if confirm == "1":
        assert is_ok(status) and seen == [("job.txt", "hello file\n")]
        assert not (inbox / "job.txt").exists()  # deleted (no ArchivePath)
    else:
        assert is_error(status) and seen == [("job.txt", "")]  # picked up empty; the toy service refuses it
    loaded.stop_production()


def test_a_file_the_service_fails_on_stays_and_runs_again_once_modified(loaded, tmp_path):
    """ProcessInput returning an error status: the file is neither archived nor deleted, the poll ends with
    that error, later polls skip it with ONE warning while its modification time (whole seconds, as IRIS
    lists it) is unchanged, and hand it over again once it changes."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    poll = _polled_by_hand(loaded, inbox, "0")
    job = inbox / "job.txt"
    job.touch()
    created = int(os.stat(job).st_mtime)
    status, seen = poll()
    assert is_error(status) and seen == [("job.txt", "")] and job.exists()

    job.write_text("hello file\n")
    os.utime(job, (created, created))  # filled within the same second: IRIS cannot tell it changed
    for _ in range(3):
        status, seen = poll()
        assert is_ok(status) and seen == [("job.txt", "")] and job.exists()
    skipped = [e["Text"] for e in loaded.event_log("Warning") if "previously errored" in e["Text"]]
    assert len(skipped) == 1 and f"'{job}'" in skipped[0]

    os.utime(job, (created + 2, created + 2))  # modified in a later second: handed over again, once
    status, seen = poll()
    assert is_ok(status) and seen == [("job.txt", ""), ("job.txt", "hello file\n")]
    assert not job.exists()
    assert poll()[1] == seen
    loaded.stop_production()


def test_headers_bodies_and_trace_are_persisted(running):
    status, _ = running.send_sync("Router", _msgs().Ping(text="t"))
    session = running.messages()[-1]["SessionId"]
    rows = running.messages(session)
    assert [(r["SourceConfigName"], r["TargetConfigName"], r["TypeName"]) for r in rows] == [
        ("EnsLib.Testing.Service", "Router", "Request"),
        ("Router", "Echo", "Request"),
        ("Router", "Echo", "Request"),
        ("Echo", "Router", "Response"),
        ("Echo", "Router", "Response"),
        ("Router", "EnsLib.Testing.Service", "Response"),
    ]
    assert all(r["StatusName"] == "Completed" for r in rows)
    assert rows[-1]["CorrespondingMessageId"] == rows[0]["ID"]
    assert running.body(rows[0])["json"] == {"text": "t", "n": 0, "extra": None}
    assert running.body(rows[0])["Columns"]["text"] == "t"
    text = running.trace_text(session)
    assert "Router → Echo" in text and "Toy.Pong" in text and "text='t'" in text
    db = sqlite3.connect(os.path.join(running.workdir, "iris.sqlite3"))
    assert (
        db.execute("SELECT COUNT(*) FROM Ens_MessageHeader WHERE SessionId=?", (session,)).fetchone()[0] == 6
    )


def test_director_functions_work_against_the_engine(running):
    from intersystems_pyprod import director

    running.send_sync("Echo", _msgs().Ping(text="d"))
    msgs = director.get_host_messages("Echo", 10)
    assert msgs[0]["source"] == "Echo" and msgs[0]["body_class"] == "Toy.Pong"
    assert msgs[1]["target"] == "Echo" and msgs[1]["status"] == 9
    assert director.get_production_status()[1:] == ("Toy.ToyProduction", 1)
    status, names, details = director.list_all_productions()
    assert names == ["Toy.ToyProduction"] and details["Toy.ToyProduction"]["status"] == "Running"


def test_pickle_message_round_trip(running):
    from toy.msgs import Blob

    b = Blob(label="x", data={"k": (1, 2)})
    b.update_iris_message_object()
    raw = b.iris_message_object
    assert raw.chunksFromIRIS(0, 10) and isinstance(raw.chunksFromIRIS(0, 10), bytes)
    back = running.to_python(running.ns.reopen(raw)) if raw._Save() == 1 else None
    assert back.label == "x" and back.data == {"k": (1, 2)}
