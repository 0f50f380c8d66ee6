"""The plain logic behind ``TerminalFleetProcess`` and the fleet check of ``ScheduledCommandService``.

Nothing here touches IRIS, so tests drive it directly. A BusinessProcess gets a fresh Python object on every
callback (docs/pyprod-runtime.md §3), so the run's state travels as one JSON string (:class:`FleetRun`) that
the process keeps in an IRISProperty between OnRequest and each OnResponse.

Sizes: that property is an IRIS string (at most 3,641,144 characters), and the state is JSON, where one
character of output can take 6 or 12 (``adapters.iris_strings``). So every budget here is in *encoded*
characters: each target's output is kept in the state, and in the FleetCommandResponse, only up to
``output_chars`` encoded characters, every other field of a result to a fixed bound, and the whole state
stays under :data:`STATE_BUDGET`. Grouping (``adapters.lite_terminal.fleet.group_results``, the one rule)
compares a hash of the *whole* output as the operation returned it, so two outputs that differ only after
the cut are never grouped together; each result says how many characters it lost (``OutputDropped``). The
target's own TerminalCommandResponse in the trace keeps its output.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from adapters.iris_strings import cut_to_json_length, json_length
from adapters.lite_terminal.contract import Status, authority
from adapters.lite_terminal.errors import Refused
from adapters.lite_terminal.fleet import (
    DEFAULT_MAX_CONCURRENCY,
    SKIPPED,
    FleetSchedule,
    count_statuses,
    fleet_status,
    group_results,
    parse_limit,
)

#: Encoded characters the whole state may take (IRIS's longest string is 3,641,144).
STATE_BUDGET = 3_000_000
#: Default of the process's FleetOutputChars setting.
DEFAULT_OUTPUT_CHARS = 10000
#: Result fields, in the order the FleetCommandResponse lists them.
RESULT_FIELDS = ("Target", "Server", "Status", "Output", "Error", "ElapsedMs", "Namespace", "ServerVersion",
                 "OutputDropped")
#: Encoded characters kept of a result's Error, of its other text fields, and of the command in the state.
ERROR_CHARS = 1000
FIELD_CHARS = 128
COMMAND_CHARS = 20000
#: Encoded characters a result line takes besides its Output: Error, the other fields, digest, JSON syntax.
ENTRY_RESERVE = ERROR_CHARS + 6 * FIELD_CHARS + 64 + 300
#: Fewest output characters per target worth running a fleet for; more targets than fit are refused.
MIN_OUTPUT_CHARS = 100


class FleetRefusal(Refused, ValueError):
    """The request cannot run: ``status`` is ``denied`` (not allowed) or ``invalid`` (wrong request or
    setting); ``reason`` says why for the response and the Event Log."""

    def __init__(self, status: Status, reason: str, targets: Sequence[str] = ()) -> None:
        super().__init__(Status.of(status).value, reason)
        self.status = Status.of(status)
        self.targets = list(targets)


def split_names(value: Any) -> List[str]:
    """Config item names from a comma-separated string (or a list), blanks dropped, duplicates once."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    names: List[str] = []
    for item in items:
        name = str(item).strip()
        if name and name not in names:
            names.append(name)
    return names


def plan_targets(requested: Any, default_targets: Any, allowed_extra: Any) -> List[str]:
    """The targets to run on: the request's, else the process's Targets; each must be one of Targets or
    AllowedTargets (FleetRefusal ``denied`` names the others; ``invalid`` when there are none)."""
    defaults = split_names(default_targets)
    targets = split_names(requested) or defaults
    if not targets:
        raise FleetRefusal(Status.INVALID, "no targets: name them in the request's Targets or set the "
                                           "process's Targets setting")
    allowed = set(defaults) | set(split_names(allowed_extra))
    refused = [t for t in targets if t not in allowed]
    if refused:
        raise FleetRefusal(
            Status.DENIED,
            f"target(s) {', '.join(repr(t) for t in refused)} not in Targets or AllowedTargets "
            f"({', '.join(sorted(allowed)) or 'none set'})",
            targets,
        )
    return targets


def same_server_problem(identities: Dict[str, Tuple[str, int, str]]) -> str:
    """Why the targets cannot run together ("" when they can): two of them reach one server
    (``contract.server_identity`` of their Server, Port and PathPrefix), so the command would run on it twice.
    ``identities`` holds only the targets whose server is known (see TerminalFleetProcess)."""
    seen: Dict[Tuple[str, int, str], str] = {}
    pairs = []
    for name, identity in identities.items():
        if identity in seen:
            where = authority(identity[0], identity[1]) + identity[2]
            pairs.append(f"{seen[identity]!r} and {name!r} ({where})")
        else:
            seen[identity] = name
    if not pairs:
        return ""
    return (f"targets {', '.join(pairs)} are the same IRIS server: the command would run on it twice; name "
            "each server once (one operation per server) in Targets and the request's Targets")


def plan_limits(targets: Sequence[str], request_values: Tuple[Any, Any],
                setting_values: Tuple[Any, Any]) -> Tuple[int, Optional[int]]:
    """MaxConcurrency and MaxErrors as counts: the request's values, else the settings' (FleetRefusal
    ``invalid`` names the field or setting that is wrong)."""
    out: List[Optional[int]] = []
    for name, asked, setting, default in zip(
        ("MaxConcurrency", "MaxErrors"), request_values, setting_values, (DEFAULT_MAX_CONCURRENCY, None)
    ):
        use_request = asked not in (None, "") and str(asked).strip() != ""
        value, where = (asked, f"request field {name}") if use_request else (setting, f"setting {name}")
        try:
            out.append(parse_limit(value, len(targets), where, default))
        except ValueError as exc:
            raise FleetRefusal(Status.INVALID, str(exc), targets) from None
    return int(out[0] or DEFAULT_MAX_CONCURRENCY), out[1]


def cut_output(output: str, limit: int) -> Tuple[str, int]:
    """``output`` up to ``limit`` encoded characters (its JSON length), with a marker saying where the rest
    is, and how many characters were left out."""
    if limit <= 0:
        return output, 0
    kept, dropped = cut_to_json_length(output, limit)
    if not dropped:
        return output, 0
    return (kept + f"\n[fleet response keeps the first {len(kept)} of {len(output)} characters; the "
            "target's own response in the trace has the output as the operation returned it]"), dropped


def output_share(targets: Sequence[str], command: str = "") -> int:
    """Encoded output characters each target may keep in the state so the whole state fits an IRIS string:
    the budget less the run's line and every result line's other fields, shared equally."""
    names = json_length(",".join(targets)) + 8 * len(targets)
    head = min(COMMAND_CHARS, json_length(command[:COMMAND_CHARS])) + 40 + 4 * names + 600
    count = max(1, len(targets))
    return (STATE_BUDGET - head - count * ENTRY_RESERVE) // count


def max_targets() -> int:
    """Most targets one fleet run may have, each keeping at least MIN_OUTPUT_CHARS of output."""
    return STATE_BUDGET // (ENTRY_RESERVE + MIN_OUTPUT_CHARS + 200)


def _bounded(value: Any, limit: int) -> str:
    text = str(value or "")
    kept, dropped = cut_to_json_length(text, limit)
    return kept + (f" [{dropped} more characters not kept]" if dropped else "")


@dataclass
class FleetRun:
    """One fleet request in progress: the schedule, each finished target's result, and timing.

    The state text is one JSON line for the run (schedule, command, limits, start time) followed by one JSON
    line per finished target. Each reply parses only the first line and appends one line, so a reply costs
    the same on the 50th target as on the first; the result lines are read once, when the run is answered.
    """

    schedule: FleetSchedule
    command: str
    output_chars: int = DEFAULT_OUTPUT_CHARS
    started_at: float = field(default_factory=time.time)
    results: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    digests: Dict[str, str] = field(default_factory=dict)
    #: result lines read from the state and not parsed yet (see :meth:`load_results`)
    kept_lines: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        per_target = output_share(self.schedule.targets, self.command)
        if per_target < MIN_OUTPUT_CHARS:
            raise FleetRefusal(Status.INVALID, (
                f"{len(self.schedule.targets)} targets are more than one fleet run can hold in an IRIS "
                f"string (at most {max_targets()}): split them over several requests"),
                self.schedule.targets)
        if self.output_chars <= 0 or self.output_chars > per_target:
            self.output_chars = per_target

    def record(self, target: str, result: Dict[str, Any]) -> None:
        """A target's outcome (a dict with RESULT_FIELDS); the schedule learns its status.

        The digest is of the whole output as the operation returned it; ``OutputDropped`` adds what the
        operation had already dropped (MaxOutputChars) to what this cut leaves out."""
        entry = {name: result.get(name, 0 if name in ("ElapsedMs", "OutputDropped") else "")
                 for name in RESULT_FIELDS}
        entry["Target"] = target
        output = str(entry["Output"] or "")
        self.digests[target] = hashlib.sha256(output.encode("utf-8", "surrogatepass")).hexdigest()
        entry["Output"], cut = cut_output(output, self.output_chars)
        entry["OutputDropped"] = _count(entry["OutputDropped"]) + cut
        entry["Unseen"] = _count(result.get("OutputDropped"))  # dropped before the digest: not comparable
        entry["ElapsedMs"] = _count(entry["ElapsedMs"])
        entry["Status"] = _status_word(entry["Status"])
        entry["Error"] = _bounded(entry["Error"], ERROR_CHARS)
        for name in ("Target", "Server", "Namespace", "ServerVersion"):
            entry[name] = _bounded(entry[name], FIELD_CHARS)
        self.results[target] = entry
        self.schedule.finish(target, entry["Status"])

    def load_results(self) -> None:
        """Parse the result lines kept from the state into :attr:`results` and :attr:`digests`."""
        for line in self.kept_lines.split("\n"):
            if not line:
                continue
            target, entry, digest = json.loads(line)
            self.results.setdefault(target, entry)
            self.digests.setdefault(target, digest)
        self.kept_lines = ""

    def to_json(self) -> str:
        head = json.dumps({
            "schedule": self.schedule.to_dict(), "command": _bounded(self.command, COMMAND_CHARS),
            "output_chars": self.output_chars, "started_at": self.started_at,
        })
        # json.dumps escapes line breaks inside strings, so each line is one whole JSON value
        fresh = "".join(
            json.dumps([target, entry, self.digests.get(target, "")]) + "\n"
            for target, entry in self.results.items()
        )
        return head + "\n" + self.kept_lines + fresh

    @classmethod
    def from_json(cls, text: str) -> FleetRun:
        head, _, lines = text.partition("\n")
        data = json.loads(head)
        return cls(
            schedule=FleetSchedule.from_dict(data["schedule"]), command=str(data["command"]),
            output_chars=int(data["output_chars"]), started_at=float(data["started_at"]), kept_lines=lines,
        )

    def response_fields(self, now: Optional[float] = None) -> Dict[str, Any]:
        """The FleetCommandResponse's fields once the run is done (skipped targets filled in)."""
        self.load_results()
        s = self.schedule
        results: List[Dict[str, Any]] = []
        for target in s.targets:
            entry = self.results.get(target)
            if entry is None:
                entry = dict.fromkeys(RESULT_FIELDS, "")
                entry.update(Target=target, Status=SKIPPED.value, ElapsedMs=0, OutputDropped=0, Error=(
                    f"not run: {s.failures} target(s) failed and MaxErrors is {s.max_errors}"
                    if s.stopped else "not run: the fleet run ended before this target was started"))
            results.append(entry)
        unseen = {r["Target"]: _count(r.get("Unseen", 0)) for r in results}
        results = [{name: r.get(name, "") for name in RESULT_FIELDS} for r in results]
        statuses = [str(r["Status"]) for r in results]
        by_key = {r["Target"]: r for r in results}
        groups = [
            {"Status": status, "Output": by_key[names[0]]["Output"], "Targets": names}
            for status, _digest, names in group_results(
                (r["Target"], str(r["Status"]), self.digests.get(r["Target"], ""), unseen[r["Target"]])
                for r in results
            )
        ]
        elapsed = (time.time() if now is None else now) - self.started_at
        return {
            "Command": self.command,
            "Status": fleet_status(statuses).value,
            "TargetCount": len(results),
            "NotOkCount": sum(1 for x in statuses if x != Status.OK),
            "ElapsedMs": max(0, int(round(elapsed * 1000))),
            "Counts": count_statuses(statuses),
            "Results": results,
            "Groups": groups,
            "Error": "",
            "PeakConcurrency": s.peak_running,
        }


def refusal_fields(command: str, refusal: FleetRefusal) -> Dict[str, Any]:
    """The FleetCommandResponse's fields for a request refused before any target was contacted."""
    results = [
        dict(dict.fromkeys(RESULT_FIELDS, ""), Target=t, Status=refusal.status.value, Error=refusal.reason,
             ElapsedMs=0, OutputDropped=0)
        for t in refusal.targets
    ]
    return {
        "Command": command, "Status": refusal.status.value, "TargetCount": len(results),
        "NotOkCount": len(results),
        "ElapsedMs": 0, "Counts": count_statuses(r["Status"] for r in results), "Results": results,
        "Groups": [{"Status": refusal.status.value, "Output": "", "Targets": list(refusal.targets)}]
        if results else [],
        "Error": refusal.reason, "PeakConcurrency": 0,
    }


def result_from_response(response: Any, target: str) -> Dict[str, Any]:
    """A result entry from a target's TerminalCommandResponse (or its absence)."""
    if response is None or response == "" or not hasattr(response, "Status"):
        return {"Target": target, "Status": Status.ERROR.value, "Error": (
            f"{target} returned no response (see its error in the trace and the Event Log)")}
    out: Dict[str, Any] = {"Target": target}
    for name in RESULT_FIELDS[1:]:
        value = getattr(response, name, None)
        out[name] = (0 if name in ("ElapsedMs", "OutputDropped") else "") if value is None else value
    out["Status"] = str(out["Status"] or Status.ERROR.value)
    return out


def _count(value: Any) -> int:
    """A non-negative whole number from a message field (anything else is 0)."""
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _status_word(value: Any) -> str:
    """A result's Status as its word: a Status, or ``error`` for anything that is not one (a target that
    answered with something else did not say what happened, and an unknown word must not reach counts)."""
    try:
        return Status.of(value).value
    except ValueError:
        return Status.ERROR.value


# ---------------------------------------------------------------------------------------------------------
# Alerts on change (ScheduledCommandService)

#: The key under which a check that could not run at all (denied, invalid, no response) is tracked.
WHOLE_CHECK = "(the check itself)"


def alert_changes(
    previous: Dict[str, str], outcomes: Iterable[Tuple[str, str, str]], what: str
) -> Tuple[Dict[str, str], List[str]]:
    """Compare this cycle's ``(target, status, reason)`` with the last known bad statuses.

    Returns the new state (target -> bad status; ok targets are not kept) and the alert texts: one when a
    target goes bad (it was ok or unknown), one when a bad target is ok again, nothing while it stays bad or
    stays ok. ``skipped`` says nothing about a target, so its state is kept as it was.
    """
    state = dict(previous)
    alerts: List[str] = []
    for target, status, reason in outcomes:
        was = previous.get(target)
        if status == SKIPPED:
            continue
        if status == Status.OK:
            if was is not None:
                alerts.append(f"{what} on {target} recovered: ok again (was {was})")
                state.pop(target, None)
            continue
        if was is None:
            detail = f": {reason}" if reason else ""
            alerts.append(f"{what} on {target} failed: {status}{detail}")
        state[target] = status
    return state, alerts


def load_alert_state(text: str) -> Dict[str, Dict[str, str]]:
    """The service's alert state (command -> target -> bad status); unreadable state starts afresh."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): {str(t): str(s) for t, s in v.items()} for k, v in data.items() if isinstance(v, dict)}
