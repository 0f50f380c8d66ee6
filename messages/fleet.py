"""Messages for running one command on many IRIS servers (a fleet) through ``TerminalFleetProcess``.

The process sends one ``TerminalCommandRequest`` per target operation (each traced on its own) and answers
with one ``FleetCommandResponse`` that gathers them. Same rules as messages/terminal.py: ``iris_package_name``
first, no inheritance between message classes, PascalCase fields, never a credential in a field
(docs/pyprod-runtime.md §2.3, §7).
"""

iris_package_name = "LiteTerminal"

from intersystems_pyprod import Column, JsonSerialize  # noqa: E402  (package name must come first)

from adapters.lite_terminal.contract import FleetStatus, Status  # noqa: E402  (the one list of statuses)

#: Overall ``FleetCommandResponse.Status`` values: ``ok`` every target ok, ``partial`` some, ``failed``
#: none; ``denied`` the policy refused the request and ``invalid`` the request or a setting is wrong (in
#: both cases no target was contacted).
FLEET_STATUSES = tuple(s.value for s in FleetStatus) + (Status.DENIED.value, Status.INVALID.value)


class FleetCommandRequest(JsonSerialize):
    """One ObjectScript command to run on several target operations (one IRIS server each)."""

    Command: str = Column("", "str", "ObjectScript to run on every target; may span several lines")
    Namespace: str = Column("", "str", "Namespace to run in; empty means each operation's Namespace setting")
    #: Comma-separated config item names of the operations to run on; empty means the process's Targets.
    Targets: str = Column("", "str", "Comma-separated target operations; empty means the process's Targets")
    #: Seconds each target may take; 0 means each operation's ResponseTimeout, -1 means no limit.
    Timeout = 0
    #: Lines answered, in order, to READ commands (the same on every target).
    InputLines = []
    #: Most targets running at once: a number (``10``) or a percentage of the targets (``25%``); empty means
    #: the process's MaxConcurrency.
    MaxConcurrency = ""
    #: After this many failed targets (a number or a percentage) no new target is started and the rest are
    #: ``skipped``; empty means the process's MaxErrors (empty there: no limit).
    MaxErrors = ""
    #: Regular expression each target's output must match (Python ``re.search``, multi-line); an ok target
    #: whose output does not match becomes ``mismatch``. Empty: no check.
    Expect = ""
    #: Free text for the trace (who asked and why).
    Description = ""


class FleetCommandResponse(JsonSerialize):
    """Every target's outcome, the counts per status and the targets grouped by identical output."""

    Command: str = Column("", "str", "The command that was run (or refused)")
    Status: str = Column("", "str", "ok, partial, failed, denied or invalid", True)
    TargetCount: int = Column(0, "int", "Number of targets")
    NotOkCount: int = Column(0, "int", "Number of targets whose status is not ok (skipped included)", True)
    ElapsedMs: int = Column(0, "int", "Milliseconds from the request to the last target's result")
    #: Targets per status, e.g. ``{"ok": 2, "unreachable": 1}``.
    Counts = {}
    #: One entry per target, in the order of Targets: Target, Server, Status, Output, Error, ElapsedMs,
    #: Namespace, ServerVersion, OutputDropped (Output may be cut at the process's FleetOutputChars, and
    #: OutputDropped counts the characters of the command's output it does not hold, the operation's
    #: MaxOutputChars cut included; the target's own TerminalCommandResponse in the trace has the output as
    #: the operation returned it).
    Results = []
    #: Targets whose status and whole output are identical, each group once: Status, Output, Targets (like
    #: ``dshbak -c``), in order of first appearance. An output the operation cut (MaxOutputChars) is known
    #: only in part, so its target is grouped alone (adapters.lite_terminal.fleet.group_results).
    Groups = []
    #: Why the whole request was denied or invalid (empty otherwise; per-target reasons are in Results).
    Error = ""
    #: Most targets that ran at the same time.
    PeakConcurrency = 0
