"""``LiteTerminal.TerminalOutboundAdapter``: the pyprod outbound adapter that runs commands on IRIS.

Kept tiny on purpose: pyprod makes every ``def`` here an ObjectScript method (docs/pyprod-runtime.md §1.4),
so there are exactly two, neither colliding with inherited Ens.OutboundAdapter methods (OnInit, OnTearDown,
OnKeepalive, CredentialsSet, Connect, Disconnect, ...):

* ``run_command(request_json) -> (status, response_json)``, ObjectScript ``RunCommand``;
* ``close_sessions() -> status``, ObjectScript ``CloseSessions``.

The constructor is not a ``def`` in the class body (that would become an ObjectScript method ``Init``): it is
:func:`start_adapter`, assigned to ``__init__``. pyprod's generated OnInit calls it when the item starts
(docs/pyprod-runtime.md §10); it reads every setting strictly and raises ``SettingsError`` for a bad one, so
the item does not start and the Event Log says which setting to fix (docs/settings.md §8).

The logic is in ``adapters.terminal_core`` / ``adapters.sessions``. One Python instance of this class exists
per IRIS job (docs/pyprod-runtime.md §3), so the session pool is per job; the generated ``OnTearDown`` drops
that instance, and the pool closes its sessions when it is collected (``SessionPool.__del__``).

Settings follow the IRIS adapter conventions of docs/settings.md §1-§3 (names, categories, controls,
defaults).
"""

iris_package_name = "LiteTerminal"

from intersystems_pyprod import IRISLog, IRISProperty, OutboundAdapter, Status  # noqa: E402

from adapters.lite_terminal.lines import escape_controls  # noqa: E402
from adapters.settings import config_name, report_unknown_settings  # noqa: E402
from adapters.terminal_core import AdapterSettings, TerminalAdapterCore, credentials_exist  # noqa: E402
from adapters.tls_config import read_ssl_config  # noqa: E402

#: Names of the settings below, read into AdapterSettings when the item starts.
SETTING_NAMES = (
    "Server", "Port", "PathPrefix", "Credentials", "Namespace", "SSLConfig", "UseTLS", "CAFile", "VerifyTLS",
    "ConnectTimeout", "ResponseTimeout", "StayConnected", "MaxSessions", "SessionIdleTimeout",
    "MaxOutputChars",
)


def start_adapter(self, iris_host_object):
    """The adapter's constructor (run by OnInit): strict settings, then the session pool; no connection."""
    OutboundAdapter.__init__(self, iris_host_object)
    values = {name: getattr(self, name) for name in SETTING_NAMES}
    item = config_name(iris_host_object, "LiteTerminal.TerminalOutboundAdapter")
    report_unknown_settings(item, lambda text: IRISLog.Warning(escape_controls(text)))  # docs/settings.md §11
    settings = AdapterSettings.from_values(values, item=item, credentials_exist=credentials_exist,
                                           ssl_configs=read_ssl_config)
    self._core = TerminalAdapterCore(settings, warn=lambda text: IRISLog.Warning(escape_controls(text)))


class TerminalOutboundAdapter(OutboundAdapter):
    """Runs ObjectScript on an IRIS server through its Lite Terminal WebSocket (/api/atelier/)."""

    Server = IRISProperty(
        "localhost", "str",
        "Host name or IP address of the IRIS web server only: no http://, no :port (use Port), no path "
        "(use PathPrefix)",
        "Basic",
    )
    Port = IRISProperty(
        52773, "int", "TCP port of the IRIS web server (web gateway or private server), 1-65535", "Basic"
    )
    PathPrefix = IRISProperty(
        "", "str", "URL prefix in front of /api/atelier/ when IRIS sits behind a web gateway, e.g. /iris",
        "Basic",
    )
    Credentials = IRISProperty(
        "", "str", "ID of the production credentials holding the IRIS user and password",
        "Basic:credentialsSelector",
    )
    Namespace = IRISProperty(
        "USER", "str",
        "Namespace commands run in unless a request names another; every request without a Namespace runs "
        "here", "Basic"
    )
    SSLConfig = IRISProperty(
        "", "str",
        "Name of the SSL/TLS configuration to connect with (https/wss), as for EnsLib adapters: its CA file "
        "and server certificate verification apply; leave empty to use UseTLS/CAFile/VerifyTLS",
        "Connection:sslConfigSelector",
    )
    UseTLS = IRISProperty(
        0, "bool", "The old way, when SSLConfig is empty: connect with https/wss instead of http/ws",
        "Connection",
    )
    CAFile = IRISProperty(
        "", "str",
        "The old way, when SSLConfig is empty: PEM file of the CA to trust (needs UseTLS=1); empty uses the "
        "system store",
        "Connection",
    )
    VerifyTLS = IRISProperty(
        1, "bool",
        "The old way, when SSLConfig is empty: verify the server certificate and host name; turning this off "
        "is logged as a warning",
        "Connection",
    )
    ConnectTimeout = IRISProperty(
        5, "num", "Seconds allowed to log in and open the terminal session, more than 0 and at most 600",
        "Connection"
    )
    ResponseTimeout = IRISProperty(
        30, "num", "Seconds a command may run before it is interrupted (at most 86400); -1 means no limit",
        "Connection"
    )
    StayConnected = IRISProperty(
        -1, "num",
        "Keep the terminal session between messages: -1 always, 0 one session per message, "
        "N close after N idle seconds",
        "Connection",
    )
    MaxSessions = IRISProperty(
        4, "int", "Most named sessions (requests with a Session name) kept open at once, 0-100", "Additional"
    )
    SessionIdleTimeout = IRISProperty(
        300, "num", "Seconds after which an unused named session is closed; 0 keeps them open", "Additional"
    )
    MaxOutputChars = IRISProperty(
        100000, "int",
        "Longest output kept in a response; longer output is cut and ends with a truncation marker; "
        "0 means no limit",
        "Additional",
    )

    __init__ = start_adapter  # not a def: pyprod would generate an ObjectScript method for it

    def run_command(self, request_json):
        """Run one request (JSON of TerminalCommandRequest fields); returns the status and a JSON result."""
        return Status.OK(), self._core.run(request_json)

    def close_sessions(self):
        """Close every terminal session of this job (they reopen on the next message)."""
        core = getattr(self, "_core", None)
        if core is not None:
            core.close()
        return Status.OK()
