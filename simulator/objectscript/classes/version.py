"""``%SYSTEM.Version``: the version the simulated server reports (from its ``$ZVERSION``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..objects import Args, ClassDef
from ..values import Value

if TYPE_CHECKING:
    from ..session import Session

_NUMBER = re.compile(r"\) (\d+)\.(\d+)(?:\.(\d+))? \(Build (\w+)")


def _parts(s: Session) -> tuple:
    match = _NUMBER.search(s.version)
    return match.groups() if match else ("", "", None, "")


def get_version(s: Session, args: Args) -> Value:
    return s.version


def get_number(s: Session, args: Args) -> Value:
    major, minor, point, _ = _parts(s)
    return ".".join(part for part in (major, minor, point) if part)


def get_major(s: Session, args: Args) -> Value:
    return _parts(s)[0]


def get_minor(s: Session, args: Args) -> Value:
    return _parts(s)[1]


def get_build_number(s: Session, args: Args) -> Value:
    return _parts(s)[3]


CLASSES = [
    ClassDef(
        "%SYSTEM.Version",
        {"GetVersion": get_version, "GetNumber": get_number, "GetMajor": get_major, "GetMinor": get_minor,
         "GetBuildNumber": get_build_number},
    )
]
