"""Reading a Command Files script safely: the file the service checks is the file it reads.

EnsLib.File.InboundAdapter hands the service a stream for a file it found in FilePath (moved to WorkPath
first when that is set, docs/offline-runtime.md §8). Reading that stream, or reopening the name after
checking it, follows symbolic links and leaves a gap between the check and the read: a link swapped in
between made the service run a file from outside its folder. So the service opens the file itself, once:

* the folder (FilePath, or WorkPath when set, because the adapter moved the file there) is opened, and the
  file's name is opened *relative to that folder's descriptor* with ``O_NOFOLLOW``: a symbolic link as the
  file, or as any subfolder on the way, is refused by the kernel, not by a check that can go stale (where
  the OS has no such open, on Windows, the name is checked with ``lstat`` and the open file must be that
  same file, same device and file number, or it is refused);
* the open descriptor is then checked: a regular file (not a FIFO, device or folder), one name only (a
  hard link is a second name for a file that may live elsewhere), no larger than MaxFileChars allows, and
  (where ``/proc`` exists) really below the folder;
* the script is read from that same descriptor, at most ``4 * MaxFileChars`` bytes (UTF-8's widest), and
  decoded strictly in the adapter's Charset.

Then the text must be a script: no NUL or other control bytes (a binary file), and lines the client and the
policy read the same way (``adapters.lite_terminal.lines``: a form feed or U+2028 is refused here, as in a
command). Every refusal is a sentence for the Event Log; the caller escapes the file name there.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from adapters.lite_terminal.lines import UnsafeCommandText, command_lines

#: Test seam: called with "before-open" (the folder is open, the file not yet) and "after-open" (the file
#: is open, nothing read), so a test can swap the file for a link at exactly those moments.
RACE_HOOK: Optional[Callable[[str], None]] = None

#: POSIX can open a name relative to a folder's descriptor without following links; where it cannot
#: (Windows: no dir_fd, no O_NOFOLLOW), the name is checked with lstat and the open file compared with it.
AT_OPEN = os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY")

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
_FILE_FLAGS = _OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_DIR_FLAGS = _OPEN_FLAGS | getattr(os, "O_DIRECTORY", 0)
#: Raw bytes no text script holds: C0 controls other than TAB, LF, VT, FF, CR, and DEL (VT and FF are
#: refused later with the line rule's own words).
_BINARY = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_READ_CHUNK = 1 << 16


def folder_trust_problem(path: str) -> Optional[Tuple[str, str]]:
    """``(reason, fix)`` when scripts in the folder ``path`` could come from someone other than the user the
    IRIS job runs as; None when it is private enough to run what it holds.

    The folder (links resolved) must be owned by that user and not writable by every user; each folder
    above it must be owned by that user or root and not writable by every user unless it has the sticky bit
    (``/tmp``: nobody can rename or replace another user's entries there). Otherwise another local user
    could drop a script, or swap the folder for their own, and the service would run it as IRIS. Where the
    OS has no owners and modes of this kind (Windows), nothing is checked here."""
    if not hasattr(os, "geteuid"):
        return None
    me = os.geteuid()
    real = os.path.realpath(path)
    try:
        info = os.stat(real)
    except OSError:
        return None  # a missing folder is reported by the folder check itself
    quoted = _shell_quote(real)
    if info.st_uid != me:
        return (f"is owned by {_user(info.st_uid)}, not by the user the IRIS job runs as ({_user(me)}), who "
                "would run any script that owner puts there",
                f"use a folder the IRIS user owns and no one else can write to (mkdir -m 0700 {quoted})")
    if info.st_mode & stat.S_IWOTH:
        return ("is writable by every local user, who could drop a script in it for IRIS to run",
                f"run chmod o-w {quoted} (or chmod 0700 {quoted}), or set FilePath to a private folder")
    parent = os.path.dirname(real)
    while parent and parent != real:
        try:
            above = os.stat(parent)
        except OSError:
            break
        if above.st_uid not in (me, 0):
            return (f"lies in {parent}, which is owned by {_user(above.st_uid)}, who could replace the "
                    "folder with their own",
                    "use a folder whose parent folders belong to the IRIS user or root")
        if above.st_mode & stat.S_IWOTH and not above.st_mode & stat.S_ISVTX:
            return (f"lies in {parent}, which every local user may write to (without the sticky bit), so "
                    "anyone could replace the folder with their own",
                    f"run chmod o-w {_shell_quote(parent)}, or use a folder in a private place")
        real, parent = parent, os.path.dirname(parent)
    return None


def _user(uid: int) -> str:
    try:
        import pwd

        return f"user {pwd.getpwuid(uid).pw_name!r}"
    except (ImportError, KeyError):
        return f"user id {uid}"


def _shell_quote(path: str) -> str:
    return "'" + path.replace("'", "'\\''") + "'"


@dataclass(frozen=True)
class ScriptFile:
    """A file's script, or why it must not run (``refusal`` is "" when ``script`` may be sent)."""

    script: str = ""
    refusal: str = ""


def read_command_file(filename: str, folder: str, work_folder: str, max_chars: int,
                      charset: str = "Default") -> ScriptFile:
    """Open ``filename`` once (no link followed), check the open file, read it, and check the text."""
    where = _location(filename, folder, work_folder)
    if isinstance(where, str):
        return ScriptFile(refusal=where)
    base, parts = where
    limit = max(0, int(max_chars))
    fds: List[int] = []
    try:
        opened = (_open_at if AT_OPEN else _open_checked)(base, parts, fds)
        if isinstance(opened, str):
            return ScriptFile(refusal=opened)
        if RACE_HOOK is not None:
            RACE_HOOK("after-open")
        problem = _check_open_file(opened, base, limit)
        if problem:
            return ScriptFile(refusal=problem)
        try:
            raw = _read_at_most(opened, 4 * limit + 1)
        except OSError as exc:
            return ScriptFile(refusal=f"cannot read it: {_why(exc)}")
    finally:
        for fd in reversed(fds):
            os.close(fd)
    if len(raw) > 4 * limit:
        return ScriptFile(refusal=f"more than MaxFileChars={limit} characters")
    return _script_from(raw, limit, charset)


_LINK_REFUSAL = "it is a symbolic link; only regular files in the folder are run (the link was not followed)"
_LINKED_FOLDER_REFUSAL = ("it is reached through a symbolic link to a folder; only files in the folder "
                          "itself are run (the link was not followed)")


def _open_at(base: str, parts: List[str], fds: List[int]):
    """POSIX: open each part relative to the previous folder's descriptor, never following a link.

    Returns the file's descriptor (also appended to ``fds``, which the caller closes) or a refusal."""
    try:
        fds.append(os.open(base, _DIR_FLAGS))
        for part in parts[:-1]:
            fds.append(os.open(part, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fds[-1]))
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            return _LINKED_FOLDER_REFUSAL
        return f"cannot read it: cannot open its folder: {_why(exc)}"
    if RACE_HOOK is not None:
        RACE_HOOK("before-open")
    try:
        fds.append(os.open(parts[-1], _FILE_FLAGS, dir_fd=fds[-1]))
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            return _LINK_REFUSAL
        return f"cannot read it: {_why(exc)}"
    return fds[-1]


def _open_checked(base: str, parts: List[str], fds: List[int]):
    """Where the OS cannot open relative to a folder without following links (Windows): look at the name
    with lstat (no link, a regular file), open it, and refuse unless the open file is the one looked at
    (same device and file number), so a swap between the look and the open is caught, not followed."""
    path = base
    for part in parts[:-1]:
        path = os.path.join(path, part)
        try:
            st = os.lstat(path)
        except OSError as exc:
            return f"cannot read it: cannot open its folder: {_why(exc)}"
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
            return _LINKED_FOLDER_REFUSAL
    path = os.path.join(path, parts[-1])
    try:
        before = os.lstat(path)
    except OSError as exc:
        return f"cannot read it: {_why(exc)}"
    if stat.S_ISLNK(before.st_mode):
        return _LINK_REFUSAL
    if not stat.S_ISREG(before.st_mode):
        return _not_regular(before)  # before opening: a FIFO would block the open
    if RACE_HOOK is not None:
        RACE_HOOK("before-open")
    try:  # O_NOFOLLOW where the OS has it; on Windows the comparison below is what catches a link
        fds.append(os.open(path, _FILE_FLAGS | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOINHERIT", 0)))
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            return _LINK_REFUSAL
        return f"cannot read it: {_why(exc)}"
    after = os.fstat(fds[-1])
    if (before.st_dev, before.st_ino) != (after.st_dev, after.st_ino):
        return ("it was replaced between the check and the open (perhaps by a link); only the file that was "
                "checked is run, so it was not run")
    return fds[-1]


def _location(filename: str, folder: str, work_folder: str):
    """(folder to open, path parts below it) for the file, or why it is not a file of this service.

    With WorkPath set, the adapter has moved the file there before the service runs, so that is the only
    place it is read from (a new file of the same name in FilePath is not it).
    """
    name = str(filename or "")
    if not name or name == "(unnamed file)":
        return "the adapter gave no file name"
    root = str(work_folder or "").strip() or str(folder or "").strip()
    if not root:  # no folder setting to hold it to (e.g. the service used without EnsLib.File)
        base, leaf = os.path.split(name)
        return (base or ".", [leaf]) if leaf not in ("", ".", "..") else "it is not a file name"
    rel = os.path.relpath(os.path.abspath(name), os.path.abspath(root))
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        if str(work_folder or "").strip():
            rel = os.path.basename(name)  # the adapter's name from FilePath; the file is in WorkPath now
        elif os.path.realpath(os.path.dirname(name)) == os.path.realpath(root):
            rel = os.path.basename(name)  # the same folder spelled another way
        else:
            real = os.path.realpath(name)
            return f"it resolves to {real}, outside FilePath; only files in the folder are run"
    parts = [p for p in rel.split(os.sep) if p not in ("", ".")]
    if not parts or os.pardir in parts:
        return "it is not a file in the folder"
    return root, parts


def _check_open_file(fd: int, base: str, limit: int) -> str:
    """Why the open file must not be read ("" when it may): its type, links, size and place."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        return _not_regular(st)
    if st.st_nlink > 1:
        return (f"it has {st.st_nlink} names (hard links); a file linked into the folder may live anywhere, "
                "so only files with one name are run")
    if st.st_size > 4 * limit:
        return f"{st.st_size} bytes is over MaxFileChars={limit} characters"
    proc = f"/proc/self/fd/{fd}"
    if os.path.exists(proc):
        real, folder = os.path.realpath(proc), os.path.realpath(base)
        if os.path.commonpath([real, folder]) != folder:
            return f"it resolves to {real}, outside FilePath; only files in the folder are run"
    return ""


def _not_regular(st: os.stat_result) -> str:
    kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode) else \
        "a device or socket"
    return f"it is {kind}, not a regular file"


def _read_at_most(fd: int, most: int) -> bytes:
    """Up to ``most`` bytes from ``fd``: the limit holds while reading, not after."""
    chunks, total = [], 0
    while total < most:
        chunk = os.read(fd, min(_READ_CHUNK, most - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _script_from(raw: bytes, limit: int, charset: str) -> ScriptFile:
    binary = _BINARY.search(raw)
    if binary:
        return ScriptFile(refusal=f"it looks binary (control character {binary.group(0)[0]:#04x}); only text "
                                  "scripts are run")
    encoding = _encoding(charset)
    if encoding is None:
        return ScriptFile(refusal=f"the adapter's Charset {charset!r} is not one this service can decode")
    try:
        script = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        return ScriptFile(refusal=f"it holds bytes that are not valid {encoding} (the adapter's Charset) at "
                                  f"byte {exc.start}; save it in that character set or change the Charset "
                                  "setting")
    if len(script) > limit:
        return ScriptFile(refusal=f"{len(script)} characters is over MaxFileChars={limit}")
    try:
        command_lines(script)
    except UnsafeCommandText as exc:
        return ScriptFile(refusal=f"its text cannot be sent as it is: {exc}")
    return ScriptFile(script=script)


def _encoding(charset: str) -> Optional[str]:
    """Python's codec for an EnsLib.File Charset value (``Default``/``Native``/empty read as UTF-8)."""
    name = str(charset or "").strip().lower()
    if name in ("", "default", "native", "@utf8"):
        return "utf-8"
    if name == "binary":
        return None
    try:
        return codecs.lookup(name.lstrip("@")).name
    except LookupError:
        return None


def _why(exc: OSError) -> str:
    """An OSError as words, without the path (the caller names the file once, escaped)."""
    return exc.strerror or type(exc).__name__
