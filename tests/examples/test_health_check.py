"""The example of docs/user-guide.md §7 (your own hosts around ours), run offline with the public testing API.

It also checks that the guide shows exactly the code tested here, that the test shown in docs/testing.md §1
passes, and uses only the documented fixtures (``production_tester``, ``lite_terminal_server``) a user's own
tests would use.
"""

import re
from pathlib import Path

import pytest
from loopback import free_port

from offline_iris.testing import LITE_TERMINAL_MODULES

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = "HealthCheck.HealthCheckProduction"
OP, BP, SVC = "Terminal Operation", "Health Check Process", "Health Check Service"


@pytest.fixture
def tester(production_tester, lite_terminal_server, lite_terminal_password):
    production_tester.load(*LITE_TERMINAL_MODULES, "examples.health_check")
    production_tester.set_credentials("LiteTerminal", "_SYSTEM", lite_terminal_password)
    return production_tester


def start(tester, server, **adapter):
    settings = {(OP, "Adapter", "Server"): server.host, (OP, "Adapter", "Port"): server.port}
    settings.update({(OP, "Adapter", name): value for name, value in adapter.items()})
    tester.start(PRODUCTION, settings=settings)


def texts(tester, kind):
    return [e.text for e in tester.event_log(kind)]


def test_a_healthy_server_is_logged_as_healthy(tester, lite_terminal_server):
    start(tester, lite_terminal_server)
    status, response = tester.call(SVC, "")
    assert tester.is_ok(status) and response.Status == "ok" and "IRIS" in response.Output
    assert texts(tester, "Info")[-1] == "healthy: Terminal Operation"
    assert not texts(tester, "Error") and not texts(tester, "Alert")


def test_an_iris_error_raises_an_alert(tester, lite_terminal_server):
    start(tester, lite_terminal_server)
    tester.stop()
    tester.start(PRODUCTION, settings={(OP, "Adapter", "Server"): lite_terminal_server.host,
                                       (OP, "Adapter", "Port"): lite_terminal_server.port,
                                       (BP, "Host", "Command"): "write nosuchvar"})
    status, response = tester.call(SVC, "")
    assert response.Status == "error"
    assert any(t.startswith("check failed on the server: <UNDEFINED>") for t in texts(tester, "Alert"))


def test_a_server_nobody_listens_on_is_unreachable_and_only_warned(tester, lite_terminal_server):
    port = free_port()
    tester.start(PRODUCTION, settings={(OP, "Adapter", "Server"): "127.0.0.1", (OP, "Adapter", "Port"): port})
    status, response = tester.call(SVC, "")
    assert response.Status == "unreachable"
    assert any(t.startswith("server not reachable, will check again: ConnectError from ws://127.0.0.1:")
               for t in texts(tester, "Warning"))
    assert not texts(tester, "Alert")


def test_a_check_that_outlives_its_timeout_is_a_warning(tester, lite_terminal_server):
    tester.start(PRODUCTION, settings={(OP, "Adapter", "Server"): lite_terminal_server.host,
                                       (OP, "Adapter", "Port"): lite_terminal_server.port,
                                       (OP, "Adapter", "ResponseTimeout"): "0.3",
                                       (BP, "Host", "Command"): "hang 3"})
    status, response = tester.call(SVC, "")
    assert response.Status == "timeout"
    assert any(t.startswith("the check did not finish") for t in texts(tester, "Warning"))


def test_a_lost_connection_raises_an_alert(tester, lite_terminal_server):
    tester.start(PRODUCTION, settings={(OP, "Adapter", "Server"): lite_terminal_server.host,
                                       (OP, "Adapter", "Port"): lite_terminal_server.port,
                                       (BP, "Host", "Command"): 'write "boom"'})
    lite_terminal_server.configure(close_mid_output_on="boom")  # the connection drops mid-output
    status, response = tester.call(SVC, "")
    assert response.Status == "lost"
    assert any(t.startswith("connection lost during the check") for t in texts(tester, "Alert"))


def test_a_bad_setting_keeps_the_operation_from_starting(tester, lite_terminal_server):
    start(tester, lite_terminal_server, Port="fifty")
    assert not tester.items()[OP].running and "setting Port='fifty'" in tester.items()[OP].error
    status, response = tester.call(SVC, "")
    assert response is None or response.Status == "unreachable"
    assert any("server not reachable" in t for t in texts(tester, "Warning"))


def test_the_user_guide_shows_the_tested_example_word_for_word():
    guide = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    code = (ROOT / "examples" / "health_check.py").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", guide, re.S)
    assert code in blocks, "docs/user-guide.md §7 must show examples/health_check.py in full"


def test_the_testing_guide_example_passes(production_tester, lite_terminal_server, lite_terminal_password):
    guide = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", guide, re.S) if "pytest_plugins" in b)
    assert 'pytest_plugins = ["offline_iris.pytest_plugin"]' in block
    namespace = {}
    exec(compile(block.split("# test_health_check.py", 1)[1], "docs/testing.md", "exec"), namespace)
    namespace["test_a_healthy_server"](production_tester, lite_terminal_server, lite_terminal_password)
