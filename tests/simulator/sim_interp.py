"""Driving ``Session.run`` without sockets (a unique module name, imported by the interpreter tests)."""

from __future__ import annotations

from typing import List, Optional

from simulator.objectscript import TICK, Halt, Hang, Output, ReadRequest, Session
from simulator.objectscript.host import Host


def new_session(raw: bool = True, host: Optional[Host] = None, namespace: str = "USER") -> Session:
    return Session(
        job=4242, namespace=namespace, namespaces=["USER", "%SYS"], version="IRIS test", raw=raw, host=host
    )


def run(source: str, session: Optional[Session] = None, reads: Optional[List[Optional[str]]] = None) -> str:
    """Output text, with ``[READ]``, ``[HANG n]`` and ``[HALT]`` markers for the other events."""
    session = session or new_session()
    pending = list(reads or [])
    events = session.run(source)
    out, reply = [], None
    while True:
        try:
            event = events.send(reply)
        except StopIteration:
            return "".join(out)
        reply = None
        if isinstance(event, Output):
            out.append(event.text)
        elif isinstance(event, ReadRequest):
            out.append("[READ]")
            reply = pending.pop(0)
        elif isinstance(event, Hang):
            out.append(f"[HANG {event.seconds:g}]")
        elif isinstance(event, Halt):
            out.append("[HALT]")
        else:
            assert event is TICK


class Settings:
    """A stand-in for SimulatorConfig: the attributes a Host reads."""

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)


def host_with(**settings: object) -> Host:
    config = Settings(**settings)
    return Host(lambda: config)
