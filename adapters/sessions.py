"""Terminal session pool for the outbound adapter: plain Python, so it is unit-tested without IRIS.

One pool lives in one IRIS job (the operation's), so it needs no cross-process sharing. It holds:

* the **default session** (requests without a session name), governed by ``StayConnected`` as for IRIS's
  TCP and SQL adapters (docs/settings.md §3): ``-1`` keeps it open, ``0`` opens one per message and
  closes it afterwards, ``N > 0`` closes it once idle for more than N seconds;
* up to ``max_sessions`` **named sessions**: requests with the same name reuse one server process, so
  locals survive between messages, as terminado's named terminals do (docs/settings.md §9). Idle ones
  expire after ``session_idle_timeout`` seconds (``<= 0``: never). When all slots are taken a new name is
  refused (terminado's ``MaxTerminalsReached``) rather than silently evicting another caller's locals.

Idle expiry is checked whenever the pool is used (each message) and on ``close_all``: an IRIS adapter
written in pyprod cannot hook ``OnKeepalive`` (the name is inherited), so no timer runs in between.

Requests on the default session share neither namespace nor locals: each one names its namespace (the
request's or the operation's), so a namespace never carries over, and from its second request on the pool
first runs ``reset_command`` (the adapter uses an argumentless ``kill``), so no request reads another's
locals. That kill leaves process-private globals, $ZERROR, $ETRAP, locks and an open transaction in the
server process (docs/user-guide.md §4); ``stay_connected=0`` gives each request its own process.
A named session is the one way to keep state between requests on purpose.

A session whose command came back ``lost``, or that raised a ``TerminalError``, is closed and dropped: the
next message gets a fresh one. A named session's later commands go with ``keep_session``: if its server
process is gone before one is sent (closed, or not back in step), that command is not run (``ran`` false,
``unreachable``) rather than run in a new process without the locals it relies on. The pool never re-sends
a command (a lost command may have run).

Revocation (docs/security.md §12): with a ``credential_stamp`` the pool takes a fingerprint of the
credentials a session logs in with and, before every later request on that kept session (default or named),
takes it again. A deleted entry (the stamp raises) or a changed one (another fingerprint) closes the session
and refuses the request with :class:`CredentialsRevoked` (a ``NotSent``: ``unreachable``), saying why.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

from adapters.lite_terminal.contract import Status
from adapters.lite_terminal.errors import NotSent

DEFAULT = ""


class SessionLimitError(NotSent):
    """All ``max_sessions`` named-session slots are in use."""


class SessionResetError(NotSent):
    """The default session could not be reset (or could not enter the namespace) before the command."""


class CredentialsRevoked(NotSent):
    """The credentials entry a kept session logged in with was deleted or changed: the session is closed."""


@dataclass
class _Entry:
    terminal: Any
    last_used: float
    used: bool = False
    stamp: str = ""  # fingerprint of the credentials the session logged in with ("" without a stamp)


class SessionPool:
    """Default and named terminal sessions with StayConnected / idle-expiry rules."""

    def __init__(
        self,
        factory: Callable[[], Any],
        *,
        stay_connected: float = -1,
        max_sessions: int = 4,
        session_idle_timeout: float = 300,
        reset_command: str = "",
        clock: Callable[[], float] = time.monotonic,
        credential_stamp: Optional[Callable[[], str]] = None,
    ) -> None:
        self._factory = factory
        self._stamp = credential_stamp
        self.reset_command = reset_command
        self.stay_connected = stay_connected
        self.max_sessions = max_sessions
        self.session_idle_timeout = session_idle_timeout
        self._clock = clock
        self._entries: Dict[str, _Entry] = {}
        self._lock = threading.RLock()

    # -- queries ------------------------------------------------------------------------------------------
    @property
    def names(self) -> List[str]:
        """Open sessions, the default one as ``""``."""
        with self._lock:
            return sorted(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    # -- use ----------------------------------------------------------------------------------------------
    def execute(
        self,
        command: str,
        *,
        session: str = DEFAULT,
        namespace: Optional[str] = None,
        timeout: Optional[float] = None,
        input_lines: Sequence[str] = (),
        **options: Any,
    ) -> Any:
        """Run ``command`` in the named (or default) session and return the client's CommandResult.

        ``options`` go to the client's ``execute`` unchanged (e.g. ``max_output_chars``). Raises the
        client's ``TerminalError`` for session failures, ``SessionLimitError`` when a new named session does
        not fit and ``SessionResetError`` when the default session could not be reset (nothing was sent).
        """
        name = (session or "").strip()
        with self._lock:
            self.expire_idle()
            kept = self._entries.get(name)
            if kept is not None:
                self._recheck(name, kept)  # a session opened now has just been stamped
            entry = self._entry_for(name)
            try:
                if not getattr(entry.terminal, "connected", False):
                    entry.terminal.connect()
                    entry.used = False  # a new server process: nothing to reset
                if name == DEFAULT and entry.used and self.reset_command:
                    self._reset(entry.terminal, namespace, timeout)
                if name != DEFAULT and entry.used:  # its locals are the point: never run it on a new process
                    options = dict(options, keep_session=True)
                entry.used = True
                result = entry.terminal.execute(
                    command, namespace=namespace, timeout=timeout, input_lines=tuple(input_lines), **options
                )
            except BaseException:
                self._drop(name)
                raise
            entry.last_used = self._clock()
            if getattr(result, "status", "") == Status.LOST or (name == DEFAULT and self.stay_connected == 0):
                self._drop(name)
            return result

    def close(self, session: str = DEFAULT) -> bool:
        """Close one session; True if it was open."""
        with self._lock:
            return self._drop((session or "").strip())

    def close_all(self) -> None:
        """Close every session (adapter teardown)."""
        with self._lock:
            for name in list(self._entries):
                self._drop(name)

    def expire_idle(self, now: Optional[float] = None) -> List[str]:
        """Close sessions idle past their limit; returns the names closed."""
        now = self._clock() if now is None else now
        closed = []
        with self._lock:
            for name, entry in list(self._entries.items()):
                limit = self.stay_connected if name == DEFAULT else self.session_idle_timeout
                if limit is not None and limit > 0 and now - entry.last_used > limit:
                    self._drop(name)
                    closed.append(name)
        return closed

    # -- internals ----------------------------------------------------------------------------------------
    def _reset(self, terminal: Any, namespace: Optional[str], timeout: Optional[float]) -> None:
        """Run the reset command (in the request's namespace); anything but ``ok`` refuses the request."""
        done = terminal.execute(self.reset_command, namespace=namespace, timeout=timeout, input_lines=())
        if getattr(done, "status", "") != Status.OK:
            why = getattr(done, "error", "") or getattr(done, "status", "no result")
            raise SessionResetError(
                f"the default session could not be prepared for the request ({self.reset_command!r} "
                f"{'in ' + namespace if namespace else ''} ended {getattr(done, 'status', '?')}: {why})"
            )

    def _recheck(self, name: str, entry: _Entry) -> None:
        """Before a request on a kept session: is its credentials entry still there, and unchanged?"""
        if self._stamp is None or not entry.stamp:
            return
        try:
            current = self._stamp()
            why = "" if current == entry.stamp else "changed (user or password)"
        except Exception as exc:  # noqa: BLE001  deleted, or the store cannot be read: in doubt, close
            why = f"can no longer be read ({exc})"
        if why:
            self._drop(name)
            which = f"named session {name!r}" if name else "the default session"
            raise CredentialsRevoked(
                f"the credentials entry {which} logged in with {why}: {which} is closed")

    def _entry_for(self, name: str) -> _Entry:
        entry = self._entries.get(name)
        if entry is not None:
            return entry
        if name != DEFAULT:
            named = sum(1 for n in self._entries if n != DEFAULT)
            if named >= self.max_sessions:
                # Never name the other sessions: a session name is the key to another caller's locals.
                raise SessionLimitError(
                    f"cannot open named session {name!r}: all MaxSessions={self.max_sessions} named sessions "
                    "are in use; wait for one to expire (SessionIdleTimeout) or raise MaxSessions"
                )
        stamp = self._stamp() if self._stamp is not None else ""  # a deleted entry opens nothing
        entry = _Entry(self._factory(), self._clock(), stamp=stamp)
        self._entries[name] = entry
        return entry

    def _drop(self, name: str) -> bool:
        entry = self._entries.pop(name, None)
        if entry is None:
            return False
        try:
            entry.terminal.close()
        except Exception:  # noqa: BLE001  closing a broken socket must not mask the real outcome
            pass
        return True

    def __del__(self) -> None:  # the adapter's Python object is dropped on OnTearDown
        try:
            self.close_all()
        except Exception:  # noqa: BLE001
            pass
