"""The plain logic behind ``TerminalFleetProcess`` and the fleet check of ``ScheduledCommandService``.

Nothing here touches IRIS, so tests drive it directly. A BusinessProcess gets a fresh Python object on every
callback (docs/pyprod-runtime.md §3), so the run's state travels as one JSON string (:class:`FleetRun`) that
the process keeps in an IRISProperty between OnRequest and each OnResponse.

Sizes: that property is an IRIS string (at most 3,641,144 characters), so each target's output is kept in
the state, and in the FleetCommandResponse, only up to ``output_chars`` characters (and the whole state to
:data:`STATE_BUDGET`); grouping compares a hash of the *whole* output, so two outputs that differ only after
the cut are never grouped together. The target's own TerminalCommandResponse in the trace keeps its output.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from adapters.lite_terminal.fleet import (
    DEFAULT_MAX_CONCURRENCY,
    SKIPPED,
    FleetSchedule,
    count_statuses,
    fleet_status,
    group_outputs,
    parse_limit,
)

#: Characters of the state JSON the outputs may take together (below IRIS's 3,641,144-character strings).
STATE_BUDGET = 3_000_000
#: Default of the process's FleetOutputChars setting.
DEFAULT_OUTPUT_CHARS = 10000
#: Result fields, in the order the FleetCommandResponse lists them.
RESULT_FIELDS = ("Target", "Server", "Status", "Output", "Error", "ElapsedMs", "Namespace", "ServerVersion")


class FleetRefusal(ValueError):
    """The request cannot run: ``status`` is ``denied`` (not allowed) or ``invalid`` (wrong request or
    setting); ``reason`` says why for the response and the Event Log."""

    def __init__(self, status: str, reason: str, targets: Sequence[str] = ()) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
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
        raise FleetRefusal("invalid", "no targets: name them in the request's Targets or set the process's "
                                      "Targets setting")
    allowed = set(defaults) | set(split_names(allowed_extra))
    refused = [t for t in targets if t not in allowed]
    if refused:
        raise FleetRefusal(
            "denied",
            f"target(s) {', '.join(repr(t) for t in refused)} not in Targets or AllowedTargets "
            f"({', '.join(sorted(allowed)) or 'none set'})",
            targets,
        )
    return targets


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
            raise FleetRefusal("invalid", str(exc), targets) from None
    return int(out[0] or DEFAULT_MAX_CONCURRENCY), out[1]


def cut_output(output: str, limit: int) -> str:
    """``output`` up to ``limit`` characters, with a marker saying where the rest is."""
    if limit <= 0 or len(output) <= limit:
        return output
    return (output[:limit] + f"\n[fleet response keeps the first {limit} of {len(output)} characters; the "
            "target's own response in the trace has the output as the operation returned it]")


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
        per_target = STATE_BUDGET // max(1, len(self.schedule.targets))
        if self.output_chars <= 0 or self.output_chars > per_target:
            self.output_chars = per_target

    def record(self, target: str, result: Dict[str, Any]) -> None:
        """A target's outcome (a dict with RESULT_FIELDS); the schedule learns its status."""
        entry = {name: result.get(name, "" if name != "ElapsedMs" else 0) for name in RESULT_FIELDS}
        entry["Target"] = target
        output = str(entry["Output"] or "")
        self.digests[target] = hashlib.sha256(output.encode("utf-8", "surrogatepass")).hexdigest()
        entry["Output"] = cut_output(output, self.output_chars)
        self.results[target] = entry
        self.schedule.finish(target, str(entry["Status"]))

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
            "schedule": self.schedule.to_dict(), "command": self.command, "output_chars": self.output_chars,
            "started_at": self.started_at,
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
                entry.update(Target=target, Status=SKIPPED, ElapsedMs=0, Error=(
                    f"not run: {s.failures} target(s) failed and MaxErrors is {s.max_errors}"
                    if s.stopped else "not run: the fleet run ended before this target was started"))
            results.append(entry)
        statuses = [str(r["Status"]) for r in results]
        by_key = {r["Target"]: r for r in results}
        groups = [
            {"Status": status, "Output": by_key[names[0]]["Output"], "Targets": names}
            for status, _digest, names in group_outputs(
                (r["Target"], str(r["Status"]), self.digests.get(r["Target"], "")) for r in results
            )
        ]
        elapsed = (time.time() if now is None else now) - self.started_at
        return {
            "Command": self.command,
            "Status": fleet_status(statuses),
            "TargetCount": len(results),
            "NotOkCount": sum(1 for x in statuses if x != "ok"),
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
        dict(dict.fromkeys(RESULT_FIELDS, ""), Target=t, Status=refusal.status, Error=refusal.reason,
             ElapsedMs=0)
        for t in refusal.targets
    ]
    return {
        "Command": command, "Status": refusal.status, "TargetCount": len(results), "NotOkCount": len(results),
        "ElapsedMs": 0, "Counts": count_statuses(r["Status"] for r in results), "Results": results,
        "Groups": [{"Status": refusal.status, "Output": "", "Targets": list(refusal.targets)}]
        if results else [],
        "Error": refusal.reason, "PeakConcurrency": 0,
    }


def result_from_response(response: Any, target: str) -> Dict[str, Any]:
    """A result entry from a target's TerminalCommandResponse (or its absence)."""
    if response is None or response == "" or not hasattr(response, "Status"):
        return {"Target": target, "Status": "error", "Error": (
            f"{target} returned no response (see its error in the trace and the Event Log)")}
    out: Dict[str, Any] = {"Target": target}
    for name in RESULT_FIELDS[1:]:
        value = getattr(response, name, None)
        out[name] = (0 if name == "ElapsedMs" else "") if value is None else value
    out["Status"] = str(out["Status"] or "error")
    return out


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
        if status == "ok":
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
