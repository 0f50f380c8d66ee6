"""The command line's options, its --help (with an example of each feature) and its exit statuses.

Options that an inventory can also set (``--namespace``, ``--user``, ``--prefix``, ``--tls``)
default to None here, so :func:`explicit` can tell what the person typed from what they left alone: what is
typed wins over the inventory, what is left alone gives way to it (docs/cli.md §4).
"""

from __future__ import annotations

import argparse
import ipaddress
import math
from typing import Dict, Iterable, Optional, Tuple

from . import errors
from .fleet import DEFAULT_MAX_CONCURRENCY

# Exit statuses. Several commands or servers: the highest that applies.
EXIT_OK = 0  # every command ok
EXIT_IRIS_ERROR = 1  # a command ran and IRIS reported an error (or a mismatch)
EXIT_USAGE = 2  # bad options or input: nothing was sent for it
EXIT_UNREACHABLE = 3  # connect, TLS, login or namespace failed: the command was never sent
EXIT_INCOMPLETE = 4  # timeout, interrupted or lost: the command may not have completed
EXIT_CTRL_C = 130  # stopped with Ctrl-C (128 + SIGINT, the shell convention)

EXIT_FOR_STATUS: Dict[str, int] = {
    "ok": EXIT_OK,
    "error": EXIT_IRIS_ERROR,
    "mismatch": EXIT_IRIS_ERROR,
    "invalid": EXIT_USAGE,
    "denied": EXIT_USAGE,
    "unreachable": EXIT_UNREACHABLE,
    "timeout": EXIT_INCOMPLETE,
    "interrupted": EXIT_INCOMPLETE,
    "lost": EXIT_INCOMPLETE,
    "skipped": EXIT_OK,  # not run because of an earlier failure: that failure sets the status
}

#: Longest command read from a file or stdin (the command file service's MaxFileChars default).
MAX_COMMAND_CHARS = 1_000_000
DEFAULT_MAX_OUTPUT_CHARS = 1_000_000
DEFAULT_PORT = 52773
DEFAULT_NAMESPACE = "USER"
DEFAULT_USER = "_SYSTEM"
DEFAULT_TIMEOUT = 30.0

PROG = "python -m adapters.lite_terminal"

EPILOG = f"""\
examples:
  one command, its output as it arrives:
    {PROG} --host iris1 'write $zv'
  interactive (on a terminal): USER> prompt, line editing, history, Ctrl-C interrupts:
    {PROG} --host iris1
  one JSON object per command; a READ answered; a command from a file:
    {PROG} --json --file check.cos
    echo 'read x write x' | {PROG} --input yes -
  a fleet from an inventory: "<server>: <line>" as each line arrives; then grouped (dshbak -c):
    {PROG} --inventory fleet.ini --limit 'web:!iris3' 'write $zv'
    {PROG} --inventory fleet.ini --group 'write $zv'
  each server's output and results also in out/<server>.out and out/<server>.json:
    {PROG} --inventory fleet.ini --output-dir out 'do ^CHECK'
  colours kept even in a pipe:
    {PROG} --host iris1 --color=always 'write nope' | less -R

interactive mode (no COMMAND, no --file, stdin a terminal):
  The prompt is the server's namespace (USER>, %SYS> after zn "%SYS"). Line editing and history
  (readline; history in ~/.iris_lite_terminal_history, mode 0600, or $IRIS_LITE_TERMINAL_HISTORY; a line
  that starts with a blank is not kept). A line with an unclosed {{ or ( continues on the next ("... ").
  A READ asks you for the line. Ctrl-C interrupts the running command and returns to the prompt;
  Ctrl-D or "halt" ends the session. One session throughout: locals stay set. No --timeout by default.

commands:
  Each COMMAND is one ObjectScript command line (or block); on one server all of them share one session,
  so locals survive from one to the next. "-" reads one command from standard input, --file F from a file
  (UTF-8; several lines are sent as one block). At most {MAX_COMMAND_CHARS:,} characters each.
  After an unreachable server or a lost command the server's remaining commands are not run ("skipped").

several servers (--host more than once, or --inventory):
  Each server runs the commands in a session of its own, at most --max-concurrency servers at once; once
  --max-errors servers failed, the rest are "skipped". Text output: each line as it arrives, prefixed with
  "<server>: " (as pdsh); with --group, servers with the same status and output are listed once at the end
  (as dshbak -c: iris[1-3]), output lines indented by two blanks. A summary line per command on stderr.

inventory (--inventory FILE, or --hosts-file FILE; Ansible's INI style, or one HOST[:PORT] per line):
  [web]
  iris1.example.com:52773  namespace=APP
  iris2.example.com        user=ops password_env=IRIS_PW_OPS
  [web:vars]
  tls=true
  [db]
  db1 host=10.0.0.5 prefix=/iris verify=ca.pem
  [prod:children]
  web
  db
  Settings: namespace, user, port, prefix, tls, verify (true, false or a CA file), password_env (the name
  of an environment variable holding the password: a password itself is refused in the file), host (the
  address, when the name is an alias). Host settings beat group settings, a child group beats its parent;
  an option typed on the command line beats them all. --limit picks groups, hosts and patterns as
  Ansible does: "web:db" (either), "prod:&web" (both), "all:!db" (all but db), "iris*", "~iris[0-9]".

password:
  From the IRIS_PASSWORD environment variable, else a prompt on the terminal (hosts with password_env: from
  that variable). Without a terminal and without IRIS_PASSWORD the command fails (exit {EXIT_USAGE}). Never as
  an argument: arguments are visible to other users in the process list.

output:
  Text (default): what each command writes goes to stdout as it arrives; a failure is one line on stderr
  ("<status>: <why>"), and an IRIS error line (<UNDEFINED> ...) is printed there only, not also on stdout.
  Control characters from the server are shown escaped (\\x1b) on a terminal and wherever a line carries a
  server name. --color=auto|always|never: keep IRIS's colours (auto: only on a terminal, not with NO_COLOR).
  --json: one JSON object per command, written when it ends, with the production response's field names:
  Command, Server, Status, Output, Error, Namespace, ElapsedMs, ServerVersion, OutputDropped (several
  servers: Command, Status ok|partial|failed, Counts, Results with Server, Groups, ElapsedMs).
  Status is ok, error, mismatch, timeout, interrupted, lost, unreachable, invalid or skipped.
  --expect REGEX: an ok command whose output does not match (re.search, multi-line) is a "mismatch".
  --output-dir DIR: also each server's output (<server>.out) and results (<server>.json) in DIR.

exit status (the highest that applies over every command and server):
  {EXIT_OK}    every command ok
  {EXIT_IRIS_ERROR}    IRIS error: a command ran and IRIS reported an error (e.g. <UNDEFINED>), or a mismatch
  {EXIT_USAGE}    usage: bad option, unreadable or empty command, no password, a command the client refuses
  {EXIT_UNREACHABLE}    unreachable: connection, TLS, login (401), licence (503) or namespace failed; not sent
  {EXIT_INCOMPLETE}    timeout, interrupted or lost: the command may not have completed (lost: it may or may
       not have run; do not blindly run it again)
  {EXIT_CTRL_C}  stopped with Ctrl-C
"""


class UsageError(errors.UsageProblem):
    """A problem with the arguments or their input; the message is for the user."""


# -------------------------------------------------------------------------------------------- value types


def _port(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1 to 65535, not {value}")
    return value


def parse_host(text: str) -> Tuple[str, Optional[int]]:
    """``host``, ``host:port``, ``[ipv6]``, ``[ipv6]:port`` or a bare IPv6 address -> (host, port or None).

    A scheme, path, user part or blank is refused with a hint of where it goes: a wrong host must never
    silently reach another server. Raises ValueError (whose text quotes ``text``: for arguments only).
    """
    host = text.strip()
    if "://" in host:
        raise ValueError(f"{text!r}: give the host name only (--tls for https/wss)")
    if not host or any(ch in host for ch in "/@?#") or any(ch.isspace() for ch in host):
        raise ValueError(f"{text!r} is not a host name or address (a path goes in --prefix)")
    port: Optional[str] = None
    if host.startswith("["):
        inside, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"{text!r}: write an IPv6 address as [address] or [address]:port")
        host, port = inside, rest[1:] if rest else None
        _ipv6(host, text)
    elif host.count(":") > 1:
        _ipv6(host, text)
    elif ":" in host:
        host, port = host.split(":")
    if not host:
        raise ValueError(f"{text!r} has no host name")
    if port is None:
        return host, None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{text!r}: the port must be a number from 1 to 65535")
    return host, int(port)


def _ipv6(host: str, text: str) -> None:
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        raise ValueError(f"{text!r} is not an IPv6 address") from None


def _host(text: str) -> Tuple[str, Optional[int]]:
    try:
        return parse_host(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number of seconds: {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more, not {value}")
    return value


# -------------------------------------------------------------------------------------------- the parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run ObjectScript commands on InterSystems IRIS through the Lite Terminal WebSocket\n"
        "(IRIS 2023.2+, through the /api/atelier web application): one-shot, interactive, or on a fleet.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("commands", nargs="*", metavar="COMMAND",
        help='ObjectScript command line(s); "-" reads one from stdin; none on a terminal: interactive')
    add("--file", "-f", action="append", default=[], metavar="FILE",
        help="read one command from FILE (repeatable; not together with COMMAND arguments)")
    add("--input", "-i", action="append", default=[], metavar="LINE", dest="input",
        help="a line answered to a READ (repeatable, in order); each command gets the same lines; a READ "
        "with none left is interrupted and the command fails")
    add("--json", action="store_true", help="one JSON object per command on stdout instead of text")
    add("--host", type=_host, action="append", dest="hosts", metavar="HOST[:PORT]",
        help="IRIS web server host name or address, with its port or --port; repeat it for several servers "
        "(default: localhost)")
    add("--inventory", "--hosts-file", metavar="FILE", dest="inventory",
        help="servers from an inventory (Ansible INI style, see below) or a list of HOST[:PORT] lines")
    add("--limit", "-l", metavar="PATTERN",
        help="with --inventory: only these groups/hosts (web:db, all:!db, iris*, ~regex)")
    add("--port", type=_port, default=None,
        help=f"web server port of a HOST without one (default: {DEFAULT_PORT})")
    add("--namespace", default=None, help=f"namespace the commands run in (default: {DEFAULT_NAMESPACE})")
    add("--user", default=None, help=f"IRIS user name (default: {DEFAULT_USER})")
    add("--tls", action="store_const", const=True, default=None,
        help="use https/wss (implied by --ca-file and --insecure)")
    add("--ca-file", metavar="PEM", help="CA bundle that verifies the server certificate (default: the "
        "system's trusted CAs)")
    add("--insecure", action="store_true", help="do not verify the TLS certificate (logs a warning)")
    add("--prefix", default=None, help="web server path prefix, e.g. /iris (default: none)")
    add("--timeout", type=_seconds, default=None, metavar="SECONDS",
        help=f"wait for each command; negative: no limit (default: {DEFAULT_TIMEOUT:g} s; interactive: no "
        "limit)")
    add("--connect-timeout", type=_seconds, default=10.0, metavar="SECONDS",
        help="login, upgrade and handshake together; negative: no limit (default: %(default)g s)")
    add("--max-output-chars", type=_count, default=DEFAULT_MAX_OUTPUT_CHARS, metavar="N",
        help="longest output kept (and shown) per command; JSON keeps its start and end and counts the rest "
        "(OutputDropped); 0: no limit (default: %(default)s)")
    add("--expect", metavar="REGEX", default="",
        help="an ok command's output must match (re.search, multi-line), else its status is mismatch")
    add("--max-concurrency", metavar="N|N%", default=str(DEFAULT_MAX_CONCURRENCY),
        help="several servers: at most this many at once (default: %(default)s)")
    add("--max-errors", metavar="N|N%",
        help="several servers: start no new server once this many failed (default: no limit)")
    add("--group", action="store_true",
        help="several servers, text: list servers with equal output once, at the end (dshbak -c)")
    add("--output-dir", metavar="DIR",
        help="also write each server's output to DIR/<server>.out and its results to DIR/<server>.json")
    add("--color", choices=("auto", "always", "never"), default="auto",
        help="keep IRIS's ANSI colours: auto = only on a terminal (default: %(default)s)")
    add("--verbose", "-v", action="store_true", help="debug logs on stderr")
    return parser


def explicit(args: argparse.Namespace) -> Dict[str, object]:
    """The connection settings typed on the command line (they beat the inventory's)."""
    typed: Dict[str, object] = {}
    for name in ("namespace", "user", "prefix", "tls"):  # --port is the default port, not an override
        value = getattr(args, name)
        if value is not None:
            typed[name] = value
    if args.insecure:
        typed["verify"] = False
        typed["tls"] = True
    elif args.ca_file:
        typed["verify"] = args.ca_file
        typed["tls"] = True
    return typed


def exit_code(statuses: Iterable[str]) -> int:
    """The highest exit status that applies (an unknown status counts as incomplete)."""
    return max((EXIT_FOR_STATUS.get(str(status), EXIT_INCOMPLETE) for status in statuses), default=EXIT_OK)
