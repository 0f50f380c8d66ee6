"""Start order of a production's items (Options.targets_first, an inferred [I] switch).

IRIS starts business operations, then business processes, then business services, so a service's first
send (from its OnInit or its first poll) finds its targets running. The earlier emulation
(``targets_first=False``) ran every OnInit in definition order before any job started.
"""

from runtime_helpers import HERE

from offline_iris import OfflineIRIS, Options
from offline_iris.status import is_error, is_ok

# Definition order puts the service first, as the pyprod-generated productions do.
PROD_XML = """<Production Name="StartOrder.Inline">
  <Item Name="Eager" ClassName="StartOrder.EagerService" PoolSize="1" Enabled="true">
    <Setting Target="Adapter" Name="CallInterval">0.1</Setting>
  </Item>
  <Item Name="Relay" ClassName="StartOrder.Relay" PoolSize="1" Enabled="true"/>
  <Item Name="Answer" ClassName="StartOrder.Answer" PoolSize="1" Enabled="true"/>
</Production>"""


def _run_until_first_poll(tmp_path, **options):
    """Start, wait for the first poll's send, stop; returns the toy module and the Event Log errors."""
    with OfflineIRIS(workdir=tmp_path, warn_shared_modules=False, **options) as rt:
        rt.load(["toy.msgs", "toy.startup"], source_root=HERE)
        import toy.startup as startup  # importable once the fake iris module is installed

        del startup.STARTED[:], startup.SENT[:]
        rt.start_production(xml=PROD_XML)
        try:
            rt.wait_for(lambda: any(when == "poll 1" for when, _, _ in startup.SENT), timeout=10)
        finally:
            rt.stop_production()
        return startup, rt.event_log("Error")


def test_targets_first_is_the_default():
    assert Options().targets_first is True


def test_operations_and_processes_run_before_a_service_starts(tmp_path):
    startup, errors = _run_until_first_poll(tmp_path)
    assert startup.STARTED == ["Answer", "EagerService"]
    when, status, text = startup.SENT[0]
    assert (when, text) == ("OnInit", "answered OnInit") and is_ok(status)  # through Relay to Answer
    when, status, text = startup.SENT[1]
    assert (when, text) == ("poll 1", "answered poll 1") and is_ok(status)
    assert not [e for e in errors if "not a running config item" in e["Text"]]


def test_definition_order_when_the_switch_is_off(tmp_path):
    startup, _ = _run_until_first_poll(tmp_path, targets_first=False)
    assert startup.STARTED == ["EagerService", "Answer"]
    when, status, text = startup.SENT[0]
    assert when == "OnInit" and text == "" and is_error(status)
    assert "'Relay' is not a running config item" in str(status)
    when, status, text = startup.SENT[1]  # the jobs start after every OnInit: the first poll is served
    assert (when, text) == ("poll 1", "answered poll 1") and is_ok(status)


def test_stopping_lets_a_process_finish_its_sync_call_to_an_operation(tmp_path):
    """Stop order: services, then processes, then operations, so a process that is stopping still gets
    the reply to its sync call. When every job was signalled at once, the operation could stop with the
    process's request still queued: the process (and whoever called it) waited for a reply that never came
    until the stop deadline ran out (a rare ~10 s stall in test_secrets)."""
    import threading
    import time

    from runtime_helpers import TOY_MODULES

    with OfflineIRIS(workdir=tmp_path, warn_shared_modules=False, max_sync_wait=3.0) as rt:
        rt.load(TOY_MODULES, source_root=HERE)
        import toy.msgs

        rt.start_production("Toy.ToyProduction")
        echo, router = rt.engine.items["Echo"], rt.engine.items["SyncRouter"]
        results = {}

        def send(key, target):
            results[key] = rt.send_sync(target, toy.msgs.Ping(text=key), timeout=5)

        def stop():
            started = time.monotonic()
            rt.stop_production(timeout=5)
            results["stop seconds"] = time.monotonic() - started

        threads = [
            threading.Thread(target=send, args=("one", "Echo")),
            threading.Thread(target=send, args=("two", "SyncRouter")),
            threading.Thread(target=stop),
        ]

        def requests_to_echo():
            return [m for m in rt.messages() if (m["TargetConfigName"], m["TypeName"]) == ("Echo", "Request")]

        with echo.lock:  # Echo takes "one" off its queue and waits for this lock: "two" queues behind it
            threads[0].start()
            rt.wait_for(lambda: requests_to_echo() and echo.queue.empty(), timeout=5)
            rt.run_for(0.05)  # the header is written just before the put: make sure it was taken off
            assert echo.queue.empty()
            threads[1].start()
            rt.wait_for(lambda: len(requests_to_echo()) == 2 and echo.queue.qsize() == 1, timeout=5)
            threads[2].start()
            rt.wait_for(router.stop.is_set, timeout=5)  # the stop has begun, "two" still queued at Echo
        for thread in threads:
            thread.join(10)
        status, response = results["two"]
        assert is_ok(status) and response.text.startswith("via-bp:"), status
        assert is_ok(results["one"][0])
        assert results["stop seconds"] < 2.5
        assert not any(item.thread.is_alive() for item in rt.engine.items.values() if item.thread)
