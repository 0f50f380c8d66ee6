"""``EnsLib.File.InboundAdapter``: the one built-in inbound adapter the offline engine provides."""

from __future__ import annotations

import fnmatch
import os
import shutil
import time
from typing import Any, Callable, Dict, List, Tuple

from .iris_module import ref
from .status import is_error
from .streams import FileCharacterStream


class FileInboundMixin:
    """EnsLib.File.InboundAdapter (docs/offline-runtime.md §8): every file in FilePath that matches FileSpec
    (``;``-separated globs) → ``BusinessHost.ProcessInput(stream)``, then moved to ArchivePath or deleted.
    WorkPath, when set, holds the file while it is processed.

    As IRIS's class does (docs/offline-runtime.md §8.1):
    - ConfirmComplete (default 4, Readable: a file we can open is complete) is honoured for its Size bit (1):
      within the poll, the size is read again FileAccessTimeout seconds (default 2) later, and the file is
      handed over once two reads that far apart agree; a file that grew is watched for one more interval.
      The Rename, Readable and Writable bits are taken as met.
    - When ProcessInput returns an error status the file is neither archived nor deleted: it stays where it is
      (in WorkPath if it was moved there), the poll ends with that error, and later polls skip it (one Event
      Log warning) until its modification time, in whole seconds, changes; then it is handed over again.
    """

    def OnTask(self) -> Any:  # noqa: N802
        path = str(self._o_props.get("FilePath") or "")
        if not path or not os.path.isdir(path):
            return 1
        specs = [s for s in str(self._o_props.get("FileSpec") or "*").replace(",", ";").split(";") if s]
        names = sorted(
            n
            for n in os.listdir(path)
            if os.path.isfile(os.path.join(path, n)) and any(fnmatch.fnmatch(n, s) for s in specs)
        )
        charset = str(self._o_props.get("Charset") or "Default")
        errored = self._errored_files(names)
        for n in names:
            full = os.path.join(path, n)
            try:
                st = os.stat(full)
            except OSError:  # gone (or a broken link) since listdir: look again on the next poll
                continue
            modified = int(st.st_mtime)  # IRIS's file listing gives whole seconds
            if n in errored and errored[n][0] == modified:
                if not errored[n][1]:
                    errored[n] = (modified, True)
                    self._o_ns.log(
                        "Warning", self._o_cdef.name, "OnTask",
                        f"Skipping previously errored file '{full}' with timestamp '{_timestamp(modified)}'",
                    )
                continue
            size_bit = _confirm_size(self._o_props.get("ConfirmComplete"))
            if size_bit and not self._size_settled(full, st.st_size):
                continue
            work = str(self._o_props.get("WorkPath") or "")
            current = full
            if work:
                os.makedirs(work, exist_ok=True)
                current = os.path.join(work, n)
                shutil.move(full, current)
            stream = FileCharacterStream(
                filename=full, loader=_reader(current, charset), size=os.path.getsize(current)
            )
            status = self.BusinessHost.ProcessInput(stream, ref(""), ref(""))
            if is_error(status):
                errored[n] = (modified, False)  # left where it is, taken again once it is modified
                return status
            errored.pop(n, None)
            archive = str(self._o_props.get("ArchivePath") or "")
            if archive:
                os.makedirs(archive, exist_ok=True)
                dest = os.path.join(archive, n)
                if os.path.exists(dest):
                    dest += time.strftime("_%Y-%m-%d_%H.%M.%S")
                shutil.move(current, dest)
            else:
                os.remove(current)
        return 1

    def _errored_files(self, names: List[str]) -> Dict[str, Tuple[int, bool]]:
        """Files whose ProcessInput failed: name -> (modification time, warned); gone files are forgotten."""
        errored: Dict[str, Tuple[int, bool]] = getattr(self, "_o_errored_files", None) or {}
        errored = {n: v for n, v in errored.items() if n in names}
        self._o_errored_files = errored
        return errored

    def _size_settled(self, full: str, listed: int) -> bool:
        """ConfirmComplete=Size: True once two reads of the size FileAccessTimeout seconds apart agree (or
        the file shrank: a new copy, taken as it is); False if it vanished or the item is stopping."""
        wait = _seconds(self._o_props.get("FileAccessTimeout"), 2.0)
        stop = getattr(self, "_o_stop", None)
        previous, waited = listed, False
        while True:
            try:
                size = os.path.getsize(full)
            except OSError:
                return False  # gone or unreadable: the next poll looks again
            if size < previous or (size == previous and (waited or wait <= 0)):
                return True
            previous = size  # grew, or the first read: wait one more interval
            if stop is not None and stop.wait(wait):
                return False
            if stop is None:
                time.sleep(wait)
            waited = True


def _confirm_size(setting: Any) -> bool:
    """The Size bit (1) of ConfirmComplete; an empty or unreadable value means the default, 4 (Readable)."""
    try:
        bits = int(float(str(setting)))
    except (TypeError, ValueError):
        bits = 4
    return bool(bits & 1)


def _seconds(setting: Any, default: float) -> float:
    try:
        value = float(str(setting))
    except (TypeError, ValueError):
        return default
    return value if value >= 0 else default


def _timestamp(seconds: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def _reader(path: str, charset: str) -> Callable[[], Any]:
    """Read the file when the service first reads the stream (a linked %FileCharacterStream does)."""

    def read() -> Any:
        with open(path, "rb") as f:
            raw = f.read()
        if charset.lower() == "binary":
            return raw
        enc = "utf-8" if charset.lower() in ("default", "", "native") else charset
        return raw.decode(enc, errors="replace")

    return read
