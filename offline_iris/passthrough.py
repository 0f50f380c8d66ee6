"""``EnsLib.File.PassthroughService`` as pyprod's README HelloWorld uses it (docs/offline-runtime.md §17).

Each file its ``EnsLib.File.InboundAdapter`` picks up becomes an ``Ens.StreamContainer`` (Stream = the
file's content, OriginalFilename = its path, Type "FC", as the HelloWorld Visual Trace on IRIS shows), sent
asynchronously to every name in TargetConfigNames (comma-separated). The content is read when the service
handles the file, before the adapter archives or deletes it, so the message keeps it.
"""

from __future__ import annotations

from typing import Any

from . import status as st
from .streams import FileCharacterStream


class PassthroughServiceMixin:
    def OnProcessInput(self, pInput: Any, pOutput: Any = None) -> Any:  # noqa: N802,N803
        names = str(self._o_props.get("TargetConfigNames") or "").split(",")
        targets = [t.strip() for t in names if t.strip()]
        if not targets:
            return st.ErrorStatus(5001, f"{self._o_props.get('%ConfigName')}: TargetConfigNames is empty")
        filename = getattr(pInput, "Filename", "")
        content = pInput.getvalue() if hasattr(pInput, "getvalue") else str(pInput)
        status: Any = 1
        for target in targets:
            container = self._o_ns.new("Ens.StreamContainer")
            container._o_set_raw("Stream", FileCharacterStream(content, filename))
            container._o_set_raw("OriginalFilename", filename)
            container._o_set_raw("Type", "FC")
            sent = self.SendRequestAsync(target, container)
            if st.is_error(sent) and st.is_ok(status):
                status = sent
        return status
