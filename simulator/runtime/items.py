"""A config item at run time (its host, queue and job thread) and the work that travels on its queue."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Optional

from .production import ItemDef

# the kinds that have a queue (docs/pyprod-runtime.md §8.3)
TARGET_KINDS = ("BusinessProcess", "BusinessOperation")


class Reply:
    """Where a sync caller waits for its response."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.status: Any = None
        self.response: Any = None

    def set(self, status: Any, response: Any) -> None:
        self.status, self.response = status, response
        self.event.set()


@dataclass
class BPContext:
    """One primary request inside a BusinessProcess: its persistent host object (
    docs/pyprod-runtime.md §3)."""

    item: Item
    host: Any
    work: Work
    response: Any = None
    pending: int = 0


@dataclass
class Work:
    """One queue entry: a request for the item, or (BP only) an async response coming back."""

    kind: str  # "request" | "response"
    header_id: int
    body: Any
    source: str
    session: int
    reply: Optional[Reply] = None
    bp_waiting: Optional[BPContext] = None  # async BP call with response required
    completion_key: Any = ""
    call_request: Any = None
    call_response: Any = None
    bp_ctx: Optional[BPContext] = None


@dataclass
class Item:
    """A config item of the running production; one worker thread stands in for its IRIS job."""

    defn: ItemDef
    kind: str
    host: Any = None
    adapter: Any = None
    queue: queue.Queue[Optional[Work]] = field(default_factory=queue.Queue)
    thread: Optional[threading.Thread] = None
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.RLock = field(default_factory=threading.RLock)
    started: bool = False
    error: str = ""

    @property
    def name(self) -> str:
        return self.defn.name
