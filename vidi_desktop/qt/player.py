"""The playback engine the viewer talks to: GUI-side control of a decode worker thread.

:class:`Player` lives in the GUI thread. It owns one :class:`~.decode_worker.DecodeThread` per
open file (PyAV decode, seeking, playback clock, conversion to ``QImage``: see that module),
an optional background scrub-proxy build (``media.proxy``) and the sound
(:class:`~.audio.AudioOutput`). Its methods only post requests; pictures come back as
``frame_shown`` signals, so the GUI thread never decodes and never waits.

Transport follows editors' habits: Space plays/pauses, J/K/L shuttle (each further J or L
doubles the speed up to 8×, K pauses), arrows step a frame, Home/End jump to the ends; play
at the last frame starts over. Sound plays at normal forward speed only.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import weakref
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from vidi_desktop.core.errors import VidiError
from vidi_desktop.qt import quitting
from vidi_desktop.qt.decode_worker import DecodeThread, MediaFacts, ShownFrame

log = logging.getLogger(__name__)

SHUTTLE_SPEEDS: tuple[int, ...] = (1, 2, 4, 8)
"""Speeds J/L step through: each further press doubles, up to 8×."""

__all__ = ["SHUTTLE_SPEEDS", "MediaFacts", "Player", "ShownFrame"]

# Every decode thread started, until it is known to have finished. A QThread object destroyed
# while its thread runs aborts the process; holding them here means a Player dropped without
# close() (a test that failed, a window torn down in a hurry) only stops its threads.
_LIVE_THREADS: set[DecodeThread] = set()


def _track(thread: DecodeThread) -> None:
    for old in list(_LIVE_THREADS):
        try:
            finished = old.isFinished()
        except RuntimeError:  # deleted by Qt already
            finished = True
        if finished:
            _LIVE_THREADS.discard(old)
    _LIVE_THREADS.add(thread)


def _stop_threads(threads: set[DecodeThread]) -> None:
    """A Player went away: ask its threads to stop (they stay tracked until they have)."""
    for thread in list(threads):
        thread.stop()


def _any_thread_running() -> bool:
    for thread in list(_LIVE_THREADS):
        with contextlib.suppress(RuntimeError):  # deleted by Qt: not running
            if not thread.isFinished() and thread.isRunning():
                return True
    return False


quitting.watch("decode", _any_thread_running)


@atexit.register
def _join_all_threads() -> None:
    for thread in list(_LIVE_THREADS):
        with contextlib.suppress(RuntimeError):  # already deleted by Qt: nothing runs
            thread.stop()
            thread.wait(5000)
    _LIVE_THREADS.clear()


# -- the proxy builder ------------------------------------------------------------------------


class _ProxyBuilder(QObject):
    """Builds a scrub proxy on a plain Python thread, the chunks ``focus()`` asks for first
    (frames in view and the playhead); reports through queued signals."""

    done = Signal(str)  # the proxy folder, finished
    grew = Signal(str)  # the proxy folder, one chunk more
    failed = Signal(str)

    def __init__(
        self, path: Path, side: int, parent: QObject | None = None,
        focus: Callable[[], tuple[int, int, int] | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._path = path
        self._side = side
        self._focus = focus
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vidi-proxy", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        from vidi_desktop.media.identity import FileIdentity
        from vidi_desktop.media.proxy import build_proxy, proxy_dir

        def grew(_chunk: object) -> None:
            self._report(self.grew, str(folder))

        try:
            folder = proxy_dir(FileIdentity.of(self._path), self._side)
            # One decoding thread: the build runs beside playback and must not starve it.
            out = build_proxy(self._path, side=self._side, cancel=self._cancel,
                              threads="NONE", focus=self._focus, on_chunk=grew)
        except VidiError as exc:
            self._report(self.failed, str(exc))
            return
        except Exception as exc:  # a proxy is a convenience: never fatal
            if not self._cancel.is_set():
                log.warning("scrub proxy of %s failed: %s", self._path, exc)
            self._report(self.failed, str(exc))
            return
        self._report(self.done, str(out))

    def _report(self, signal: Any, text: str) -> None:
        """Emit unless cancelled: a cancelled build's player may be gone (deleted), and
        nobody waits for its news."""
        if not self._cancel.is_set():
            with contextlib.suppress(RuntimeError):  # deleted in between
                signal.emit(text)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def cancel(self) -> None:
        """Ask the build to stop; it checks between frames (a daemon thread: never joined
        when the application quits)."""
        self._cancel.set()

    def cancel_and_join(self) -> None:
        self._cancel.set()
        if self._thread.is_alive():
            self._thread.join()


# -- the GUI-side facade --------------------------------------------------------------------


class Player(QObject):
    """Plays one file at a time; lives in the GUI thread, decodes in a worker thread.

    ``proxy``: ``"auto"`` builds a scrub proxy in the background for footage larger than the
    proxy (``media.proxy.wants_proxy``), ``"always"``/``"never"`` force it. ``audio``: play
    the sound through QtMultimedia when there is a device (see :mod:`.audio`).
    """

    opened = Signal(object)  # MediaFacts
    failed = Signal(str)  # one line for the editor
    frame_shown = Signal(object)  # ShownFrame
    speed_changed = Signal(float)  # 0 = paused
    ended = Signal()  # playback reached the end (or the start, backwards)
    frame_error = Signal(str)  # a frame could not be decoded; the file stays open
    proxy_ready = Signal(str)  # the scrub proxy is finished (its folder)
    proxy_grew = Signal(str)  # a part of the scrub proxy was built and is in use
    audio_unavailable = Signal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        proxy: str = "auto",
        proxy_side: int | None = None,
        audio: bool = True,
    ) -> None:
        super().__init__(parent)
        from vidi_desktop.media.proxy import PROXY_SIDE

        self._proxy_mode = proxy
        self._proxy_side = proxy_side or PROXY_SIDE
        self._thread: DecodeThread | None = None
        self._retired: set[DecodeThread] = set()
        self._owned: set[DecodeThread] = set()  # every thread this player started and not reaped
        weakref.finalize(self, _stop_threads, self._owned)
        self._pending_frame: int | None = None
        self._builder: _ProxyBuilder | None = None
        self._proxy_view: tuple[Fraction, Fraction] | None = None  # seconds in view
        self._facts: MediaFacts | None = None
        self._error = ""
        self._target = 0
        self._pending_seconds: Fraction | None = None
        self._speed = 0.0
        self._follow_playback = False
        self._shown: ShownFrame | None = None
        self._max_size: tuple[int, int] | None = None
        self._audio = None
        if audio:
            from vidi_desktop.qt.audio import AudioOutput

            self._audio = AudioOutput(self)
            self._audio.audio_unavailable.connect(self.audio_unavailable)
            self._audio.clock.connect(self._on_audio_clock)

    # -- state ----------------------------------------------------------------------------------
    @property
    def facts(self) -> MediaFacts | None:
        """The open file's facts (None until it is open, or after a failure)."""
        return self._facts

    @property
    def error(self) -> str:
        """Why the last file could not be played ("" when it plays)."""
        return self._error

    @property
    def is_open(self) -> bool:
        return self._thread is not None

    @property
    def current_frame(self) -> int:
        """The frame asked for last (on screen, or being decoded)."""
        return self._target

    @property
    def shown(self) -> ShownFrame | None:
        """The last picture handed out."""
        return self._shown

    @property
    def speed(self) -> float:
        """Playback speed: 0 paused, 1 normal, negative backwards."""
        return self._speed

    @property
    def audio(self) -> Any:
        """The :class:`~.audio.AudioOutput` (None when made with ``audio=False``)."""
        return self._audio

    # -- opening and closing ----------------------------------------------------------------------
    def open(self, path: str | Path, seconds: Fraction | None = None) -> None:
        """Start opening ``path`` (in the worker); ``opened`` or ``failed`` follows.

        The previous file's thread is told to stop but not waited for (it may be scanning a
        long file): switching clips never blocks the GUI. :meth:`close` joins them all.
        """
        self._retire_current()
        self._error = ""
        self._target = 0
        self._pending_seconds = Fraction(seconds) if seconds is not None else None
        self._pending_frame = None
        thread = self._make_thread(Path(path))
        _track(thread)
        self._owned.add(thread)
        thread.opened.connect(self._on_opened)
        thread.failed.connect(self._on_failed)
        thread.frame_ready.connect(self._on_frame)
        thread.play_finished.connect(self._on_play_finished)
        thread.frame_failed.connect(self._on_frame_failed)
        if self._max_size is not None:
            thread.set_max_size(self._max_size)
        self._thread = thread
        thread.start()

    def _make_thread(self, path: Path) -> DecodeThread:
        """The decode thread for ``path`` (the program player makes its own kind)."""
        return DecodeThread(path, anchor_seek=None)

    def close(self, wait: bool = True) -> None:
        """Stop playback and join every worker thread (safe to call twice). ``wait=False``
        (the application quits): tell them all to stop and join none; the decode threads
        stay tracked until they end (:mod:`.quitting`)."""
        self._retire_current(join=wait)
        if not wait:
            return
        for thread in list(self._retired):
            thread.wait()
            self._reap(thread)

    def _retire_current(self, join: bool = True) -> None:
        """Stop the current file's threads; the decode thread ends on its own time (the
        proxy build is joined unless ``join`` is False)."""
        if self._audio is not None:
            self._audio.stop()
        if self._builder is not None:
            if join:
                self._builder.cancel_and_join()  # checks its cancel flag every frame: quick
            else:
                self._builder.cancel()
            self._builder.deleteLater()
            self._builder = None
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.stop()
            for signal in (thread.opened, thread.failed, thread.frame_ready,
                           thread.play_finished, thread.frame_failed):
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect()
            # Keep a reference until it has finished: a QThread object destroyed while its
            # thread runs aborts the process.
            self._retired.add(thread)
            thread.finished.connect(self._on_retired_finished)
            if thread.isFinished():
                self._reap(thread)
        self._facts = None
        self._shown = None
        if self._speed != 0:
            self._speed = 0.0
            self.speed_changed.emit(0.0)

    @Slot()
    def _on_retired_finished(self) -> None:
        thread = self.sender()
        if isinstance(thread, DecodeThread):
            thread.wait()  # ``finished`` comes from the thread's last moments
            self._reap(thread)

    def _reap(self, thread: DecodeThread) -> None:
        self._owned.discard(thread)
        _LIVE_THREADS.discard(thread)
        if thread in self._retired:
            self._retired.discard(thread)
            with contextlib.suppress(RuntimeError, TypeError):
                thread.finished.disconnect(self._on_retired_finished)
            thread.deleteLater()

    def set_max_image_size(self, width: int, height: int) -> None:
        """Pictures are scaled down (never up) to fit this, saving conversion and painting."""
        self._max_size = (max(2, width), max(2, height))
        if self._thread is not None:
            self._thread.set_max_size(self._max_size)

    # -- transport --------------------------------------------------------------------------------
    def seek(self, n: int) -> None:
        """Show frame ``n`` (clamped); playback, if running, goes on from there."""
        if self._thread is None:
            return
        if self._facts is None:
            # Still opening: this frame is shown first once the file is open.
            self._pending_frame, self._pending_seconds = int(n), None
            return
        n = min(max(int(n), 0), self._facts.frame_count - 1)
        self._target = n
        # Frames playback emitted before this request may still arrive: they must not move
        # the current frame any more (unless playback goes on, see _on_frame).
        self._follow_playback = self._speed != 0
        self._thread.request_seek(n)
        if self._speed == 1:
            self._sync_audio()  # the sound jumps with the picture

    def refresh(self) -> None:
        """Show the current frame again (e.g. sharper, after the picture size grew)."""
        if self._speed == 0 and self._facts is not None:
            self.seek(self._target)

    def seek_seconds(self, seconds: Fraction) -> None:
        """Show the frame on screen at ``seconds`` (the file's own clock)."""
        if self._facts is None:
            self._pending_seconds, self._pending_frame = Fraction(seconds), None
            return
        self.seek(self._facts.frame_at(Fraction(seconds)))

    def step(self, frames: int) -> None:
        """Pause and move ``frames`` frames (negative: back)."""
        if self._speed != 0:
            self.pause()
        self.seek(self._target + frames)

    def go_start(self) -> None:
        self.seek(0)

    def go_end(self) -> None:
        if self._facts is not None:
            self.seek(self._facts.frame_count - 1)

    def play(self, speed: float = 1.0) -> None:
        """Play at ``speed`` (negative: backwards) from the current frame."""
        if self._thread is None or self._facts is None or speed == 0:
            self.pause()
            return
        last = self._facts.frame_count - 1
        if speed > 0 and self._target >= last:
            self._target = 0  # play at the end starts over, as editors expect
            self._thread.request_seek(0)
        if speed < 0 and self._target <= 0:
            return
        self._speed = float(speed)
        self._follow_playback = True
        self._thread.set_speed(self._speed, self._target)
        self._sync_audio()
        self.speed_changed.emit(self._speed)

    def pause(self) -> None:
        if self._speed == 0:
            return
        self._speed = 0.0
        if self._thread is not None:
            self._thread.set_speed(0.0, self._target)
        self._sync_audio()
        self.speed_changed.emit(0.0)

    def toggle_play(self) -> None:
        """Space: play forwards at normal speed, or pause."""
        if self._speed != 0:
            self.pause()
        else:
            self.play(1.0)

    def shuttle(self, direction: int) -> None:
        """J/K/L: -1 plays backwards, +1 forwards; again in the same direction doubles the
        speed up to 8×; 0 pauses."""
        if direction == 0:
            self.pause()
            return
        sign = 1 if direction > 0 else -1
        current = self._speed
        if current * sign > 0:
            faster = [s for s in SHUTTLE_SPEEDS if s > abs(current)]
            speed = faster[0] if faster else SHUTTLE_SPEEDS[-1]
        else:
            speed = SHUTTLE_SPEEDS[0]
        self.play(sign * speed)

    # -- from the worker --------------------------------------------------------------------------
    @Slot(object)
    def _on_opened(self, facts: MediaFacts) -> None:
        if self.sender() is not self._thread:
            return
        self._facts = facts
        self.opened.emit(facts)
        seconds, frame = self._pending_seconds, self._pending_frame
        self._pending_seconds = self._pending_frame = None
        if frame is not None:
            self.seek(frame)
        else:
            self.seek(facts.frame_at(seconds) if seconds is not None else 0)
        if self._wants_proxy(facts):
            self._start_proxy(facts)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self.sender() is not self._thread:
            return
        self._error = message
        self._facts = None
        if self._speed != 0:
            self._speed = 0.0
            self.speed_changed.emit(0.0)
        if self._audio is not None:
            self._audio.stop()
        log.warning("%s", message)
        self.failed.emit(message)

    @Slot(object)
    def _on_frame(self, shown: ShownFrame) -> None:
        thread = self._thread
        if self.sender() is not thread or thread is None:
            return
        thread.frame_taken()
        if shown.from_playback and self._follow_playback:
            # Playing, or paused with frames still on their way: the current frame is the
            # one on screen.
            self._target = shown.index
        self._shown = shown
        self.frame_shown.emit(shown)

    @Slot(int)
    def _on_play_finished(self, shown: int) -> None:
        if self.sender() is not self._thread:
            return
        self._target = shown
        if self._speed != 0:
            self._speed = 0.0
            self._sync_audio()
            self.speed_changed.emit(0.0)
        self.ended.emit()

    @Slot(str)
    def _on_frame_failed(self, message: str) -> None:
        if self.sender() is not self._thread:
            return
        if self._speed != 0:
            self._speed = 0.0
            self._sync_audio()
            self.speed_changed.emit(0.0)
        self.frame_error.emit(message)

    # -- proxy and audio --------------------------------------------------------------------------
    def _wants_proxy(self, facts: MediaFacts) -> bool:
        if self._proxy_mode == "never":
            return False
        if self._proxy_mode == "always":
            return True
        from vidi_desktop.media.proxy import wants_proxy

        return wants_proxy(*facts.display_size, side=self._proxy_side)

    def set_proxy_focus(self, first: float | Fraction, last: float | Fraction) -> None:
        """The seconds in view (on the timeline): a scrub proxy being built does the
        chunks there first, then outwards from the playhead."""
        self._proxy_view = (Fraction(first), Fraction(last))

    def _proxy_focus(self, facts: MediaFacts) -> tuple[int, int, int]:
        """Frames in view and the playhead's, for the proxy builder (its thread)."""
        here = self._target
        view = self._proxy_view
        if view is None:
            return here, here, here
        return facts.frame_at(view[0]), facts.frame_at(view[1]), here

    def _start_proxy(self, facts: MediaFacts) -> None:
        from vidi_desktop.media.proxy import find_proxy, partial_proxy

        try:
            ready = find_proxy(facts.path, self._proxy_side)
            partial = partial_proxy(facts.path, self._proxy_side) if ready is None else None
        except VidiError:
            ready = partial = None
        if ready is not None:
            self._use_proxy(str(ready))
            return
        if partial is not None:  # what an earlier build finished serves at once
            self._on_proxy_grew(str(partial))
        me = weakref.ref(self)  # the builder is our child: no reference back to us

        def focus() -> tuple[int, int, int] | None:
            player = me()
            return player._proxy_focus(facts) if player is not None else None

        builder = _ProxyBuilder(facts.path, self._proxy_side, self, focus=focus)
        builder.done.connect(self._use_proxy)
        builder.grew.connect(self._on_proxy_grew)
        builder.failed.connect(self._on_proxy_failed)
        self._builder = builder
        builder.start()

    @Slot(str)
    def _on_proxy_grew(self, path: str) -> None:
        if self._thread is None:
            return
        self._thread.set_proxy(Path(path))
        self.proxy_grew.emit(path)

    @Slot(str)
    def _use_proxy(self, path: str) -> None:
        if self._thread is None:
            return
        self._thread.set_proxy(Path(path))
        self.proxy_ready.emit(path)

    @Slot(str)
    def _on_proxy_failed(self, message: str) -> None:
        log.warning("scrub proxy not built: %s", message)

    def _sync_audio(self) -> None:
        """Sound plays at normal speed forwards only; shuttling and reverse are silent."""
        audio = self._audio
        if audio is None:
            return
        if self._speed == 1 and self._facts is not None and self._facts.has_audio:
            self._start_audio(self._facts.seconds_of(self._target))
        else:
            audio.stop()

    def _start_audio(self, seconds: Fraction) -> None:
        """Sound from ``seconds`` on the open file's clock (the program plays the edit's)."""
        assert self._audio is not None and self._facts is not None
        self._audio.start(self._facts.path, seconds)

    @Slot(object)
    def _on_audio_clock(self, seconds: Fraction) -> None:
        if self._thread is not None and self._speed == 1:
            self._thread.correct_clock(seconds)
