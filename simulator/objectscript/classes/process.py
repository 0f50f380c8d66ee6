"""``%SYSTEM.Process``: the terminal process's namespace and process id (``$NAMESPACE``, ``$JOB``)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ..objects import Args, ClassDef
from ..values import Value

if TYPE_CHECKING:
    from ..session import Session


def namespace(s: Session, args: Args) -> Value:
    return s.namespace


def process_id(s: Session, args: Args) -> Value:
    return Decimal(s.job)


CLASSES = [ClassDef("%SYSTEM.Process", {"NameSpace": namespace, "ProcessID": process_id})]
