"""The real pyprod loader, run offline by ``load.sh --offline`` over every component module, generates the
classes IRIS would compile, with the settings, categories, controls and descriptions docs/user-guide.md §2's
settings table promises."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from productions.policy import DEFAULT_DENY

ROOT = Path(__file__).resolve().parents[2]
PKG = "LiteTerminal"
EXPECTED = {
    "TerminalCommandRequest": "(%Persistent,Ens.Request)",
    "TerminalCommandResponse": "(%Persistent,Ens.Request)",
    "TerminalOutboundAdapter": "Ens.OutboundAdapter",
    "ScheduledCommandAdapter": "Ens.InboundAdapter",
    "TerminalCommandOperation": "Ens.BusinessOperation",
    "TerminalCommandProcess": "Ens.BusinessProcess",
    "TerminalCommandService": "Ens.BusinessService",
    "ScheduledCommandService": "Ens.BusinessService",
    "CommandFileService": "Ens.BusinessService",
    "TerminalProduction": "Ens.Production",
    "FleetCommandRequest": "(%Persistent,Ens.Request)",
    "FleetCommandResponse": "(%Persistent,Ens.Request)",
    "TerminalFleetProcess": "Ens.BusinessProcess",
    "TerminalHTTPService": "Ens.BusinessService",
}
# Methods of Ens.Host / Ens.Adapter / the Ens host bases a generated method must not redefine by accident
# (docs/settings.md §2). The pyprod stubs that deliberately implement one are
# allowed per kind below.
INHERITED = {
    "OnInit", "OnTearDown", "OnKeepalive", "CredentialsSet", "Connect", "Disconnect", "OnTask",
    "OnProcessInput", "ProcessInput", "OnMessage", "OnRequest", "OnResponse", "SendRequestSync",
    "SendRequestAsync", "SendAlert", "OnError", "OnFailureTimeout", "OnGetReplyAction", "OnProductionStart",
    "OnProductionStop", "OnConnect", "OnDisconnect", "MessageHeaderHandler", "Init", "Close",
}
STUB_METHODS = {
    "Ens.OutboundAdapter": {"OnInit", "OnTearDown"},
    "Ens.InboundAdapter": {"OnInit", "OnTearDown", "OnTask"},
    "Ens.BusinessService": {"OnInit", "OnTearDown", "OnProcessInput"},
    "Ens.BusinessProcess": {"OnInit", "OnRequest", "OnResponse"},
    "Ens.BusinessOperation": {"OnInit", "OnTearDown"},
}
IDENT = re.compile(r"^%?[A-Za-z][A-Za-z0-9]*$")


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    out = tmp_path_factory.mktemp("cls")
    proc = subprocess.run(["bash", str(ROOT / "load.sh"), "--offline", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "WARNING" not in proc.stdout + proc.stderr, "production settings name unknown properties"
    return {p.stem.rsplit(".", 1)[-1]: p.read_text() for p in out.glob("*.cls")}  # files: full class names


def parse(text):
    """Class header, properties (with their /// description), parameters, methods."""
    header = re.search(r"^Class (\S+) Extends (.+)$", text, re.M)
    props = {}
    for m in re.finditer(r"((?:^///.*\n)*)^Property (\S+) As ([^\s;\[]+)(?: \[InitialExpression = (.*)\])?;",
                         text, re.M):
        props[m.group(2)] = {"doc": m.group(1).strip(), "type": m.group(3), "init": m.group(4)}
    params = dict(re.findall(r'^Parameter (\S+)\s*(?:As \S+\s*)?= "?(.*?)"?;\s*$', text, re.M))
    methods = re.findall(r"^Method (\S+?)\(", text, re.M)
    return header.group(1), header.group(2).strip(), props, params, methods


def settings_of(params):
    out = {}
    for item in params.get("SETTINGS", "").split(","):
        name, _, rest = item.partition(":")
        out[name] = rest
    return out


def test_every_expected_class_is_generated_with_its_base(classes):
    assert set(classes) == set(EXPECTED)
    for stem, base in EXPECTED.items():
        name, extends, *_ = parse(classes[stem])
        assert name == f"{PKG}.{stem}" and extends == base


def test_all_identifiers_are_valid_objectscript(classes):
    for stem, text in classes.items():
        name, _, props, params, methods = parse(text)
        for ident in [*name.split("."), *props, *params, *methods]:
            assert IDENT.match(ident), f"{stem}: {ident!r}"


def test_no_method_collides_with_an_inherited_one_or_another(classes):
    for stem, text in classes.items():
        _, extends, _, _, methods = parse(text)
        assert len(methods) == len(set(methods)), f"{stem} defines a method twice: {methods}"
        allowed = STUB_METHODS.get(extends, set())
        clashes = [m for m in methods if m in INHERITED and m not in allowed]
        assert not clashes, f"{stem} redefines inherited {clashes}"


def test_outbound_adapter_exposes_exactly_its_two_entry_points(classes):
    *_, methods = parse(classes["TerminalOutboundAdapter"])
    assert set(methods) - {"OnInit", "OnTearDown"} == {"RunCommand", "CloseSessions"}


def test_adapter_settings_have_iris_names_categories_and_controls(classes):
    _, _, props, params, _ = parse(classes["TerminalOutboundAdapter"])
    assert settings_of(params) == {
        "Server": "Basic", "Port": "Basic", "PathPrefix": "Basic", "Credentials": "Basic:credentialsSelector",
        "Namespace": "Basic", "SSLConfig": "Connection:sslConfigSelector",
        "UseTLS": "Connection", "CAFile": "Connection", "VerifyTLS": "Connection",
        "ConnectTimeout": "Connection", "ResponseTimeout": "Connection", "StayConnected": "Connection",
        "MaxSessions": "Additional", "SessionIdleTimeout": "Additional", "MaxOutputChars": "Additional",
    }
    assert props["VerifyTLS"]["init"] == "1" and props["VerifyTLS"]["type"] == "%Boolean"
    assert props["ConnectTimeout"]["init"] == "5"
    assert props["ResponseTimeout"]["init"] == "30" and "-1" in props["ResponseTimeout"]["doc"]
    assert props["StayConnected"]["init"] == "-1"
    assert "Password" not in props and not any("password" in s.lower() for s in settings_of(params))


def test_every_setting_on_the_configuration_page_has_a_description(classes):
    for stem, text in classes.items():
        _, _, props, params, _ = parse(text)
        for name in settings_of(params):
            if name:
                assert props[name]["doc"].startswith("///"), f"{stem}.{name} has no description"


def test_process_policy_and_routing_settings(classes):
    _, _, props, params, _ = parse(classes["TerminalCommandProcess"])
    s = settings_of(params)
    assert s["AllowPatterns"] == "Policy" and s["DenyPatterns"] == "Policy"
    assert s["Target"].startswith("Basic:selector?") and "multiSelect=1" in s["AllowedTargets"]
    assert props["DenyPatterns"]["init"] == f'"{DEFAULT_DENY}"'


def test_operation_maps_the_request_and_has_the_failure_switch(classes):
    text = classes["TerminalCommandOperation"]
    assert '<MapItem MessageType="LiteTerminal.TerminalCommandRequest">' in text
    assert "<Method>ExecuteCommand</Method>" in text
    _, _, props, params, methods = parse(text)
    assert params["ADAPTER"] == "LiteTerminal.TerminalOutboundAdapter"
    assert "ExecuteCommand" in methods and settings_of(params)["FailOnCommandError"] == "Additional"


def test_operation_has_its_own_policy_settings_with_the_process_defaults(classes):
    """Every request to an operation passes its own policy (docs/security.md §10); its defaults are the
    Terminal Process's, so the default production admits the same commands."""
    _, _, ops, op_params, _ = parse(classes["TerminalCommandOperation"])
    _, _, bps, _, _ = parse(classes["TerminalCommandProcess"])
    for name in ("AllowPatterns", "DenyPatterns", "AllowedNamespaces"):
        assert settings_of(op_params)[name] == "Policy"
        assert ops[name]["init"] == bps[name]["init"], name
    assert ops["DenyPatterns"]["init"] == f'"{DEFAULT_DENY}"'


def test_file_service_uses_iris_file_adapter(classes):
    *_, params, _ = parse(classes["CommandFileService"])
    assert params["ADAPTER"] == "EnsLib.File.InboundAdapter"


def test_messages_have_searchable_columns_and_a_status_index(classes):
    _, _, req, _, _ = parse(classes["TerminalCommandRequest"])
    assert {"Command", "Namespace"} <= set(req)
    text = classes["TerminalCommandResponse"]
    _, _, resp, _, _ = parse(text)
    assert {"Command", "Namespace", "Status", "ElapsedMs"} <= set(resp)
    assert resp["ElapsedMs"]["type"] == "%Integer"
    assert "INDEX StatusIDX ON Status;" in text
    for props in (req, resp):
        assert not any("password" in p.lower() or "credential" in p.lower() for p in props)


def test_stubs_import_the_modules_in_module_mode_from_the_checkout_on_the_iris_host(classes):
    for stem in ("TerminalOutboundAdapter", "TerminalCommandOperation", "ScheduledCommandAdapter"):
        text = classes[stem]
        assert '_add_to_sys_path","/opt/iris-lite-terminal")' in text  # load.sh --offline's default
        assert re.search(r'Import\("(adapters|productions)\.[a-z_]+"\)', text)


def test_production_wires_the_default(classes):
    text = classes["TerminalProduction"]
    items = dict(re.findall(r'<Item Name="([^"]+)" Category="" ClassName="([^"]+)"', text))
    assert items == {
        "Terminal Command Service": "LiteTerminal.TerminalCommandService",
        "Scheduled Commands": "LiteTerminal.ScheduledCommandService",
        "Command Files": "LiteTerminal.CommandFileService",
        "Terminal Process": "LiteTerminal.TerminalCommandProcess",
        "Terminal Operation": "LiteTerminal.TerminalCommandOperation",
        "Terminal Fleet Process": "LiteTerminal.TerminalFleetProcess",
        "Terminal Operation 2": "LiteTerminal.TerminalCommandOperation",
        "Terminal HTTP Service": "LiteTerminal.TerminalHTTPService",
    }
    http = re.search(r'<Item Name="Terminal HTTP Service"[^>]*>', text).group(0)
    assert 'Enabled="false"' in http  # a listener stays off until its signing secret exists
    for setting in ('Name="Server">localhost<', 'Name="Port">52773<', 'Name="Credentials">LiteTerminal<'):
        assert setting in text
    assert "True" not in text and "False" not in text  # 1/0 only (docs/pyprod-runtime.md §1.5)


def test_load_sh_iris_mode_names_missing_environment_variables():
    env = {k: v for k, v in os.environ.items() if not k.startswith("IRIS")}
    env["IRISINSTALLDIR"] = "/usr/irissys"
    proc = subprocess.run(["bash", str(ROOT / "load.sh")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode != 0
    assert "IRISUSERNAME IRISPASSWORD IRISNAMESPACE" in proc.stderr
    assert "IRISINSTALLDIR" not in proc.stderr.splitlines()[0]


def test_the_response_is_searchable_by_status_target_and_server(classes):
    text = classes["TerminalCommandResponse"]
    for column in ("Status", "Target", "Server"):
        assert re.search(rf"^Property {column} As %VarString", text, re.M)
        assert f"INDEX {column}IDX ON {column};" in text
