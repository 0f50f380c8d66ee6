"""Signed HTTP calls per second through the production: client -> Terminal HTTP Service (signature, replay
window, rate limit, lookup table) -> Terminal Process (policy) -> Terminal Operation -> simulator, on the
offline runtime, with one client and with 16 at once (the listener serves one connection at a time,
JobPerConnection=0: docs/http-service.md §4). For comparison, the same named command through the
adapterless Terminal Command Service (no HTTP, no signature), and the signature check alone.

    .venv/bin/python tests/benchmarks/bench_http.py [calls]

Prints the figures and their ratios; not part of the test run.
"""

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path[:0] = [os.path.dirname(TESTS), TESTS, os.path.join(TESTS, "http")]

from http_helpers import PASSWORD, SECRET, signed, start_http_production  # noqa: E402
from terminal_production import offline_iris  # noqa: E402

from adapters.http_signing import sign, verify  # noqa: E402
from simulator import Simulator, SimulatorConfig  # noqa: E402


def http_rate(url, n, clients, run):
    def one(i):
        with requests.Session() as session:
            raw, headers = signed({"Run": "hello", "Id": f"{run}-{i}"})  # each call its own signature
            r = session.post(url, data=raw, headers=headers, timeout=60)
            assert r.status_code == 200 and r.json()["Status"] == "ok", r.text
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(n)))
    return n / (time.perf_counter() - start)


def adapterless_rate(rt, n):
    svc = rt.create_business_service("Terminal Command Service")
    start = time.perf_counter()
    for _ in range(n):
        status, raw = svc.process_input('write "hello from http"')
        assert rt.to_python(raw).Status == "ok"
    return n / (time.perf_counter() - start)


def verify_rate(n):
    body = b'{"Run": "hello", "Id": "1"}'
    stamp = str(int(time.time()))
    signature = sign(SECRET, stamp, body)
    start = time.perf_counter()
    for _ in range(n):
        assert verify(SECRET, stamp, signature, body, time.time()).ok
    return n / (time.perf_counter() - start)


def main():
    import warnings

    warnings.filterwarnings("ignore", message="offline IRIS: module")
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    import tempfile

    with Simulator(SimulatorConfig(users={"_SYSTEM": PASSWORD})) as sim, \
            offline_iris(tempfile.mkdtemp(prefix="bench-http-")) as rt:
        port = start_http_production(rt, sim, PASSWORD, host={"RequestsPerMinute": 0})
        url = f"http://127.0.0.1:{port}/"
        http_rate(url, 10, 1, "warm")  # the operation's session is open
        one = http_rate(url, n, 1, "one")
        many = http_rate(url, n, 16, "many")
        direct = adapterless_rate(rt, n)
        rt.stop_production()
    check = verify_rate(20000)
    print(f"signed HTTP calls, 1 client:          {one:8.1f} calls/s")
    print(f"signed HTTP calls, 16 clients:        {many:8.1f} calls/s")
    print(f"adapterless service (no HTTP):        {direct:8.1f} calls/s")
    print(f"signature check alone:                {check:8.0f} checks/s")
    print(f"ratio HTTP(1 client)/adapterless: {one / direct:.2f}; 16 clients/1 client: {many / one:.2f}")


if __name__ == "__main__":
    main()
