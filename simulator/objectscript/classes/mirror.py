"""``%SYSTEM.Mirror``: this server's mirror role, per simulated server (SimulatorConfig.mirror_member,
mirror_primary, mirror_name), so fleet health checks can be tested against several simulators. A member is a
failover member (IsMember 1; IRIS answers 2 for an async member, which is not modelled)
(docs/simulator-objectscript.md §6.6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..objects import Args, ClassDef
from ..values import Value, as_bool

if TYPE_CHECKING:
    from ..session import Session


def is_member(s: Session, args: Args) -> Value:
    return as_bool(bool(s.setting("mirror_member", False)))


def is_primary(s: Session, args: Args) -> Value:
    return as_bool(bool(s.setting("mirror_member", False)) and bool(s.setting("mirror_primary", False)))


def is_backup(s: Session, args: Args) -> Value:
    return as_bool(bool(s.setting("mirror_member", False)) and not s.setting("mirror_primary", False))


def is_async_member(s: Session, args: Args) -> Value:
    return as_bool(False)  # the simulator models failover members only


def member_type(s: Session, args: Args) -> Value:
    if not s.setting("mirror_member", False):
        return "Not Member"
    return "Primary" if s.setting("mirror_primary", False) else "Backup"


def mirror_name(s: Session, args: Args) -> Value:
    return str(s.setting("mirror_name", "")) if s.setting("mirror_member", False) else ""


CLASSES = [
    ClassDef(
        "%SYSTEM.Mirror",
        {"IsMember": is_member, "IsPrimary": is_primary, "IsBackup": is_backup,
         "IsAsyncMember": is_async_member, "GetMemberType": member_type, "MirrorName": mirror_name},
    )
]
