"""``--output-dir DIR``: each server's output (``<server>.out``) and results (``<server>.json``) as files.

A server's name becomes a file name only through :func:`file_stem` (letters, digits, ``.``, ``_``, ``-``;
``:`` and anything else become ``_``; never ``.``/``..`` or a leading dot), so no name can reach outside
DIR or hide a file. Two servers whose names give one file name are refused before anything runs. Files are
written to a private temporary file in DIR and renamed into place (mode 0600: output can be sensitive), so
a symbolic link planted under a server's file name is replaced, never followed, and a reader never sees half
a file. DIR is created (mode 0700) if missing.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from typing import Dict, List, Sequence

from .cli_args import UsageError
from .lines import escape_controls

__all__ = ["file_stem", "prepare", "write_server"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
MAX_STEM = 120


def file_stem(name: str) -> str:
    """A file name made from a server's name (``iris1:1972`` -> ``iris1_1972``); ValueError if none is
    safe."""
    stem = _UNSAFE.sub("_", name).lstrip(".")[:MAX_STEM]
    if not stem or set(stem) <= {".", "_"}:
        raise ValueError(f"no safe file name can be made from the server name {escape_controls(name)!r}")
    return stem


def prepare(directory: str, names: Sequence[str]) -> Dict[str, str]:
    """Create DIR if needed; the file stem of each server name. Raises UsageError (nothing runs then)."""
    shown = escape_controls(directory)
    stems: Dict[str, str] = {}
    owners: Dict[str, str] = {}
    for name in names:
        try:
            stem = file_stem(name)
        except ValueError as exc:
            raise UsageError(f"--output-dir: {exc}") from None
        key = stem.lower()  # one file on a case-insensitive file system too
        if key in owners:
            raise UsageError(f"--output-dir: {escape_controls(owners[key])} and {escape_controls(name)} "
                             f"would write the same file ({stem}.out); rename one in the inventory")
        owners[key] = name
        stems[name] = stem
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--output-dir {shown}: {exc.strerror or type(exc).__name__}") from None
    if not os.path.isdir(directory):
        raise UsageError(f"--output-dir {shown}: not a directory")
    return stems


def write_server(directory: str, stem: str, output: str, results: List[Dict[str, object]]) -> List[str]:
    """Write ``<stem>.out`` and ``<stem>.json``; returns the paths. OSError goes to the caller."""
    paths = []
    document = json.dumps(results, ensure_ascii=True, indent=1) + "\n"
    for suffix, text in ((".out", output), (".json", document)):
        final = os.path.join(directory, stem + suffix)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)  # mode 0600
        try:
            with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace", newline="") as stream:
                stream.write(text)
            os.replace(temporary, final)  # replaces a link planted at ``final``; never writes through it
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
        paths.append(final)
    return paths
