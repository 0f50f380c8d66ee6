"""A config item at run time (its host, queue and job thread) and the work that travels on its queue."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from typing import Any, List, Optional

from .production import ItemDef

# the kinds that have a queue (docs/pyprod-runtime.md §8.3)
TARGET_KINDS = ("BusinessProcess", "BusinessOperation")
RUNNING, STOPPED, TROUBLED = 1, 2, 4  # Ens.Director production states (3 is suspended, not emulated)


def is_running(state: int) -> bool:
    """Running, or running with items that failed to start (troubled): messages still flow."""
    return state in (RUNNING, TROUBLED)


class Reply:
    """Where a sync caller waits for its response. The first answer wins: a caller that was told the
    production stopped is not handed a late response afterwards."""

    def __init__(self, target: str = "", header_id: int = 0) -> None:
        self.event = threading.Event()
        self.status: Any = None
        self.response: Any = None
        self.target = target
        self.header_id = header_id
        self._lock = threading.Lock()

    def set(self, status: Any, response: Any) -> bool:
        with self._lock:
            if self.event.is_set():
                return False
            self.status, self.response = status, response
            self.event.set()
            return True


@dataclass
class BPContext:
    """One primary request inside a BusinessProcess: its persistent host object (
    docs/pyprod-runtime.md §3)."""

    item: Item
    host: Any
    work: Work
    response: Any = None
    pending: int = 0
    done: bool = False  # completed (or closed down by an error): later replies are not handed to it


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
    call_status: Any = 1  # the async call's completion status (an error goes to OnError, not OnResponse)


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
    leftover: List[Work] = field(default_factory=list)  # taken off the queue after the stop signal

    @property
    def name(self) -> str:
        return self.defn.name
