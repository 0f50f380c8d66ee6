"""What host objects and generated stubs call back into: the engine as ``Namespace.engine`` sees it.

Kept apart from :mod:`.ports` because it needs no other runtime module, so ``namespace`` can name it
without importing anything that imports ``namespace``.
"""

from __future__ import annotations

from typing import Any, Protocol, Tuple


class EngineHooks(Protocol):
    """What host objects and generated stubs call back into (through ``Namespace.engine``)."""

    def process_input(self, host: Any, pInput: Any, pOutput: Any, pHint: Any) -> Any: ...  # noqa: N803

    def send(
        self,
        sender: Any,
        target: str,
        req: Any,
        sync: bool,
        timeout: Any,
        description: Any,
        response_required: bool = True,
        completion_key: Any = "",
    ) -> Tuple[Any, Any]: ...

    def on_python_exception(self, host: Any, method: str, exc: BaseException, tb: str) -> None: ...

    def note_module(self, host: Any, module: str) -> None: ...

    def alert(self, text: str) -> None: ...
