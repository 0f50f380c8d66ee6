"""``LiteTerminal.ScheduledCommandAdapter``: hands configured commands to its service on a schedule.

An Ens inbound adapter is polled every ``CallInterval`` seconds (inherited setting, default 5,
docs/settings.md §5); pyprod runs ``on_task`` on each poll (docs/pyprod-runtime.md §1.4).

* ``TimesOfDay`` empty: every poll hands each command to the service (so CallInterval is the period);
* ``TimesOfDay`` set (``"02:00,14:30"``): CallInterval is only the polling resolution, and the commands run
  once when a listed time passes (logic in ``adapters.schedule``).

Settings are read strictly in the constructor, which pyprod's OnInit runs when the item starts
(docs/pyprod-runtime.md §10): a bad TimesOfDay or CallInterval stops the item with one Event Log error
instead of failing on every poll (docs/settings.md §8). The Python instance lives as long as the item's job
(docs/pyprod-runtime.md §3), so the parsed schedule and the time of the previous poll are kept on it.
"""

iris_package_name = "LiteTerminal"

import datetime  # noqa: E402

from intersystems_pyprod import InboundAdapter, IRISLog, IRISProperty, Status  # noqa: E402

from adapters.iris_status import is_ok, status_text  # noqa: E402
from adapters.lite_terminal.lines import escape_controls  # noqa: E402
from adapters.schedule import read_schedule_settings  # noqa: E402
from adapters.settings import config_name  # noqa: E402


class ScheduledCommandAdapter(InboundAdapter):
    """Calls its business service with each configured command, every CallInterval or at set times."""

    Commands = IRISProperty(
        "", "str", "ObjectScript commands to run, one per line (lines starting with # are ignored)", "Basic"
    )
    TimesOfDay = IRISProperty(
        "", "str",
        "Comma-separated 24-hour times HH:MM, 00:00 to 23:59 (e.g. 02:00,14:30) to run the commands; "
        "empty runs them every CallInterval",
        "Basic",
    )

    def __init__(self, iris_host_object):
        """Runs when the item starts (pyprod's OnInit): strict settings, or the item does not start."""
        super().__init__(iris_host_object)
        host = iris_host_object
        self._schedule = read_schedule_settings(
            config_name(host, "LiteTerminal.ScheduledCommandAdapter"),
            {"Commands": self.Commands, "TimesOfDay": self.TimesOfDay,
             "CallInterval": getattr(host, "CallInterval", "")},
        )
        IRISLog.Info(escape_controls(self._schedule.describe()))

    def on_task(self):
        schedule = self._schedule
        now = datetime.datetime.now()
        if schedule.times:
            since = getattr(self, "_last_poll", None)
            self._last_poll = now
            if since is None or not schedule.due(since, now):
                return Status.OK()
        for command in schedule.commands:
            result = self.business_host_process_input(command)
            status = result[0] if isinstance(result, (tuple, list)) else result
            if not is_ok(status):
                # Carry on with the next command rather than stop the batch.
                IRISLog.Warning(escape_controls(
                    f"scheduled command did not complete: {command[:200]}: {status_text(status)}"))
        return Status.OK()
