"""The fleet inventory: Ansible's INI style, read strictly, and ``--limit`` patterns as Ansible reads them.

::

    iris0.example.com              # ungrouped (an old one-host-per-line file is all ungrouped)
    [web]
    iris[1:3].example.com          # a numeric range: iris1, iris2, iris3
    iris9:1972 namespace=APP user=ops password_env=IRIS_PW_OPS
    [web:vars]
    tls=true
    [prod:children]
    web

Every host and group setting is checked here, once: a value the client cannot use is an error naming the
file, line and word, never a guess. Errors never quote the file's text: a file given by mistake (a system
file, a key file) must not have its content copied to a terminal or a log (issue 21). A password in the
file is refused; ``password_env`` names the environment variable that holds it (docs/cli.md §4).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

from . import errors
from .cli_args import DEFAULT_NAMESPACE, DEFAULT_PORT, DEFAULT_USER, UsageError, parse_host
from .contract import authority, server_identity
from .lines import escape_controls, namespace_problem, one_line_problem

__all__ = ["Target", "Inventory", "read_inventory", "from_hosts", "select", "MAX_INVENTORY_CHARS",
           "MAX_RANGE_HOSTS"]

MAX_INVENTORY_CHARS = 1_000_000
MAX_RANGE_HOSTS = 1000  # one ``name[1:N]`` line expands to at most this many hosts
SETTINGS = ("namespace", "user", "port", "prefix", "tls", "verify", "password_env", "host")
ALIASES = {"ansible_host": "host", "ansible_port": "port", "ansible_user": "user"}
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")
_GROUP = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
_HEADER = re.compile(rf"\[({_GROUP})(?::(vars|children))?\]")
_RANGE = re.compile(r"\[(\d+):(\d+)\]")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_GROUP_OK = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}")
_PREFIX = re.compile(r"/?[A-Za-z0-9._~%!$&'()*+,;=:@/-]{0,200}")


@dataclass(frozen=True)
class Target:
    """One server of the run with its own connection settings; ``name`` labels it in every output: the name
    the inventory gives it (as written, ``iris1`` or ``iris1:1972``), or HOST:PORT for a ``--host``."""

    name: str
    host: str
    port: int = DEFAULT_PORT
    namespace: str = DEFAULT_NAMESPACE
    user: str = DEFAULT_USER
    prefix: str = ""
    tls: bool = False
    verify: Union[bool, str] = True
    password_env: str = ""  # "" = the common password (IRIS_PASSWORD or the prompt)
    groups: Tuple[str, ...] = ()
    alias: str = ""  # the inventory name, when it is not the address

    @property
    def identity(self) -> Tuple[str, int, str]:
        return server_identity(self.host, self.port, self.prefix)


@dataclass
class Inventory:
    """The hosts in file order and the groups (``all`` and ``ungrouped`` included) with their members."""

    targets: List[Target]
    groups: Dict[str, List[str]] = field(default_factory=dict)  # group -> target names


# -------------------------------------------------------------------------------------------- reading


class _Problem(errors.InternalSignal):
    """A line's problem, in words that never quote the line."""


def read_inventory(path: str, defaults: Mapping[str, object], typed: Mapping[str, object]) -> Inventory:
    """Read ``path`` (INI inventory or one HOST[:PORT] per line). ``defaults`` fill settings nobody gave,
    ``typed`` (options typed on the command line) beat every setting in the file. Raises UsageError."""
    shown = escape_controls(path)
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_INVENTORY_CHARS * 4 + 1)
    except OSError as exc:
        raise UsageError(f"{shown}: {exc.strerror or type(exc).__name__}") from None
    if b"\0" in data:
        raise UsageError(f"{shown}: not an inventory (it holds NUL bytes: a binary file?)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{shown}: not UTF-8 text") from None
    if len(text) > MAX_INVENTORY_CHARS:
        raise UsageError(f"{shown}: longer than {MAX_INVENTORY_CHARS:,} characters")
    parsed = _Parsed()
    for number, line in enumerate(text.splitlines(), 1):
        try:
            parsed.line(line)
        except _Problem as problem:
            raise UsageError(f"{shown} line {number}: {problem}") from None
    if not parsed.hosts:
        raise UsageError(f"{shown}: no servers in it")
    base = os.path.dirname(os.path.abspath(path))
    return parsed.resolve(shown, base, defaults, typed)


def from_hosts(hosts: Sequence[Tuple[str, Optional[int]]], defaults: Mapping[str, object],
               typed: Mapping[str, object]) -> List[Target]:
    """Targets for ``--host`` arguments (already parsed), with the command line's settings."""
    settings = {**defaults, **typed}
    targets = []
    for host, port in hosts:
        values = dict(settings)
        if port is not None:
            values["port"] = port
        try:
            targets.append(_target("", host, values, ("all", "ungrouped"), strict=False))
        except _Problem as problem:
            raise UsageError(f"--host {escape_controls(host)}: {problem}") from None
    return targets


class _Parsed:
    """What the lines say, before the groups are resolved."""

    def __init__(self) -> None:
        self.hosts: Dict[str, Dict[str, str]] = {}  # name -> settings given on its lines
        self.origin: Dict[str, Dict[str, int]] = {}  # name -> setting -> line number
        self.line_of: Dict[str, int] = {}  # name -> the line that first lists it
        self.members: Dict[str, List[str]] = {"ungrouped": []}
        self.children: Dict[str, List[str]] = {}
        self.group_vars: Dict[str, Dict[str, str]] = {}
        self.section: Tuple[str, str] = ("ungrouped", "hosts")
        self.number = 0

    def line(self, raw: str) -> None:
        self.number += 1
        text = raw.split("#", 1)[0].strip()
        if not text or text.startswith(";"):
            return
        header = _HEADER.fullmatch(text)
        if header:
            name, kind = header.group(1), header.group(2) or "hosts"
            if name in ("all", "ungrouped") and kind == "hosts":
                raise _Problem(f"[{name}] is implicit; list hosts under a group of their own")
            self.section = (name, kind)
            if kind == "hosts":
                self.members.setdefault(name, [])
            elif kind == "children":
                self.children.setdefault(name, [])
            else:
                self.group_vars.setdefault(name, {})
            return
        if text.startswith("[") and text.endswith("]") and ":" not in text[1:-1].rstrip("]"):
            raise _Problem("a section header is [group], [group:vars] or [group:children], with a group name "
                           "of letters, digits, '_', '-' and '.'")
        group, kind = self.section
        if kind == "children":
            if not re.fullmatch(_GROUP, text):
                raise _Problem("a [group:children] line names one group (letters, digits, '_', '-', '.')")
            if text != group and text not in self.children[group]:
                self.children[group].append(text)
            self.members.setdefault(text, [])
            return
        if kind == "vars":
            key, equals, value = text.partition("=")
            if not equals:
                raise _Problem("a [group:vars] line is key=value")
            self.group_vars[group][_key(key.strip(), 1)] = _value(key.strip(), value.strip(), 1)
            return
        self.host_line(text, group)

    def host_line(self, text: str, group: str) -> None:
        words = text.split()
        names = _expand(words[0])
        settings: Dict[str, str] = {}
        for position, word in enumerate(words[1:], 2):
            key, equals, value = word.partition("=")
            if not equals or not key:
                raise _Problem(f"word {position} is not key=value (host settings follow the host name)")
            name = _key(key, position)
            if name in settings:
                raise _Problem(f"word {position} gives a setting a second time")
            settings[name] = _value(key, value, position)
        for name in names:
            _address(name if "host" not in settings else "localhost")
            if "host" in settings and (":" in name or "[" in name or not _GROUP_OK.fullmatch(name)):
                raise _Problem("an alias (a name with host=) is a plain name; give the port with port=")
            self.line_of.setdefault(name, self.number)
            if name in self.members[group]:
                raise _Problem("this host is already listed in the same group (servers given twice)")
            known = self.hosts.setdefault(name, {})
            origin = self.origin.setdefault(name, {})
            for key, value in settings.items():
                if key in known and known[key] != value:
                    raise _Problem(f"{key} is set differently than on line {origin[key]} for the same host")
                known[key] = value
                origin.setdefault(key, self.number)
            self.members[group].append(name)

    # -- resolving --------------------------------------------------------------------------------------

    def resolve(self, shown: str, base: str, defaults: Mapping[str, object],
                typed: Mapping[str, object]) -> Inventory:
        parents: Dict[str, Set[str]] = {}
        for parent, kids in self.children.items():
            for kid in kids:
                parents.setdefault(kid, set()).add(parent)
        depth: Dict[str, int] = {}

        def depth_of(group: str, path: Tuple[str, ...] = ()) -> int:
            if group in path:
                cycle = " > ".join(escape_controls(g) for g in path + (group,))
                raise UsageError(f"{shown}: groups contain each other ({cycle})")
            if group not in depth:
                depth[group] = 1 + max((depth_of(p, path + (group,)) for p in parents.get(group, ())),
                                       default=0)
            return depth[group]

        for group in set(self.members) | set(self.children) | set(self.group_vars):
            depth_of(group)
        groups: Dict[str, List[str]] = {}

        def hosts_of(group: str) -> List[str]:
            found = list(self.members.get(group, []))
            for kid in self.children.get(group, []):
                found += [h for h in hosts_of(kid) if h not in found]
            return found

        for group in sorted(depth):
            groups[group] = hosts_of(group)
        for group, names in list(groups.items()):  # a host listed in a group is not ungrouped
            if group != "ungrouped":
                groups["ungrouped"] = [h for h in groups.get("ungrouped", []) if h not in names]
        targets: List[Target] = []
        for name, own in self.hosts.items():
            member_of = sorted((g for g, names in groups.items() if name in names),
                               key=lambda g: (depth[g], g))
            values: Dict[str, object] = dict(defaults)
            values.update(self.group_vars.get("all", {}))
            for group in member_of:
                values.update(self.group_vars.get(group, {}))
            values.update(own)
            values.update(typed)
            verify = values.get("verify")
            if "verify" not in typed and isinstance(verify, str) and verify.lower() not in _TRUE + _FALSE:
                values["verify"] = os.path.join(base, verify)  # relative to the inventory's folder
            try:
                targets.append(_target(name, "", values, tuple(["all"] + member_of)))
            except _Problem as problem:  # settings that only clash once merged: the host's first line
                raise UsageError(f"{shown} line {self.line_of[name]}: {problem}") from None
        names = {n: t.name for n, t in zip(self.hosts, targets)}
        resolved = {g: [names[h] for h in hs] for g, hs in groups.items()}
        resolved["all"] = [t.name for t in targets]
        return Inventory(targets, resolved)


def _key(key: str, position: int) -> str:
    name = ALIASES.get(key.lower(), key.lower())
    if name != "password_env" and ("pass" in name or "secret" in name or name == "pwd"):
        raise _Problem("a password is refused in an inventory (whoever reads the file would have it); keep "
                       "it in an environment variable and name that: password_env=VARIABLE")
    if name not in SETTINGS:
        raise _Problem(f"word {position} is not a setting; the settings are {', '.join(SETTINGS)}")
    return name


def _value(key: str, value: str, position: int) -> str:
    """A setting's value, checked where it is written (so the error can name the line)."""
    if not value:
        raise _Problem(f"word {position} has an empty value")
    if one_line_problem(value):
        raise _Problem(f"word {position} holds a control or invisible character")
    name = ALIASES.get(key.lower(), key.lower())
    if name == "namespace" and namespace_problem(value):
        raise _Problem("namespace is not an IRIS namespace name")
    elif name == "port":
        _port_value(value)
    elif name in ("tls",):
        _flag(name, value)
    elif name == "user" and ":" in value:
        raise _Problem("user is not a usable IRIS user name (no ':')")
    elif name == "prefix" and not _PREFIX.fullmatch(value):
        raise _Problem("prefix is not a web path prefix such as /iris")
    elif name == "password_env" and not _ENV_NAME.fullmatch(value):
        raise _Problem("password_env is the name of an environment variable (letters, digits, '_')")
    elif name == "host" and _address(value)[1] is not None:
        raise _Problem("host is an address without a port; give the port with port=")
    return value


def _expand(word: str) -> List[str]:
    """``iris[01:03].example`` -> three names (leading zeros kept); anything else as it is."""
    match = _RANGE.search(word) if not word.startswith("[") else None
    if not match:
        return [word]
    first, last = match.group(1), match.group(2)
    if int(last) < int(first) or int(last) - int(first) >= MAX_RANGE_HOSTS:
        raise _Problem(f"a host range is [first:last] with at most {MAX_RANGE_HOSTS} hosts")
    width = len(first) if first.startswith("0") else 0
    return [word[: match.start()] + str(n).zfill(width) + word[match.end():]
            for n in range(int(first), int(last) + 1)]


def _address(text: str, strict: bool = True) -> Tuple[str, Optional[int]]:
    """A host name, IPv4/IPv6 address, with an optional port; in a file, a name must be a DNS name (RFC 1123:
    a line of a file given by mistake, a token say, is then seldom taken for a host)."""
    try:
        host, port = parse_host(text)
    except ValueError:
        raise _Problem("the host is not a host name, HOST:PORT, [IPv6] or [IPv6]:PORT") from None
    try:
        ipaddress.ip_address(host)
        return host, port
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if strict and len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise _Problem("the host is not a valid host name (letters, digits and '-' between dots)")
    return host, port


def _flag(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Problem(f"{name} is true or false (yes/no, on/off, 1/0)")


def _target(name: str, address: str, values: Mapping[str, object], groups: Tuple[str, ...],
            strict: bool = True) -> Target:
    """One Target from merged settings; every value checked (none is quoted back). A port written with the
    host (HOST:PORT) beats every port= setting."""
    alias = name if values.get("host") and name else ""
    host, port = _address(str(values.get("host") or name or address), strict)
    if alias and (":" in alias or "[" in alias):
        raise _Problem("an alias (a name with host=) is a plain name; give the port with port=")
    if port is None:
        port = _port_value(values.get("port") or DEFAULT_PORT)
    namespace = str(values.get("namespace") or DEFAULT_NAMESPACE)
    problem = namespace_problem(namespace)
    if problem:
        raise _Problem("namespace is not an IRIS namespace name")
    user = str(values.get("user") or DEFAULT_USER)
    if ":" in user or one_line_problem(user):
        raise _Problem("user is not a usable IRIS user name (no ':' or control characters)")
    prefix = str(values.get("prefix") or "")
    if not _PREFIX.fullmatch(prefix):
        raise _Problem("prefix is not a web path prefix such as /iris")
    verify_value = values.get("verify", True)
    verify: Union[bool, str]
    if isinstance(verify_value, bool) or str(verify_value).lower() in _TRUE + _FALSE:
        verify = _flag("verify", verify_value)
    else:
        verify = str(verify_value)
    tls = _flag("tls", values.get("tls", False)) or verify is False or isinstance(verify, str)
    env = str(values.get("password_env") or "")
    if env and not _ENV_NAME.fullmatch(env):
        raise _Problem("password_env is the name of an environment variable (letters, digits, '_')")
    label = name or authority(host, port)  # as the inventory names it; a --host as HOST:PORT
    return Target(label, host, port, namespace.upper(), user, prefix, tls, verify, env, groups, alias)


def _port_value(value: object) -> int:
    text = str(value)
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise _Problem("port is a number from 1 to 65535")
    return int(text)


# -------------------------------------------------------------------------------------------- checks


def refuse_duplicates(targets: Sequence[Target]) -> None:
    """Two entries that reach the same server (contract.server_identity) are refused, naming both."""
    seen: Dict[Tuple[str, int, str], str] = {}
    twice = []
    for target in targets:
        if target.identity in seen:
            first = seen[target.identity]
            twice.append(target.name if first == target.name else f"{first} and {target.name}")
        seen.setdefault(target.identity, target.name)
    if twice:
        raise UsageError(f"servers given twice: {', '.join(escape_controls(t) for t in twice)}")


# -------------------------------------------------------------------------------------------- --limit


def select(inventory: Inventory, limit: str) -> List[Target]:
    """The targets ``limit`` picks, in inventory order, as Ansible reads a host pattern.

    Terms are separated by ``:`` (or ``,``, needed when a term holds ``:``, as ``host:port``); a term is
    a group, a host name, a glob (``iris*``) or ``~regex``; ``&term`` keeps only hosts also in it, ``!term``
    drops its hosts. Unions first, then intersections, then exclusions. A term that matches nothing is an
    error (Ansible only warns): a typo must not quietly run on fewer servers than meant.
    """
    terms = [t.strip() for t in re.split("," if "," in limit else ":", limit)]
    if not limit.strip() or any(not t or t in ("!", "&") for t in terms):
        raise UsageError("--limit: an empty pattern; write groups or hosts separated by ':' or ','")
    union: List[str] = []
    keep: List[Set[str]] = []
    drop: Set[str] = set()
    for term in terms:
        sign, body = (term[0], term[1:]) if term[0] in "!&" else ("", term)
        names = _match(inventory, body)
        if not names:
            raise UsageError(f"--limit: {escape_controls(body)!r} matches no group or host of the inventory")
        if sign == "!":
            drop |= set(names)
        elif sign == "&":
            keep.append(set(names))
        else:
            union += [n for n in names if n not in union]
    if not union:
        union = list(inventory.groups.get("all", []))
    chosen = {n for n in union if all(n in k for k in keep) and n not in drop}
    targets = [t for t in inventory.targets if t.name in chosen]
    if not targets:
        raise UsageError(f"--limit: {escape_controls(limit)!r} leaves no server")
    return targets


def _match(inventory: Inventory, pattern: str) -> List[str]:
    groups = inventory.groups
    if pattern in ("all", "*"):
        return list(groups.get("all", []))
    if pattern in groups:
        return list(groups[pattern])
    found: List[str] = []
    if pattern.startswith("~"):
        try:
            regex = re.compile(pattern[1:])
        except re.error:
            raise UsageError("--limit: a ~pattern is a regular expression; this one is not valid") from None
        test = regex.match
    else:
        lowered = pattern.lower()

        def test(name: str):  # noqa: ANN202
            return fnmatch.fnmatchcase(name.lower(), lowered)
    for group, names in groups.items():
        if test(group):
            found += [n for n in names if n not in found]
    for target in inventory.targets:
        candidates = (target.name, target.host, target.alias)
        if any(c and test(c) for c in candidates) and target.name not in found:
            found.append(target.name)
    return found
