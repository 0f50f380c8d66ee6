"""Times-of-day scheduling for ``ScheduledCommandAdapter`` (plain Python, unit-tested without IRIS).

IRIS's own item ``Schedule`` only starts and stops an item; it is not a cron (docs/settings.md §5). So the
adapter polls on ``CallInterval`` and asks :func:`due_times` which listed times of day fell in the interval
since its previous poll. A time passes once per day; the first poll after start-up only sets the mark (a
production started at 15:00 does not run the 02:00 commands).

``TimesOfDay`` is strictly ``HH:MM[,HH:MM...]`` from 00:00 to 23:59; anything else stops the item when it
starts (:func:`read_schedule_settings`), never on each poll.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, List, Mapping, Tuple

from adapters.lite_terminal.errors import ConfigurationError
from adapters.settings import SettingsReader, parse_times_of_day, times_of_day_problem

#: Ens.InboundAdapter's CallInterval: seconds between polls (IRIS's minimum is 0.1, docs/settings.md §5).
MIN_CALL_INTERVAL = 0.1
MAX_CALL_INTERVAL = 86400


class ScheduleError(ConfigurationError):
    """A TimesOfDay value is not ``HH:MM[,HH:MM...]``."""


@dataclass(frozen=True)
class Schedule:
    """What the adapter runs and when, read once when the item starts."""

    commands: Tuple[str, ...]
    times: Tuple[_dt.time, ...]  # empty: every CallInterval
    call_interval: float

    def due(self, since: _dt.datetime, now: _dt.datetime) -> List[_dt.datetime]:
        return due_times(list(self.times), since, now)

    def describe(self) -> str:
        """What the item will do, for the Event Log when it starts (an empty TimesOfDay is never silent)."""
        if not self.commands:
            return "Commands is empty: this item runs nothing until commands are added"
        what = f"{len(self.commands)} command{'s' if len(self.commands) != 1 else ''}"
        if not self.times:
            return f"runs {what} every CallInterval={self.call_interval:g} s (TimesOfDay is empty)"
        at = ",".join(t.strftime("%H:%M") for t in self.times)
        return f"runs {what} at {at} each day (checked every CallInterval={self.call_interval:g} s)"


def read_schedule_settings(item: str, values: Mapping[str, Any]) -> Schedule:
    """Commands, TimesOfDay and CallInterval, strictly; ``SettingsError`` names every bad one."""
    reader = SettingsReader(item, values)
    commands = split_commands(reader.text("Commands"))
    times = reader.rule("TimesOfDay", times_of_day_problem)
    interval = reader.number(
        "CallInterval",
        f"set CallInterval to the seconds between polls, {MIN_CALL_INTERVAL}-{MAX_CALL_INTERVAL} "
        "(e.g. 5; with TimesOfDay it is how late after a listed time the commands may start)",
        MIN_CALL_INTERVAL, MAX_CALL_INTERVAL)
    reader.check()
    return Schedule(tuple(commands), tuple(parse_times(times)), float(interval or 0))


def parse_times(text: str) -> List[_dt.time]:
    """``"02:00,14:30"`` -> sorted times; ``""`` -> []. Raises ScheduleError saying what to write."""
    try:
        return [_dt.time(h, m) for h, m in parse_times_of_day(text or "")]
    except ValueError as exc:
        raise ScheduleError(str(exc)) from None


def due_times(times: List[_dt.time], since: _dt.datetime, now: _dt.datetime) -> List[_dt.datetime]:
    """The moments of ``times`` in the half-open interval ``(since, now]``, oldest first."""
    if now <= since:
        return []
    due = []
    day = since.date()
    while day <= now.date():
        for t in times:
            moment = _dt.datetime.combine(day, t)
            if since < moment <= now:
                due.append(moment)
        day += _dt.timedelta(days=1)
    return due


def split_commands(text: str) -> List[str]:
    """One command per non-blank line (CR LF, LF or CR); lines starting with ``#`` are comments.

    Only CR and LF end a line, as for the server (adapters/lite_terminal/lines.py): a U+2028 or form feed
    inside a line stays in it, and the policy refuses it, instead of silently making two commands.
    """
    lines = (line.strip() for line in re.split(r"\r\n|\r|\n", text or ""))
    return [line for line in lines if line and not line.startswith("#")]
