"""Collects the events stages stamp. Stages only report; nothing here changes the pipeline."""
from __future__ import annotations

import threading
import time

from assistant.messages import Event


class EventLog:
    """Thread-safe list of events; stages call `stamp`, observers read `events`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[Event] = []

    def stamp(self, turn: int, name: str, t_ns: int | None = None, **data) -> None:
        ev = Event(turn, name, time.perf_counter_ns() if t_ns is None else t_ns, data)
        with self._lock:
            self.events.append(ev)

    def discard(self, turn: int, since_ns: int, keep: frozenset[str] = frozenset({"speech_start"})) -> None:
        """Forget what a dropped speculation stamped for `turn`."""
        with self._lock:
            self.events = [e for e in self.events
                           if e.turn != turn or e.t_ns < since_ns or e.name in keep]
