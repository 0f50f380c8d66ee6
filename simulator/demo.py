"""The offline demo behind ``./load.sh --simulator``: TerminalProduction without IRIS.

It loads the components with the real pyprod loader into the offline IRIS runtime, starts the Lite Terminal
simulator as the server, and runs the production: a few scheduled cycles, a script dropped into the file
service's folder (and an empty file, left there until it is written, then run), a command the policy denies,
and adapterless calls (a plain command and a JSON request that answers a READ), then a signed HTTP call to
the Terminal HTTP Service, an unsigned one it refuses, and the curl lines that repeat the signed call.
Three simulated IRIS servers form a fleet, the third refusing the production's login: the scheduled
command runs on all three through the fleet process (one alert when the third goes bad, one when it
recovers, not one per cycle), and a fleet run of ``write $zversion`` shows its results grouped as
``dshbak -c`` does, with the counts. It then prints the message trace the way IRIS's Visual Trace lists
it, and the Event Log. Exit status 0 only if every step did what it should, so the demo doubles as a
smoke test.

It also writes the Visual Trace as a picture (a self-contained HTML page, docs/offline-runtime.md §23) and
prints its path.

    python -m simulator.demo [--cycles N] [--interval SECONDS] [--keep DIR] [--trace-html PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from types import SimpleNamespace
from typing import Any, Callable, Dict, List, Optional

if __package__ in (None, ""):  # run as a file: make the repository root importable, not simulator/
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
    sys.path.insert(0, os.path.dirname(_here))

from offline_iris.trace import as_typed  # noqa: E402  commands and patterns shown as typed, not as repr

MODULES = ["messages.terminal", "messages.fleet", "adapters.terminal_outbound", "adapters.inbound",
           "productions.fleet", "productions.http_service", "productions.terminal"]
PRODUCTION = "LiteTerminal.TerminalProduction"
SCHEDULED = 'write "heartbeat ",$zdatetime($horolog,3)'
SCRIPT = 'set total=0\nfor i=1:1:10 set total=total+i\nwrite "sum 1..10 = ",total\n'
DENIED = 'zn "%SYS"'
TIMEOUT = 20.0
FLEET = "Terminal Fleet Process"
FLEET_OPS = ("Terminal Operation", "Terminal Operation 2", "Terminal Operation 3")
FLEET_COMMAND = "write $zversion"
HTTP = "Terminal HTTP Service"
HTTP_TABLE = "LiteTerminal.HTTPCommands"


class DemoFailure(RuntimeError):
    """A step did not produce what the demo expects."""


def step(text: str) -> None:
    print(f"\n== {text}")


def wait(predicate: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DemoFailure(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


def show(resp: Any) -> None:
    namespace = resp.Namespace or "(not run)"
    print(f"   status={resp.Status}  namespace={namespace}  elapsed={resp.ElapsedMs} ms")
    if resp.Output:
        print("   output: " + resp.Output.replace("\n", "\n           "))
    if resp.Error:
        print(f"   error:  {resp.Error}")


def wait_for_file_response(rt: Any, output: str, name: str) -> Any:
    """The response Command Files got for the file whose script printed ``output``."""

    def found() -> Any:
        for header in rt.messages():
            body = rt.body(header).get("json") or {}
            if header["TargetConfigName"] == "Command Files" and output in body.get("Output", ""):
                return body
        return None

    return SimpleNamespace(**wait(found, f"{name}'s script to run"))


def print_trace(rt: Any) -> None:
    """Every session as the Visual Trace lists it, but the scheduled service's first session only: its later
    ones repeat it (they are all in the Visual Trace page)."""
    first_source: Dict[Any, str] = {}
    for header in rt.messages():
        first_source.setdefault(header["SessionId"], header["SourceConfigName"])
    scheduled = [s for s, source in first_source.items() if source == "Scheduled Commands"]
    for session in first_source:
        if session in scheduled[1:]:
            continue
        print(rt.trace_text(session))
        if scheduled[1:] and session == scheduled[0]:
            later = ", ".join(str(s) for s in scheduled[1:])
            print(f"  (sessions {later}: the same scheduled command, one per CallInterval: not shown)")


def with_third_operation(xml: str, host: str, port: int) -> str:
    """The production with one more operation, as one adds it on the Production Configuration page."""
    item = (
        f'<Item Name="{FLEET_OPS[2]}" Category="" ClassName="LiteTerminal.TerminalCommandOperation" '
        'PoolSize="1" Enabled="true" Comment="A third IRIS server">'
        f'<Setting Target="Adapter" Name="Server">{host}</Setting>'
        f'<Setting Target="Adapter" Name="Port">{port}</Setting>'
        '<Setting Target="Adapter" Name="Credentials">LiteTerminal</Setting>'
        '<Setting Target="Adapter" Name="Namespace">USER</Setting></Item>'
    )
    return xml.replace("</Production>", item + "</Production>")


def show_fleet(resp: Any) -> None:
    """The fleet response as ``dshbak -c`` prints pdsh output: each distinct output once, with its targets."""
    from adapters.lite_terminal.fleet import compress_names, summary_line

    for group in resp.Groups:
        print(f"   ---------------- {compress_names(group['Targets'])} ({group['Status']})")
        errors = {r["Error"] for r in resp.Results if r["Target"] in group["Targets"] and r["Error"]}
        for line in (group["Output"] or "").splitlines() or sorted(errors)[:1]:
            print(f"   {line}")
    print(f"   {summary_line(resp.Counts, resp.ElapsedMs / 1000)}; fleet Status={resp.Status}")


def with_http_service(xml: str) -> str:
    """The production with Terminal HTTP Service enabled (it is disabled by default)."""
    start = xml.index(f'<Item Name="{HTTP}"')
    end = xml.index(">", start)
    return xml[:start] + xml[start:end].replace('Enabled="false"', 'Enabled="true"') + xml[end:]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def curl_lines(url: str, body: str) -> str:
    """The shell lines that sign ``body`` and send it with curl (docs/http-service.md §3)."""
    return (
        f"body='{body}'; ts=$(date +%s)\n"
        "sig=$(printf '%s.%s' \"$ts\" \"$body\" | openssl dgst -sha256 -hmac \"$LITETERMINAL_SIGNING\" "
        "| sed 's/^.*= //')\n"
        f"curl -sS -X POST {url} -H 'Content-Type: application/json' -H \"X-LiteTerminal-Timestamp: $ts\" "
        "-H \"X-LiteTerminal-Signature: sha256=$sig\" --data-binary \"$body\""
    )


def http_calls(rt: Any, sim: Any, port: int, secret: str) -> None:
    """A signed call, a refused one (nothing runs), and the curl lines that repeat the signed call."""
    import requests

    from adapters.http_signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

    url = f"http://127.0.0.1:{port}/"
    body = '{"Run": "version"}'
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: stamp,
               SIGNATURE_HEADER: sign(secret, stamp, body.encode())}
    step(f"HTTP service: a signed POST {body} to {url} (named command 'version' from the {HTTP_TABLE} table)")
    answer = requests.post(url, data=body.encode(), headers=headers, timeout=TIMEOUT)
    data = answer.json()
    print(f"   HTTP {answer.status_code}: Status={data.get('Status')}  Output={data.get('Output')!r}  "
          f"SessionId={data.get('SessionId')}")
    if answer.status_code != 200 or data.get("Status") != "ok":
        raise DemoFailure(f"the signed call was not answered ok: {answer.status_code} {answer.text[:200]}")
    # The scheduled service keeps running its own command meanwhile: count only this body's command.
    def http_runs() -> int:
        return sum(1 for e in sim.executed if e.input == "write $zversion")

    before = http_runs()
    step("HTTP service: the same body unsigned is refused, and nothing runs")
    refused = requests.post(url, data=body.encode(), headers={"Content-Type": "application/json"},
                            timeout=TIMEOUT)
    print(f"   HTTP {refused.status_code}: {refused.json().get('Error')}")
    if refused.status_code != 401 or http_runs() != before:
        raise DemoFailure(f"the unsigned call was not refused: {refused.status_code}")
    print("   to repeat the signed call from a shell while the production runs (the secret in "
          "$LITETERMINAL_SIGNING; a signature is good once, so sign each call anew):")
    for line in curl_lines(url, body).splitlines():
        print(f"     {line}")


def run(cycles: int, interval: float, workdir: str, trace_html: str = "") -> int:
    from offline_iris import OfflineIRIS
    from simulator import Simulator, SimulatorConfig

    inbox = os.path.join(workdir, "in")
    done = os.path.join(workdir, "done")
    os.makedirs(inbox, exist_ok=True)
    os.makedirs(done, exist_ok=True)
    config = SimulatorConfig()
    user, password = next(iter(config.users.items()))

    refusing = SimulatorConfig(users={user: password + "-changed"})  # the production's login is refused
    with Simulator(config) as sim, Simulator(config) as sim2, Simulator(refusing) as sim3, \
            OfflineIRIS(workdir=os.path.join(workdir, "iris")) as rt:
        step(f"Lite Terminal simulators listening on {sim.host}:{sim.port}, :{sim2.port} and :{sim3.port} "
             "(the third one refuses the production's login)")

        step("loading the components with the real pyprod loader (module mode)")
        for report in rt.load(MODULES):
            print(f"   {report.module:28} -> {', '.join(report.classes)}")
            for warning in report.warnings:
                print(f"   warning: {warning}")

        step("production credentials LiteTerminal -> the simulator's user (the password stays in the store)")
        rt.credentials.set("LiteTerminal", user, password)
        import secrets

        signing_secret = secrets.token_hex(24)
        rt.credentials.set("LiteTerminalSigning", "webhook", signing_secret)
        rt.lookup_tables.set(HTTP_TABLE, "version", "write $zversion")
        http_port = free_port()
        print(f"   credentials LiteTerminalSigning (a random signing secret) and the lookup table "
              f"{HTTP_TABLE} (version -> write $zversion) for the HTTP service")

        overrides: Dict[Any, str] = {
            ("Terminal Operation", "Adapter", "Server"): sim.host,
            ("Terminal Operation", "Adapter", "Port"): str(sim.port),
            ("Scheduled Commands", "Adapter", "Commands"): SCHEDULED,
            ("Scheduled Commands", "Adapter", "CallInterval"): str(interval),
            ("Scheduled Commands", "Host", "Targets"): ",".join(FLEET_OPS),
            ("Scheduled Commands", "Host", "Expect"): "^heartbeat ",
            ("Terminal Operation 2", "Adapter", "Server"): sim2.host,
            ("Terminal Operation 2", "Adapter", "Port"): str(sim2.port),
            (FLEET, "Host", "Targets"): ",".join(FLEET_OPS),
            # the Terminal Process checks every fleet target too (docs/security.md §10)
            ("Terminal Process", "Host", "AllowedTargets"): ",".join(FLEET_OPS),
            ("Command Files", "Adapter", "FilePath"): inbox,
            ("Command Files", "Adapter", "ArchivePath"): done,
            ("Command Files", "Adapter", "CallInterval"): "0.2",
            ("Command Files", "Adapter", "FileAccessTimeout"): "1",  # Size (ConfirmComplete) waits 1 s
            (HTTP, "Adapter", "Port"): str(http_port),
        }
        step(f"starting {PRODUCTION}")
        xml = with_third_operation(rt.classes[PRODUCTION].xdata["ProductionDefinition"], sim3.host, sim3.port)
        xml = with_http_service(xml)
        rt.start_production(xml=xml, overrides=overrides)
        try:
            step(f"scheduled service: {as_typed(SCHEDULED)} every {interval} s on the three servers "
                 f"(Targets, through the {FLEET}), {cycles} cycles")
            wait(lambda: sum(1 for e in sim.executed if e.input == SCHEDULED) >= cycles, f"{cycles} cycles")

            # The alert follows the fleet response to the service: wait for both, not just the command.
            def checks_done() -> int:
                return sum(1 for h in rt.messages()
                           if h["MessageBodyClassName"] == "LiteTerminal.FleetCommandResponse"
                           and h["TargetConfigName"] == "Scheduled Commands")

            wait(lambda: rt.event_log("Alert") and checks_done() >= cycles, f"{cycles} checks and an alert")
            alerts = [e["Text"] for e in rt.event_log("Alert")]
            for text in alerts:
                print(f"   ALERT: {text}")
            if len(alerts) != 1 or FLEET_OPS[2] not in alerts[0]:
                raise DemoFailure(f"expected one alert for {FLEET_OPS[2]} after {cycles} cycles: {alerts}")
            print(f"   one alert for {FLEET_OPS[2]} although it failed in each of the {cycles} cycles")

            from messages.fleet import FleetCommandRequest, FleetCommandResponse  # noqa: F401

            step(f"fleet run: {as_typed(FLEET_COMMAND)} on the three servers, grouped like dshbak -c")
            status, fleet = rt.send_sync(FLEET, FleetCommandRequest(Command=FLEET_COMMAND,
                                                                    Description="demo fleet run"), TIMEOUT)
            if fleet is None:
                raise DemoFailure(f"no fleet response: {status}")
            show_fleet(fleet)
            if (fleet.Status, fleet.Counts.get("ok"), len(fleet.Groups)) != ("partial", 2, 2) or \
                    fleet.Groups[0]["Targets"] != list(FLEET_OPS[:2]):
                raise DemoFailure(f"unexpected fleet result: {fleet.Status} {fleet.Counts} {fleet.Groups}")

            step("the third server accepts the login again: the next cycle raises the recovery alert")
            sim3.configure(users={user: password})
            wait(lambda: len(rt.event_log("Alert")) >= 2, "the recovery alert")
            recovered = rt.event_log("Alert")[1]["Text"]
            print(f"   ALERT: {recovered}")
            if "recovered" not in recovered or FLEET_OPS[2] not in recovered:
                raise DemoFailure(f"the second alert is not the recovery: {recovered}")

            step("file service: dropping job.cos into the watched folder, and later.cos still empty")
            with open(os.path.join(inbox, "job.cos"), "w", encoding="utf-8") as f:
                f.write(SCRIPT)
            later = os.path.join(inbox, "later.cos")
            open(later, "w").close()  # created, not written yet: left in the folder until it is
            show(wait_for_file_response(rt, "sum 1..10", "job.cos"))
            wait(lambda: os.path.exists(os.path.join(done, "job.cos")), "job.cos to be archived")
            print(f"   job.cos archived to {done}")
            wait(lambda: any("later.cos is empty" in e["Text"] for e in rt.event_log("Error")),
                 "the empty file to be left")
            print("   later.cos is empty: left in the folder (Event Log error); writing it now")
            with open(later, "w", encoding="utf-8") as f:
                f.write('write "written later"\n')
            show(wait_for_file_response(rt, "written later", "later.cos"))

            from messages.terminal import TerminalCommandResponse  # noqa: F401  (response class for to_python)

            svc = rt.create_business_service("Terminal Command Service")

            def call(value: str) -> Any:
                status, raw = svc.process_input(value)
                resp = rt.to_python(raw)
                if resp is None:
                    raise DemoFailure(f"no response for {value!r}: {status}")
                show(resp)
                return resp

            step(f"adapterless call with a command the policy denies: {as_typed(DENIED)}")
            if call(DENIED).Status != "denied":
                raise DemoFailure("the namespace switch was not denied")

            step("adapterless call: write $zversion")
            if call("write $zversion").Status != "ok":
                raise DemoFailure("write $zversion failed")

            step("adapterless call with a JSON request whose command READs a line")
            request = {"Command": 'read "Your name? ",name write !,"Hello, ",name', "InputLines": ["Ada"],
                       "Description": "demo READ"}
            if "Hello, Ada" not in call(json.dumps(request)).Output:
                raise DemoFailure("the READ was not answered")

            step("adapterless call with an IRIS error (the operation fails with the IRIS error text)")
            if call("write undefinedvar").Status != "error":
                raise DemoFailure("an undefined variable did not fail")

            http_calls(rt, sim, http_port, signing_secret)
        finally:
            rt.stop_production()

        step("message trace (as the Visual Trace lists it: session, hop, body class, status, columns)")
        print_trace(rt)

        step("Event Log")
        for entry in rt.event_log():
            print(f"   {entry['TimeLogged']}  {entry['TypeName']:8} {entry['ConfigName']:24} {entry['Text']}")

        path = trace_html or os.path.join(workdir, "visual-trace.html")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        written = rt.write_visual_trace(path, title="TerminalProduction: offline demo")

        ran: List[str] = [e.input for e in sim.executed]
        if any("%SYS" in c and c.lower().startswith("zn") for c in ran):
            raise DemoFailure("the denied command reached the server")
        alerts = [e["Text"] for e in rt.event_log("Alert")]
        if len(alerts) != 2:
            raise DemoFailure(f"expected exactly two alerts (bad, recovered), got {alerts}")
        step(f"done: the server ran {len(ran)} commands; the denied one never reached it; two alerts in all")
    # Last, so it is the line to copy: this run's own page (another run never overwrites it).
    print(f"\nVisual Trace picture of this run (one per session; click an arrow or diamond for its body): "
          f"{written}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=3, help="scheduled cycles to wait for (default 3)")
    parser.add_argument("--interval", type=float, default=0.5, help="CallInterval of the scheduled service")
    parser.add_argument("--keep", metavar="DIR", help="keep the runtime's files (SQLite store, .cls) in DIR")
    parser.add_argument(
        "--trace-html",
        metavar="PATH",
        help="where to write the Visual Trace page (default: visual-trace.html in --keep DIR, else in a new "
        "folder of its own for each run, liteterminal-demo-trace-*/ in the system temporary folder); the "
        "path is printed at the end",
    )
    args = parser.parse_args(argv)
    trace_html = args.trace_html or ("" if args.keep else os.path.join(
        tempfile.mkdtemp(prefix="liteterminal-demo-trace-"), "visual-trace.html"))
    # The runtime warns that several items share productions.terminal (and the operations
    # adapters.terminal_outbound) in one process; those modules keep only constants, so the warning is
    # noise here (the tests keep an eye on it).
    warnings.filterwarnings("ignore", message="offline IRIS: module")
    try:
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            return run(args.cycles, args.interval, os.path.abspath(args.keep), trace_html)
        with tempfile.TemporaryDirectory(prefix="liteterminal-demo-") as work:
            return run(args.cycles, args.interval, work, trace_html)
    except DemoFailure as exc:
        print(f"\ndemo FAILED: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
