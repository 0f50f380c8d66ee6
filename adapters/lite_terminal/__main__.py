"""Command line: run ObjectScript commands through the Lite Terminal, for people and for scripts.

    IRIS_PASSWORD=... python -m adapters.lite_terminal --host iris.example 'write $zv'
    python -m adapters.lite_terminal --host iris.example                 # interactive (on a terminal)
    python -m adapters.lite_terminal --inventory fleet.ini --limit web 'write $zv'

The modules beside this one each do one job: ``cli_args`` (options, --help, exit statuses), ``inventory``
(servers and --limit), ``runner`` (sessions, threads), ``render`` (what is printed, in the CLI's words),
``interactive`` (the prompt), ``outdir`` (--output-dir), ``diagnose`` (TLS/plain mismatch). This module
reads the arguments and the inputs, picks the mode and prints. No traceback and no password ever reaches
the output. The guide is docs/cli.md.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import signal
import sys
import threading
import time
import warnings
from typing import Dict, List, Optional, Sequence, TextIO

from .checks import expect_problem
from .cli_args import (
    DEFAULT_NAMESPACE,
    DEFAULT_PORT,
    DEFAULT_TIMEOUT,
    DEFAULT_USER,
    EXIT_CTRL_C,
    EXIT_INCOMPLETE,
    EXIT_IRIS_ERROR,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    MAX_COMMAND_CHARS,
    UsageError,
    build_parser,
    exit_code,
    explicit,
)
from .contract import classify
from .errors import TerminalError
from .fleet import compress_names, count_statuses, fleet_status, group_results, summary_line
from .interactive import DEFAULT_HISTORY, HISTORY_ENV, History, Interactive
from .inventory import Target, from_hosts, read_inventory, refuse_duplicates, select
from .lines import escape_controls
from .memory import open_terminal
from .outdir import prepare, write_server
from .render import (
    OutputStream,
    ctrl_c_after_writing,
    group_block,
    is_terminal,
    render,
    result_fields,
    status_line,
    use_color,
    words,
)
from .runner import Outcome, Settings, explain, run_fleet, run_target

__all__ = ["main", "read_commands", "read_password", "EXIT_OK", "EXIT_IRIS_ERROR", "EXIT_USAGE",
           "EXIT_UNREACHABLE", "EXIT_INCOMPLETE", "EXIT_CTRL_C", "MAX_COMMAND_CHARS", "exit_code"]


# -------------------------------------------------------------------------------------------- inputs


def read_commands(commands: Sequence[str], files: Sequence[str], stdin: TextIO) -> List[str]:
    """The command texts, in order: the COMMAND arguments ("-" is stdin) or the --file contents."""
    if commands and files:
        raise UsageError("give commands as arguments or with --file, not both")
    if not commands and not files:
        raise UsageError('no command given (a COMMAND argument, "-" for stdin, or --file FILE; on a '
                         "terminal, no command starts the interactive mode)")
    if list(commands).count("-") > 1:
        raise UsageError('"-" (standard input) can be given once')
    texts: List[str] = []
    for number, command in enumerate(commands, 1):
        if command == "-":
            text = _read_stream(stdin, "standard input")
            if not text.strip():
                raise UsageError("standard input (-) is empty")
        else:
            text = command
            if not text.strip():
                raise UsageError(f"COMMAND {number} is empty")
        texts.append(text)
    for path in files:
        shown = f"--file {escape_controls(path)}"
        try:
            with open(path, encoding="utf-8-sig", errors="strict", newline="") as stream:
                text = _read_stream(stream, shown)
        except UnicodeDecodeError:
            raise UsageError(f"{shown}: not UTF-8 text") from None
        except OSError as exc:
            raise UsageError(f"{shown}: {exc.strerror or type(exc).__name__}") from None
        if not text.strip():
            raise UsageError(f"{shown}: the file is empty (only blanks)")
        texts.append(text)
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


def read_targets(args) -> List[Target]:  # noqa: ANN001 - argparse.Namespace
    """The servers: --host arguments, then the inventory (after --limit); localhost if neither."""
    typed = explicit(args)
    defaults = {"port": args.port or DEFAULT_PORT, "namespace": DEFAULT_NAMESPACE, "user": DEFAULT_USER}
    if args.limit and not args.inventory:
        raise UsageError("--limit picks servers of an --inventory; give one")
    targets = from_hosts(args.hosts or [], defaults, typed)
    if args.inventory:
        inventory = read_inventory(args.inventory, defaults, typed)
        targets += select(inventory, args.limit) if args.limit else inventory.targets
    targets = targets or from_hosts([("localhost", None)], defaults, typed)
    refuse_duplicates(targets)
    return targets


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


def read_passwords(targets: Sequence[Target], environ: Dict[str, str]) -> Dict[str, str]:
    """Each server's password: from the variable its ``password_env`` names, else the common one (read
    once, only if a server needs it). A named variable that is not set is an error, never a fallback."""
    passwords: Dict[str, str] = {}
    common: Optional[str] = None
    for target in targets:
        if target.password_env:
            value = environ.get(target.password_env)
            if not value:
                raise UsageError(f"{escape_controls(target.name)}: password_env names "
                                 f"{target.password_env}, which is not set (or empty)")
            passwords[target.name] = value
        else:
            if common is None:
                common = read_password(environ)
            passwords[target.name] = common
    return passwords


def _have_terminal() -> bool:
    if os.name == "nt":
        return sys.stdin is not None and sys.stdin.isatty()
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


# -------------------------------------------------------------------------------------------- printing


class Printer:
    """Writes to stdout/stderr under one lock (several server threads print at once)."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.lock = threading.Lock()

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def error(self, text: str) -> None:
        with self.lock:
            self.err.write(text)
            self.err.flush()


def _fields(outcome: Outcome) -> Dict[str, object]:
    fields = result_fields(outcome.command, outcome.server, outcome.status, outcome.output, outcome.error,
                           outcome.namespace, outcome.elapsed, outcome.server_version, outcome.output_dropped)
    if outcome.warning:  # the client's doubt about this result (frames set aside, session back in step)
        fields["Warning"] = outcome.warning
    return fields


def _failure_text(outcome: Outcome, server: str = "") -> str:
    """The failure line, and a note with the client's warning (frames of other commands set aside, the
    session brought back in step or replaced): what makes a result one to doubt is always shown."""
    note = ""
    if outcome.warning:
        where = f"{escape_controls(server)}: " if server else ""
        note = f"{where}note: {escape_controls(outcome.warning)}\n"
    if outcome.status == "ok":
        return note
    return status_line(outcome.status, outcome.error, server) + note


def _fleet_document(command: str, outcomes: List[Outcome]) -> Dict[str, object]:
    """One command on every server, with FleetCommandResponse's field names (and Server in each result)."""
    statuses = [o.status for o in outcomes]
    groups = group_results((o.server, o.status, o.output, o.output_dropped) for o in outcomes)
    results = []
    for outcome in outcomes:
        fields = _fields(outcome)
        fields["Target"] = outcome.server
        results.append(fields)
    return {
        "Command": command,
        "Status": fleet_status(statuses),
        "Counts": count_statuses(statuses),
        "Results": results,
        "Groups": [{"Status": s, "Output": o, "Targets": names} for s, o, names in groups],
        "ElapsedMs": int(round(max((o.elapsed for o in outcomes), default=0.0) * 1000)),
    }


# -------------------------------------------------------------------------------------------- modes


def run_one_server(args, target: Target, password: str, commands: List[str],  # noqa: ANN001
                   settings: Settings, printer: Printer, stems: Optional[Dict[str, str]],
                   streams: List[OutputStream]) -> List[str]:
    stream: Optional[OutputStream] = None
    if not args.json:
        stream = OutputStream(printer.write, color=use_color(args.color, printer.out),
                              escape=is_terminal(printer.out), drop_errors=True,
                              limit=args.max_output_chars or None)
        streams.append(stream)

    def shown(outcome: Outcome) -> None:
        if args.json:
            printer.write(json.dumps(_fields(outcome), ensure_ascii=True) + "\n")
            return
        assert stream is not None
        if stream.not_shown:
            printer.error(f"note: {stream.not_shown} characters of output not shown (--max-output-chars)\n")
        stream.shown = stream.not_shown = 0
        printer.error(_failure_text(outcome))

    outcomes = run_target(target, password, commands, settings, stream, on_outcome=shown)
    if stems is not None:
        _write_files(args.output_dir, stems[target.name], outcomes, printer)
    return [o.status for o in outcomes]


def run_several(args, targets: List[Target], passwords: Dict[str, str], commands: List[str],  # noqa: ANN001
                settings: Settings, printer: Printer, stems: Optional[Dict[str, str]],
                streams: List[OutputStream], opened: List[object]) -> List[str]:
    began = time.monotonic()
    by_target: Dict[str, OutputStream] = {}
    if not args.json and not args.group:
        color = use_color(args.color, printer.out)
        for target in targets:
            by_target[target.name] = OutputStream(printer.write, prefix=f"{escape_controls(target.name)}: ",
                                                  color=color, escape=True, drop_errors=True,
                                                  limit=args.max_output_chars or None, lock=printer.lock)
        streams.extend(by_target.values())

    def target_done(target: Target, outcomes: List[Outcome]) -> None:
        if by_target:
            printer.error("".join(_failure_text(o, target.name) for o in outcomes))
            stream = by_target[target.name]
            if stream.not_shown:
                printer.error(f"{escape_controls(target.name)}: note: {stream.not_shown} characters of "
                              "output not shown (--max-output-chars)\n")
        if stems is not None:
            _write_files(args.output_dir, stems[target.name], outcomes, printer)

    try:
        results = run_fleet(targets, passwords, commands, settings, args.max_concurrency, args.max_errors,
                            by_target, target_done, opened)
    except ValueError as exc:  # a limit that cannot be read: before any server is contacted
        raise UsageError(str(exc)) from None
    elapsed = time.monotonic() - began
    statuses: List[str] = []
    for number, command in enumerate(commands):
        outcomes = [results[t.name][number] for t in targets]
        statuses += [o.status for o in outcomes]
        if args.json:
            printer.write(json.dumps(_fleet_document(command, outcomes), ensure_ascii=True) + "\n")
            continue
        if args.group:
            if len(commands) > 1:  # which command the blocks below belong to
                printer.write(f"== {escape_controls(command)}\n")
            # the one rule on whole outputs (and the error each block shows); an output cut by
            # --max-output-chars is grouped with no other; a block shows its first member's body
            by_name = {o.server: o for o in outcomes}
            blocks = group_results((o.server, o.status, o.output + "\0" + o.error, o.output_dropped)
                                   for o in outcomes)
            for status, _whole, names in blocks:
                printer.write(group_block(compress_names(names), status, _group_body(by_name[names[0]])))
        counts = count_statuses(o.status for o in outcomes)
        printer.error(f"{escape_controls(command)[:80]}: {summary_line(counts, elapsed)}\n")
    return statuses


def _group_body(outcome: Outcome) -> str:
    """A group's text: the output (without IRIS's error line: the status says it), or the failure."""
    text = "\n".join(render(line, False, True) for line in outcome.output.replace("\r\n", "\n")
                     .replace("\r", "\n").rstrip("\n").split("\n")) if outcome.output else ""
    if outcome.status != "ok" and outcome.error:
        error = words(outcome.error)
        lines = [line for line in text.split("\n") if line.strip() != error.strip()] if text else []
        text = "\n".join(lines + [error])
    return text


def _write_files(directory: str, stem: str, outcomes: List[Outcome], printer: Printer) -> None:
    output = "".join(o.output + ("" if o.output.endswith("\n") or not o.output else "\n") for o in outcomes)
    try:
        write_server(directory, stem, output, [_fields(o) for o in outcomes])
    except OSError as exc:
        printer.error(f"error: --output-dir {escape_controls(directory)}: {stem}: "
                      f"{escape_controls(exc.strerror or type(exc).__name__)}\n")


def run_interactive(args, target: Target, password: str, environ: Dict[str, str]) -> int:  # noqa: ANN001
    settings = Settings(timeout=args.timeout, connect_timeout=args.connect_timeout)
    term = open_terminal(settings.options(target), target.user, password)
    try:
        term.connect()
    except TerminalError as exc:
        verdict = classify(exc)
        error = explain(exc, target, settings) or verdict.error
        sys.stderr.write(status_line(verdict.status.value, error))
        return exit_code([verdict.status.value])
    color = use_color(args.color, sys.stdout, environ)
    try:
        version = f", {escape_controls(term.server_version)}" if term.server_version else ""
        sys.stderr.write(f"Connected to {escape_controls(target.name)} as {escape_controls(target.user)}"
                         f"{version}. Ctrl-C interrupts a command; Ctrl-D or halt ends the session.\n")
        if term.banner:
            banner = OutputStream(sys.stdout.write, color=color, escape=True, drop_errors=False)
            banner.feed(term.banner)
            banner.finish()
        history = History(environ.get(HISTORY_ENV) or DEFAULT_HISTORY,
                          lambda text: sys.stderr.write(f"note: {text}\n"))
        return Interactive(term, sys.stdout, sys.stderr, color, history).run()
    finally:
        term.close()


# -------------------------------------------------------------------------------------------- main


def main(argv: Optional[Sequence[str]] = None, environ: Optional[Dict[str, str]] = None,
         bound_ctrl_c: bool = False) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage message (or the help)
        return EXIT_USAGE if exc.code else EXIT_OK
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")  # any output prints, whatever the locale
    env = dict(os.environ if environ is None else environ)
    printer = Printer(sys.stdout, sys.stderr)
    streams: List[OutputStream] = []
    opened: List[object] = []
    try:
        if args.insecure and args.ca_file:
            raise UsageError("--insecure and --ca-file exclude each other")
        problem = expect_problem(args.expect)
        if problem:
            raise UsageError(f"--expect: {problem}")
        targets = read_targets(args)
        if not args.commands and not args.file and is_terminal(sys.stdin):
            if len(targets) != 1:
                raise UsageError(f"the interactive mode works on one server, not {len(targets)}: give a "
                                 "COMMAND to run on all of them, or --limit one")
            if args.json or args.output_dir:
                raise UsageError("--json and --output-dir need a COMMAND (the interactive mode prints text)")
            return run_interactive(args, targets[0], read_passwords(targets, env)[targets[0].name], env)
        commands = read_commands(args.commands, args.file, sys.stdin)
        passwords = read_passwords(targets, env)
        stems = prepare(args.output_dir, [t.name for t in targets]) if args.output_dir else None
        if bound_ctrl_c:
            end_within_bound_after_ctrl_c()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, ctrl_c_after_writing)
        settings = Settings(timeout=DEFAULT_TIMEOUT if args.timeout is None else args.timeout,
                            connect_timeout=args.connect_timeout, input_lines=tuple(args.input),
                            expect=args.expect, max_output_chars=args.max_output_chars or None)
        if len(targets) == 1:
            statuses = run_one_server(args, targets[0], passwords[targets[0].name], commands, settings,
                                      printer, stems, streams)
        else:
            statuses = run_several(args, targets, passwords, commands, settings, printer, stems, streams,
                                   opened)
    except UsageError as exc:
        printer.error(f"error: {escape_controls(exc)}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _close_all(opened)
        for stream in streams:  # what arrived is kept: the lines still held are written
            try:
                stream.finish()
            except Exception:  # noqa: BLE001, S110 - a broken stream must not hide the Ctrl-C report
                pass
        printer.error("stopped: Ctrl-C\n")
        return EXIT_CTRL_C
    return exit_code(statuses)


def _close_all(terminals: List[object]) -> None:
    """Close every open session at once (each within the client's close bound), from helper threads."""
    closers = [threading.Thread(target=t.close, daemon=True) for t in list(terminals)]
    for closer in closers:
        closer.start()
    deadline = time.monotonic() + 2.0
    for closer in closers:
        closer.join(max(0.0, deadline - time.monotonic()))


#: Seconds after Ctrl-C within which the command line program has ended, whatever it was doing: closing the
#: sessions (interrupt, logout) takes at most the client's close bound (2 s).
CTRL_C_EXIT_BOUND = 3.0


def end_within_bound_after_ctrl_c() -> None:
    """Make Ctrl-C end the process with EXIT_CTRL_C within CTRL_C_EXIT_BOUND, always (not in the interactive
    mode, where Ctrl-C interrupts a command and the session goes on).

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
    sys.exit(main(bound_ctrl_c=True))
