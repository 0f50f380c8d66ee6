"""``%SYS.Namespace``: which namespaces the simulated server has (SimulatorConfig.namespaces)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..expressions import Ref
from ..objects import Args, ClassDef, arg_str
from ..status_values import OK
from ..values import Value, as_bool

if TYPE_CHECKING:
    from ..session import Session


def exists(s: Session, args: Args) -> Value:
    wanted = arg_str(args, 0).upper()
    return as_bool(any(ns.upper() == wanted for ns in s.namespaces))


def list_all(s: Session, args: Args) -> Value:
    """``ListAll(.array)``: ``array(NS)=""`` for every namespace."""
    target = args[0] if args else None
    if isinstance(target, Ref):
        name, subs = target.key(s)
        store = target.store(s)
        store.kill(name, subs)
        for ns in s.namespaces:
            store.set(name, subs + (ns,), "")
    return OK


CLASSES = [ClassDef("%SYS.Namespace", {"Exists": exists, "ListAll": list_all})]
