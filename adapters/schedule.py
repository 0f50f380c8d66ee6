"""Times-of-day scheduling for ``ScheduledCommandAdapter`` (plain Python, unit-tested without IRIS).

IRIS's own item ``Schedule`` only starts and stops an item; it is not a cron
(docs/settings.md §5). So the adapter polls on ``CallInterval`` and asks :func:`due_times` which listed times
of day fell in the interval since its previous poll. A time passes once per day; the first poll after start-up
only sets the mark (a production started at 15:00 does not run the 02:00 commands).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import List

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


class ScheduleError(ValueError):
    """A TimesOfDay entry is not HH:MM or HH:MM:SS."""


def parse_times(text: str) -> List[_dt.time]:
    """``"02:00, 14:30"`` -> sorted times; blank -> []. Raises ScheduleError naming the bad entry."""
    times = []
    for part in re.split(r"[,\s]+", text or ""):
        if not part:
            continue
        m = _TIME.match(part)
        if not m:
            raise ScheduleError(f"TimesOfDay: {part!r} is not HH:MM or HH:MM:SS (24-hour clock)")
        times.append(_dt.time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)))
    return sorted(set(times))


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
    """One command per non-blank line; lines starting with ``#`` are comments."""
    lines = (line.strip() for line in (text or "").splitlines())
    return [line for line in lines if line and not line.startswith("#")]
