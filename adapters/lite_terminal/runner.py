"""Running the commands: on one server in one session (:func:`run_target`), on several at once
(:func:`run_fleet`), each command's output handed to an :class:`~.render.OutputStream` as it arrives.

Statuses come from ``contract.classify`` only; a failed connection's text is the client's, made into the
command line's words by the printers, or replaced by a one-line explanation when the port speaks the other
protocol (``diagnose.tls_mismatch``). A server's commands run in order in one session: locals carry over,
and after ``unreachable`` or ``lost`` the rest are ``skipped`` (the session state they rely on is gone).
Several servers: each in a thread of its own with its own session, at most ``max_concurrency`` at once,
none started once ``max_errors`` have failed (``fleet.FleetSchedule``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from . import errors
from .contract import ConnectOptions, Status, classify
from .diagnose import tls_mismatch
from .fleet import FleetSchedule, ServerResult, parse_limit
from .inventory import Target
from .memory import Opener, open_terminal
from .render import OutputStream

__all__ = ["Settings", "Outcome", "run_target", "run_fleet", "explain", "STOPS"]

#: After these, a server's remaining commands are not run.
STOPS = (Status.UNREACHABLE.value, Status.LOST.value)


@dataclass(frozen=True)
class Settings:
    """What every command of the run shares (the command line's options)."""

    timeout: Optional[float]
    connect_timeout: Optional[float]
    input_lines: Tuple[str, ...] = ()
    expect: str = ""
    max_output_chars: Optional[int] = None

    def options(self, target: Target) -> ConnectOptions:
        return ConnectOptions(host=target.host, port=target.port, namespace=target.namespace, tls=target.tls,
                              verify=target.verify, path_prefix=target.prefix,
                              connect_timeout=self.connect_timeout, response_timeout=self.timeout,
                              max_output_chars=self.max_output_chars)


@dataclass(frozen=True)
class Outcome(ServerResult):
    """One command on one server: fleet.ServerResult (the same fields, so the same grouping and JSON)
    plus the command it is the outcome of."""

    command: str = ""
    warning: str = ""  # the client's: frames set aside, the session brought back in step or replaced


def run_target(target: Target, password: str, commands: Sequence[str], settings: Settings,
               stream: Optional[OutputStream] = None, on_outcome: Optional[Callable[[Outcome], None]] = None,
               opener: Opener = open_terminal, opened: Optional[List[object]] = None) -> List[Outcome]:
    """The commands in order on one session of ``target``; one Outcome each (also passed to ``on_outcome``
    as soon as it is known). ``opened`` collects the session, so Ctrl-C can close it from another thread."""
    outcomes: List[Outcome] = []

    def done(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    began = time.monotonic()
    try:
        term = opener(settings.options(target), target.user, password)  # connects on its first execute
        if opened is not None:
            opened.append(term)
    except errors.TerminalError as exc:  # settings the client refuses: every command is invalid
        verdict = classify(exc)
        error = explain(exc, target, settings) or verdict.error
        for number, command in enumerate(commands):
            if number == 0 or verdict.status is Status.INVALID:
                done(Outcome(target.name, verdict.status.value, error=error,
                             elapsed=time.monotonic() - began, command=command))
            else:
                done(Outcome(target.name, Status.SKIPPED.value,
                             error=f"not run: the first command was {verdict.status.value}", command=command))
        return outcomes
    stopped = ""
    try:
        for number, command in enumerate(commands):
            if stopped:
                done(Outcome(target.name, Status.SKIPPED.value, error=f"not run: {stopped}", command=command))
                continue
            outcome = _run_one(term, command, target, settings, stream, keep_session=number > 0)
            if outcome.status in STOPS:
                stopped = f"an earlier command was {outcome.status}"
            done(outcome)
    finally:
        term.close()  # type: ignore[attr-defined]
    return outcomes


def _run_one(term: object, command: str, target: Target, settings: Settings,
             stream: Optional[OutputStream], keep_session: bool = False) -> Outcome:
    began = time.monotonic()
    hooks = {} if stream is None else {"on_output": stream.feed}  # a Terminal without hooks still works
    if keep_session:  # a later command relies on the session the earlier ones left: never a new one
        hooks["keep_session"] = True
    try:
        result = term.execute(command, timeout=settings.timeout,  # type: ignore[attr-defined]
                              input_lines=list(settings.input_lines),
                              max_output_chars=settings.max_output_chars, **hooks)
    except errors.TerminalError as exc:
        verdict = classify(exc)
        error = explain(exc, target, settings) or verdict.error
        return Outcome(target.name, verdict.status.value, error=error, elapsed=time.monotonic() - began,
                       command=command)
    finally:
        if stream is not None:
            stream.finish()
    verdict = classify(result, settings.expect)
    return Outcome(target.name, verdict.status.value, result.output, verdict.error, result.namespace,
                   result.elapsed, result.server_version, result.output_dropped, command=command,
                   warning=str(getattr(result, "warning", "") or ""))


def explain(exc: errors.TerminalError, target: Target, settings: Settings) -> str:
    """For a plain ConnectError (not a 401, 503 or missing API: those prove HTTP worked): the TLS/plain
    mismatch in one line, when the port's answer shows one; else ""."""
    if type(exc) is not errors.ConnectError:
        return ""
    timeout = settings.connect_timeout if settings.connect_timeout and settings.connect_timeout > 0 else 3.0
    hint = tls_mismatch(target.host, target.port, target.tls, min(timeout, 3.0))
    return f"{hint}; the command was not sent" if hint else ""


# -------------------------------------------------------------------------------------------- several servers


def run_fleet(targets: Sequence[Target], passwords: Dict[str, str], commands: Sequence[str],
              settings: Settings, max_concurrency: object, max_errors: object,
              streams: Optional[Dict[str, OutputStream]] = None,
              on_target_done: Optional[Callable[[Target, List[Outcome]], None]] = None,
              opened: Optional[List[object]] = None) -> Dict[str, List[Outcome]]:
    """Every target runs the commands (``run_target``) in a thread of its own, at most ``max_concurrency``
    at once; once ``max_errors`` targets failed, the rest are ``skipped``. Returns outcomes by target name.
    Limits are read by ``fleet.parse_limit`` (ValueError names the option)."""
    names = [t.name for t in targets]
    concurrency = parse_limit(max_concurrency, len(targets), "--max-concurrency")  # type: ignore[arg-type]
    schedule = FleetSchedule(names, concurrency or 1,
                             parse_limit(max_errors, len(targets), "--max-errors"))  # type: ignore[arg-type]
    by_name = {t.name: t for t in targets}
    results: Dict[str, List[Outcome]] = {}
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                name = schedule.take()
            if name is None:
                return
            target = by_name[name]
            try:
                outcomes = run_target(target, passwords[name], commands, settings,
                                      (streams or {}).get(name), opened=opened)
            except Exception as exc:  # noqa: BLE001  one server's bug must not lose the others' results
                verdict = classify(exc)
                outcomes = [Outcome(name, verdict.status.value, error=verdict.error, command=c)
                            for c in commands]
            failed = next((o.status for o in outcomes if o.status not in (Status.OK, Status.SKIPPED)),
                          Status.OK.value)
            with lock:
                results[name] = outcomes
                schedule.finish(name, failed)
            if on_target_done is not None:
                on_target_done(target, outcomes)

    threads = [threading.Thread(target=worker, name=f"lite-terminal-cli-{i}", daemon=True)
               for i in range(min(schedule.max_concurrency, len(targets)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)  # a timed join: Ctrl-C reaches the main thread at once
    for name in names:
        if name not in results:
            why = (f"not run: {schedule.failures} server(s) failed and --max-errors is {schedule.max_errors}")
            results[name] = [Outcome(name, Status.SKIPPED.value, error=why, command=c) for c in commands]
    return results
