"""adapters/settings.py and AdapterSettings.from_values: every setting read strictly, never a silent default.

Each refusal must name the setting, show the value as typed and say what to put there instead.
"""

import os

import pytest

from adapters.settings import (
    SettingsError,
    SettingsReader,
    namespace_problem,
    path_prefix_problem,
    server_problem,
)
from adapters.terminal_core import AdapterSettings

DEFAULTS = {"Server": "localhost", "Port": 52773, "PathPrefix": "", "Credentials": "LiteTerminal",
            "Namespace": "USER", "UseTLS": 0, "CAFile": "", "VerifyTLS": 1, "ConnectTimeout": 5,
            "ResponseTimeout": 30, "StayConnected": -1, "MaxSessions": 4, "SessionIdleTimeout": 300,
            "MaxOutputChars": 100000}


def refusal(**changes):
    with pytest.raises(SettingsError) as caught:
        AdapterSettings.from_values(dict(DEFAULTS, **changes), item="Terminal Operation",
                                    credentials_exist=lambda cid: cid == "LiteTerminal")
    return str(caught.value)


def test_the_defaults_are_accepted_as_they_are():
    s = AdapterSettings.from_values(DEFAULTS, item="x", credentials_exist=lambda cid: True)
    assert (s.server, s.port, s.namespace, s.response_timeout, s.stay_connected) == (
        "localhost", 52773, "USER", 30.0, -1.0)


@pytest.mark.parametrize("port", ["fifty", "", "52773.5", "0", "65536", "-1", " 52773", "5e4", True])
def test_a_port_that_is_not_a_tcp_port_is_refused(port):
    text = refusal(Port=port)
    assert text.startswith("Item 'Terminal Operation' was not started: setting Port=")
    assert "set Port to the TCP port of the IRIS web server, 1-65535" in text


def test_the_wrong_port_message_word_for_word():
    assert refusal(Port="fifty") == (
        "Item 'Terminal Operation' was not started: setting Port='fifty' is not a whole number; set Port to "
        "the TCP port of the IRIS web server, 1-65535 (e.g. 52773, or 443 for https through a web server)")


@pytest.mark.parametrize("server, fix", [
    ("http://iris.example.com", "put Server=iris.example.com, UseTLS=0"),
    ("https://iris.example.com:8443/iris/",
     "put Server=iris.example.com, Port=8443, PathPrefix=/iris, UseTLS=1"),
    ("wss://iris", "put Server=iris, UseTLS=1"),
    ("iris.example.com:52773", "put the host name in Server (iris.example.com) and the port in Port (52773)"),
    ("iris.example.com/iris",
     "put the host name in Server (iris.example.com) and the path in PathPrefix (/iris)"),
    ("ops@iris", "the IRIS login comes from the Credentials setting"),
    ("", "set Server to the host name or IP address of the IRIS web server only"),
    ("   ", "set Server to the host name or IP address of the IRIS web server only"),
    ("iris example", "set Server to the host name"),
    ("-iris", "set Server to the host name"),
    ("iris_host", "set Server to the host name"),
])
def test_a_server_that_is_not_a_bare_host_says_what_to_put_where(server, fix):
    text = refusal(Server=server)
    assert "setting Server=" in text and fix in text


def test_the_server_with_a_scheme_message_word_for_word():
    assert refusal(Server="http://iris.example.com") == (
        "Item 'Terminal Operation' was not started: setting Server='http://iris.example.com' is a URL "
        "(http://...); Server takes only the host name; put Server=iris.example.com, UseTLS=0 (the scheme is "
        "chosen by UseTLS, the port by Port, a path by PathPrefix)")


@pytest.mark.parametrize("server", ["localhost", "iris.example.com", "iris.example.com.", "10.0.0.7", "::1",
                                    "[::1]", "fe80::1", "IRIS-1"])
def test_host_names_and_addresses_are_accepted(server):
    assert server_problem(server) == ("", "")


def test_an_ipv6_server_is_kept_bare_and_bracketed_in_urls():
    s = AdapterSettings.from_values(dict(DEFAULTS, Server="[::1]"), credentials_exist=lambda cid: True)
    assert s.server == "::1" and s.authority == "[::1]:52773" and s.endpoint == "ws://[::1]:52773"


@pytest.mark.parametrize("prefix, ok", [("", True), ("/iris", True), ("iris", True), ("/a/b/", True),
                                        ("/iris/api/atelier", False), ("http://h/iris", False),
                                        ("/ir is", False), ("/a?b", False), ("/../x", False),
                                        ("/a//b", False)])
def test_path_prefix(prefix, ok):
    assert (path_prefix_problem(prefix)[0] == "") is ok


@pytest.mark.parametrize("name, ok", [("USER", True), ("%SYS", True), ("my-app_2", True), ("a" * 64, True),
                                      ("", False), ("a" * 65, False), ("1APP", False), ("_APP", False),
                                      ("US ER", False), ('USER"', False), ("USER\r\nhalt", False),
                                      ("US%ER", False), ("ÜSER", False)])
def test_namespace_names_follow_the_iris_rules(name, ok):
    assert (namespace_problem(name) == "") is ok


@pytest.mark.parametrize("changes, says", [
    ({"ConnectTimeout": -5}, "setting ConnectTimeout='-5' is out of range"),
    ({"ConnectTimeout": 0}, "setting ConnectTimeout='0' is out of range"),
    ({"ConnectTimeout": "soon"}, "setting ConnectTimeout='soon' is not a number"),
    ({"ConnectTimeout": "nan"}, "setting ConnectTimeout='nan' is not a number"),
    ({"ResponseTimeout": -2}, "setting ResponseTimeout='-2' is out of range"),
    ({"ResponseTimeout": 0}, "setting ResponseTimeout='0' is out of range"),
    ({"StayConnected": -3}, "setting StayConnected='-3' is out of range"),
    ({"MaxSessions": 2.5}, "setting MaxSessions='2.5' is not a whole number"),
    ({"MaxSessions": 101}, "setting MaxSessions='101' is out of range"),
    ({"SessionIdleTimeout": -1}, "setting SessionIdleTimeout='-1' is out of range"),
    ({"MaxOutputChars": -1}, "setting MaxOutputChars='-1' is out of range"),
    ({"UseTLS": "yes"}, "setting UseTLS='yes' is not 0 or 1; set UseTLS to 1 (on) or 0 (off)"),
    ({"VerifyTLS": ""}, "setting VerifyTLS='' is empty"),
    ({"Namespace": ""}, "setting Namespace='' is empty"),
    ({"Namespace": "a b"}, "setting Namespace='a b' holds ' '"),
    ({"Credentials": ""}, "setting Credentials='' is empty; set Credentials to the ID of an entry"),
    ({"Credentials": "Nope"}, "setting Credentials='Nope' names no entry in the credentials store"),
    ({"CAFile": "/no/such/ca.pem", "UseTLS": 1}, "setting CAFile='/no/such/ca.pem' does not exist"),
])
def test_each_bad_value_is_named_with_its_fix(changes, says):
    assert says in refusal(**changes)


def test_a_ca_file_without_tls_is_refused_rather_than_ignored(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    assert "setting CAFile=" in refusal(CAFile=str(ca), UseTLS=0)
    assert "set UseTLS=1 to use it" in refusal(CAFile=str(ca), UseTLS=0)


def test_every_bad_setting_is_reported_at_once_in_one_error():
    text = refusal(Port="fifty", Server="http://h", ConnectTimeout=-5)
    assert text.count("setting ") == 3 and text.count("was not started") == 1


def test_control_characters_in_a_value_are_shown_escaped():
    text = refusal(Namespace="USER\r\nhalt")
    assert "\r" not in text and "\n" not in text and "USER\\r\\nhalt" in text


def test_minus_one_and_numbers_given_as_text_are_read_as_numbers():
    s = AdapterSettings.from_values(dict(DEFAULTS, ResponseTimeout="-1", StayConnected="0",
                                         ConnectTimeout="2.5", Port="1972"), credentials_exist=None)
    assert (s.response_timeout, s.stay_connected, s.connect_timeout, s.port) == (-1.0, 0.0, 2.5, 1972)


def test_folders_must_exist_be_folders_and_be_usable(tmp_path):
    a_file = tmp_path / "f"
    a_file.write_text("x")
    reader = SettingsReader("Files", {"A": str(tmp_path / "missing"), "B": str(a_file), "C": str(tmp_path),
                                      "D": ""})
    reader.folder("A", required=True, write=True)
    reader.folder("B", required=True, write=True)
    reader.folder("C", required=True, write=True)
    reader.folder("D", required=False, write=True)
    found = [(p.setting, p.reason) for p in reader.problems]
    assert found == [("A", "does not exist"), ("B", "is not a folder")]
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        reader = SettingsReader("Files", {"A": str(locked)})
        reader.folder("A", required=True, write=True)
        assert reader.problems[0].reason == "cannot be read and written by the IRIS job"


# ---------------------------------------------------------------------------------------------------------
# SSLConfig: TLS from a named IRIS SSL/TLS configuration (docs/settings.md §10)


def ssl_reader(configs):
    """A ``Security.SSLConfigs`` stand-in: name (case-sensitive) -> properties."""
    base = {"Enabled": 1, "Type": 0, "VerifyPeer": 1, "CAFile": "", "CertificateFile": "",
            "PrivateKeyFile": "", "TLSMinVersion": "", "TLSMaxVersion": ""}
    return lambda name: dict(base, **configs[name]) if name in configs else None


def with_ssl(configs, **changes):
    return AdapterSettings.from_values(dict(DEFAULTS, **changes), item="Terminal Operation",
                                       credentials_exist=lambda cid: True, ssl_configs=ssl_reader(configs))


def ssl_refusal(configs, **changes):
    with pytest.raises(SettingsError) as caught:
        with_ssl(configs, **changes)
    return str(caught.value)


def test_ssl_config_turns_tls_on_with_its_ca_and_verification(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    s = with_ssl({"LT": {"CAFile": str(ca)}}, SSLConfig="LT")
    options = s.connect_options()
    assert (options.tls, options.verify) == (True, str(ca)) and s.tls_warnings == ()
    assert s.endpoint.startswith("wss://")


@pytest.mark.parametrize("ca_file", ["", "%OSCertificateStore"])
def test_ssl_config_without_a_ca_file_trusts_the_system_store_and_still_verifies(ca_file):
    options = with_ssl({"LT": {"CAFile": ca_file}}, SSLConfig="LT").connect_options()
    assert (options.tls, options.verify) == (True, True)


def test_ssl_config_with_verification_none_connects_unverified_and_says_so():
    s = with_ssl({"LT": {"VerifyPeer": 0}}, SSLConfig="LT")
    assert s.connect_options().verify is False
    assert len(s.tls_warnings) == 1
    assert "VerifyPeer=0" in s.tls_warnings[0] and "NOT verified" in s.tls_warnings[0]


def test_ssl_config_names_are_case_sensitive_and_an_unknown_one_is_refused():
    text = ssl_refusal({"LT": {}}, SSLConfig="lt")
    assert "setting SSLConfig='lt' names no SSL/TLS configuration on this instance" in text
    assert "names are case-sensitive" in text


@pytest.mark.parametrize("config, says", [
    ({"Enabled": 0}, "which is not enabled"),
    ({"Type": 1}, "which is a server configuration"),
    ({"VerifyPeer": 3}, "VerifyPeer=3 is neither 0 (none) nor 1 (require)"),
    ({"CAFile": "/no/such/ca.pem"}, "whose CA file '/no/such/ca.pem' does not exist"),
    ({"CertificateFile": "/c.pem", "PrivateKeyFile": "/k.pem"},
     "holds a client certificate (CertificateFile, PrivateKeyFile); this adapter cannot present one yet"),
])
def test_a_configuration_the_adapter_cannot_honour_stops_the_item(config, says):
    text = ssl_refusal({"LT": config}, SSLConfig="LT")
    assert text.startswith("Item 'Terminal Operation' was not started: setting SSLConfig='LT' ")
    assert says in text


@pytest.mark.parametrize("changes, setting", [
    ({"CAFile": "/etc/ssl/ca.pem"}, "CAFile"),
    ({"VerifyTLS": 0}, "VerifyTLS"),
])
def test_the_old_settings_disagreeing_with_ssl_config_are_refused_naming_both(changes, setting):
    text = ssl_refusal({"LT": {}}, SSLConfig="LT", **changes)
    assert f"setting {setting}=" in text and "SSLConfig='LT'" in text and "clear SSLConfig" in text


@pytest.mark.parametrize("use_tls", [0, 1])
def test_use_tls_never_turns_an_ssl_config_off(use_tls):
    assert with_ssl({"LT": {}}, SSLConfig="LT", UseTLS=use_tls).connect_options().tls is True


@pytest.mark.parametrize("name, says", [
    (" LT", "starts or ends with blanks"), ("a" * 65, "longer than 64"), ("LT|x", "cannot have"),
    ("LT\n", "starts or ends with blanks"),
])
def test_a_name_no_configuration_can_have_is_refused(name, says):
    assert says in ssl_refusal({name: {}}, SSLConfig=name)


def test_a_configuration_that_cannot_be_read_is_refused_with_the_reason():
    def denied(name):
        raise PermissionError("<PROTECT> Security.SSLConfigs")

    with pytest.raises(SettingsError) as caught:
        AdapterSettings.from_values(dict(DEFAULTS, SSLConfig="LT"), item="x",
                                    credentials_exist=lambda c: True, ssl_configs=denied)
    assert "could not be read (PermissionError: <PROTECT> Security.SSLConfigs)" in str(caught.value)


def test_the_tls_versions_of_a_configuration_are_said_not_to_be_applied():
    s = with_ssl({"LT": {"TLSMinVersion": 16, "TLSMaxVersion": 32}}, SSLConfig="LT")
    assert any("TLSMinVersion=16, TLSMaxVersion=32) are not applied" in w for w in s.tls_warnings)


def test_the_old_way_still_works_when_ssl_config_is_empty(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    options = with_ssl({}, UseTLS=1, CAFile=str(ca)).connect_options()
    assert (options.tls, options.verify) == (True, str(ca))
