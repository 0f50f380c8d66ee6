"""One command on many IRIS servers: scheduling, limits, grouping and ``run_on_servers``.

The plain parts here are shared by the client (:func:`run_on_servers`, threads) and the production's
``TerminalFleetProcess`` (asynchronous calls, state kept between callbacks as JSON):

* :func:`parse_limit` reads MaxConcurrency / MaxErrors, a count (``10``) or a percentage of the targets
  (``25%``, rounded up), as AWS Systems Manager Run Command does;
* :class:`FleetSchedule` decides which target may start now: at most ``max_concurrency`` running, and none
  new once ``max_errors`` targets have failed (those never started end as ``skipped``);
* :func:`group_results` is the one grouping rule (the production, :func:`run_on_servers` and the CLI):
  targets whose status and *whole* output are identical share a group, like ``dshbak -c``; an output that
  lost characters before it could be compared is grouped with no other; :func:`compress_names` writes
  ``iris1, iris2, iris3`` as ``iris[1-3]``;
* :func:`fleet_status`: ``ok`` when every target is ok, ``partial`` when some are, ``failed`` when none is.

:func:`run_on_servers` gives every worker thread its own :class:`LiteTerminal` per server: a session is
never shared between threads.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import errors
from .checks import ExpectError, compile_expect
from .contract import ConnectOptions, FleetStatus, Status, authority, classify, server_identity
from .errors import LOST_DETAIL
from .memory import Opener, open_terminal

#: MaxConcurrency when none is given (AWS Run Command's default is 50; ten sessions is kinder to a fleet).
DEFAULT_MAX_CONCURRENCY = 10
#: Per-target status of a target that was never started because MaxErrors was reached.
SKIPPED = Status.SKIPPED
#: Statuses that do not count as a failure towards MaxErrors.
NOT_FAILURES = (Status.OK, Status.SKIPPED)

Limit = Union[int, str, None]


# ---------------------------------------------------------------------------------------------------------
# Limits


def parse_limit(value: Limit, total: int, name: str, default: Optional[int] = None) -> Optional[int]:
    """A count from ``value``: ``"10"`` or ``10``, or ``"25%"`` of ``total`` rounded up (at least 1).

    Empty (``None``, ``""``) gives ``default`` (``None`` = no limit). Zero, negatives, more than 100 %
    and anything else raise ValueError naming the setting: a limit is never guessed.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number or a percentage such as 25%, not {value!r}")
    text = str(value).strip()
    match = re.fullmatch(r"(\d{1,9})(\s*%)?", text)
    if not match:
        raise ValueError(f"{name} must be a whole number or a percentage such as 25%, not {text!r}")
    number = int(match.group(1))
    if match.group(2):
        if not 0 < number <= 100:
            raise ValueError(f"{name} percentage must be between 1% and 100%, not {text!r}")
        return max(1, math.ceil(total * number / 100))
    if number < 1:
        raise ValueError(f"{name} must be at least 1 (leave it empty for the default), not {text!r}")
    return number


# ---------------------------------------------------------------------------------------------------------
# Scheduling


@dataclass
class FleetSchedule:
    """Which target starts next. Plain data, so a BusinessProcess can keep it as JSON between callbacks.

    ``take()`` hands out targets in order while fewer than ``max_concurrency`` run and fewer than
    ``max_errors`` have failed; ``finish()`` records an outcome. Once the error limit is reached, targets
    not yet started are ``skipped`` (those already running still finish and count).
    """

    targets: List[str]
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    max_errors: Optional[int] = None
    started: List[str] = field(default_factory=list)
    finished: Dict[str, str] = field(default_factory=dict)  # target -> status
    peak_running: int = 0

    def __post_init__(self) -> None:
        if len(set(self.targets)) != len(self.targets):
            raise ValueError("targets must be unique")
        if self.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if self.max_errors is not None and self.max_errors < 1:
            raise ValueError("max_errors must be at least 1 (None for no limit)")

    @property
    def running(self) -> int:
        return len(self.started) - sum(1 for t in self.started if t in self.finished)

    @property
    def failures(self) -> int:
        return sum(1 for s in self.finished.values() if s not in NOT_FAILURES)

    @property
    def stopped(self) -> bool:
        """True once MaxErrors targets have failed: nothing new starts."""
        return self.max_errors is not None and self.failures >= self.max_errors

    def take(self) -> Optional[str]:
        """The next target to start now, or None (limit reached, stopped, or none left)."""
        if self.stopped or self.running >= self.max_concurrency or len(self.started) >= len(self.targets):
            return None
        target = self.targets[len(self.started)]
        self.started.append(target)
        self.peak_running = max(self.peak_running, self.running)
        return target

    def take_all(self) -> List[str]:
        """Every target that may start now."""
        out = []
        target = self.take()
        while target is not None:
            out.append(target)
            target = self.take()
        return out

    def finish(self, target: str, status: str) -> None:
        if target not in self.started:
            raise ValueError(f"{target!r} was not started")
        if target in self.finished:
            raise ValueError(f"{target!r} already finished")
        self.finished[target] = status

    @property
    def skipped(self) -> List[str]:
        """Targets that will never start (only once the schedule is stopped)."""
        return self.targets[len(self.started):] if self.stopped else []

    @property
    def done(self) -> bool:
        """Nothing running and nothing more to start."""
        return self.running == 0 and (self.stopped or len(self.started) == len(self.targets))

    def to_dict(self) -> Dict[str, Any]:
        return {
            "targets": list(self.targets), "max_concurrency": self.max_concurrency,
            "max_errors": self.max_errors, "started": list(self.started), "finished": dict(self.finished),
            "peak_running": self.peak_running,
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> FleetSchedule:
        return cls(
            targets=[str(t) for t in data["targets"]], max_concurrency=int(data["max_concurrency"]),
            max_errors=None if data.get("max_errors") is None else int(data["max_errors"]),
            started=[str(t) for t in data.get("started", [])],
            finished={str(k): str(v) for k, v in dict(data.get("finished", {})).items()},
            peak_running=int(data.get("peak_running", 0)),
        )


# ---------------------------------------------------------------------------------------------------------
# Summaries


def fleet_status(statuses: Iterable[str]) -> FleetStatus:
    """``ok`` when every target is ok, ``partial`` when some are, ``failed`` when none is (or no targets)."""
    values = list(statuses)
    ok = sum(1 for s in values if s == Status.OK)
    if values and ok == len(values):
        return FleetStatus.OK
    return FleetStatus.PARTIAL if ok else FleetStatus.FAILED


def count_statuses(statuses: Iterable[str]) -> Dict[str, int]:
    """Targets per status, most frequent first (ties by name), for counts and one-line summaries."""
    counts: Dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def group_results(entries: Iterable[Tuple[str, str, str, int]]) -> List[Tuple[str, str, List[str]]]:
    """The one grouping rule: ``(name, status, whole, dropped)`` entries as ``(status, whole, names)``
    groups, like ``dshbak -c``, in order of first appearance.

    ``whole`` is the whole output as it was compared (or a digest of it: the fleet process keeps a hash of
    each whole output, not the output), ``dropped`` how many characters of it were lost before anyone could
    compare them (cut from the middle by ``max_output_chars`` / MaxOutputChars). Targets share a group only
    when their statuses are the same and their whole outputs are known to be identical: an ``ok`` and an
    ``error`` that wrote the same text are different outcomes, and an output that lost characters is known
    only in part, so it is grouped with no other (two outputs cut alike may differ in what was dropped).
    """
    groups: Dict[Tuple[str, str, str], List[str]] = {}
    for name, status, whole, dropped in entries:
        alone = name if int(dropped or 0) > 0 else ""
        groups.setdefault((str(status), whole, alone), []).append(name)
    return [(status, whole, names) for (status, whole, _alone), names in groups.items()]


def group_outputs(entries: Iterable[Tuple[str, str, str]]) -> List[Tuple[str, str, List[str]]]:
    """:func:`group_results` for ``(name, status, output)`` entries whose outputs are whole."""
    return group_results((name, status, output, 0) for name, status, output in entries)


_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def compress_names(names: Sequence[str]) -> str:
    """``iris1, iris2, iris3, iris5, db`` -> ``db, iris[1-3,5]`` (dshbak -c style host lists)."""
    plain: List[str] = []
    numbered: Dict[Tuple[str, int], List[Tuple[int, str]]] = {}
    for name in names:
        match = _NUMBERED.match(name)
        if not match:
            plain.append(name)
            continue
        prefix, digits = match.groups()
        width = len(digits) if digits.startswith("0") and len(digits) > 1 else 0
        numbered.setdefault((prefix, width), []).append((int(digits), digits))
    parts = list(plain)
    for (prefix, _width), numbers in numbered.items():
        numbers = sorted(set(numbers))
        if len(numbers) == 1:
            parts.append(prefix + numbers[0][1])
            continue
        ranges: List[str] = []
        start = prev = numbers[0]
        for current in numbers[1:] + [None]:  # type: ignore[list-item]
            if current is not None and current[0] == prev[0] + 1:
                prev = current
                continue
            ranges.append(start[1] if start == prev else f"{start[1]}-{prev[1]}")
            if current is not None:
                start = prev = current
        parts.append(f"{prefix}[{','.join(ranges)}]")
    return ", ".join(sorted(parts))


def summary_line(counts: Dict[str, int], elapsed: float) -> str:
    """``5 targets: 3 ok, 1 error, 1 skipped in 1.24 s``."""
    total = sum(counts.values())
    detail = ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing run"
    return f"{total} target{'' if total == 1 else 's'}: {detail} in {elapsed:.2f} s"


# ---------------------------------------------------------------------------------------------------------
# Client: run_on_servers


@dataclass(frozen=True)
class Server:
    """One IRIS server of a fleet; ``name`` labels it in results (default ``host:port``)."""

    host: str
    port: int = 52773
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or authority(self.host, self.port)


@dataclass(frozen=True)
class ServerResult:
    """What one server did; ``status`` is a command status, ``unreachable``, ``invalid``, ``mismatch`` or
    ``skipped``."""

    server: str
    status: str
    output: str = ""
    error: str = ""
    namespace: str = ""
    elapsed: float = 0.0
    server_version: str = ""
    output_dropped: int = 0  # characters of the output not kept (max_output_chars), so not compared
    warning: str = ""  # the client's: frames of other commands set aside, the session back in step

    @property
    def ok(self) -> bool:
        return self.status == Status.OK


@dataclass(frozen=True)
class OutputGroup:
    """Servers whose status and output are identical."""

    status: str
    output: str
    servers: Tuple[str, ...]


@dataclass(frozen=True)
class FleetResult:
    """One result per server (in the order given), groups, counts per status and the overall status."""

    command: str
    status: str  # ok | partial | failed
    results: Tuple[ServerResult, ...]
    groups: Tuple[OutputGroup, ...]
    counts: Tuple[Tuple[str, int], ...]
    elapsed: float
    peak_concurrency: int = 0

    @property
    def summary(self) -> str:
        return summary_line(dict(self.counts), self.elapsed)

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready, with the production's FleetCommandResponse field names."""
        return {
            "Command": self.command,
            "Status": str(self.status),
            "Counts": {str(status): n for status, n in self.counts},
            "Results": [
                {"Target": r.server, "Status": str(r.status), "Output": r.output, "Error": r.error,
                 "Namespace": r.namespace, "ElapsedMs": int(round(r.elapsed * 1000)),
                 "ServerVersion": r.server_version, "OutputDropped": r.output_dropped}
                for r in self.results
            ],
            "Groups": [
                {"Status": str(g.status), "Output": g.output, "Targets": list(g.servers)}
                for g in self.groups
            ],
            "ElapsedMs": int(round(self.elapsed * 1000)),
        }


ServerSpec = Union[str, Tuple[str, int], Server]


def refuse_duplicates(servers: Sequence[Server], path_prefix: str = "") -> None:
    """ValueError naming every server given twice: the one identity of a server
    (``contract.server_identity``: host case, a trailing dot, IPv6 brackets and spelling, the default port)
    or the same label. Used by :func:`run_on_servers` and the CLI, wherever duplicates are refused."""
    seen: Dict[Any, str] = {}
    labels: Dict[str, int] = {}
    duplicates: List[str] = []
    for server in servers:
        label = server.label
        identity = server_identity(server.host, server.port, path_prefix)
        if identity in seen:
            first = seen[identity]
            duplicates.append(f"{first} and {label}" if first != label else label)
        elif label in labels:
            duplicates.append(label)
        seen.setdefault(identity, label)
        labels[label] = 1
    if duplicates:
        raise ValueError(f"servers given twice: {', '.join(duplicates)}")


def as_server(spec: ServerSpec, default_port: int = 52773) -> Server:
    """``"host"``, ``"host:port"``, ``"[::1]:port"``, ``(host, port)`` or a Server."""
    if isinstance(spec, Server):
        return spec
    if isinstance(spec, tuple):
        host, port = spec
        return Server(str(host), int(port))
    text = str(spec).strip()
    match = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?|([^:\s]+)(?::(\d+))?", text)
    if not text or not match:
        raise ValueError(f"not a server: {spec!r} (use host, host:port or [ipv6]:port)")
    host = match.group(1) or match.group(3)
    port = match.group(2) or match.group(4)
    return Server(host, int(port) if port else default_port)


def run_on_servers(
    servers: Sequence[ServerSpec],
    command: str,
    *,
    username: str,
    password: str,
    namespace: str = "USER",
    tls: bool = False,
    verify: Union[bool, str] = True,
    path_prefix: str = "",
    connect_timeout: Optional[float] = 5.0,
    response_timeout: Optional[float] = 30.0,
    timeout: Optional[float] = None,
    input_lines: Sequence[str] = (),
    expect: str = "",
    max_concurrency: Limit = DEFAULT_MAX_CONCURRENCY,
    max_errors: Limit = None,
    opener: Optional[Opener] = None,
    max_output_chars: Optional[int] = None,
) -> FleetResult:
    """Run ``command`` on every server, at most ``max_concurrency`` at once; one result per server.

    Each server gets its own session, opened and closed by the worker thread that runs it (a session is
    never shared between threads). Once ``max_errors`` servers have failed no new server is started and
    the rest are ``skipped``. Statuses come from ``contract.classify``: failures to connect are
    ``unreachable``, a dropped connection ``lost`` (may or may not have run; never re-sent), an ``ok`` whose
    output does not match ``expect`` a ``mismatch``. ``max_output_chars`` goes to each ``execute`` (start
    and end of a longer output kept). ``opener`` opens each session (default: a LiteTerminal; tests pass
    ``MemoryTerminal.opener()``). Bad arguments (servers, limits, ``expect``) raise ValueError before any
    server is contacted; two spellings of one server (``HOST:1``, ``host:1``) are refused as duplicates.
    """
    parsed = [as_server(s) for s in servers]
    if not parsed:
        raise ValueError("no servers given")
    refuse_duplicates(parsed, path_prefix)
    labels = [s.label for s in parsed]
    try:
        compile_expect(expect or "")
    except ExpectError as exc:
        raise ValueError(str(exc)) from None
    concurrency = parse_limit(max_concurrency, len(parsed), "max_concurrency", DEFAULT_MAX_CONCURRENCY)
    schedule = FleetSchedule(
        labels, concurrency or DEFAULT_MAX_CONCURRENCY, parse_limit(max_errors, len(parsed), "max_errors")
    )
    by_label = dict(zip(labels, parsed))
    results: Dict[str, ServerResult] = {}
    lock = threading.Lock()
    base = ConnectOptions(host="", namespace=namespace, tls=tls, verify=verify, path_prefix=path_prefix,
                          connect_timeout=connect_timeout, response_timeout=response_timeout,
                          max_output_chars=max_output_chars)
    open_session: Opener = opener or open_terminal

    def run_one(server: Server) -> ServerResult:
        began = time.monotonic()
        try:
            term = open_session(base.replace(host=server.host, port=server.port), username, password)
            try:
                term.connect()
                result = term.execute(command, timeout=timeout, input_lines=list(input_lines),
                                      max_output_chars=max_output_chars)
            finally:
                term.close()
        except errors.TerminalError as exc:
            verdict = classify(exc)
            error = str(exc) if verdict.status is not Status.LOST else f"{exc}; {LOST_DETAIL}"
            return ServerResult(server.label, verdict.status, error=f"{type(exc).__name__}: {error}",
                                elapsed=time.monotonic() - began)
        verdict = classify(result, expect)
        return ServerResult(
            server.label, verdict.status, str(result.output or ""), verdict.error,
            str(result.namespace or ""), float(result.elapsed or 0.0), str(result.server_version or ""),
            max(0, int(result.output_dropped or 0)), str(getattr(result, "warning", "") or ""),
        )

    def worker() -> None:
        while True:
            with lock:
                label = schedule.take()
            if label is None:
                return
            try:
                outcome = run_one(by_label[label])
            except Exception as exc:  # noqa: BLE001  one server's bug must not lose the others' results
                outcome = ServerResult(label, Status.LOST,
                                       error=f"{type(exc).__name__}: {exc}; {LOST_DETAIL}")
            with lock:
                results[label] = outcome
                schedule.finish(label, outcome.status)

    began = time.monotonic()
    threads = [
        threading.Thread(target=worker, name=f"lite-terminal-fleet-{i}", daemon=True)
        for i in range(min(schedule.max_concurrency, len(parsed)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    for label in labels:
        if label not in results:
            results[label] = ServerResult(label, SKIPPED, error=(
                f"not run: {schedule.failures} server(s) failed, MaxErrors is {schedule.max_errors}"
            ))
    ordered = tuple(results[label] for label in labels)
    groups = tuple(
        OutputGroup(status, output, tuple(names))
        for status, output, names in group_results(
            (r.server, r.status, r.output, r.output_dropped) for r in ordered)
    )
    return FleetResult(
        command=command,
        status=fleet_status(r.status for r in ordered),
        results=ordered,
        groups=groups,
        counts=tuple(count_statuses(r.status for r in ordered).items()),
        elapsed=elapsed,
        peak_concurrency=schedule.peak_running,
    )
