"""NEW and LOCK: the commands that change what a process holds rather than what it computes.

NEW (docs/objectscript-grammar.md §8): ``NEW a,b`` hides the named locals, ``NEW`` hides all of them,
``NEW (a,b)`` all but those; ``NEW $ETRAP``/``NEW $NAMESPACE`` save those special variables. At the
terminal there is no routine frame to QUIT from, so what NEW hid comes back when the input ends [I].

LOCK (docs/objectscript-grammar.md §8): ``LOCK +ref[:timeout]`` adds a lock, ``LOCK -ref`` removes one,
``LOCK ref`` releases all this process holds first, argumentless ``LOCK`` releases all. The lock table lives
in the ``Host`` all sessions share; a lock another process holds makes a timed LOCK give up with ``$TEST=0``
after its timeout, and an untimed one wait (yielding to the driver, so an interrupt ends the wait) [D G14].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, Optional, Tuple

from .command_parser import Cmd
from .events import TICK, Hang, Run
from .expressions import Ref
from .values import to_num

if TYPE_CHECKING:
    from .session import Session

LockKey = Tuple[str, str, Tuple[str, ...]]  # namespace ("" for a local name), name, subscripts
_WAIT_STEP = 0.05  # seconds between looks at a lock another process holds


# -- NEW --
def _new(s: Session, cmd: Cmd) -> Run:
    kind, items = cmd.args
    saved = s.new_frame()
    if kind == "all":
        _hide_locals(s, saved, keep=None)
    elif kind == "except":
        _hide_locals(s, saved, keep=set(items))
    else:
        for item in items:
            if item.startswith("$"):
                saved.specials.setdefault(item, s.special_value(item))
            else:
                _hide_local(s, saved, item)
    return
    yield  # pragma: no cover


def _hide_local(s: Session, saved, name: str) -> None:
    if name in saved.locals:
        return
    node = s.locals.roots.pop(name, None)
    saved.locals[name] = node


def _hide_locals(s: Session, saved, keep: Optional[set]) -> None:
    for name in list(s.locals.roots):
        if keep is None or name not in keep:
            _hide_local(s, saved, name)


def restore_frames(s: Session) -> None:
    """The input ended: what NEW hid comes back, newest first."""
    while s.new_frames:
        frame = s.new_frames.pop()
        for name, node in frame.locals.items():
            s.locals.roots.pop(name, None)
            if node is not None:
                s.locals.roots[name] = node
        for name, value in frame.specials.items():
            s.restore_special(name, value)


# -- LOCK --
def lock_key(s: Session, ref: Ref) -> LockKey:
    name, subs = ref.key(s)
    is_global = ref.store(s) is not s.locals
    return (s.namespace if is_global else "", ("^" if is_global else "") + name, subs)


def _held_by_other(table: Dict[LockKey, Tuple[int, int]], key: LockKey, job: int) -> bool:
    """Is ``key``, an ancestor of it or a descendant of it locked by another job?"""
    for (ns, name, subs), (owner, _count) in table.items():
        if owner == job or ns != key[0] or name != key[1]:
            continue
        shorter = min(len(subs), len(key[2]))
        if subs[:shorter] == key[2][:shorter]:
            return True
    return False


def release_all(s: Session) -> None:
    table = s.host.locks
    for key in [key for key, (owner, _) in table.items() if owner == s.job]:
        del table[key]


def _lock(s: Session, cmd: Cmd) -> Run:
    if not cmd.args:
        release_all(s)
        return
    table = s.host.locks
    for sign, refs, timeout_expr in cmd.args:
        keys = [lock_key(s, ref) for ref in refs]
        if sign == "-":
            for key in keys:
                owner, count = table.get(key, (None, 0))
                if owner == s.job:
                    if count > 1:
                        table[key] = (s.job, count - 1)
                    else:
                        del table[key]
            continue
        if sign == "":
            release_all(s)
        timeout = float(to_num(timeout_expr.eval(s))) if timeout_expr is not None else None
        waited = 0.0
        while any(_held_by_other(table, key, s.job) for key in keys):
            if timeout is not None and waited >= timeout:
                s.test = False
                break
            step = _WAIT_STEP if timeout is None else min(_WAIT_STEP, max(timeout - waited, 0.0))
            if step > 0:
                yield Hang(step)
            else:
                yield TICK
            waited += step
        else:
            for key in keys:
                owner, count = table.get(key, (s.job, 0))
                table[key] = (s.job, count + 1)
            if timeout is not None:
                s.test = True


PROCESS_COMMANDS: Dict[str, Callable[[Session, Cmd], Run]] = {"NEW": _new, "LOCK": _lock}
