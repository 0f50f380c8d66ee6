"""Offline stand-in for IRIS's side of pyprod: a fake ``iris`` module plus a production engine.

Public interface: :class:`OfflineIRIS` (see ``runtime.py``); :mod:`.iris_module` for the fake module
alone. Everything traces to docs/pyprod-runtime.md; docs/offline-runtime.md says what is emulated and how
faithfully.
"""

from .options import Options, ProductionError
from .runtime import LoadError, LoadReport, OfflineIRIS

__all__ = ["OfflineIRIS", "Options", "ProductionError", "LoadError", "LoadReport"]
