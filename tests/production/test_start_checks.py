"""Settings are checked when each item starts (issue 9 item 1): a bad one stops that item with one Event Log
error that names the item, the setting, the value and the fix; the rest of the production runs.

These are the five mistakes docs/user-guide.md §2.1 quotes word for word. The text before our message ("Error
while importing the class ...: ERROR #5001: <PYTHON EXCEPTION> ...") is what pyprod's generated OnInit adds
(docs/pyprod-runtime.md §10).
"""

import pytest

from offline_iris.testing import LITE_TERMINAL_MODULES

PRODUCTION = "LiteTerminal.TerminalProduction"
OP, SCHED, FILES = "Terminal Operation", "Scheduled Commands", "Command Files"
SVC = "Terminal Command Service"

WRONG_PORT = (
    "Item 'Terminal Operation' was not started: setting Port='fifty' is not a whole number; set Port "
    "to the TCP port of the IRIS web server, 1-65535 (e.g. 52773, or 443 for https through a web "
    "server)")
SERVER_WITH_SCHEME = (
    "Item 'Terminal Operation' was not started: setting Server='http://iris.example.com' is a URL "
    "(http://...); Server takes only the host name; put Server=iris.example.com, UseTLS=0 (the "
    "scheme is chosen by UseTLS, the port by Port, a path by PathPrefix)")
BAD_TIMES_OF_DAY = (
    "Item 'Scheduled Commands' was not started: setting TimesOfDay='9:00am' has '9:00am', which is "
    "not a time from 00:00 to 23:59 written HH:MM; write 24-hour times as HH:MM separated by commas, "
    "from 00:00 to 23:59 (e.g. 02:00,14:30), or leave TimesOfDay empty to run the commands every "
    "CallInterval")
MISSING_FILE_PATH = (
    "Item 'Command Files' was not started: setting FilePath='/data/liteterminal/in' does not exist; "
    "create the folder or set FilePath to an existing folder that the IRIS job may read and write")
BAD_DENY_PATTERN = (
    "Item 'Terminal Operation' was not started: setting DenyPatterns='(unclosed' holds an invalid regular "
    "expression '(unclosed': missing ), unterminated subpattern at position 0; write one Python regular "
    "expression per line (with this one the policy would deny every command)")
MISSING_CREDENTIALS = (
    "Item 'Terminal Operation' was not started: setting Credentials='LiteTerminal' names no entry in "
    "the credentials store; create that ID in Interoperability > Configure > Credentials, or pick an "
    "existing one")


@pytest.fixture
def tester(production_tester, tmp_path):
    production_tester.load(*LITE_TERMINAL_MODULES)
    (tmp_path / "in").mkdir()
    (tmp_path / "done").mkdir()
    production_tester.folders = {(FILES, "Adapter", "FilePath"): str(tmp_path / "in"),
                                 (FILES, "Adapter", "ArchivePath"): str(tmp_path / "done")}
    return production_tester


@pytest.mark.parametrize("item, settings, credentials, expected", [
    (OP, {(OP, "Adapter", "Port"): "fifty"}, True, WRONG_PORT),
    (OP, {(OP, "Adapter", "Server"): "http://iris.example.com"}, True, SERVER_WITH_SCHEME),
    (SCHED, {(SCHED, "Adapter", "TimesOfDay"): "9:00am"}, True, BAD_TIMES_OF_DAY),
    (FILES, {(FILES, "Adapter", "FilePath"): "/data/liteterminal/in"}, True, MISSING_FILE_PATH),
    (OP, {}, False, MISSING_CREDENTIALS),
    (OP, {(OP, "Host", "DenyPatterns"): "(unclosed"}, True, BAD_DENY_PATTERN),
], ids=["wrong-port", "server-with-scheme", "bad-times-of-day", "missing-file-path", "missing-credentials",
        "bad-deny-pattern"])
def test_a_bad_setting_stops_only_its_item_with_one_error_saying_what_to_fix(
        tester, item, settings, credentials, expected):
    if credentials:
        tester.set_credentials("LiteTerminal", "_SYSTEM", "not-used")
    tester.start(PRODUCTION, settings={**tester.folders, **settings}, disabled=["Terminal Operation 2"])
    ours = [e for e in tester.event_log("Error") if e.source_method == "OnInit"
            and "Error while importing the class" in e.text and "was not started" in e.text]
    assert len(ours) == 1 and ours[0].item == item
    assert ours[0].text.endswith(expected)
    states = tester.items()
    assert not states[item].running and expected in states[item].error
    assert all(s.running for name, s in states.items()
               if name not in (item, "Terminal Operation 2") and s.enabled)  # Terminal HTTP Service: off


def test_a_bad_times_of_day_is_reported_once_not_on_every_poll(tester):
    tester.set_credentials("LiteTerminal", "_SYSTEM", "not-used")
    tester.start(PRODUCTION, settings={**tester.folders, (SCHED, "Adapter", "TimesOfDay"): "25:00",
                                       (SCHED, "Adapter", "CallInterval"): "0.1"})
    tester.runtime.run_for(0.5)  # five poll intervals
    assert sum("TimesOfDay" in e.text for e in tester.event_log("Error")
               if e.source_class == "LiteTerminal.ScheduledCommandAdapter") == 1


def test_a_request_to_an_operation_that_did_not_start_is_unreachable(tester):
    tester.start(PRODUCTION, settings=tester.folders)  # no credentials: the operation does not start
    status, response = tester.call(SVC, "write 1")
    assert response.Status == "unreachable" and "Terminal Operation" in response.Error


def test_several_bad_settings_are_named_in_the_one_error(tester):
    tester.set_credentials("LiteTerminal", "_SYSTEM", "not-used")
    tester.start(PRODUCTION, settings={**tester.folders, (OP, "Adapter", "Port"): "0",
                                       (OP, "Adapter", "ConnectTimeout"): "-5",
                                       (OP, "Adapter", "Namespace"): "US ER"})
    text = tester.items()[OP].error
    assert "setting Port='0' is out of range" in text
    assert "setting ConnectTimeout='-5' is out of range" in text
    assert "setting Namespace='US ER' holds ' '" in text


# ---------------------------------------------------------------------------------------------------------
# SSLConfig end to end: a named configuration read from the (offline) instance, TLS to a simulator


@pytest.fixture
def tls_sim(tls_files, tester):
    from simulator import Simulator, SimulatorConfig

    with Simulator(SimulatorConfig(users={"_SYSTEM": "tls-pw-1"}, tls_certfile=tls_files["cert"],
                                   tls_keyfile=tls_files["key"])) as sim:
        yield sim
        tester.stop()  # the production's sessions close before the server goes away


def start_with_ssl_config(tester, sim, name, more=None):
    tester.set_credentials("LiteTerminal", "_SYSTEM", "tls-pw-1")
    tester.start(PRODUCTION, settings={**tester.folders, (OP, "Adapter", "Server"): sim.host,
                                       (OP, "Adapter", "Port"): sim.port, (OP, "Adapter", "SSLConfig"): name,
                                       **(more or {})}, disabled=["Terminal Operation 2"])


def test_ssl_config_with_the_servers_ca_runs_the_command_over_verified_tls(tester, tls_sim, tls_files):
    tester.set_ssl_config("LiteTerminal TLS", CAFile=tls_files["ca"], VerifyPeer=1)
    start_with_ssl_config(tester, tls_sim, "LiteTerminal TLS")
    status, response = tester.call(SVC, "write 6*7")
    assert response.Status == "ok" and response.Output.strip() == "42", response.Error
    assert not [e for e in tester.event_log("Warning") if e.item == OP and "verified" in e.text]
    import iris
    assert iris.system.Process.NameSpace() == "USER"  # the read went to %SYS and came back


def test_ssl_config_trusting_the_system_store_refuses_a_private_ca(tester, tls_sim):
    tester.set_ssl_config("System CAs", CAFile="%OSCertificateStore", VerifyPeer=1)
    start_with_ssl_config(tester, tls_sim, "System CAs")
    status, response = tester.call(SVC, "write 1")
    assert response.Status == "unreachable" and "certificate verify failed" in response.Error


def test_ssl_config_without_verification_runs_with_one_warning_naming_it(tester, tls_sim):
    tester.set_ssl_config("No Verify", VerifyPeer=0)
    start_with_ssl_config(tester, tls_sim, "No Verify")
    assert tester.call(SVC, "write 1")[1].Status == "ok"
    warnings = [e.text for e in tester.event_log("Warning") if e.item == OP and "NOT verified" in e.text]
    assert len(warnings) == 1 and "SSLConfig='No Verify'" in warnings[0]


@pytest.mark.parametrize("name, more, says", [
    ("Missing", {}, "setting SSLConfig='Missing' names no SSL/TLS configuration on this instance"),
    ("LiteTerminal TLS", {(OP, "Adapter", "VerifyTLS"): 0}, "setting VerifyTLS='0' is 0, and "
     "SSLConfig='LiteTerminal TLS' decides whether the server is verified"),
    ("Client Cert", {}, "holds a client certificate (CertificateFile, PrivateKeyFile)"),
])
def test_a_bad_or_conflicting_ssl_config_stops_the_operation_with_one_error(tester, tls_sim, tls_files, name,
                                                                           more, says):
    tester.set_ssl_config("LiteTerminal TLS", CAFile=tls_files["ca"])
    tester.set_ssl_config("Client Cert", CAFile=tls_files["ca"], CertificateFile=tls_files["cert"],
                          PrivateKeyFile=tls_files["key"])
    start_with_ssl_config(tester, tls_sim, name, more)
    ours = [e for e in tester.event_log("Error") if e.item == OP and e.source_method == "OnInit"
            and "Error while importing the class" in e.text and "was not started" in e.text]
    assert len(ours) == 1 and says in ours[0].text
    assert not tester.items()[OP].running


# ---------------------------------------------------------------------------------------------------------
# A setting that names nothing: one warning naming the item, the setting and the nearest valid name


def our_setting_warnings(tester):
    return [e.text for e in tester.event_log("Warning")
            if e.item == OP and e.source_class != "Ens.Config.Item" and "names no setting" in e.text]


@pytest.mark.parametrize("target, name, expected", [
    ("Host", "Port", "setting Port on the Host names no setting of the Host "
     "(LiteTerminal.TerminalCommandOperation); it has no effect; did you mean Port on the Adapter?"),
    ("Adapter", "Prot", "did you mean Port on the Adapter?"),
    ("Adapter", "responsetimeout", "did you mean ResponseTimeout on the Adapter?"),
    ("Adapter", "FailOnCommandEror", "did you mean FailOnCommandError on the Host?"),
    ("Host", "SSLConfg", "did you mean SSLConfig on the Adapter?"),
    ("Adapter", "Qwxzzy", "the settings of each item are listed in docs/settings.md §12"),
])
def test_a_setting_that_names_nothing_is_one_warning_with_the_nearest_valid_name(tester, target, name,
                                                                                expected):
    tester.set_credentials("LiteTerminal", "_SYSTEM", "not-used")
    tester.start(PRODUCTION, settings={**tester.folders, (OP, target, name): "7"},
                 disabled=["Terminal Operation 2"])
    warnings = our_setting_warnings(tester)
    assert len(warnings) == 1, warnings
    head = f"Item 'Terminal Operation': setting {name} on the {target} names no setting"
    assert warnings[0].startswith(head)
    assert warnings[0].endswith(expected)
    assert tester.items()[OP].running  # a warning, not a refusal: the setting simply has no effect


SVC = "Terminal Command Service"


@pytest.mark.parametrize("item, target, name, expected", [
    (SCHED, "Host", "TimeOfDay", "did you mean TimesOfDay on the Adapter?"),
    (SCHED, "Adapter", "Expct", "did you mean Expect on the Host?"),
    (FILES, "Adapter", "FilePth", "did you mean FilePath on the Adapter?"),
    (SVC, "Host", "Targt", "did you mean Target on the Host?"),
])
def test_every_service_reports_a_setting_that_names_nothing_at_its_start(tester, item, target, name,
                                                                         expected):
    tester.set_credentials("LiteTerminal", "_SYSTEM", "not-used")
    tester.start(PRODUCTION, settings={**tester.folders, (item, target, name): "7"},
                 disabled=["Terminal Operation 2"])
    warnings = [e.text for e in tester.event_log("Warning")
                if e.item == item and "names no setting" in e.text]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"Item {item!r}: setting {name} on the {target} names no setting")
    assert warnings[0].endswith(expected)


def test_valid_settings_on_both_sides_give_no_warning(tester):
    tester.set_credentials("LiteTerminal", "_SYSTEM", "not-used")
    tester.start(PRODUCTION, settings={**tester.folders, (OP, "Adapter", "Port"): "1972",
                                       (OP, "Host", "FailOnCommandError"): "0",
                                       (OP, "Host", "RetryInterval"): "3"},
                 disabled=["Terminal Operation 2"])
    assert our_setting_warnings(tester) == []


def test_settings_that_cannot_be_read_are_said_not_to_be_checked():
    from adapters.settings import report_unknown_settings

    said = []

    def broken(name):
        raise RuntimeError("<CLASS DOES NOT EXIST> Ens.Config.Production")

    report_unknown_settings("Terminal Operation", said.append, check=broken)
    assert said == ["Item 'Terminal Operation': its production settings could not be checked for names that "
                    "match no setting (RuntimeError: <CLASS DOES NOT EXIST> Ens.Config.Production)"]
