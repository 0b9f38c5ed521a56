"""A tiny event emitter in napari's style: the model emits, views subscribe, no Qt involved.

Listeners get one :class:`Event` argument. A listener that raises is logged and skipped: a
broken widget must never stop the model (or the other listeners) from working. Bound methods
are held weakly, so a closed widget that forgot to disconnect is simply dropped.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[["Event"], object]


@dataclass(frozen=True, slots=True)
class Event:
    """Something happened: ``type`` names it (``"changed"``), ``payload`` says what."""

    type: str
    payload: Any = None


class EventEmitter:
    """Connect listeners to event types (or to all of them) and emit events to them."""

    def __init__(self) -> None:
        # (type or None for all, strong callable or weak method reference)
        self._listeners: list[tuple[str | None, Any]] = []
        self._blocked = 0

    def connect(self, callback: Listener, type: str | None = None) -> Listener:
        """Call ``callback`` for events of ``type`` (every type when None).

        Returns ``callback``, so this works as a decorator. Connecting twice is a no-op.
        """
        if self._find(callback, type) is None:
            ref: Any = callback
            if hasattr(callback, "__self__") and hasattr(callback, "__func__"):
                ref = weakref.WeakMethod(callback)  # type: ignore[arg-type]
            self._listeners.append((type, ref))
        return callback

    def disconnect(self, callback: Listener, type: str | None = None) -> None:
        """Stop calling ``callback`` for ``type``; unknown pairs are ignored."""
        index = self._find(callback, type)
        if index is not None:
            del self._listeners[index]

    def emit(self, type: str, payload: Any = None) -> Event:
        """Deliver an event to its listeners, in connection order; return it."""
        event = Event(type, payload)
        if self._blocked:
            return event
        # A snapshot: listeners may connect or disconnect while being called.
        for wanted, ref in list(self._listeners):
            if wanted is not None and wanted != type:
                continue
            callback = _resolve(ref)
            if callback is None:
                self._drop(ref)
                continue
            try:
                callback(event)
            except Exception:
                log.exception("listener %r failed on %r event", callback, type)
        return event

    @contextmanager
    def blocked(self) -> Iterator[None]:
        """No event is delivered inside the block (they are dropped, not queued)."""
        self._blocked += 1
        try:
            yield
        finally:
            self._blocked -= 1

    def listener_count(self, type: str | None = None) -> int:
        """How many live listeners would receive an event of ``type`` (all when None)."""
        return sum(
            1
            for wanted, ref in self._listeners
            if (type is None or wanted in (None, type)) and _resolve(ref) is not None
        )

    def _find(self, callback: Listener, type: str | None) -> int | None:
        for i, (wanted, ref) in enumerate(self._listeners):
            if wanted == type and _resolve(ref) == callback:
                return i
        return None

    def _drop(self, ref: Any) -> None:
        self._listeners = [entry for entry in self._listeners if entry[1] is not ref]


def _resolve(ref: Any) -> Listener | None:
    if isinstance(ref, weakref.WeakMethod):
        return ref()  # type: ignore[no-any-return]
    return ref  # type: ignore[no-any-return]
