"""``%SYSTEM.OBJ``: Compile, CompileList and Load of the classes and files the simulated server knows.

Known classes are the simulated system classes, ``SimulatorConfig.classes`` and whatever ``Load`` brought
in (kept per namespace for the simulator's life); known files are ``SimulatorConfig.loadable_files``. The
output mimics IRIS's compiler log (docs/simulator-objectscript.md §6.4); an unknown class is
``ERROR #5351``, an unknown file ``ERROR #5012``, and the method returns the %Status.
"""

from __future__ import annotations

import datetime
import fnmatch
import posixpath
import re
import time
from typing import TYPE_CHECKING, List, Tuple

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


#: Item type suffixes (``Demo.Hello.cls``, ``MyRoutine.mac``), as CompileList and friends take them [D S16].
CLASS_SUFFIX = ".cls"
ROUTINE_SUFFIXES = (".mac", ".int", ".inc", ".bas", ".mvb", ".mvi")
_WILDCARD = re.compile(r"[*?]")


def known_classes(s: Session) -> List[str]:
    """Every class name the simulated namespace has (simulated, configured, loaded)."""
    loaded = s.host.loaded.get(s.namespace, set())
    return sorted(set(s.class_names()) | set(s.setting("classes", ())) | set(loaded))


def expand_items(s: Session, spec: str) -> Tuple[List[str], List[tuple]]:
    """The class names an item list names, and the errors for the items that name nothing.

    ``spec``: comma-separated items; blanks around each are ignored; a ``.cls`` suffix names a class; a
    routine suffix (``.mac``...) names a routine, which the simulator never has (``ERROR #5351``-like
    ``#5011`` [I]); ``*`` and ``?`` are wildcards and a leading ``'`` excludes what it matches [D S16]. A
    wildcard that matches nothing is no error [I].
    """
    include: List[str] = []
    exclude: List[str] = []
    errors: List[tuple] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        excluded = item.startswith("'")
        if excluded:
            item = item[1:]
        lowered = item.lower()
        if lowered.endswith(ROUTINE_SUFFIXES):
            if not excluded:
                errors.append((5011, (item,)))
            continue
        if lowered.endswith(CLASS_SUFFIX):
            item = item[: -len(CLASS_SUFFIX)]
        (exclude if excluded else include).append(item)
    names: List[str] = []
    known = None
    for item in include:
        if _WILDCARD.search(item):
            known = known if known is not None else known_classes(s)
            names.extend(name for name in known if fnmatch.fnmatchcase(name, item))
        else:
            names.append(item)
    kept = [name for name in dict.fromkeys(names) if not any(fnmatch.fnmatchcase(name, e) for e in exclude)]
    return kept, errors


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
    names, errors = expand_items(s, arg_str(args, 0))
    qspec = arg_str(args, 1, DEFAULT_QSPEC)
    started = time.monotonic()
    lines = [f"Compilation started on {_now()} with qualifiers '{qspec}'"]
    lines.extend(message(code, params) for code, params in errors)
    errors = errors + _compile(s, names, qspec, lines)
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


def delete(s: Session, args: Args) -> Value:
    """``Delete(classes, qspec)``: forgets a loaded class; a simulated or configured class cannot be
    deleted here, and an unknown one is ``ERROR #5351`` [D S16 for the message; the log wording is I]."""
    names, errors = expand_items(s, arg_str(args, 0))
    qspec = arg_str(args, 1, DEFAULT_QSPEC)
    lines: List[str] = []
    lines.extend(message(code, params) for code, params in errors)
    loaded = s.host.loaded.get(s.namespace, set())
    for name in names:
        if name in loaded:
            loaded.discard(name)
            lines.append(f"Deleting class {name}")
        else:
            errors.append((5351, (name,)))
            lines.append(message(5351, (name,)))
    _finish(s, lines, qspec)
    return combine(errors) if errors else OK


CLASSES = [
    ClassDef(
        "%SYSTEM.OBJ",
        {"Compile": compile_classes, "CompileList": compile_classes, "Load": load, "Delete": delete},
    )
]
