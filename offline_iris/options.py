"""Switches for engine behaviour the sources leave open ([unverified] / silent), and the start error."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import OfflineIRISError


class ProductionError(OfflineIRISError, RuntimeError):
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
    # [I] Property values as IRIS's Python bridge returns them. pyprod writes IRISProperty(default=45) as
    # `%VarString [InitialExpression = "45"]`; pyprod's QuickStart Visual Trace, taken on real IRIS, shows
    # `self.prop_setting_1 += 1` succeed (Warning [11], not an Error), so the value reads back as an int.
    # True: an InitialExpression in canonical number form reads back as int/float. False: as the string.
    numeric_initials: bool = True
    # [I] What the production's state is when an item fails to start (its OnInit returned an error, or its
    # adapter class does not exist). The item is not running and an Event Log error names it either way.
    # "running" (default): state 1, the other items run. InterSystems documents Troubled as "stopped but
    # the production did not shut down properly" (docs/offline-runtime.md §15): an item in error is not that.
    # "troubled": Ens.Director state 4 instead, for code that wants to see the failure in the state.
    start_failure_state: str = "running"
    # How an error status from an asynchronous call's target reaches a business process. Ens delivers it
    # to OnError(request, response, callrequest, errorStatus, completionKey), not to OnResponse; pyprod
    # generates no OnError, so the inherited one runs, which returns the error: the process ends with it
    # (docs/pyprod-runtime.md §9, docs/offline-runtime.md §22). "on_error" (default) does that;
    # "on_response" hands the failed call to OnResponse instead (call_response is the error reply's body,
    # or "").
    async_error_delivery: str = "on_error"
    # [I] What a synchronous caller gets with an error status from its target: "body" (default) the
    # response the target set, if any; "none" no response, only the status. An InterSystems community
    # answer describes an errored synchronous reply as a header with IsError=1 and no body
    # (docs/pyprod-runtime.md §9.2); the Ens class reference does not say. Tests of a caller run under both.
    sync_error_reply: str = "body"
    # EnsLib.HTTP.InboundAdapter reads the whole body before the service sees it
    # (docs/offline-runtime.md §28).
    # "host" (default, an emulator guard that IRIS does not have): a body over the business host's
    # MaxBodyBytes setting is answered 413 while it arrives. "iris": read it whole, as IRIS does (up to
    # http_adapter.MAX_BODY), and let the service refuse it.
    http_body_limit: str = "host"
