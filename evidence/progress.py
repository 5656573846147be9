"""A neutral progress hook: the core reports steps, a front end (the CLI) may listen.

Without a listener nothing happens, so flows run unchanged under a scheduler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressEvent:
    step: str  # discover | validate | load | build | pool | report
    detail: str = ""
    total: int | None = None  # set once per step with a known size
    advance: int = 0


_listeners: list[Callable[[ProgressEvent], None]] = []


def subscribe(listener: Callable[[ProgressEvent], None]) -> Callable[[], None]:
    """Add a listener; returns a function that removes it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def emit(step: str, detail: str = "", *, total: int | None = None, advance: int = 0) -> None:
    event = ProgressEvent(step, detail, total, advance)
    for listener in list(_listeners):
        listener(event)
