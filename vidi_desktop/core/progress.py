"""Progress reports and cancellation: one vocabulary from a decode loop up to the window.

Long work reports through a :data:`ProgressFn` — ``progress(fraction or None, message)``,
the fraction of the whole job (None: unknown) — and stops when the caller sets a
:class:`threading.Event`, raising :class:`~vidi_desktop.core.errors.CancelledError`. Model
backends take the two separately (``run(request, progress, cancel)``); analysers take them
together as a :class:`JobContext`, which also throttles reports and splits a job into stages.
Everything lives here, below every layer that uses it, so an analyser never has to reach up
into the services for its progress type.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vidi_desktop.core.errors import CancelledError

log = logging.getLogger(__name__)

ProgressFn = Callable[[float | None, str], None]
"""``progress(fraction or None, message)``; the fraction is of the whole job."""


def no_progress(fraction: float | None, message: str = "") -> None:
    """A progress callback that ignores reports."""


def check_cancel(cancel: threading.Event) -> None:
    """Raise :class:`CancelledError` when ``cancel`` is set (call between steps)."""
    if cancel.is_set():
        raise CancelledError("cancelled")


@dataclass
class JobContext:
    """What running work sees: its cancel flag and a way to report progress.

    Decode loops take ``ctx.cancel`` and check it every frame; steps call
    :meth:`check_cancelled` between them and :meth:`progress` as they go.
    """

    cancel: threading.Event = field(default_factory=threading.Event)
    on_progress: ProgressFn | None = None
    fraction: float | None = None
    message: str = ""
    _last_report: float = 0.0

    def progress(self, fraction: float | None, message: str = "", *, force: bool = False) -> None:
        """Report ``fraction`` (0..1, None = unknown) done; at most ~20 reports a second."""
        self.check_cancelled()
        if fraction is not None:
            fraction = min(1.0, max(0.0, fraction))
        self.fraction, self.message = fraction, message or self.message
        now = time.monotonic()
        if self.on_progress is not None and (force or now - self._last_report >= 0.05):
            self._last_report = now
            try:
                self.on_progress(fraction, self.message)
            except Exception:  # a broken progress display must not kill the work
                log.exception("progress callback failed")

    def check_cancelled(self) -> None:
        """Raise :class:`CancelledError` if the user asked to stop."""
        check_cancel(self.cancel)

    def stage(self, index: int, count: int, message: str) -> ProgressFn:
        """A progress callback for stage ``index`` of ``count`` equal stages."""

        def report(fraction: float | None, detail: str = "") -> None:
            overall = None if fraction is None else (index + fraction) / count
            self.progress(overall, f"{message}: {detail}" if detail else message)

        return report

    def share(self, start: float, end: float, message: str) -> ProgressFn:
        """A progress callback for a stage that fills ``start``…``end`` of the job (stages
        of unequal weight: their shares add up to 1 and never overlap)."""

        def report(fraction: float | None, detail: str = "") -> None:
            overall = None if fraction is None else start + (end - start) * fraction
            self.progress(overall, f"{message}: {detail}" if detail else message)

        return report

    def part(self, report: ProgressFn) -> JobContext:
        """A context with the same cancel flag that reports through ``report`` (a stage)."""
        return JobContext(cancel=self.cancel, on_progress=report)


def shares(weights: list[tuple[str, float]]) -> dict[str, tuple[float, float]]:
    """Each stage's ``(start, end)`` share of a job from relative ``weights`` (a weight of 0:
    an empty share), in order: ``[("decode", 3), ("speech", 1)]`` → decode 0–0.75,
    speech 0.75–1."""
    total = sum(max(0.0, w) for _, w in weights) or 1.0
    out: dict[str, tuple[float, float]] = {}
    at = 0.0
    for name, weight in weights:
        end = min(1.0, at + max(0.0, weight) / total)
        out[name] = (at, end)
        at = end
    return out


class Monotonic:
    """A progress callback that never goes backwards: a stage that reports less than was
    already shown, or an unknown fraction, holds the bar where it is (its message shows)."""

    def __init__(self, report: ProgressFn) -> None:
        self._report = report
        self.fraction = 0.0

    def __call__(self, fraction: float | None, message: str = "") -> None:
        if fraction is not None:
            self.fraction = max(self.fraction, min(1.0, max(0.0, fraction)))
        self._report(self.fraction, message)
