"""Run inside IRIS's embedded Python (``$IRISINSTALLDIR/bin/irispython``) by test_production_real.py.

It creates the LiteTerminal credentials, starts LiteTerminal.TerminalProduction, sends one command through
each trigger (the adapterless service, the command-file folder, the scheduled service's first cycle), runs the
trace query of docs/user-guide.md §6, stops the production and prints one JSON object on the last line of
stdout. The IRIS user and password for the credentials entry come from the environment
(LITE_TERMINAL_IRIS_USER / LITE_TERMINAL_IRIS_PASSWORD) and are never printed.
"""

import json
import os
import sys
import time

import iris  # the real embedded module: this script only runs inside IRIS

PRODUCTION = "LiteTerminal.TerminalProduction"
INBOX = "/tmp/liteterminal/in/"
DONE = "/tmp/liteterminal/done/"
TRACE_QUERY = """
SELECT h.ID, h.TimeCreated, h.SourceConfigName, r.Command, r.Status, r.ElapsedMs
  FROM Ens.MessageHeader h JOIN LiteTerminal.TerminalCommandResponse r ON r.ID = h.MessageBodyId
 WHERE h.MessageBodyClassName = 'LiteTerminal.TerminalCommandResponse'
 ORDER BY h.ID DESC
"""


def wait(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    return None


def trace_rows():
    return [list(row) for row in iris.sql.exec(TRACE_QUERY)]


def main():
    out = {}
    status = iris.cls("Ens.Config.Credentials").SetCredential(
        "LiteTerminal", os.environ["LITE_TERMINAL_IRIS_USER"], os.environ["LITE_TERMINAL_IRIS_PASSWORD"], 1
    )
    out["credentials"] = str(status)
    for folder in (INBOX, DONE):  # private before the start: Command Files refuses a folder others may write
        os.makedirs(folder, mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
    out["start"] = str(iris.cls("Ens.Director").StartProduction(PRODUCTION))
    try:
        name, state = iris.ref(), iris.ref()
        iris.cls("Ens.Director").GetProductionStatus(name, state)
        out["state"] = state.value

        from intersystems_pyprod import director

        svc_status, service = director.create_business_service("Terminal Command Service")
        out["service_create"] = str(svc_status)
        reply = iris.ref()
        out["service_call"] = str(service.ProcessInput('write "via-service"', reply))
        out["service_reply"] = {"Status": reply.value.Status, "Output": reply.value.Output}

        with open(os.path.join(INBOX, "iris-suite.cos"), "w", encoding="utf-8") as f:
            f.write('write "via-file"\n')
        out["file_seen"] = bool(wait(lambda: any("via-file" in str(r[3]) for r in trace_rows()), 60))
        out["schedule_seen"] = bool(wait(lambda: any("$zversion" in str(r[3]) for r in trace_rows()), 60))
        out["trace"] = [[str(c) for c in row] for row in trace_rows()[:20]]
    finally:
        out["stop"] = str(iris.cls("Ens.Director").StopProduction(60))
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
