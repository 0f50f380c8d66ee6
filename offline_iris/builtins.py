"""Built-in IRIS/Ens classes that pyprod classes extend, with their own settings.

Sources: docs/settings.md §2, §4, §5, §6 (settings on every business operation/service, Ens.Adapter members,
CallInterval "default 5 seconds, minimum 0.1", ReplyCodeActions/RetryInterval/FailureTimeout, Credentials +
``%CredentialsObj`` + ``CredentialsSet``), docs/pyprod-runtime.md §1.4 (message classes extend
``(%Persistent, Ens.Request)``). Defaults the sources do not give are marked ``[unverified]``.
``EnsLib.File.InboundAdapter`` has the settings docs/offline-runtime.md §8 lists (FilePath, FileSpec,
ArchivePath, WorkPath, CallInterval, Charset, ConfirmComplete and FileAccessTimeout with IRIS's defaults,
docs/offline-runtime.md §8.1) and is ``[unverified]`` beyond that.
"""

from __future__ import annotations

from typing import Iterable, List, Tuple

from .clsparse import ClassDef, ParamDef, PropDef

# (name, type, initial or None)
_Prop = Tuple[str, str, object]


def _cls(name: str, extends: Iterable[str], props: Iterable[_Prop] = (), settings: str = "") -> ClassDef:
    c = ClassDef(name=name, extends=list(extends), builtin=True)
    for pname, ptype, init in props:
        c.properties[pname] = PropDef(pname, ptype, init is not None, "" if init is None else init)
    if settings:
        c.parameters["SETTINGS"] = ParamDef("SETTINGS", settings)
    return c


def builtin_classes() -> List[ClassDef]:
    host_common = [  # Ens.Host: docs/settings.md §4
        ("AlertOnError", "%Boolean", 0),
        ("AlertGroups", "%String", None),
        ("InactivityTimeout", "%Integer", 0),
        ("ArchiveIO", "%Boolean", 0),
        ("BusinessPartner", "%String", None),
        ("ThrottleDelay", "%Integer", 0),
        ("QueueCountAlert", "%Integer", 0),
        ("QueueWaitAlert", "%Integer", 0),
    ]
    retry = [  # Ens.BusinessOperation/Process: docs/settings.md §4; defaults 5 / 15 [unverified]
        ("ReplyCodeActions", "%String", None),
        ("RetryInterval", "%Numeric", 5),
        ("FailureTimeout", "%Numeric", 15),
        ("AlertRetryGracePeriod", "%Integer", 0),
    ]
    tcp_common = [  # EnsLib.TCP adapters [unverified defaults beyond the names]
        ("Port", "%Integer", None),
        ("StayConnected", "%Numeric", -1),
        ("Terminators", "%String", "$C(10)"),
        ("Charset", "%String", "Default"),
    ]
    cls = [
        _cls("%Library.RegisteredObject", []),
        _cls("%RegisteredObject", ["%Library.RegisteredObject"]),
        _cls("%Library.Persistent", ["%RegisteredObject"]),
        _cls("%Persistent", ["%Library.Persistent"]),
        _cls("%SYS.Python", []),
        _cls("Ens.MessageBody", ["%Persistent"]),
        _cls("Ens.Request", ["Ens.MessageBody"]),
        _cls("Ens.Response", ["Ens.MessageBody"]),
        _cls("Ens.StringRequest", ["Ens.Request"], [("StringValue", "%String", None)]),
        _cls("Ens.StringResponse", ["Ens.Response"], [("StringValue", "%String", None)]),
        _cls("Ens.StringContainer", ["Ens.Request"], [("StringValue", "%String", None)]),
        _cls(
            "Ens.AlertRequest",
            ["Ens.Request"],
            [
                ("SourceConfigName", "%String", None),
                ("AlertText", "%String", None),
                ("AlertDestination", "%String", None),
                ("AlertTime", "%TimeStamp", None),
                ("SessionId", "%Integer", None),
            ],
        ),
        _cls(
            "Ens.Host",
            ["%RegisteredObject"],
            host_common,
            "AlertOnError:Alerting,InactivityTimeout:Alerting,ArchiveIO:Dev,BusinessPartner:Info,"
            "AlertGroups:Alerting,QueueCountAlert:Alerting,QueueWaitAlert:Alerting",
        ),
        _cls(
            "Ens.BusinessService",
            ["Ens.Host"],
            [("GenerateSuperSessionID", "%Boolean", 0), ("AlertGracePeriod", "%Integer", 0)],
            "ThrottleDelay:Additional,GenerateSuperSessionID:Additional,AlertGracePeriod:Alerting",
        ),
        _cls(
            "Ens.BusinessProcess",
            ["Ens.Host"],
            retry,
            "ReplyCodeActions:Additional,RetryInterval:Additional,AlertRetryGracePeriod:Alerting,"
            "FailureTimeout:Additional",
        ),
        _cls(
            "Ens.BusinessOperation",
            ["Ens.Host"],
            retry + [("SendSuperSession", "%Boolean", 0)],
            "ReplyCodeActions:Additional,RetryInterval:Additional,FailureTimeout:Additional,"
            "AlertRetryGracePeriod:Alerting,SendSuperSession:Additional,ThrottleDelay:Additional",
        ),
        _cls(
            "Ens.Adapter",
            ["%RegisteredObject"],
            [("Credentials", "%String", None), ("KeepaliveInterval", "%Numeric", 0)],
            "Credentials:Basic:credentialsSelector",
        ),
        _cls("Ens.InboundAdapter", ["Ens.Adapter"], [("CallInterval", "%Numeric", 5)], "CallInterval:Basic"),
        _cls("Ens.OutboundAdapter", ["Ens.Adapter"]),
        _cls(
            "EnsLib.File.InboundAdapter",
            ["Ens.InboundAdapter"],
            [
                ("FilePath", "%String", None),
                ("FileSpec", "%String", "*"),
                ("ArchivePath", "%String", None),
                ("WorkPath", "%String", None),
                ("SubdirectoryLevels", "%Integer", 0),
                ("Charset", "%String", "Default"),
                ("ConfirmComplete", "%Integer", 4),  # Readable, IRIS's default (docs/offline-runtime.md §8.1)
                ("FileAccessTimeout", "%Integer", 2),
                ("AppendTimestamp", "%Boolean", 0),
            ],
            "FilePath:Basic,FileSpec:Basic,ArchivePath:Basic,WorkPath:Basic,SubdirectoryLevels:Basic,"
            "Charset:Connection,ConfirmComplete:Additional,FileAccessTimeout:Additional,"
            "AppendTimestamp:Additional",
        ),
        _cls(
            "Ens.StreamContainer",
            ["Ens.Request"],
            [
                ("OriginalFilename", "%String", None),
                ("Stream", "%Stream.Object", None),
                ("Type", "%String", None),
            ],
        ),
        _cls(
            "EnsLib.File.PassthroughService",
            ["Ens.BusinessService"],
            [("TargetConfigNames", "%String", None)],
            "TargetConfigNames:Basic:selector",
        ),
        _cls(
            "EnsLib.TCP.TextLineInboundAdapter",
            ["Ens.InboundAdapter"],
            tcp_common
            + [
                ("AllowedIPAddresses", "%String", None),
                ("JobPerConnection", "%Boolean", 1),
                ("ReadTimeout", "%Numeric", 5),
            ],
            "Port:Basic,AllowedIPAddresses:Basic,StayConnected:Connection,Terminators:Connection,"
            "Charset:Connection,ReadTimeout:Connection,JobPerConnection:Connection",
        ),
        _cls(
            "EnsLib.TCP.TextLineOutboundAdapter",
            ["Ens.OutboundAdapter"],
            tcp_common
            + [
                ("IPAddress", "%String", None),
                ("ConnectTimeout", "%Numeric", 5),
                ("ReadTimeout", "%Numeric", 5),
                ("GetReply", "%Boolean", 1),
            ],
            "IPAddress:Basic,Port:Basic,StayConnected:Connection,ConnectTimeout:Connection,"
            "ReadTimeout:Connection,GetReply:Connection,Terminators:Connection,Charset:Connection",
        ),
        _cls(  # docs/http-service.md §1: EnsLib.HTTP.InboundAdapter and the EnsLib.TCP bases it extends
            "EnsLib.HTTP.InboundAdapter",
            ["Ens.InboundAdapter"],
            [
                ("Port", "%String", 9980),
                ("Charset", "%String", "Auto"),
                ("ForceCharset", "%Boolean", 0),
                ("StayConnected", "%Numeric", 0),
                ("ReadTimeout", "%Numeric", 5),
                ("SSLConfig", "%String", None),
                ("LocalInterface", "%String", None),
                ("AllowedIPAddresses", "%String", None),
                ("JobPerConnection", "%Boolean", 1),
                ("QSize", "%Integer", 100),
                ("IOAddr", "%String", None),
            ],
            "Port:Basic,AllowedIPAddresses:Connection,JobPerConnection:Connection,QSize:Connection,"
            "StayConnected:Connection,ReadTimeout:Connection,SSLConfig:Connection:sslConfigSelector,"
            "LocalInterface:Connection,Charset::selector,ForceCharset",
        ),
        _cls(
            "Ens.Production",
            ["%RegisteredObject"],
            [
                ("ShutdownTimeout", "%Integer", 120),
                ("UpdateTimeout", "%Integer", 10),
                ("AlertNotificationManager", "%String", None),
                ("AlertNotificationOperation", "%String", None),
                ("AlertNotificationRecipients", "%String", None),
                ("AlertActionWindow", "%Integer", 60),
            ],
            "ShutdownTimeout,UpdateTimeout,AlertNotificationManager,AlertNotificationOperation,"
            "AlertNotificationRecipients,AlertActionWindow",
        ),
        _cls(
            "Ens.Config.Credentials",
            ["%Persistent"],
            [
                ("SystemName", "%String", None),
                ("Username", "%String", None),
                ("Password", "%String", None),
                ("BusinessPartner", "%String", None),
            ],
        ),
        _cls("%Stream.GlobalCharacter", ["%RegisteredObject"]),
        _cls("%Stream.GlobalBinary", ["%RegisteredObject"]),
        _cls("%Stream.FileCharacter", ["%RegisteredObject"]),
        _cls("%Library.FileCharacterStream", ["%RegisteredObject"]),
        _cls("%Library.GlobalCharacterStream", ["%RegisteredObject"]),
        _cls("%Library.GlobalBinaryStream", ["%RegisteredObject"]),
    ]
    passthrough = cls[[c.name for c in cls].index("EnsLib.File.PassthroughService")]
    passthrough.parameters["ADAPTER"] = ParamDef("ADAPTER", "EnsLib.File.InboundAdapter")
    # ``%CredentialsObj`` and ``BusinessHost`` are object-valued members of Ens.Adapter (docs/settings.md §2)
    adapter = cls[[c.name for c in cls].index("Ens.Adapter")]
    adapter.properties["%CredentialsObj"] = PropDef("%CredentialsObj", "Ens.Config.Credentials")
    adapter.properties["BusinessHost"] = PropDef("BusinessHost", "Ens.Host")
    host = cls[[c.name for c in cls].index("Ens.Host")]
    host.properties["Adapter"] = PropDef("Adapter", "Ens.Adapter")
    host.properties["%ConfigName"] = PropDef("%ConfigName", "%String")
    return cls
