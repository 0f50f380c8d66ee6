"""``%Stream.GlobalCharacter`` / ``%Stream.GlobalBinary`` and a ``%FileCharacterStream`` stand-in.

docs/pyprod-runtime.md §8.1: streams need ``Write(chunk)``, and for ``chunksFromIRIS`` ``Rewind()``,
``Read(n)``, ``AtEnd`` and ``Size``. ``EnsLib.File.InboundAdapter``'s stream adds (docs/offline-runtime.md §8)
``Filename`` and ``ReadLine``.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Union

_DEFAULT_READ = 32000  # %Stream Read() default length [unverified]


class _Stream:
    _binary = False
    iris_class = "%Stream.GlobalCharacter"

    def __init__(self, data: Union[str, bytes, None] = None) -> None:
        self._data: Any = (b"" if self._binary else "") if data is None else data
        self._pos = 0

    def _coerce(self, chunk: Any) -> Any:
        if self._binary:
            if isinstance(chunk, str):
                return chunk.encode("latin-1")
            return bytes(chunk)
        if isinstance(chunk, (bytes, bytearray)):
            return bytes(chunk).decode("latin-1")
        return str(chunk)

    def Write(self, chunk: Any) -> int:  # noqa: N802 - IRIS name
        self._data = self._data + self._coerce(chunk)
        return 1

    def WriteLine(self, chunk: Any = "") -> int:  # noqa: N802
        return self.Write(self._coerce(chunk) + self._coerce("\r\n"))

    def Rewind(self) -> int:  # noqa: N802
        self._pos = 0
        return 1

    def MoveToEnd(self) -> int:  # noqa: N802
        self._pos = len(self._data)
        return 1

    def Clear(self) -> int:  # noqa: N802
        self._data = b"" if self._binary else ""
        self._pos = 0
        return 1

    def Read(self, length: Any = _DEFAULT_READ, status: Any = None) -> Any:  # noqa: N802
        n = _DEFAULT_READ if length in (None, "") else int(length)
        out = self._data[self._pos : self._pos + n]
        self._pos += len(out)
        return out

    def ReadLine(self, length: Any = _DEFAULT_READ, status: Any = None, eol: Any = None) -> Any:  # noqa: N802
        rest = self._data[self._pos :]
        nl = b"\n" if self._binary else "\n"
        idx = rest.find(nl)
        line = rest if idx < 0 else rest[: idx + 1]
        self._pos += len(line)
        cr = b"\r" if self._binary else "\r"
        return line.rstrip(nl).rstrip(cr)

    @property
    def AtEnd(self) -> int:  # noqa: N802
        return 1 if self._pos >= len(self._data) else 0

    @property
    def Size(self) -> int:  # noqa: N802
        return len(self._data)

    def _Save(self) -> int:  # noqa: N802
        return 1

    def _ClassName(self, full: int = 0) -> str:  # noqa: N802
        return self.iris_class if full else self.iris_class.rpartition(".")[2]

    def getvalue(self) -> Any:
        """Whole content, for the store and the trace (not an IRIS method)."""
        return self._data

    def copy(self) -> _Stream:
        return type(self)(self._data)

    def __repr__(self) -> str:
        return f"<{self.iris_class} size={self.Size}>"


class GlobalCharacterStream(_Stream):
    iris_class = "%Stream.GlobalCharacter"


class GlobalBinaryStream(_Stream):
    _binary = True
    iris_class = "%Stream.GlobalBinary"


class FileCharacterStream(_Stream):
    """What ``EnsLib.File.InboundAdapter`` hands to ProcessInput (docs/offline-runtime.md §8: ``Filename``,
    ``Read(n)``, ``ReadLine``, ``AtEnd``, ``Size``).

    Like a ``%FileCharacterStream`` linked to a file, it reads the file only when the service reads the
    stream (``loader``), so a file that cannot be read fails inside the service, where it can be reported;
    ``Size`` is the size on disk and needs no read.
    """

    iris_class = "%Library.FileCharacterStream"

    def __init__(
        self,
        data: Union[str, bytes, None] = None,
        filename: str = "",
        loader: Optional[Callable[[], Any]] = None,
        size: Optional[int] = None,
    ) -> None:
        super().__init__(data)
        self.Filename = filename
        self._loader = loader
        self._disk_size = size

    def _load(self) -> None:
        if self._loader is not None:
            loader, self._loader = self._loader, None
            self._data = loader()  # an OSError reaches the reader, as a failed read does in IRIS

    def Read(self, length: Any = _DEFAULT_READ, status: Any = None) -> Any:  # noqa: N802
        self._load()
        return super().Read(length, status)

    def ReadLine(self, length: Any = _DEFAULT_READ, status: Any = None, eol: Any = None) -> Any:  # noqa: N802
        self._load()
        return super().ReadLine(length, status, eol)

    @property
    def AtEnd(self) -> int:  # noqa: N802
        if self._loader is not None and self._disk_size is not None:
            return 1 if self._disk_size == 0 else 0
        self._load()
        return 1 if self._pos >= len(self._data) else 0

    @property
    def Size(self) -> int:  # noqa: N802
        if self._loader is not None and self._disk_size is not None:
            return self._disk_size
        self._load()
        return len(self._data)

    def getvalue(self) -> Any:
        try:
            self._load()
        except OSError:
            return ""
        return self._data

    def copy(self) -> FileCharacterStream:
        if self._loader is not None:
            return FileCharacterStream(None, self.Filename, self._loader, self._disk_size)
        return FileCharacterStream(self._data, self.Filename)


class _Attributes:
    """The ``Attributes`` multidimensional property of the legacy ``%Library`` streams, with the methods
    Python reaches it through (``GetAttribute``, ``SetAttribute``, ``IsDefined``, ``NextAttribute``,
    ``DeleteAttribute``; docs/http-service.md §1). Only first-level subscripts are kept."""

    def _attrs(self) -> Dict[str, Any]:
        attrs = self.__dict__.get("Attributes")
        if attrs is None:
            attrs = self.__dict__["Attributes"] = {}
        return attrs

    def GetAttribute(self, name: Any, default: Any = "") -> Any:  # noqa: N802
        return self._attrs().get(str(name), default)

    def SetAttribute(self, name: Any, value: Any) -> None:  # noqa: N802
        self._attrs()[str(name)] = value

    def IsDefined(self, name: Any) -> int:  # noqa: N802
        return 1 if str(name) in self._attrs() else 0

    def DeleteAttribute(self, name: Any) -> None:  # noqa: N802
        self._attrs().pop(str(name), None)

    def NextAttribute(self, name: Any = "") -> str:  # noqa: N802
        """The next attribute name after ``name`` in ObjectScript's $Order (here: string) order, or ""."""
        later = sorted(k for k in self._attrs() if k > str(name or ""))
        return later[0] if later else ""


class LegacyGlobalCharacterStream(_Attributes, _Stream):
    """``%Library.GlobalCharacterStream``: what EnsLib.HTTP.InboundAdapter hands over and reads back
    (docs/http-service.md §1)."""

    iris_class = "%Library.GlobalCharacterStream"

    def copy(self) -> _Stream:
        twin = type(self)(self._data)
        twin.__dict__["Attributes"] = dict(self._attrs())
        return twin


class LegacyGlobalBinaryStream(_Attributes, _Stream):
    """``%Library.GlobalBinaryStream`` (the HTTP adapter's stream when its Charset is Binary)."""

    _binary = True
    iris_class = "%Library.GlobalBinaryStream"

    def copy(self) -> _Stream:
        twin = type(self)(self._data)
        twin.__dict__["Attributes"] = dict(self._attrs())
        return twin


def python_bytes(x: Any) -> bytes:
    """``iris._SYS.Python.Bytes`` (docs/pyprod-runtime.md §8.1): bytes → bytes, str → latin-1 bytes."""
    if isinstance(x, (bytes, bytearray)):
        return bytes(x)
    if x is None:
        return b""
    return str(x).encode("latin-1")
