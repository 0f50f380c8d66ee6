"""``load.sh --offline DIR``: generate every class with the real pyprod loader and the offline ``iris``,
all or nothing (docs/install.md §3).

The rules this module keeps, each tested in tests/production/test_load_sh.py:

* one file per class, named by the **full** class name (``LiteTerminal.TerminalProduction.cls``); two classes
  whose names differ at most in case are a clash, refused naming both modules (IRIS, and the file systems of
  Windows and macOS, do not tell them apart);
* everything is written into a temporary folder beside DIR and moved into place only when complete: a failure
  leaves DIR exactly as it was;
* the classes never name this machine: the folder each class adds to ``sys.path`` is the one given with
  ``--iris-path`` (POSIX ``/opt/x``, Windows ``C:\\x`` or ``\\\\server\\share\\x``), and a class that
  would still name the checkout, the host name or the user is refused;
* the output says what was written and what to install where, and never says "Loading X to IRIS...": no IRIS
  is involved.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import io
import os
import re
import shutil
import socket
import sys
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from delivery.components import DISTRIBUTIONS, MODULES, PACKAGES

#: Where the classes expect the checkout on the IRIS host unless --iris-path says otherwise.
DEFAULT_IRIS_PATH = "/opt/iris-lite-terminal"

_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:[\\/]")
_UNC = re.compile(r"\\\\[^\\/]+[\\/][^\\/]+")
_SYS_PATH_CALL = re.compile(r'"_add_to_sys_path","((?:[^"]|"")*)"')


class OfflineError(Exception):
    """The run cannot produce a complete, portable set of classes; nothing was written."""


def iris_path_problem(path: str) -> str:
    """Why ``path`` cannot be the folder on the IRIS host, or ``""``: an absolute POSIX or Windows path."""
    if not path.strip():
        return "is empty"
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return "holds a control character (a line break?)"
    if path != path.strip():
        return "starts or ends with blanks"
    if path.startswith("/") or _WINDOWS_DRIVE.match(path) or _UNC.match(path):
        return ""
    return ("is not an absolute path on the IRIS host (give /opt/iris-lite-terminal on Linux or Unix, "
            "C:\\InterSystems\\lt or \\\\server\\share\\lt on Windows)")


def is_windows_path(path: str) -> bool:
    return bool(_WINDOWS_DRIVE.match(path) or _UNC.match(path))


def machine_names(root: str) -> List[str]:
    """Strings that would identify this machine in a written class: the checkout, host and user names."""
    names = {root, os.path.realpath(root), os.path.expanduser("~")}
    with contextlib.suppress(Exception):
        names.add(socket.gethostname())
        names.add(socket.getfqdn())
    with contextlib.suppress(Exception):
        names.add(getpass.getuser())
    # Too short a name (a one-letter user, "/") would match ordinary class text and refuse every run.
    return sorted(n for n in names if len(n) >= 4 and n not in ("/", "root", "localhost"))


@dataclass
class Generated:
    name: str  # full class name
    module: str  # the module whose loading produced it
    text: str


def generate(modules: Sequence[str], root: str) -> Tuple[List[Generated], str]:
    """Run pyprod's loader on ``modules`` (one process, as one ``load.sh`` run) against the offline ``iris``;
    return the classes and pyprod's output. Raises OfflineError on a failed module or a clash."""
    sys.path.insert(0, root)
    from offline_iris.iris_module import install

    ns = install()
    from intersystems_pyprod import _parser

    found: Dict[str, Generated] = {}
    log = io.StringIO()
    for module in modules:
        before = len(ns.loaded_texts)
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                _parser.main(["-m", module])  # not --manual: hosts are "compiled" for the production checks
        except SystemExit as exc:
            raise OfflineError(f"{module} could not be loaded (pyprod exit {exc.code}): "
                               + _pyprod_message(buf.getvalue())) from None
        except Exception as exc:  # noqa: BLE001  a user module may raise anything while pyprod imports it
            raise OfflineError(f"{module} could not be loaded: {type(exc).__name__}: {exc}") from None
        out = buf.getvalue()
        log.write(out)
        if "Failed to load" in out:
            raise OfflineError(f"{module}: a class did not load: " + _pyprod_message(out))
        for name, text in ns.loaded_texts[before:]:
            key = name.casefold()
            earlier = found.get(key)
            if earlier is not None and (earlier.module != module or earlier.name != name):
                what = (f"which {earlier.module} already defines" if earlier.name == name else
                        f"and {earlier.module} defines {earlier.name}: names that differ only in case, which "
                        "IRIS does not tell apart")
                raise OfflineError(
                    f"class clash: {module} defines {name}, {what}; one would overwrite the other; rename "
                    "one of them (its class name or its module's iris_package_name)")
            found[key] = Generated(name, module, text)
    return list(found.values()), log.getvalue()


def _pyprod_message(out: str) -> str:
    """pyprod's output without its "Loading X to IRIS..." lines (no IRIS here), on one line."""
    lines = [ln.strip() for ln in out.splitlines()
             if ln.strip() and not re.match(r"Loading \S+ to IRIS\.\.\.$", ln.strip())]
    return " | ".join(lines) or "(pyprod printed nothing)"


def portable(classes: Sequence[Generated], root: str, iris_path: str) -> Dict[str, str]:
    """``{file name: text}`` with every ``_add_to_sys_path`` naming ``iris_path``; refuses anything that would
    still name this machine."""
    roots = {root.rstrip("/\\"), os.path.realpath(root).rstrip("/\\")}
    quoted = iris_path.replace('"', '""')
    files: Dict[str, str] = {}
    for cls in classes:
        def swap(match: re.Match, cls: Generated = cls) -> str:
            where = match.group(1).replace('""', '"').rstrip("/\\")
            if where not in roots:
                raise OfflineError(
                    f"{cls.name} (from {cls.module}) would load its Python code from {match.group(1)!r} on "
                    "this machine, outside the checkout: put the module's package under the checkout")
            return f'"_add_to_sys_path","{quoted}"'

        text = _SYS_PATH_CALL.sub(swap, cls.text)
        for name in machine_names(root):
            if name in text and name not in iris_path:
                raise OfflineError(f"{cls.name} (from {cls.module}) still names this machine "
                                   f"({_kind(name, root)}); nothing was written")
        files[cls.name + ".cls"] = text
    return files


def _kind(name: str, root: str) -> str:
    if name in (root, os.path.realpath(root)):
        return "the checkout's folder"
    return "its home folder, host or user name"


# ---------------------------------------------------------------------------------------------------------
# Writing: all or nothing


def target_problem(target: str) -> str:
    """Why ``target`` cannot receive the classes, or ``""``. A folder holding anything but .cls files is not
    ours to replace."""
    if not os.path.lexists(target):
        return ""
    if not os.path.isdir(target) or os.path.islink(target):
        return "exists and is not a folder"
    others = sorted(n for n in os.listdir(target) if not n.endswith(".cls") or
                    not os.path.isfile(os.path.join(target, n)))
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        return (f"holds other things than .cls files ({shown}); give a new or empty folder, or one that "
                "only holds classes from an earlier run")
    return ""


def _existing_ancestor(path: str) -> str:
    cur = os.path.dirname(path)
    while cur and not os.path.isdir(cur):
        parent = os.path.dirname(cur)
        if parent == cur:
            break
        cur = parent
    return cur or "."


def write_all(target: str, files: Dict[str, str]) -> List[str]:
    """Write ``files`` into a temporary folder beside ``target``, then put it in place with renames; the
    classes of an earlier run in ``target`` are replaced as a whole. Returns what ``target`` held before."""
    target = os.path.abspath(target)
    staging = tempfile.mkdtemp(prefix=".load-sh-", dir=_existing_ancestor(target))
    old: Optional[str] = None
    try:
        for name, text in files.items():
            with open(os.path.join(staging, name), "x", encoding="utf-8", newline="\n") as f:
                f.write(text)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        replaced: List[str] = []
        if os.path.isdir(target):
            replaced = sorted(os.listdir(target))
            old = tempfile.mkdtemp(prefix=".load-sh-old-", dir=os.path.dirname(target))
            os.rmdir(old)
            os.rename(target, old)
        try:
            os.rename(staging, target)
        except OSError:
            if old is not None:
                os.rename(old, target)  # put the earlier classes back
                old = None
            raise
        staging = ""
        return replaced
    finally:
        if staging:
            shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------
# What to tell the user


def install_lines(iris_path: str, packages: Sequence[str], versions: Dict[str, str]) -> List[str]:
    """The steps on the IRIS host, written for its system (POSIX or Windows) as ``--iris-path`` shows it."""
    pins = " ".join(f"{d}=={versions[d]}" if versions.get(d) else d for d in DISTRIBUTIONS)
    if is_windows_path(iris_path):
        sep = "\\"
        pip = r"<IRIS install folder>\bin\irispip.exe install --target <IRIS install folder>\mgr\python"
    else:
        sep, pip = "/", "<IRIS install folder>/bin/irispip install --target <IRIS install folder>/mgr/python"
    folders = ", ".join(p + sep for p in packages)
    return [
        "On the IRIS host:",
        f"  1. copy these folders of the checkout to {iris_path}: {folders}",
        "  2. install the packages the classes import into the instance's Python (not a virtualenv):",
        f"       {pip} {pins}",
        "  3. in an interoperability-enabled namespace, load and compile the classes:",
        '       do $system.OBJ.LoadDir("<folder holding these .cls files>", "ck")',
        "  (or install everything with IPM instead: docs/install.md)",
    ]


def installed_versions() -> Dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for dist in DISTRIBUTIONS:
        with contextlib.suppress(PackageNotFoundError):
            found[dist] = version(dist)
    return found


def run(target: str, iris_path: str, user_modules: Sequence[str], root: str) -> int:
    problem = iris_path_problem(iris_path)
    if problem:
        raise OfflineError(f"--iris-path {iris_path!r} {problem}")
    problem = target_problem(target)
    if problem:
        raise OfflineError(f"{target} {problem}")
    modules = list(MODULES) + [m for m in user_modules if m not in MODULES]
    print(f"generating classes offline (pyprod's loader, the offline iris; no IRIS involved) for: "
          f"{', '.join(modules)}")
    classes, _ = generate(modules, root)
    missing = sorted(set(_ours()) - {c.name for c in classes})
    if missing:
        raise OfflineError(f"not generated: {', '.join(missing)}")
    files = portable(classes, root, iris_path)
    replaced = write_all(target, files)
    where = os.path.abspath(target)
    print(f"wrote {len(files)} classes to {where}, one file per class named by its full class name:")
    for name in sorted(files):
        print(f"  {name}")
    if replaced:
        gone = sorted(set(replaced) - set(files))
        print(f"(replaced the classes an earlier run wrote there: {len(replaced)} file(s)"
              + (f"; no longer there: {', '.join(gone)}" if gone else "") + ")")
    print(f"They load the Python code from {iris_path} on the IRIS host (--iris-path).")
    packages = sorted(set(PACKAGES) | {m.split(".", 1)[0] for m in modules})
    for line in install_lines(iris_path, packages, installed_versions()):
        print(line)
    return 0


def _ours() -> Tuple[str, ...]:
    from delivery.components import CLASSES

    return CLASSES


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="load.sh --offline")
    parser.add_argument("target")
    parser.add_argument("--iris-path", default=DEFAULT_IRIS_PATH)
    parser.add_argument("--root", required=True)
    parser.add_argument("modules", nargs="*")
    args = parser.parse_args(argv)
    try:
        return run(args.target, args.iris_path, args.modules, args.root)
    except OfflineError as exc:
        print(f"load.sh: {exc}", file=sys.stderr)
        print(f"load.sh: nothing was written; {args.target} is as it was", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
