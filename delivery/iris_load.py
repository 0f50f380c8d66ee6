"""The loader IPM runs inside IRIS: module.xml's Invoke via ``LiteTerminal.Installer`` (docs/install.md §2).

It does what ``load.sh`` does against an instance, from inside the instance's embedded Python: pyprod's
loader in module mode over :data:`~delivery.components.MODULES` with ``root`` (the folder IPM copied the
Python packages to) first on ``sys.path``, so every generated class adds ``root`` to ``sys.path``
(docs/pyprod-runtime.md §1.1), then a check that every class compiled (pyprod's loader reports success
even when one did not).

Returns ``""`` on success, else one line saying what failed; the installer turns that into an error %Status.
Runs on Python 3.9. Tested offline against the offline ``iris`` (tests/production/test_ipm_module.py); never
run on a real IRIS yet.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from typing import List, Sequence

from delivery.components import CLASSES, DEFAULT_PRODUCTION, MODULES


def load(root: str, production: str = DEFAULT_PRODUCTION, modules: Sequence[str] = MODULES) -> str:
    root = os.path.abspath(root)
    for package in ("adapters", "messages", "productions"):
        if not os.path.isfile(os.path.join(root, package, "__init__.py")):
            return f"{os.path.join(root, package)} is missing: the Python packages were not copied to {root}"
    if root not in sys.path:
        sys.path.insert(0, root)
    from intersystems_pyprod import _parser

    for module in modules:
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                _parser.main(["-m", module, "-s", root])
        except SystemExit as exc:
            return f"pyprod could not load {module} (exit {exc.code}): {_last_lines(out.getvalue())}"
        if "Failed to load" in out.getvalue():
            return f"a class of {module} did not load into IRIS: {_last_lines(out.getvalue())}"
    missing = not_compiled(list(CLASSES) + [production])
    if missing:
        return "not compiled: " + ", ".join(missing)
    return ""


def not_compiled(names: Sequence[str]) -> List[str]:
    import iris

    compiled = iris.cls("%Dictionary.CompiledClass")
    return sorted({n for n in names if not compiled._ExistsId(n)})


def _last_lines(text: str, count: int = 4) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("Loading ")]
    return " | ".join(lines[-count:]) or "(no output)"
