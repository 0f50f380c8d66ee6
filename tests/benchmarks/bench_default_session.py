"""What the default session's reset costs: requests per second through the whole production (service ->
process -> operation -> simulator), on the default session (an argumentless ``kill`` runs before each request
after the first, so no request sees another's locals) versus one named session (no reset).

    .venv/bin/python tests/benchmarks/bench_default_session.py [requests]

Prints the figures and their ratio; not part of the test run.
"""

import json
import sys
import time

from offline_iris.testing import LITE_TERMINAL_MODULES, ProductionTester
from simulator import Simulator, SimulatorConfig

PASSWORD = "bench-password"
OP = "Terminal Operation"


def rate(tester, n, session):
    request = {"Command": "write 1"}
    if session:
        request["Session"] = session
    text = json.dumps(request)
    tester.call("Terminal Command Service", text)  # warm: the session is open
    start = time.perf_counter()
    for _ in range(n):
        status, response = tester.call("Terminal Command Service", text)
        assert response.Status == "ok", response.Error
    return n / (time.perf_counter() - start)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with Simulator(SimulatorConfig(users={"_SYSTEM": PASSWORD})) as sim, ProductionTester() as tester:
        tester.load(*LITE_TERMINAL_MODULES)
        tester.set_credentials("LiteTerminal", "_SYSTEM", PASSWORD)
        tester.start("LiteTerminal.TerminalProduction",
                     settings={(OP, "Adapter", "Server"): sim.host, (OP, "Adapter", "Port"): sim.port,
                               ("Scheduled Commands", "Adapter", "Commands"): ""},
                     disabled=["Command Files", "Terminal Operation 2"])
        default = rate(tester, n, "")
        named = rate(tester, n, "bench")
        resets = sum(1 for e in sim.executed if e.input == "kill")
    print(f"default session (kill before each request): {default:8.1f} requests/s")
    print(f"named session (no reset):                   {named:8.1f} requests/s")
    print(f"ratio default/named: {default / named:.2f}; kill ran {resets} times for {n + 1} default requests")


if __name__ == "__main__":
    main()
