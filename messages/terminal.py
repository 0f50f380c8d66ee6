"""Request and response messages for running ObjectScript commands through a production.

Both are pyprod ``JsonSerialize`` messages (docs/pyprod-runtime.md §1.4, §2.3): every field travels in the
JSON body the Visual Trace shows; the ``Column`` fields also become IRIS properties, so the Message Viewer and
SQL can search them (``SELECT ... FROM LiteTerminal.TerminalCommandResponse WHERE Status = 'error'``).

Rules kept here on purpose (docs/pyprod-runtime.md §7.3, §7.9): ``iris_package_name`` is a string literal
before any class; the two classes do not inherit from each other; field names are PascalCase so the Python
attribute, the JSON key and the IRIS property have one spelling. No field ever holds a password or credential:
the
server login comes from the operation's ``Credentials`` setting, never from a message.
"""

iris_package_name = "LiteTerminal"

from intersystems_pyprod import Column, JsonSerialize  # noqa: E402  (package name must come first)

from adapters.lite_terminal.contract import RESPONSE_STATUSES  # noqa: E402  (the one list of statuses)

#: The response ``Status`` words (docs/user-guide.md §3; ``contract.Status`` says what each means).
STATUSES = tuple(status.value for status in RESPONSE_STATUSES)


class TerminalCommandRequest(JsonSerialize):
    """One ObjectScript command (or a multi-line script) to run on an IRIS server."""

    Command: str = Column("", "str", "ObjectScript to run; may span several lines")
    Namespace: str = Column("", "str", "Namespace to run in; empty means the operation's Namespace setting")
    #: Seconds to wait for the command; 0 means the operation's ResponseTimeout, -1 means no limit.
    Timeout = 0
    #: Lines answered, in order, to READ commands the command performs.
    #: (A shared default list: pyprod does not copy defaults, so code here never mutates it.)
    InputLines = []
    #: Named session: commands with the same name share one server process, so locals live on.
    Session = ""
    #: Free text for the trace (who asked and why).
    Description = ""
    #: Config item name of the operation to use; must be one of the process's AllowedTargets.
    Target = ""
    #: 1: the operation answers every outcome with an OK status and the failure in the response (Status,
    #: Error) instead of an error %Status. The fleet process sets it: IRIS hands an errored asynchronous
    #: response to the process's OnError, not OnResponse (docs/pyprod-runtime.md §9.2), which could end
    #: the whole fan-out for one failed server. ReplyCodeActions and AlertOnError then do not see it.
    FailuresInResponse = 0
    #: Regular expression the output of an ok command must match (Python re.search, multi-line); an ok
    #: command whose output does not match ends as ``mismatch``. Empty: no check.
    Expect = ""


class TerminalCommandResponse(JsonSerialize):
    """What happened: output, outcome and timing of one request."""

    Command: str = Column("", "str", "The command that was run (or denied)")
    Namespace: str = Column("", "str", "Namespace the command ran in")
    Status: str = Column(
        "", "str", "ok, error, timeout, interrupted, lost, unreachable, invalid, denied or mismatch", True
    )
    ElapsedMs: int = Column(0, "int", "Milliseconds from sending the command to its result")
    #: Text the command wrote (ANSI sequences removed), possibly cut at the operation's MaxOutputChars.
    Output = ""
    #: 1 when Output was cut; the end of Output then carries an explicit marker.
    OutputTruncated = 0
    #: Characters of the command's output that Output does not hold (cut by MaxOutputChars); 0 when whole.
    OutputDropped = 0
    #: The IRIS error (``$ZERROR`` text) or the reason for a timeout, loss or denial.
    Error = ""
    #: Named session used, if any.
    Session = ""
    Target: str = Column("", "str", "Config item of the operation that ran (or was to run) the command", True)
    Server: str = Column("", "str", "host:port of the operation's IRIS server (empty when denied)", True)
    #: ``$ZVERSION`` of the server, as reported at login.
    ServerVersion = ""
