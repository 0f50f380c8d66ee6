"""Offline stand-in for IRIS's side of pyprod: a fake ``iris`` module plus a production engine.

See :class:`OfflineIRIS` (the public interface) and :mod:`.iris_module` (the fake module alone).
"""
