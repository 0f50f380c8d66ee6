"""Strict reading of production settings, checked when an item starts (plain Python, tested without IRIS).

A business host or adapter reads every one of its settings here from its constructor, which pyprod's
generated ``OnInit`` runs when the item starts (docs/pyprod-runtime.md §10). A value that is not what the
setting takes raises :class:`SettingsError`; pyprod's OnInit turns the exception into an error %Status and
one Event Log error, so the item does not start, the way IRIS's own adapters refuse a bad configuration
(docs/settings.md §8). Nothing is ever replaced by a default: ``Port=fifty`` is refused, not read as 52773.

The error text names the item, each bad setting, its value and what to put there instead::

    Item 'Terminal Operation' was not started: setting Port='fifty' is not a whole number; set Port to the
    TCP port of the IRIS web server, 1-65535 (e.g. 52773)

Values arrive as IRIS gives them to embedded Python: ``int``/``float`` for numeric properties that hold a
number, ``str`` for anything else (a %Integer property set from the production keeps whatever text it was
given), ``""`` for a blank field.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import socket
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from adapters.lite_terminal.errors import ConfigurationError
from adapters.lite_terminal.lines import namespace_problem


@dataclass(frozen=True)
class Problem:
    """One setting that cannot be used: which, its value, what is wrong, and what to put there."""

    setting: str
    value: Any
    reason: str
    fix: str

    def text(self) -> str:
        return f"setting {self.setting}={_show(self.value)} {self.reason}; {self.fix}"


class SettingsError(ConfigurationError):
    """The settings of one item cannot be used; the message names item, settings, values and fixes."""

    def __init__(self, item: str, problems: Sequence[Problem]) -> None:
        self.item = item
        self.problems = tuple(problems)
        super().__init__(settings_message(item, self.problems))


def as_typed(value: Any) -> str:
    """A value the user typed (a setting, a pattern), quoted as typed: see :func:`_show`."""
    return _show(value)


def settings_message(item: str, problems: Sequence[Problem]) -> str:
    """``Item 'X' was not started: setting A=... ...; fix. Also: setting B=...`` (one line)."""
    texts = [p.text() for p in problems]
    return f"Item {item!r} was not started: " + " | ".join(texts)


def _show(value: Any) -> str:
    """A setting value as the user typed it, quoted, control characters escaped, long values cut.

    Not Python's repr: a pattern typed ``^(HALT)\\b`` is shown ``'^(HALT)\\b'``, not with its backslash
    doubled."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("unicode_escape").decode("ascii") if any(ord(c) < 32 or ord(c) == 127 for c in text) \
        else text
    if len(text) > 120:
        text = text[:117] + "..."
    return f"'{text}'"


# ---------------------------------------------------------------------------------------------------------
# Value rules (each returns the parsed value or records a Problem and returns None)

#: Written in ASCII digits only, matched whole (``fullmatch``): Python's ``\d`` also takes full-width and
#: other Unicode digits, ``$`` a final line break, and ``int()``/``float()`` accept both.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
#: Longer than any value a setting takes (and within Python's int-from-text limit).
_MAX_DIGITS = 100

#: IRIS namespace names: 1 to 64 characters, a letter or % first, then letters, digits, "-" or "_"; not
#: case-sensitive (InterSystems, "Configuring Namespaces" > "Rules for Namespace Names"; docs/settings.md §8).

#: One label of a DNS host name (RFC 1123): letters, digits, hyphens; no hyphen at either end.
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")

_TIME_OF_DAY = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def server_problem(value: str) -> Tuple[str, str]:
    """``(reason, fix)`` when ``value`` is not a bare host name or address, else ``("", "")``."""
    host_fix = "set Server to the host name or IP address of the IRIS web server only (e.g. iris.example.com)"
    if not value.strip():
        return "is empty", host_fix
    if value != value.strip() or any(c.isspace() for c in value):
        return "holds blanks", host_fix
    if "://" in value or value.lower().startswith(("http:", "https:", "ws:", "wss:")):
        parts = urlsplit(value if "://" in value else value.replace(":", "://", 1))
        scheme = (parts.scheme or "").lower()
        tips = [f"Server={parts.hostname or 'the host name'}"]
        try:
            if parts.port is not None:
                tips.append(f"Port={parts.port}")
        except ValueError:
            pass
        if parts.path and parts.path.strip("/"):
            tips.append(f"PathPrefix={parts.path.rstrip('/')}")
        if scheme in ("https", "wss"):
            tips.append("UseTLS=1")
        elif scheme in ("http", "ws"):
            tips.append("UseTLS=0")
        return (f"is a URL ({scheme}://...); Server takes only the host name",
                "put " + ", ".join(tips) + " (the scheme is chosen by UseTLS, the port by Port, a path "
                "by PathPrefix)")
    if "@" in value:
        return ("holds a user name (@)",
                "put only the host name in Server; the IRIS login comes from the Credentials setting")
    if "/" in value:
        host, _, path = value.partition("/")
        return ("holds a path",
                f"put the host name in Server ({host or 'e.g. iris.example.com'}) and the path in PathPrefix "
                f"(/{path.rstrip('/')})")
    bare = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        ipaddress.ip_address(bare)
        return "", ""
    except ValueError:
        pass
    if value.count(":") == 1:
        host, _, port = value.partition(":")
        return ("holds a port (host:port)",
                f"put the host name in Server ({host}) and the port in Port ({port})")
    labels = value[:-1].split(".") if value.endswith(".") else value.split(".")
    if len(value) > 253 or not all(_LABEL.match(label) for label in labels) or value.startswith("["):
        return "is not a host name or IP address", host_fix
    if _legacy_ipv4(value) or labels[-1].isdigit():
        # 192.168.1 is no IP address, but the resolver reads it as 192.168.0.1 (inet_aton's short and hex
        # forms): a mistyped address would silently reach another server. A host name's last label is
        # never all digits (RFC 3696 §2).
        return ("is neither an IP address written in full (four numbers 0-255, e.g. 10.0.0.7) nor a host "
                "name (the resolver would read it as some other address)", host_fix)
    return "", ""


def _legacy_ipv4(value: str) -> bool:
    """Does the C resolver read ``value`` as an IPv4 address although it is not one written in full?"""
    try:
        socket.inet_aton(value)
    except (OSError, ValueError):
        return False
    return True


def path_prefix_problem(value: str) -> Tuple[str, str]:
    """``(reason, fix)`` when ``value`` is not a URL path prefix such as ``/iris``, else ``("", "")``."""
    fix = ("set PathPrefix to the part of the URL path in front of /api/atelier/ (e.g. /iris), or leave it "
           "empty")
    if not value:
        return "", ""
    if "://" in value:
        return "is a URL", fix + "; the host goes in Server and the port in Port"
    if any(c.isspace() or c in "?#%\\" or ord(c) < 32 for c in value):
        return "holds characters a URL path prefix cannot have", fix
    segments = [s for s in value.strip("/").split("/") if s]
    if any(s in (".", "..") for s in segments):
        return "holds . or .. segments", fix
    if "/".join(segments).lower().find("api/atelier") >= 0:
        return "includes /api/atelier", fix
    if "//" in value.strip("/"):
        return "holds an empty segment (//)", fix
    return "", ""


def times_of_day_problem(value: str) -> Tuple[str, str]:
    """``(reason, fix)`` when ``value`` is not ``HH:MM[,HH:MM...]`` (00:00-23:59), else ``("", "")``."""
    fix = ("write 24-hour times as HH:MM separated by commas, from 00:00 to 23:59 (e.g. 02:00,14:30), or "
           "leave TimesOfDay empty to run the commands every CallInterval")
    if not value.strip():
        return ("is blank" if value else ""), (fix if value else "")
    for part in value.split(","):
        entry = part.strip()
        if not entry:
            return "has an empty entry (two commas, or a comma at an end)", fix
        if not _TIME_OF_DAY.fullmatch(entry):
            if ";" in entry or " " in entry:
                return f"has {entry!r}, not one time: separate times with commas only", fix
            return f"has {entry!r}, which is not a time from 00:00 to 23:59 written HH:MM", fix
    return "", ""


def parse_times_of_day(value: str) -> List[Tuple[int, int]]:
    """Validated ``HH:MM,...`` -> sorted distinct ``(hour, minute)``; ``""`` -> ``[]``."""
    reason, fix = times_of_day_problem(value)
    if reason:
        raise ValueError(f"TimesOfDay={_show(value)} {reason}; {fix}")
    found = {(int(p.strip()[:2]), int(p.strip()[3:])) for p in value.split(",") if p.strip()}
    return sorted(found)


# ---------------------------------------------------------------------------------------------------------
# The reader an item's constructor uses


class SettingsReader:
    """Reads settings strictly from ``values`` and collects every problem; ``check()`` raises them at once.

    Reporting all bad settings in one error saves a restart per mistake.
    """

    def __init__(self, item: str, values: Mapping[str, Any]) -> None:
        self.item = item
        self.values = values
        self.problems: List[Problem] = []

    def raw(self, name: str) -> Any:
        value = self.values.get(name, "")
        return "" if value is None else value

    def problem(self, name: str, reason: str, fix: str, value: Any = None) -> None:
        self.problems.append(Problem(name, self.raw(name) if value is None else value, reason, fix))

    def check(self) -> None:
        if self.problems:
            raise SettingsError(self.item, self.problems)

    # -- typed readers ------------------------------------------------------------------------------------
    def integer(self, name: str, low: int, high: Optional[int], fix: str) -> Optional[int]:
        value = self.raw(name)
        number = _as_integer(value)
        if number is None:
            self.problem(name, "is empty" if value == "" else "is not a whole number", fix)
            return None
        if number < low or (high is not None and number > high):
            self.problem(name, "is out of range", fix)
            return None
        return number

    def number(
        self, name: str, fix: str, low: float, high: Optional[float] = None, *, low_open: bool = False,
        also: Sequence[float] = (),
    ) -> Optional[float]:
        """A number in ``[low, high]`` (``(low, high]`` with ``low_open``), or one of ``also`` (e.g. -1)."""
        value = self.raw(name)
        if isinstance(value, bool):
            number = None
        elif isinstance(value, (int, float)):
            number = float(value)
        else:
            text = str(value)
            number = float(text) if len(text) <= _MAX_DIGITS and _NUMBER.fullmatch(text) else None
        if number is None or not math.isfinite(number):
            self.problem(name, "is empty" if value == "" else "is not a number", fix)
            return None
        if number in also:
            return number
        if number < low or (low_open and number == low) or (high is not None and number > high):
            self.problem(name, "is out of range", fix)
            return None
        return number

    def flag(self, name: str) -> Optional[bool]:
        value = self.raw(name)
        number = _as_integer(value) if not isinstance(value, bool) else int(value)
        if number in (0, 1) and (not isinstance(value, str) or value in ("0", "1")):
            return number == 1
        self.problem(name, "is empty" if value == "" else "is not 0 or 1", f"set {name} to 1 (on) or 0 (off)")
        return None

    def text(self, name: str, *, required: str = "") -> str:
        """The value as text; ``required`` is the fix to show when it is empty or blank."""
        value = self.raw(name)
        text = str(value)
        if required and not text.strip():
            self.problem(name, "is empty" if not text else "is blank", required)
        return text

    def namespace(self, name: str, *, required: bool) -> str:
        text = str(self.raw(name))
        if not text and not required:
            return ""
        reason = namespace_problem(text)
        if reason:
            self.problem(name, reason,
                         f"set {name} to the name of an IRIS namespace (e.g. USER)"
                         + ("" if required else ", or leave it empty"))
        return text.upper()

    def rule(self, name: str, check: Callable[[str], Tuple[str, str]]) -> str:
        text = str(self.raw(name))
        reason, fix = check(text)
        if reason:
            self.problem(name, reason, fix)
        return text

    def folder(self, name: str, *, required: bool, write: bool) -> str:
        """A folder that exists and that this job can list (and, with ``write``, change)."""
        text = str(self.raw(name))
        if not text.strip():
            if required:
                self.problem(name, "is empty", f"set {name} to an existing folder on the IRIS host")
            return text
        reason = folder_problem(text, write)
        if reason:
            self.problem(name, reason, f"create the folder or set {name} to an existing folder that the "
                         "IRIS job may read" + (" and write" if write else ""))
        return text

    def readable_file(self, name: str) -> str:
        text = str(self.raw(name))
        if not text:
            return text
        if not os.path.exists(text):
            self.problem(name, "does not exist", f"set {name} to an existing file, or leave it empty")
        elif not os.path.isfile(text):
            self.problem(name, "is not a file", f"set {name} to a file, or leave it empty")
        elif not os.access(text, os.R_OK):
            self.problem(name, "cannot be read by the IRIS job",
                         f"let the job read {name}, or leave it empty")
        return text


def _as_integer(value: Any) -> Optional[int]:
    """An int from an int, a whole float or a string of digits (no blanks, no decimals); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value)
    return int(text) if len(text) <= _MAX_DIGITS and _INTEGER.fullmatch(text) else None


def folder_problem(path: str, write: bool) -> str:
    if not os.path.exists(path):
        return "does not exist"
    if not os.path.isdir(path):
        return "is not a folder"
    needed = os.R_OK | os.X_OK | (os.W_OK if write else 0)
    if not os.access(path, needed):
        return "cannot be " + ("read and written" if write else "read") + " by the IRIS job"
    return ""


def config_name(iris_object: Any, fallback: str) -> str:
    """The config item name (``%ConfigName``) of a host, or of an adapter's business host."""
    for owner in (iris_object, getattr_quiet(iris_object, "BusinessHost")):
        name = getattr_quiet(owner, "_ConfigName")
        if name:
            return str(name)
    return fallback


def getattr_quiet(obj: Any, name: str) -> Any:
    """``getattr`` that treats any failure (no such IRIS property, no object) as "absent"."""
    if obj is None or obj == "":
        return None
    try:
        return getattr(obj, name)
    except Exception:  # noqa: BLE001  an IRIS object raises its own error type for a missing property
        return None


# ---------------------------------------------------------------------------------------------------------
# Production settings that name nothing (docs/settings.md §11)

#: Settings every business host or adapter inherits from Ens (docs/settings.md §4, §2), offered as
#: suggestions next to the names in the classes' SETTINGS parameters.
INHERITED_HOST_SETTINGS = (
    "Schedule", "LogTraceEvents", "ArchiveIO", "AlertOnError", "AlertGroups", "InactivityTimeout",
    "BusinessPartner", "ThrottleDelay", "ReplyCodeActions", "RetryInterval", "FailureTimeout",
    "AlertRetryGracePeriod", "QueueCountAlert", "QueueWaitAlert", "SendSuperSession",
)
INHERITED_ADAPTER_SETTINGS = ("Credentials", "CallInterval", "KeepaliveInterval")


def setting_names(settings_parameter: str) -> List[str]:
    """The names in a ``SETTINGS`` parameter (``Name:Category:control,...``; a ``-Name`` hides one)."""
    names = []
    for entry in str(settings_parameter or "").split(","):
        name = entry.strip().split(":", 1)[0].strip()
        if name and not name.startswith("-"):
            names.append(name)
    return names


def unknown_setting_warnings(
    item: str,
    configured: Sequence[Tuple[str, str]],
    exists: Callable[[str, str], bool],
    candidates: Mapping[str, Sequence[str]],
    classes: Mapping[str, str],
) -> List[str]:
    """One warning per ``(target, name)`` in ``configured`` that is no property of its target's class.

    ``exists(target, name)`` says whether the class of ``target`` ("Host" or "Adapter") has that property;
    ``candidates[target]`` are the names to suggest; ``classes[target]`` the class names, for the text.
    A name that belongs to the other target says so; otherwise the nearest valid name is offered.
    """
    import difflib

    out = []
    for target, name in configured:
        target = "Adapter" if str(target).lower() == "adapter" else "Host"
        other = "Host" if target == "Adapter" else "Adapter"
        if exists(target, name):
            continue
        where = f"the {target} ({classes.get(target) or 'no adapter class'})"
        head = f"Item {item!r}: setting {name} on the {target} names no setting of {where}; it has no effect"
        if classes.get(other) and exists(other, name):
            out.append(f"{head}; did you mean {name} on the {other}?")
            continue
        pool = {}
        for side in (target, other):
            for cand in candidates.get(side, ()):
                if not classes.get(side) or not exists(side, cand):
                    continue
                pool.setdefault(cand.lower(), (cand, side))
        lowered = name.lower()
        match = pool.get(lowered) or next(
            (pool[c] for c in difflib.get_close_matches(lowered, list(pool), n=1, cutoff=0.6)), None)
        if match:
            out.append(f"{head}; did you mean {match[0]} on the {match[1]}?")
        else:
            out.append(f"{head}; the settings of each item are listed in docs/settings.md §12")
    return out


def report_unknown_settings(config_name: str, warn: Callable[[str], None],
                            check: Optional[Callable[[str], List[str]]] = None) -> None:
    """Warn once per production setting of this item that names nothing; never stops the item. When the
    check itself fails, one warning says so (the settings were then not checked)."""
    try:
        texts = (check or check_item_settings)(config_name)
    except Exception as exc:  # noqa: BLE001  any IRIS error: the item still starts
        texts = [f"Item {config_name!r}: its production settings could not be checked for names that match "
                 f"no setting ({type(exc).__name__}: {exc})"]
    for text in texts:
        warn(text)


def production_items(names: Iterable[str]) -> Dict[str, Tuple[Any, List[Tuple[str, str, str]]]]:
    """Each named item of the running production's definition (``Ens.Director.GetActiveProductionName``,
    ``Ens.Config.Production.%OpenId``, ``FindItemByConfigName``) with the settings set there, as
    ``(target, name, value)`` (target ``Host`` or ``Adapter``); an item the definition lacks is left out, and
    none without an active production. Needs ``iris``; not yet run on a real IRIS."""
    import iris

    production = iris.cls("Ens.Director").GetActiveProductionName()
    config = iris.cls("Ens.Config.Production")._OpenId(production) if production else None
    if config is None or config == "":
        return {}
    found = {}
    for name in names:
        item = config.FindItemByConfigName(name, iris.ref(), 1)
        if item is None or item == "":
            continue
        settings = item.Settings
        values = []
        for index in range(1, int(settings.Count()) + 1):
            setting = settings.GetAt(index)
            values.append((str(setting.Target or "Host"), str(setting.Name), str(setting.Value or "")))
        found[name] = (item, values)
    return found


def check_item_settings(config_name: str) -> List[str]:
    """Read this item's production settings from IRIS and return the warnings for those that name nothing.

    Reads the running production's definition (``Ens.Director.GetActiveProductionName``,
    ``Ens.Config.Production.%OpenId``, ``FindItemByConfigName``, ``Settings``) and the compiled classes
    (``%Dictionary.CompiledProperty``/``CompiledParameter``). Needs ``iris``; not yet run on a real IRIS.
    """
    import iris

    found = production_items([config_name]).get(config_name)
    if found is None:
        return []
    item, settings = found
    configured = [(target, name) for target, name, _ in settings]
    if not configured:
        return []
    params = iris.cls("%Dictionary.CompiledParameter")
    props = iris.cls("%Dictionary.CompiledProperty")
    host_class = str(item.ClassName)
    adapter = params._OpenId(f"{host_class}||ADAPTER")
    adapter_class = str(adapter.Default) if adapter is not None and adapter != "" else ""
    classes = {"Host": host_class, "Adapter": adapter_class}

    def exists(target: str, name: str) -> bool:
        cls = classes.get(target)
        return bool(cls) and bool(props._ExistsId(f"{cls}||{name}"))

    def listed(cls: str) -> List[str]:
        found = params._OpenId(f"{cls}||SETTINGS") if cls else None
        return setting_names(found.Default) if found is not None and found != "" else []

    candidates = {"Host": listed(host_class) + list(INHERITED_HOST_SETTINGS),
                  "Adapter": listed(adapter_class) + list(INHERITED_ADAPTER_SETTINGS)}
    return unknown_setting_warnings(config_name, configured, exists, candidates, classes)
