"""``EnsLib.File.InboundAdapter``: the one built-in inbound adapter the offline engine provides."""

from __future__ import annotations

import fnmatch
import os
import shutil
import time
from typing import Any, Callable, Dict, List, Tuple

from .iris_module import ref
from .streams import FileCharacterStream


class FileInboundMixin:
    """EnsLib.File.InboundAdapter (docs/offline-runtime.md §8; [unverified] details): every file in FilePath
    that matches FileSpec (``;``-separated globs) → ``BusinessHost.ProcessInput(stream)``, then moved to
    ArchivePath or deleted. WorkPath, when set, holds the file while it is processed.

    ConfirmComplete (default 1, "Size") is honoured for its Size bit: a file is handed over only once a poll
    finds it with the same size and modification time as the poll before, so a file that is still being
    written (e.g. just created, still empty) is not picked up half-written. 0 hands a file over on the
    poll that first sees it. The other bits (Rename, Readable, Writable) are not emulated [unverified].
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
        if _confirm_size(self._o_props.get("ConfirmComplete")):
            names = self._complete_files(path, names)
        for n in names:
            full = os.path.join(path, n)
            work = str(self._o_props.get("WorkPath") or "")
            current = full
            if work:
                os.makedirs(work, exist_ok=True)
                current = os.path.join(work, n)
                shutil.move(full, current)
            stream = FileCharacterStream(
                filename=full, loader=_reader(current, charset), size=os.path.getsize(current)
            )
            # Whatever the status, the file is archived or deleted below: it is picked up once [unverified].
            self.BusinessHost.ProcessInput(stream, ref(""), ref(""))
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

    def _complete_files(self, path: str, names: List[str]) -> List[str]:
        """The names whose (size, mtime) did not change since the previous poll; remembers the rest."""
        previous: Dict[str, Tuple[int, int]] = getattr(self, "_o_file_signatures", None) or {}
        seen: Dict[str, Tuple[int, int]] = {}
        complete = []
        for n in names:
            try:
                st = os.stat(os.path.join(path, n))
            except OSError:  # gone (or a broken link) since listdir: look again on the next poll
                continue
            signature = (st.st_size, st.st_mtime_ns)
            if previous.get(n) == signature:
                complete.append(n)
            else:
                seen[n] = signature  # new, or still being written
        self._o_file_signatures = seen
        return complete


def _confirm_size(setting: Any) -> bool:
    """The Size bit (1) of ConfirmComplete; an empty or unreadable value means the default, 1."""
    try:
        bits = int(float(str(setting)))
    except (TypeError, ValueError):
        bits = 1
    return bool(bits & 1)


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
