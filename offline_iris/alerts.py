"""Alerts (docs/offline-runtime.md §20): ``IRISLog.Alert`` / ``$$$LOGALERT`` and a host's ``AlertOnError``.

An alert is an Event Log entry of type Alert and, when the running production has a config item named
``Ens.Alert`` (IRIS's convention for the alert processor), an ``Ens.AlertRequest`` sent to it
asynchronously (no response expected) with SourceConfigName, AlertText, AlertTime and SessionId.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import status as st
from .store import now

if TYPE_CHECKING:
    from .ports import EngineView

ALERT_ITEM = "Ens.Alert"


def send_alert(engine: EngineView, text: str) -> None:
    """Queue an Ens.AlertRequest for the ``Ens.Alert`` item, from the config item running now."""
    item = engine.items.get(ALERT_ITEM)
    ctx = engine.ns.context
    source = ctx.config_name
    if item is None or not item.started or source == ALERT_ITEM:
        return  # no alert processor (or an alert about the processor itself: no loop)
    req = engine.ns.new("Ens.AlertRequest")
    for name, value in (
        ("SourceConfigName", source),
        ("AlertText", str(text)),
        ("AlertTime", now()),
        ("SessionId", "" if ctx.session_id is None else ctx.session_id),
    ):
        req._o_set_raw(name, value)
    sender_item = engine.items.get(source)
    sender = sender_item.host if sender_item is not None and sender_item.host is not None else None
    if sender is None:
        sender = engine.ns.new("Ens.BusinessService")
        sender._o_set_raw("%ConfigName", source or "Ens.Alert.Source")
    session = ctx.session_id
    try:
        engine.send(sender, ALERT_ITEM, req, False, -1, "alert", response_required=False)
    finally:
        ctx.session_id = session  # an alert outside a session must not start one for the caller


def alert_on_error(engine: EngineView, host: Any, status: Any) -> None:
    """``AlertOnError`` = 1 on the host: an error status ending one of its messages raises an alert."""
    if host is None or st.is_ok(status):
        return
    if str(host._o_props.get("AlertOnError", 0)).strip() not in ("1", "true", "True"):
        return
    text = st.error_text(status)
    engine.ns.log("Alert", host._o_cdef.name, "AlertOnError", text)
    send_alert(engine, text)
