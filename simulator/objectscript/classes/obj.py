"""``%SYSTEM.OBJ``: Compile, CompileList and Load of the classes and files the simulated server knows.

Known classes are the simulated system classes, ``SimulatorConfig.classes`` and whatever ``Load`` brought
in (kept per namespace for the simulator's life); known files are ``SimulatorConfig.loadable_files``. The
output mimics IRIS's compiler log (docs/simulator-objectscript.md §6.4); an unknown class is
``ERROR #5351``, an unknown file ``ERROR #5012``, and the method returns the %Status.
"""

from __future__ import annotations

import datetime
import posixpath
import time
from typing import TYPE_CHECKING, List

from ..objects import Args, ClassDef, arg_str
from ..status_values import OK, combine, error_status, message
from ..values import Value

if TYPE_CHECKING:
    from ..session import Session

DEFAULT_QSPEC = "cuk"


def _display(qspec: str) -> bool:
    lowered = qspec.lower()
    return "-d" not in lowered and "/nodisplay" not in lowered


def _now() -> str:
    return datetime.datetime.now().strftime("%m/%d/%Y %H:%M:%S")


def _compile(s: Session, names: List[str], qspec: str, lines: List[str]) -> List[tuple]:
    errors = []
    for name in names:
        if s.class_known(name):
            lines.append(f"Compiling class {name}")
            lines.append(f"Compiling routine {name}.1")
        else:
            errors.append((5351, (name,)))
            lines.append(message(5351, (name,)))
    return errors


def _finish(s: Session, lines: List[str], qspec: str) -> None:
    if _display(qspec):
        s.write("".join("\r\n" + line for line in lines))


def compile_classes(s: Session, args: Args) -> Value:
    names = [name.strip() for name in arg_str(args, 0).split(",") if name.strip()]
    qspec = arg_str(args, 1, DEFAULT_QSPEC)
    started = time.monotonic()
    lines = [f"Compilation started on {_now()} with qualifiers '{qspec}'"]
    errors = _compile(s, names, qspec, lines)
    took = f"{time.monotonic() - started:.3f}s"
    if errors:
        lines.append(f"Detected {len(errors)} errors during compilation in {took}.")
    else:
        lines.append(f"Compilation finished successfully in {took}.")
    _finish(s, lines, qspec)
    return combine(errors) if errors else OK


def load(s: Session, args: Args) -> Value:
    path = arg_str(args, 0)
    qspec = arg_str(args, 1, DEFAULT_QSPEC)
    kind = "xml" if path.lower().endswith(".xml") else "udl"
    lines = [f"Load started on {_now()}", f"Loading file {path} as {kind}"]
    if path not in tuple(s.setting("loadable_files", ())):
        status = error_status(5012, path)
        lines.append(message(5012, (path,)))
        lines.append("Detected 1 errors during load.")
        _finish(s, lines, qspec)
        return status
    name = posixpath.basename(path)
    for suffix in (".cls", ".xml"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    s.remember_class(name)
    errors = _compile(s, [name], qspec, lines) if "c" in qspec.lower() else []
    lines.append(f"Detected {len(errors)} errors during load." if errors else "Load finished successfully.")
    _finish(s, lines, qspec)
    return combine(errors) if errors else OK


CLASSES = [
    ClassDef("%SYSTEM.OBJ", {"Compile": compile_classes, "CompileList": compile_classes, "Load": load})
]
