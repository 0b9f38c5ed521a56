"""Thumbnails and waveform peaks for the timeline, computed off the GUI thread, kept in memory.

The work itself (decode, disk cache) is :mod:`vidi_desktop.media.thumbnails` and
:mod:`vidi_desktop.media.waveform`. This module only moves it to a worker thread and hands
the results to the GUI thread: a worker emits ``_finished`` on the one :class:`MediaStore`
(which lives in the GUI thread), Qt queues the call to ``_store`` there, and ``_store``
emits the public signals — the single place where results cross threads. Workers never touch
a widget; QImage (not QPixmap) is made in the worker, which Qt allows.

One worker thread: the machine's cores are shared with playback decode and analysis, and
the disk cache makes second requests cheap anyway.
"""

from __future__ import annotations

import contextlib
import logging
from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ThumbStrip:
    """Thumbnails of one file: images with the exact seconds of the frame each shows."""

    times: tuple[float, ...]  # sorted seconds on the asset's clock
    images: tuple[QImage, ...]

    def nearest(self, t: float) -> QImage | None:
        """The thumbnail whose frame is nearest ``t``."""
        if not self.times:
            return None
        i = bisect_left(self.times, t)
        if i == len(self.times) or (i > 0 and t - self.times[i - 1] <= self.times[i] - t):
            i -= 1
        return self.images[i]


@dataclass(frozen=True, slots=True)
class Peaks:
    """Waveform min/max per bucket, normalised so the loudest peak is 1."""

    peaks: np.ndarray  # float32 (n, 2)
    per_second: int
    start: float  # seconds of bucket 0


class MediaStore(QObject):
    """Per-file thumbnail strips and waveforms, loaded on request in a worker thread."""

    thumbnails_ready = Signal(str, int)  # path, count
    waveform_ready = Signal(str)  # path
    # cache key, result (None: failed); worker → GUI thread. Keys are tuples, never joined
    # strings: a file name may contain any character ("a|b.mp4" broke "thumbs|path|n|h").
    _finished = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._results: dict[tuple[Any, ...], Any] = {}
        self._pending: set[tuple[Any, ...]] = set()
        self._finished.connect(self._store)

    # -- requests (GUI thread) -----------------------------------------------------------------
    def thumbnails(self, path: str, count: int, height: int) -> ThumbStrip | None:
        """The strip if loaded; else None, and loading starts (``thumbnails_ready`` follows)."""
        key = ("thumbs", path, count, height)
        if key in self._results:
            return self._results[key]
        if key not in self._pending:
            self._pending.add(key)
            self._pool.start(lambda: self._run(key, _load_thumbnails, path, count, height))
        return None

    def best_thumbnails(self, path: str, height: int) -> ThumbStrip | None:
        """The densest strip already loaded for ``path`` (any count), or None."""
        best: ThumbStrip | None = None
        for key, strip in self._results.items():
            mine = strip is not None and key[:2] == ("thumbs", path) and key[3] == height
            if mine and (best is None or len(strip.times) > len(best.times)):
                best = strip
        return best

    def waveform(self, path: str) -> Peaks | None:
        """The peaks if loaded; else None, and loading starts (``waveform_ready`` follows)."""
        key = ("wave", path)
        if key in self._results:
            return self._results[key]
        if key not in self._pending:
            self._pending.add(key)
            self._pool.start(lambda: self._run(key, _load_waveform, path))
        return None

    def is_done(self, path: str) -> bool:
        """True when nothing is loading for ``path`` (tests wait on this)."""
        return not any(k[1] == path for k in self._pending)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the worker is idle (tests and benchmarks; the GUI never waits)."""
        return self._pool.waitForDone(msecs)

    # -- worker side ---------------------------------------------------------------------------
    def _run(self, key: tuple[Any, ...], fn: Any, *args: Any) -> None:
        try:
            result = fn(*args)
        except Exception as exc:  # a bad file must not kill the worker; the lane stays empty
            log.warning("timeline media for %s failed: %s", args[0], exc)
            result = None
        # RuntimeError: the application is shutting down and the store is gone: nobody waits.
        with contextlib.suppress(RuntimeError):
            self._finished.emit(key, result)

    @Slot()
    def shutdown(self) -> None:
        """Drop queued requests (the application quits); the running one is not waited for
        (:mod:`.quitting` knows whether it still runs)."""
        self._pool.clear()

    def busy(self) -> bool:
        """True while a thumbnail strip or a waveform is being made."""
        try:
            return self._pool.activeThreadCount() > 0
        except RuntimeError:  # the pool is gone already
            return False

    @Slot(object, object)
    def _store(self, key: tuple[Any, ...], result: object) -> None:
        self._pending.discard(key)
        self._results[key] = result
        kind, path, *rest = key
        if kind == "thumbs":
            self.thumbnails_ready.emit(path, int(rest[0]))
        else:
            self.waveform_ready.emit(path)


def _load_thumbnails(path: str, count: int, height: int) -> ThumbStrip:
    from vidi_desktop.media.thumbnails import thumbnails

    thumbs = thumbnails(path, count=count, height=height)
    images = []
    for t in thumbs:
        h, w = t.image.shape[:2]
        data = t.image.tobytes()
        # copy(): the QImage must own its pixels once ``data`` goes away.
        images.append(QImage(data, w, h, 3 * w, QImage.Format.Format_RGB888).copy())
    pairs = sorted(zip((float(t.time.seconds) for t in thumbs), images, strict=True),
                   key=lambda p: p[0])
    return ThumbStrip(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))


def _load_waveform(path: str) -> Peaks:
    import numpy as np

    from vidi_desktop.media.waveform import waveform_peaks

    wf = waveform_peaks(path, peaks_per_second=100)
    peaks = np.asarray(wf.peaks, np.float32)
    loudest = float(np.abs(peaks).max()) if peaks.size else 0.0
    if loudest > 0:
        peaks = peaks / loudest
    return Peaks(peaks, wf.peaks_per_second, float(wf.start.seconds))


_STORE: MediaStore | None = None


def media_store() -> MediaStore:
    """The process's one store (create it in the GUI thread, after the QApplication)."""
    global _STORE
    if _STORE is None:
        _STORE = MediaStore()
        from vidi_desktop.qt import quitting

        quitting.watch("timeline thumbnails", _STORE.busy)  # its pool's end waits for a job
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_STORE.shutdown)
    return _STORE
