"""Start order of a production's items (Options.targets_first, an inferred [I] switch).

IRIS starts business operations, then business processes, then business services, so a service's first
send (from its OnInit or its first poll) finds its targets running. The earlier emulation
(``targets_first=False``) ran every OnInit in definition order before any job started.
"""

from runtime_helpers import HERE

from simulator.runtime import OfflineIRIS, Options
from simulator.runtime.status import is_error, is_ok

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
