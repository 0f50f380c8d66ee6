"""``LiteTerminal.ScheduledCommandAdapter``: hands configured commands to its service on a schedule.

An Ens inbound adapter is polled every ``CallInterval`` seconds (inherited setting, default 5,
docs/settings.md §5); pyprod runs ``on_task`` on each poll (docs/pyprod-runtime.md §1.4).

* ``TimesOfDay`` empty: every poll hands each command to the service (so CallInterval is the period);
* ``TimesOfDay`` set (``"02:00,14:30"``): CallInterval is only the polling resolution, and the commands run
  once when a listed time passes (logic in ``adapters.schedule``).

The Python instance lives as long as the item's job (docs/pyprod-runtime.md §3), so the time of the previous
poll is kept on it.
"""

iris_package_name = "LiteTerminal"

import datetime  # noqa: E402

from intersystems_pyprod import InboundAdapter, IRISLog, IRISProperty, Status  # noqa: E402

from adapters.iris_status import is_ok, status_text  # noqa: E402
from adapters.schedule import ScheduleError, due_times, parse_times, split_commands  # noqa: E402


class ScheduledCommandAdapter(InboundAdapter):
    """Calls its business service with each configured command, every CallInterval or at set times."""

    Commands = IRISProperty(
        "", "str", "ObjectScript commands to run, one per line (lines starting with # are ignored)", "Basic"
    )
    TimesOfDay = IRISProperty(
        "", "str",
        "Comma-separated times of day (24-hour HH:MM) to run the commands; "
        "empty runs them every CallInterval",
        "Basic",
    )

    def on_task(self):
        try:
            times = parse_times(self.TimesOfDay)
        except ScheduleError as exc:
            IRISLog.Error(f"{exc}; no command was run")
            return Status.ERROR(str(exc))
        now = datetime.datetime.now()
        if times:
            since = getattr(self, "_last_poll", None)
            self._last_poll = now
            if since is None or not due_times(times, since, now):
                return Status.OK()
        for command in split_commands(self.Commands):
            result = self.business_host_process_input(command)
            status = result[0] if isinstance(result, (tuple, list)) else result
            if not is_ok(status):
                # Carry on with the next command rather than stop the batch.
                IRISLog.Warning(f"scheduled command did not complete: {command[:200]}: {status_text(status)}")
        return Status.OK()
