"""Command line: run ObjectScript commands through the Lite Terminal, for people and for scripts.

    IRIS_PASSWORD=... python -m adapters.lite_terminal --host iris.example --namespace USER 'write $zv'
    python -m adapters.lite_terminal --json --file check.script      # one JSON object per command
    echo 'read x write x' | python -m adapters.lite_terminal --input yes -
    python -m adapters.lite_terminal --host iris1 --host iris2:1972 --expect '^2025' 'write $zv'

The layers: ``read_commands`` turns the arguments into command texts and ``read_servers`` into servers;
one server runs the commands on one session (``run_on_server`` yields a :class:`Response` per command),
several run each command through ``fleet.run_on_servers`` (a ``FleetResult`` per command); a printer per
format and mode writes each; :func:`exit_code` folds every per-server status into one exit status.
No traceback and no password ever reaches the output.
"""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import json
import logging
import math
import os
import re
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, TextIO, Tuple, Union

from .checks import expect_problem
from .contract import ConnectOptions, classify
from .errors import TerminalError
from .fleet import (
    DEFAULT_MAX_CONCURRENCY,
    FleetResult,
    Server,
    ServerResult,
    compress_names,
    run_on_servers,
)
from .memory import Terminal, open_terminal

# Exit statuses. Several commands: the highest that applies (a later timeout outranks an earlier error).
EXIT_OK = 0  # every command ok
EXIT_IRIS_ERROR = 1  # a command ran and IRIS reported an error
EXIT_USAGE = 2  # bad options or input: nothing was sent for it
EXIT_UNREACHABLE = 3  # connect, TLS, login or namespace failed: the command was never sent
EXIT_INCOMPLETE = 4  # timeout, interrupted or lost: the command may not have completed
EXIT_CTRL_C = 130  # stopped with Ctrl-C (128 + SIGINT, the shell convention)

EXIT_FOR_STATUS: Dict[str, int] = {
    "ok": EXIT_OK,
    "error": EXIT_IRIS_ERROR,
    "mismatch": EXIT_IRIS_ERROR,  # ran, but the output did not match --expect
    "invalid": EXIT_USAGE,
    "unreachable": EXIT_UNREACHABLE,
    "timeout": EXIT_INCOMPLETE,
    "interrupted": EXIT_INCOMPLETE,
    "lost": EXIT_INCOMPLETE,
    "skipped": EXIT_OK,  # not run because of an earlier failure (or --max-errors): that failure sets it
}

#: Longest command read from a file or stdin (the command file service's MaxFileChars default).
MAX_COMMAND_CHARS = 1_000_000
#: Longest --hosts-file.
MAX_HOSTS_FILE_CHARS = 1_000_000
DEFAULT_MAX_OUTPUT_CHARS = 1_000_000

EPILOG = f"""\
commands:
  Each COMMAND is one ObjectScript command line (or block); on one server several share one session,
  so locals survive from one to the next. "-" reads one command from standard input, --file F from a file
  (UTF-8; several lines are sent as one block). At most {MAX_COMMAND_CHARS:,} characters each.
  After an unreachable server or a lost command the remaining commands are not run (status "skipped").

several servers (--host more than once, --hosts-file):
  Each command runs on every server, each in a session of its own (locals do not carry over from one
  command to the next), at most --max-concurrency at once; once --max-errors servers failed, the rest
  are "skipped". Text output lists servers with the same status and output once (like dshbak -c:
  iris[1-3]), then a summary line on stderr; --json prints one object per command with the fleet
  response's fields (Command, Status ok|partial|failed, Counts, Results, Groups, ElapsedMs).

password:
  From the IRIS_PASSWORD environment variable, else a prompt on the terminal. Without a terminal and
  without IRIS_PASSWORD the command fails (exit {EXIT_USAGE}). Never as an argument: arguments are visible
  to other users in the process list.

output:
  Text (default): what each command wrote goes to stdout; a failure is one line on stderr
  ("<status>: <why>"), and an IRIS error line is printed there only, not also on stdout.
  --json: one JSON object per line and command, with the production response's field names:
  Command, Server, Status, Output, Error, Namespace, ElapsedMs, ServerVersion, OutputDropped.
  Status is ok, error, mismatch, timeout, interrupted, lost, unreachable, invalid or skipped.
  --expect REGEX: an ok command whose output does not match (re.search, multi-line) is a "mismatch".

exit status (the highest that applies over every command and server):
  {EXIT_OK}    every command ok
  {EXIT_IRIS_ERROR}    IRIS error: a command ran and IRIS reported an error (e.g. <UNDEFINED>), or a mismatch
  {EXIT_USAGE}    usage: bad option, unreadable or empty command, no password, a command the client refuses
  {EXIT_UNREACHABLE}    unreachable: connection, TLS, login (401), licence (503) or namespace failed; not sent
  {EXIT_INCOMPLETE}    timeout, interrupted or lost: the command may not have completed (lost: it may or may
       not have run; do not blindly run it again)
  {EXIT_CTRL_C}  stopped with Ctrl-C
"""


# -------------------------------------------------------------------------------------------- arguments


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
    silently reach another server. Raises ValueError.
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.lite_terminal",
        description="Run ObjectScript commands on InterSystems IRIS through the Lite Terminal WebSocket\n"
        "(IRIS 2023.2+, through the /api/atelier web application).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("commands", nargs="*", metavar="COMMAND",
        help='ObjectScript command line(s); "-" reads one from stdin')
    add("--file", "-f", action="append", default=[], metavar="FILE",
        help="read one command from FILE (repeatable; not together with COMMAND arguments)")
    add("--input", "-i", action="append", default=[], metavar="LINE", dest="input_lines",
        help="a line answered to a READ (repeatable, in order); each command gets the same lines; a READ "
        "with none left is interrupted and the command fails")
    add("--json", action="store_true", help="one JSON object per command on stdout instead of text")
    add("--host", type=_host, action="append", dest="hosts", metavar="HOST[:PORT]",
        help="IRIS web server host name or address, with its port or --port; repeat it for several servers "
        "(default: localhost)")
    add("--hosts-file", metavar="FILE",
        help="more servers, one HOST[:PORT] per line (# starts a comment)")
    add("--port", type=_port, default=52773, help="web server port of a HOST without one (default: "
        "%(default)s)")
    add("--namespace", default="USER", help="namespace the commands run in (default: %(default)s)")
    add("--user", default="_SYSTEM", help="IRIS user name (default: %(default)s)")
    add("--tls", action="store_true", help="use https/wss (implied by --ca-file and --insecure)")
    add("--ca-file", metavar="PEM", help="CA bundle that verifies the server certificate (default: the "
        "system's trusted CAs)")
    add("--insecure", action="store_true", help="do not verify the TLS certificate (logs a warning)")
    add("--prefix", default="", help="web server path prefix, e.g. /iris (default: none)")
    add("--timeout", type=_seconds, default=30.0, metavar="SECONDS",
        help="wait for each command; negative: no limit (default: %(default)s)")
    add("--connect-timeout", type=_seconds, default=10.0, metavar="SECONDS",
        help="login, upgrade and handshake together; negative: no limit (default: %(default)s)")
    add("--max-output-chars", type=_count, default=DEFAULT_MAX_OUTPUT_CHARS, metavar="N",
        help="longest output kept per command: its start and end are kept, the rest dropped and counted "
        "(OutputDropped); 0: no limit (default: %(default)s)")
    add("--expect", metavar="REGEX", default="",
        help="an ok command's output must match (re.search, multi-line), else its status is mismatch")
    add("--max-concurrency", metavar="N|N%", default=str(DEFAULT_MAX_CONCURRENCY),
        help="several servers: at most this many at once (default: %(default)s)")
    add("--max-errors", metavar="N|N%",
        help="several servers: start no new server once this many failed (default: no limit)")
    add("--verbose", "-v", action="store_true", help="debug logs on stderr")
    return parser


class UsageError(Exception):
    """A problem with the arguments or their input; the message is for the user."""


def read_commands(commands: Sequence[str], files: Sequence[str], stdin: TextIO) -> List[str]:
    """The command texts, in order: the COMMAND arguments ("-" is stdin) or the --file contents."""
    if commands and files:
        raise UsageError("give commands as arguments or with --file, not both")
    if not commands and not files:
        raise UsageError('no command given (a COMMAND argument, "-" for stdin, or --file FILE)')
    if list(commands).count("-") > 1:
        raise UsageError('"-" (standard input) can be given once')
    texts: List[str] = []
    for command in commands:
        texts.append(_read_stream(stdin, "standard input") if command == "-" else command)
    for path in files:
        try:
            with open(path, encoding="utf-8-sig", errors="strict", newline="") as stream:
                texts.append(_read_stream(stream, path))
        except UnicodeDecodeError:
            raise UsageError(f"{path}: not UTF-8 text") from None
        except OSError as exc:
            raise UsageError(f"{path}: {exc.strerror or type(exc).__name__}") from None
    for number, text in enumerate(texts, 1):
        if not text.strip():
            raise UsageError(f"command {number} is empty")
    return texts


def _read_stream(stream: TextIO, name: str) -> str:
    """At most MAX_COMMAND_CHARS characters: a larger input is refused as it arrives, not after."""
    try:
        text = stream.read(MAX_COMMAND_CHARS + 1)
    except UnicodeDecodeError:
        raise UsageError(f"{name}: not UTF-8 text") from None
    if len(text) > MAX_COMMAND_CHARS:
        raise UsageError(f"{name}: longer than {MAX_COMMAND_CHARS:,} characters")
    return text[1:] if name == "standard input" and text.startswith("\ufeff") else text


def read_servers(hosts: Optional[Sequence[Tuple[str, Optional[int]]]], hosts_file: Optional[str],
                 port: int) -> List[Server]:
    """The servers of --host and --hosts-file in order (a HOST without port gets ``port``); localhost if
    neither is given. A server given twice is refused."""
    entries = [(host, p, "--host") for host, p in hosts or []]
    if hosts_file:
        try:
            with open(hosts_file, encoding="utf-8-sig", errors="strict") as stream:
                text = stream.read(MAX_HOSTS_FILE_CHARS + 1)
        except UnicodeDecodeError:
            raise UsageError(f"{hosts_file}: not UTF-8 text") from None
        except OSError as exc:
            raise UsageError(f"{hosts_file}: {exc.strerror or type(exc).__name__}") from None
        if len(text) > MAX_HOSTS_FILE_CHARS:
            raise UsageError(f"{hosts_file}: longer than {MAX_HOSTS_FILE_CHARS:,} characters")
        for number, line in enumerate(text.splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if line:
                try:
                    host, p = parse_host(line)
                except ValueError as exc:
                    raise UsageError(f"{hosts_file} line {number}: {exc}") from None
                entries.append((host, p, f"{hosts_file} line {number}"))
        if not any(where != "--host" for *_, where in entries):
            raise UsageError(f"{hosts_file}: no servers in it")
    servers = [Server(host, port if p is None else p) for host, p, _ in entries]
    servers = servers or [Server("localhost", port)]
    labels = [server.label for server in servers]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise UsageError(f"servers given twice: {', '.join(twice)}")
    return servers


# -------------------------------------------------------------------------------------------- password


def read_password(environ: Dict[str, str]) -> str:
    """IRIS_PASSWORD, else a prompt on the controlling terminal; never a silent read of stdin."""
    password = environ.get("IRIS_PASSWORD")
    if password is not None:
        if not password:
            raise UsageError("IRIS_PASSWORD is set but empty")
        return password
    if not _have_terminal():
        raise UsageError("no password: set IRIS_PASSWORD (there is no terminal to prompt on)")
    with warnings.catch_warnings():
        # getpass falls back to reading stdin, with a GetPassWarning, when it cannot use the terminal:
        # turned into an error here, so a piped command is never taken for the password
        warnings.simplefilter("error", getpass.GetPassWarning)
        try:
            password = getpass.getpass("IRIS password: ")
        except getpass.GetPassWarning:
            raise UsageError("no password: set IRIS_PASSWORD (the terminal cannot be used for a prompt)") \
                from None
        except EOFError:
            raise UsageError("no password: the prompt was closed") from None
    if not password:
        raise UsageError("no password typed")
    return password


def _have_terminal() -> bool:
    if os.name == "nt":
        return sys.stdin is not None and sys.stdin.isatty()
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


# -------------------------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Response:
    """One command's outcome on one server: the fleet's per-server record, plus the command and the count of
    output characters not kept. ``fields()`` has TerminalCommandResponse's field names."""

    command: str
    result: ServerResult
    output_dropped: int = 0

    @property
    def status(self) -> str:
        return self.result.status

    def fields(self) -> Dict[str, object]:
        r = self.result
        return {
            "Command": self.command,
            "Server": r.server,
            "Status": r.status,
            "Output": r.output,
            "Error": r.error,
            "Namespace": r.namespace,
            "ElapsedMs": int(round(r.elapsed * 1000)),
            "ServerVersion": r.server_version,
            "OutputDropped": self.output_dropped,
        }


#: After these, the remaining commands are not run: the session state they rely on is gone or unknown.
STOPS = ("unreachable", "lost")


def run_on_server(args: argparse.Namespace, password: str, commands: Sequence[str],
                  target: Server) -> Iterator[Response]:
    """Run the commands in order on one session; one Response each (``skipped`` after a stop)."""
    server = target.label
    try:
        term = open_terminal(connect_options(args, target), args.user, password)
    except TerminalError as exc:  # settings the client refuses: every command gets that status
        for command in commands:
            yield Response(command, ServerResult(server, classify(exc).status.value, error=str(exc)))
        return
    stopped = ""
    try:
        for command in commands:
            if stopped:
                yield Response(command, ServerResult(server, "skipped", error=f"not run: {stopped}"))
                continue
            response = _run_one(term, command, server, args)
            if response.status in STOPS:
                stopped = f"an earlier command was {response.status}"
            yield response
    finally:
        term.close()


def _run_one(term: Terminal, command: str, server: str, args: argparse.Namespace) -> Response:
    began = time.monotonic()
    try:
        result = term.execute(command, timeout=args.timeout, input_lines=list(args.input_lines),
                              max_output_chars=args.max_output_chars or None)
    except TerminalError as exc:
        failed = ServerResult(server, classify(exc).status.value, error=str(exc),
                              elapsed=time.monotonic() - began)
        return Response(command, failed)
    verdict = classify(result, args.expect)
    done = ServerResult(server, verdict.status.value, result.output, verdict.error, result.namespace,
                        result.elapsed, result.server_version)
    return Response(command, done, result.output_dropped)


def connect_options(args: argparse.Namespace, target: Server) -> ConnectOptions:
    """The command line's connection parameters for one server."""
    return ConnectOptions(host=target.host, port=target.port, namespace=args.namespace, tls=_tls(args),
                          verify=_verify(args), path_prefix=args.prefix, connect_timeout=args.connect_timeout,
                          response_timeout=args.timeout, max_output_chars=args.max_output_chars or None)


def run_on_fleet(args: argparse.Namespace, password: str, commands: Sequence[str],
                 servers: Sequence[Server]) -> Iterator[FleetResult]:
    """Each command on every server (``fleet.run_on_servers``), one FleetResult per command, in order."""
    for command in commands:
        try:
            yield run_on_servers(
                servers, command, username=args.user, password=password, namespace=args.namespace,
                tls=_tls(args), verify=_verify(args), path_prefix=args.prefix,
                connect_timeout=args.connect_timeout, response_timeout=args.timeout, timeout=args.timeout,
                input_lines=list(args.input_lines), expect=args.expect,
                max_concurrency=args.max_concurrency, max_errors=args.max_errors,
                max_output_chars=args.max_output_chars or None)
        except ValueError as exc:  # limits or servers: refused before any server is contacted
            raise UsageError(str(exc)) from None


def _tls(args: argparse.Namespace) -> bool:
    return bool(args.tls or args.ca_file or args.insecure)


def _verify(args: argparse.Namespace) -> Union[bool, str]:
    return False if args.insecure else (args.ca_file or True)


# -------------------------------------------------------------------------------------------- printing


def print_text(response: Response, out: TextIO, err: TextIO) -> None:
    """Output on ``out``; a failure as one ``<status>: <why>`` line on ``err`` (an IRIS error only there).

    On a terminal, control characters left in the output (ANSI sequences are already removed) are shown
    escaped, so a command or a hostile server cannot drive the user's terminal; a pipe gets them as is.
    The ``err`` line is always one line, its control characters escaped.
    """
    result = response.result
    output = result.output.replace("\r\n", "\n").replace("\r", "\n")
    if result.status == "error" and result.error:
        output = _without_last_line(output, result.error)
    if output and _is_terminal(out):
        output = _visible(output, keep="\t\n")
    if output:
        out.write(output if output.endswith("\n") else output + "\n")
        out.flush()
    if response.output_dropped:
        err.write(f"note: {response.output_dropped} characters of output dropped (--max-output-chars)\n")
    if result.status != "ok":
        err.write(f"{result.status}: {_visible(result.error)}\n")
    err.flush()


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _visible(text: str, keep: str = "") -> str:
    """``text`` with its control characters (but those in ``keep``) written as ``\\xNN`` / ``\\uNNNN``."""
    def escape(match: re.Match) -> str:
        ch = match.group()
        if ch in keep:
            return ch
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
    return _CONTROLS.sub(escape, text)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _without_last_line(output: str, line: str) -> str:
    """``output`` without its last line when that line is ``line`` (IRIS shows the error there)."""
    body, _, last = output.rstrip("\n").rpartition("\n")
    return body if last.strip() == line.strip() else output


def print_json(response: Response, out: TextIO, err: TextIO) -> None:
    """One JSON object per line, ASCII only (any consumer can read it, whatever its locale)."""
    out.write(json.dumps(response.fields(), ensure_ascii=True) + "\n")
    out.flush()


def print_fleet_text(result: FleetResult, out: TextIO, err: TextIO) -> None:
    """Servers with the same status and output once (dshbak -c), then the summary line on ``err``."""
    rule = "-" * 16
    first_error = {r.status: r.error for r in reversed(result.results)}
    for group in result.groups:
        names = compress_names(list(group.servers))
        text = group.output.replace("\r\n", "\n").replace("\r", "\n") or first_error.get(group.status, "")
        text = _visible(text, keep="\t\n") if _is_terminal(out) else text
        title = names if group.status == "ok" else f"{names} ({group.status})"
        out.write(f"{rule}\n{_visible(title)}\n{rule}\n{text}{'' if text.endswith(chr(10)) else chr(10)}")
    out.flush()
    err.write(f"{_visible(result.command)[:80]}: {result.summary}\n")
    err.flush()


def print_fleet_json(result: FleetResult, out: TextIO, err: TextIO) -> None:
    """One JSON object per command with the FleetCommandResponse field names, ASCII only."""
    out.write(json.dumps(result.to_dict(), ensure_ascii=True) + "\n")
    out.flush()


Printer = Callable[[Response, TextIO, TextIO], None]
FleetPrinter = Callable[[FleetResult, TextIO, TextIO], None]


def exit_code(statuses: Iterable[str]) -> int:
    return max((EXIT_FOR_STATUS.get(status, EXIT_INCOMPLETE) for status in statuses), default=EXIT_OK)


# -------------------------------------------------------------------------------------------- main


def main(argv: Optional[Sequence[str]] = None, environ: Optional[Dict[str, str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage message (or the help)
        return EXIT_USAGE if exc.code else EXIT_OK
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.json and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")  # any output prints, whatever the locale
    statuses: List[str] = []
    try:
        if args.insecure and args.ca_file:
            raise UsageError("--insecure and --ca-file exclude each other")
        problem = expect_problem(args.expect)
        if problem:
            raise UsageError(f"--expect: {problem}")
        servers = read_servers(args.hosts, args.hosts_file, args.port)
        commands = read_commands(args.commands, args.file, sys.stdin)
        password = read_password(dict(os.environ if environ is None else environ))
        if len(servers) == 1:
            printer: Printer = print_json if args.json else print_text
            for response in run_on_server(args, password, commands, servers[0]):
                statuses.append(response.status)
                printer(response, sys.stdout, sys.stderr)
        else:
            fleet_printer: FleetPrinter = print_fleet_json if args.json else print_fleet_text
            for result in run_on_fleet(args, password, commands, servers):
                statuses += [r.status for r in result.results]
                if len(commands) > 1 and not args.json:  # which command the groups below belong to
                    sys.stdout.write(f"== {_visible(result.command)}\n")
                fleet_printer(result, sys.stdout, sys.stderr)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("stopped: Ctrl-C", file=sys.stderr)
        return EXIT_CTRL_C
    return exit_code(statuses)


#: Seconds after Ctrl-C within which the command line program has ended, whatever it was doing: closing the
#: sessions (interrupt, logout) takes at most the client's close bound (2 s).
CTRL_C_EXIT_BOUND = 3.0


def end_within_bound_after_ctrl_c() -> None:
    """Make Ctrl-C end the process with EXIT_CTRL_C within CTRL_C_EXIT_BOUND, always.

    Python raises KeyboardInterrupt only when the main thread next runs Python code; raised inside a
    finalizer it is merely reported, and the main thread can then sit in a blocking read. So a watcher
    thread learns of the signal through the interpreter's wakeup file descriptor, which the C-level
    handler writes to whatever the main thread is doing, and ends the process if it is still running
    when the bound has passed. Only for ``python -m``: never installed when ``main`` is called in-process.
    """
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    default_hook = sys.unraisablehook

    def quiet_about_ctrl_c(unraisable) -> None:  # noqa: ANN001 - sys.UnraisableHookArgs
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            default_hook(unraisable)

    def watch() -> None:
        while os.read(read_end, 1) != bytes([signal.SIGINT]):
            pass
        time.sleep(CTRL_C_EXIT_BOUND)
        sys.stderr.write(f"stopped: Ctrl-C (ended after {CTRL_C_EXIT_BOUND:g} s)\n")
        sys.stderr.flush()
        os._exit(EXIT_CTRL_C)

    sys.unraisablehook = quiet_about_ctrl_c
    threading.Thread(target=watch, name="ctrl-c-bound", daemon=True).start()


if __name__ == "__main__":
    end_within_bound_after_ctrl_c()
    sys.exit(main())
