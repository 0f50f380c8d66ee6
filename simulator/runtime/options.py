"""Switches for engine behaviour the sources leave open ([unverified] / silent), and the start error."""

from __future__ import annotations

from dataclasses import dataclass


class ProductionError(RuntimeError):
    """Starting a production failed (bad definition, or ``unknown_setting="error"``)."""


@dataclass
class Options:
    """Switches for behaviour the sources leave open ([unverified] / silent)."""

    unknown_setting: str = "warn"  # "warn": Event Log warning, not applied; "error": refuse to start
    settings_require_listing: bool = False  # also reject properties missing from SETTINGS
    adapter_oninit_first: bool = False  # run the adapter's OnInit before the host's
    max_sync_wait: float = 30.0  # cap for SendRequestSync timeout -1 (so tests cannot hang)
    max_retry_seconds: float = 30.0  # cap for E=R retries when FailureTimeout is -1
    warn_shared_modules: bool = True
    # [I] Start order. pyprod is silent; InterSystems' "Life Cycle of a Production" page describes
    # business operations started first, then business processes, then business services, so that a
    # service never sends to a target that is not running yet. True: start each item (OnInit, then its
    # job) in that order, definition order within a kind. False: the earlier emulation, every item's
    # OnInit in definition order, then every job.
    targets_first: bool = True
