"""Your own service and process around the Terminal Operation: a health check that reacts to each status.

Load it after this package's modules (``./load.sh examples.health_check``), create the credentials ID
``LiteTerminal``, start ``HealthCheck.HealthCheckProduction`` and call the service (from ObjectScript:
``##class(Ens.Director).CreateBusinessService("Health Check Service", .svc)`` then
``svc.ProcessInput("", .resp)``). Tested offline in tests/examples/test_health_check.py.
"""

iris_package_name = "HealthCheck"

from intersystems_pyprod import (  # noqa: E402
    BusinessProcess,
    BusinessService,
    IRISLog,
    IRISProperty,
    OperationItem,
    ProcessItem,
    Production,
    ServiceItem,
    Status,
)

import productions.terminal  # noqa: E402,F401  registers the Terminal Operation and its adapter in this job
from adapters.lite_terminal.lines import escape_controls  # noqa: E402  one line per Event Log entry
from messages.terminal import TerminalCommandRequest  # noqa: E402
from productions.terminal import outcome, split_send_result  # noqa: E402


class HealthCheckService(BusinessService):
    """Adapterless: each call asks the process for one check and returns its response."""

    Target = IRISProperty("Health Check Process", "str", "The process that runs the check", "Basic")

    def on_process_input(self, pInput):
        request = TerminalCommandRequest(Description="health check")  # the process decides what runs
        status, response = split_send_result(self.SendRequestSync(self.Target, request, -1, "health check"))
        return (status, response) if response is not None else status


class HealthCheckProcess(BusinessProcess):
    """Runs its own Command on the Terminal Operation and turns each outcome into an Event Log entry.

    It sends straight to the operation, past TerminalCommandProcess's policy (the operation's own policy
    still applies): only the Command setting ever runs, never text from the request.
    """

    Target = IRISProperty("Terminal Operation", "str", "A LiteTerminal.TerminalCommandOperation", "Basic")
    Command = IRISProperty("write $zversion", "str", "ObjectScript that checks the server", "Basic")
    Expect = IRISProperty("IRIS", "str", "Text the output must contain when the server is healthy", "Basic")

    def on_request(self, request):
        check = TerminalCommandRequest(Command=self.Command, Description="health check")
        status, response = split_send_result(self.SendRequestSync(self.Target, check, -1, "health check"))
        state, detail = outcome(status, response)
        if state == "ok" and self.Expect in str(response.Output):
            IRISLog.Info(escape_controls(f"healthy: {self.Target}"))
        elif state == "ok":
            answer = str(response.Output)[:200]
            IRISLog.Alert(escape_controls(f"unhealthy: {self.Target} answered {answer!r}"))
        elif state == "error":  # the check ran and IRIS reported an error
            IRISLog.Alert(escape_controls(f"check failed on the server: {detail}"))
        elif state == "unreachable":  # never delivered: safe to try again at the next check
            IRISLog.Warning(escape_controls(f"server not reachable, will check again: {detail}"))
        elif state in ("timeout", "interrupted"):
            IRISLog.Warning(escape_controls(f"the check did not finish: {detail}"))
        elif state == "lost":  # may or may not have run: never re-run a command with side effects blindly
            IRISLog.Alert(escape_controls(f"connection lost during the check: {detail}"))
        else:  # invalid or denied: the request or the policy needs fixing, retrying cannot help
            IRISLog.Error(escape_controls(f"check refused ({state}): {detail}"))
        return (Status.OK(), response) if response is not None else Status.OK()


class HealthCheckProduction(Production):
    """The service, the process and one Terminal Operation on the IRIS server to check."""

    services = [
        ServiceItem("Health Check Service", "HealthCheck.HealthCheckService", pool_size=0,
                    host_settings={"Target": "Health Check Process"}),
    ]
    processes = [
        ProcessItem("Health Check Process", "HealthCheck.HealthCheckProcess",
                    host_settings={"Target": "Terminal Operation"}),
    ]
    operations = [
        OperationItem("Terminal Operation", "LiteTerminal.TerminalCommandOperation",
                      adapter_settings={"Server": "localhost", "Port": 52773, "Credentials": "LiteTerminal",
                                        "Namespace": "USER"}),
    ]
