"""The ``SSLConfig`` setting: the operation's TLS from a named IRIS SSL/TLS configuration, as EnsLib adapters
take it (docs/settings.md §10). Plain Python (3.9), read when the item starts.

An IRIS SSL/TLS configuration is an object of ``Security.SSLConfigs``, kept in the ``%SYS`` namespace and
managed in System Administration > Security > SSL/TLS Configurations. :func:`read_ssl_config` reads one from
the instance; :func:`named_tls` turns its properties into what the client uses (TLS on, the CA to trust,
whether to verify the peer) and records every property it cannot honour as a setting problem, so the item
does not start rather than connect otherwise than the configuration says.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

#: The properties read (names as the class reference spells them; docs/settings.md §10.1 says which of them
#: are confirmed by public sources and which are not).
PROPERTIES = ("Name", "Enabled", "Type", "VerifyPeer", "CAFile", "CertificateFile", "PrivateKeyFile",
              "TLSMinVersion", "TLSMaxVersion")

#: The CAFile value that means the operating system's certificate store.
OS_CERTIFICATE_STORE = "%OSCertificateStore"

#: ``Security.SSLConfigs`` names: case-sensitive, at most 64 characters, no "|".
MAX_NAME = 64

#: Reads a configuration by name: its properties, or None when there is none by that name.
SSLConfigReader = Callable[[str], Optional[Mapping[str, Any]]]


@dataclass(frozen=True)
class NamedTLS:
    """What a configuration means for the connection."""

    name: str
    verify: bool  # verify the server certificate and host name
    ca_file: str  # a PEM file, or "" for the system's trusted CAs
    warnings: Tuple[str, ...] = ()


def read_ssl_config(name: str) -> Optional[Dict[str, Any]]:
    """Read ``Security.SSLConfigs`` ``name`` from this instance (needs ``iris``), in ``%SYS``.

    The class lives in %SYS, so the job switches there and back (``%SYSTEM.Process.SetNamespace``); the
    namespace is restored whatever happens. Not yet run on a real IRIS (docs/settings.md §10.3).
    """
    import iris

    process = iris.system.Process
    saved = process.NameSpace()
    process.SetNamespace("%SYS")
    try:
        configs = iris.cls("Security.SSLConfigs")
        if not configs.Exists(name):
            return None
        config = configs._OpenId(name)
        if config is None or config == "":
            return None
        return {prop: getattr(config, prop, "") for prop in PROPERTIES}
    finally:
        process.SetNamespace(saved)


def name_problem(value: str) -> str:
    """Why ``value`` cannot name a configuration, or ``""``."""
    if value != value.strip():
        return "starts or ends with blanks (configuration names are matched exactly)"
    if len(value) > MAX_NAME:
        return f"is longer than {MAX_NAME} characters, the longest configuration name IRIS takes"
    if "|" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "holds a character a configuration name cannot have"
    return ""


def _int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.lstrip("+-").isdigit() else None


def named_tls(
    name: str,
    reader: Optional[SSLConfigReader],
    problem: Callable[[str, str, str], None],
    *,
    ca_file_setting: str = "",
    verify_setting: Optional[bool] = True,
) -> Optional[NamedTLS]:
    """Resolve ``SSLConfig=name``; report each problem as ``problem(setting, reason, fix)``.

    ``ca_file_setting``/``verify_setting`` are the old-way settings: with SSLConfig set they must be left
    as they are by default (CAFile empty, VerifyTLS=1), else the two ways disagree and the item does not
    start. UseTLS may be 1 or 0: SSLConfig always means TLS.
    """
    where = ("create it in System Administration > Security > SSL/TLS Configurations (a client "
             "configuration; names are case-sensitive), or correct the name")
    reason = name_problem(name)
    if reason:
        problem("SSLConfig", reason,
                "set SSLConfig to the name of an SSL/TLS configuration, or leave it empty")
        return None
    if ca_file_setting:
        problem("CAFile", f"is set, and SSLConfig={name!r} also decides which CA to trust",
                f"leave CAFile empty and set the CA file in the SSL/TLS configuration {name!r}, or clear "
                "SSLConfig to use UseTLS/CAFile/VerifyTLS")
    if verify_setting is False:
        problem("VerifyTLS", f"is 0, and SSLConfig={name!r} decides whether the server is verified",
                f"set VerifyTLS=1 and choose the verification in the SSL/TLS configuration {name!r} "
                "(Server certificate verification), or clear SSLConfig")
    if reader is None:
        problem("SSLConfig", "cannot be looked up here (no IRIS instance)", where)
        return None
    try:
        props = reader(name)
    except Exception as exc:  # noqa: BLE001  an IRIS error (privileges, %SYS) in any form
        problem("SSLConfig", f"could not be read ({type(exc).__name__}: {exc})",
                "check that the production's jobs may read SSL/TLS configurations (Security.SSLConfigs in "
                "%SYS), or use UseTLS/CAFile/VerifyTLS instead")
        return None
    if props is None:
        problem("SSLConfig", "names no SSL/TLS configuration on this instance", where)
        return None
    ok = True
    if _int(props.get("Enabled", 1)) != 1:
        problem("SSLConfig", f"names the configuration {name!r}, which is not enabled",
                "enable it in System Administration > Security > SSL/TLS Configurations")
        ok = False
    if _int(props.get("Type", 0)) != 0:
        problem("SSLConfig", f"names the configuration {name!r}, which is a server configuration",
                "name a client configuration (Type: Client)")
        ok = False
    verify_peer = _int(props.get("VerifyPeer", 0))
    if verify_peer not in (0, 1):
        problem("SSLConfig", f"names the configuration {name!r}, whose "
                f"VerifyPeer={props.get('VerifyPeer')!r} is neither 0 (none) nor 1 (require)",
                "set Server certificate verification to Require")
        ok = False
    ca_file = str(props.get("CAFile") or "")
    if ca_file == OS_CERTIFICATE_STORE:
        ca_file = ""
    elif ca_file and not (os.path.isfile(ca_file) and os.access(ca_file, os.R_OK)):
        problem("SSLConfig", f"names the configuration {name!r}, whose CA file {ca_file!r} "
                + ("does not exist" if not os.path.exists(ca_file) else "cannot be read by the IRIS job"),
                "correct the file of trusted CAs in the configuration")
        ok = False
    client_cert = [p for p in ("CertificateFile", "PrivateKeyFile") if str(props.get(p) or "")]
    if client_cert:
        problem("SSLConfig", f"names the configuration {name!r}, which holds a client certificate "
                f"({', '.join(client_cert)}); this adapter cannot present one yet (docs/settings.md §10.2)",
                "use a configuration without a client certificate, or log in with Credentials only")
        ok = False
    if not ok:
        return None
    warnings = []
    if verify_peer == 0:
        warnings.append(f"SSLConfig={name!r} has Server certificate verification None (VerifyPeer=0): "
                        "the TLS certificate of the server is NOT verified; anyone on the path can "
                        "impersonate the server and capture the IRIS login")
    versions = {p: props.get(p) for p in ("TLSMinVersion", "TLSMaxVersion") if str(props.get(p) or "")}
    if versions:
        shown = ", ".join(f"{k}={v}" for k, v in versions.items())
        warnings.append(f"SSLConfig={name!r}: its TLS versions ({shown}) are not applied; the connection "
                        "allows the versions Python's ssl module allows by default (TLS 1.2 and later from "
                        "Python 3.10) (docs/settings.md §10.2)")
    return NamedTLS(name, verify_peer == 1, ca_file, tuple(warnings))
