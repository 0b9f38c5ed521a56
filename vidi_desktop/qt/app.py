"""Start the GUI: the QApplication, the theme, the window, the files to open.

:func:`run_gui` is what ``vidi-desktop`` with no command runs. :func:`run_window` also
serves ``vidi-desktop gui``: with ``request``, ``screenshot`` and/or ``export_frame`` it runs
scripted — opens the files, sends the request through the model thread, waits for the
suggestions to land, switches to Edit mode (``edit``), seeks (``seek``: a sequence timecode
in Edit mode, else a source timecode of the first asset), writes the frame on screen at full
resolution (``export_frame``), saves the window as PNG and returns, without an event loop of
its own (so it works under ``QT_QPA_PLATFORM=offscreen`` and inside tests).

An exception that escapes a slot goes to :func:`install_excepthook`'s hook: logged, shown in
the window, and the window goes on.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

from vidi_desktop.core.errors import VidiError

log = logging.getLogger(__name__)

SETTLE_S = 1.5  # after the answer: time for the frame, thumbnails and waveform to arrive


class GuiRequestError(VidiError):
    """The scripted request failed, was cancelled or timed out (exit status 2)."""


def ensure_app() -> Any:
    """The running QApplication, or a new one set up with the app's names and theme."""
    from PySide6.QtWidgets import QApplication

    from vidi_desktop.qt.theme import apply_theme

    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "vidi-desktop"])
        app.setOrganizationName("vidi-desktop")
        app.setApplicationName("vidi-desktop")
        app.setApplicationDisplayName("vidi-desktop")
    apply_theme(app)
    return app


_QUIET_QT_MESSAGES = (
    # Offscreen platform: said at every window show, means nothing to the editor.
    "This plugin does not support propagateSizeHints()",
)


def install_message_handler() -> Callable[[], None]:
    """Route Qt's own messages to logging, without the offscreen platform's chatter.

    Returns a function that puts the previous handler back.
    """
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }
    qt_log = logging.getLogger("qt")

    def handler(mode: Any, context: Any, message: str) -> None:
        if message in _QUIET_QT_MESSAGES:
            return
        qt_log.log(levels.get(mode, logging.WARNING), "%s", message)

    previous = qInstallMessageHandler(handler)

    def restore() -> None:
        qInstallMessageHandler(previous)

    return restore


def install_excepthook(window: Any) -> Callable[[], None]:
    """Show unhandled exceptions in ``window`` instead of aborting; returns an undo function."""
    previous = sys.excepthook

    def hook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        log.error("unhandled error", exc_info=(exc_type, exc, tb))
        try:
            window.show_error(f"Internal error: {exc_type.__name__}: {exc} (details in the log)")
        except Exception:
            previous(exc_type, exc, tb)

    sys.excepthook = hook

    def restore() -> None:
        sys.excepthook = previous

    return restore


def run_gui(argv: list[str] | None = None) -> int:
    """Open the window on the files/project in ``argv`` and run until it closes."""
    return run_window(list(argv or []))


def run_window(
    paths: Sequence[str | os.PathLike[str]] = (),
    *,
    request: str | None = None,
    screenshot: str | os.PathLike[str] | None = None,
    backend: str | None = None,
    timeout_s: float = 600.0,
    size: tuple[int, int] = (1440, 900),
    backend_factory: Any = None,
    on_done: Callable[[Any], None] | None = None,
    edit: bool = False,
    seek: str | None = None,
    export_frame: str | os.PathLike[str] | None = None,
) -> int:
    """Open the window; interactive unless ``request``, ``screenshot`` or ``export_frame``
    is given (``edit`` and ``seek`` apply to a scripted run).

    Scripted mode raises :class:`GuiRequestError` when the request fails (after saving the
    screenshot, which then shows the error). ``on_done(window)`` is called in scripted mode
    once the request has ended and the screenshot is saved, before the window closes.
    """
    scripted = request is not None or screenshot is not None or export_frame is not None
    if scripted and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    restore_messages = install_message_handler()
    app = ensure_app()
    from vidi_desktop.qt.main_window import MainWindow, ask_yes_no
    from vidi_desktop.qt.recovery import recover_untitled
    from vidi_desktop.qt.settings_dialog import backend_options, load_model_settings

    window = MainWindow(backend_factory=backend_factory, restore_layout=not scripted)
    restore_hook = install_excepthook(window)
    try:
        if backend is not None:
            settings = load_model_settings()
            settings.backend = backend
            window.bridge.set_backend(backend, backend_options(settings))
        if scripted:
            window.interactive = False
            window.autosaver.suspend()  # the user's crash-recovery autosave stays as it is
            window.resize(*size)
        window.show()
        has_project = any(Path(p).suffix.lower() in (".vidi", ".json") for p in paths)
        if not scripted and not has_project:
            document = recover_untitled(lambda q: ask_yes_no(window, q))
            if document is not None:
                window.session.set_document(document)
        window.open_paths(paths)
        if not scripted:
            from vidi_desktop.qt.quitting import leave

            # Quitting never waits for a worker: what still runs ends with the process.
            return leave(int(app.exec()))
        view = _View(edit, seek, Path(export_frame) if export_frame is not None else None)
        return _run_scripted(app, window, request, screenshot, timeout_s, on_done, view)
    finally:
        restore_hook()
        restore_messages()


def _run_scripted(
    app: Any,
    window: Any,
    request: str | None,
    screenshot: str | os.PathLike[str] | None,
    timeout_s: float,
    on_done: Callable[[Any], None] | None,
    view: _View | None = None,
) -> int:
    deadline = time.monotonic() + timeout_s
    error = ""
    try:
        if not _wait_until(app, lambda: not window.media_bin.is_busy, deadline):
            error = f"the files were not read within {timeout_s:g} s"
        elif request is not None:
            error = _ask_and_wait(app, window, request, deadline)
        if not error and view is not None and view.wanted:
            error = _show_view(app, window, view, deadline)
            if screenshot is not None:  # thumbnails and waveform for the picture
                _wait_until(app, lambda: False, min(deadline, time.monotonic() + SETTLE_S))
        else:
            _settle(app, window, min(deadline, time.monotonic() + SETTLE_S * 4))
        if screenshot is not None:
            _save_screenshot(window, Path(screenshot))
        if on_done is not None:
            on_done(window)
    finally:
        _close_quietly(window, app)
    if error:
        raise GuiRequestError(error)
    return 0


@dataclass(frozen=True)
class _View:
    """What a scripted run shows before its pictures: Edit mode, a timecode, a frame file."""

    edit: bool = False
    seek: str | None = None
    export_frame: Path | None = None

    @property
    def wanted(self) -> bool:
        return self.edit or self.seek is not None or self.export_frame is not None


def _show_view(app: Any, window: Any, view: _View, deadline: float) -> str:
    """Switch mode, seek, wait for the exact frame and export it; "" or the error."""
    viewer = window.viewer
    if view.edit:
        viewer.set_mode("edit")
        if viewer.program is None:
            return getattr(viewer, "_program_error", "") or "the project has no edit to show"
        player = viewer.program_player
    else:
        player = viewer.player
        if not window.session.asset_id:
            return "the project has no footage to show"
    if not _wait_until(app, lambda: player.facts is not None or bool(player.error), deadline):
        return "the picture did not open in time (raise --timeout)"
    if player.error:
        return player.error
    if view.seek is not None:
        try:
            target = _seek_frame(window, view)
        except ValueError as exc:
            return f"--seek {view.seek}: {exc}"
        player.seek(target)
    target = player.current_frame

    def exact_on_screen() -> bool:
        shown = viewer.current_frame
        return (
            bool(player.error)
            or (shown is not None and shown.exact and shown.index == player.current_frame)
        )

    if not _wait_until(app, exact_on_screen, deadline):
        return "the frame was not decoded in time (raise --timeout)"
    if player.error:
        return player.error
    if player.current_frame != target:
        return f"the player showed frame {player.current_frame}, not {target}"
    _wait_until(app, lambda: False, min(deadline, time.monotonic() + 0.3))  # paint settles
    if view.export_frame is not None:
        try:
            viewer.export_frame(view.export_frame)
        except VidiError as exc:
            return str(exc)
    return ""


def _seek_frame(window: Any, view: _View) -> int:
    """The frame ``--seek`` names: of the edit (``--edit``), else of the first asset."""
    from vidi_desktop.core.timecode import timecode_to_frames

    text = (view.seek or "").strip()
    viewer = window.viewer
    if view.edit:
        return int(viewer.program.frame_of_timecode(text))
    from vidi_desktop.qt.clock import AssetClock

    clock = AssetClock.of(window.session.asset)
    n = timecode_to_frames(text, clock.rate, drop_frame=clock.drop_frame) - clock.tc_start
    facts = viewer.player.facts
    count = facts.frame_count if facts is not None else 0
    if not 0 <= n < count:
        first = clock.timecode_of_frame(0)
        last = clock.timecode_of_frame(max(0, count - 1))
        raise ValueError(f"{text} is outside {window.session.asset.name} ({first}–{last})")
    return int(facts.frame_at(clock.time_of(n)))


def _ask_and_wait(app: Any, window: Any, request: str, deadline: float) -> str:
    """Send ``request``; "" once its suggestions are in the project, else the error."""
    outcome: dict[str, str] = {}
    added: list[str] = []
    bridge = window.bridge

    def done(result: Any) -> None:
        if result.request_id == rid:
            outcome.setdefault("state", str(result.state))

    def applied(request_id: str, ids: list) -> None:
        if request_id == rid:
            added.extend(ids)

    def failed(request_id: str, message: str) -> None:
        if request_id == rid:
            outcome["error"] = message

    def cancelled(request_id: str) -> None:
        if request_id == rid:
            outcome["error"] = "the request was cancelled"

    bridge.finished.connect(done)
    bridge.applied.connect(applied)
    bridge.failed.connect(failed)
    bridge.cancelled.connect(cancelled)
    rid = window.request_box.ask(request)
    if not rid:
        return window.request_box.answer_text or "the request was refused"
    if not _wait_until(app, lambda: "state" in outcome, deadline):
        bridge.cancel(rid)
        return "the request did not finish in time (raise --timeout)"
    if "error" not in outcome:
        _show_first(window, added)
    return outcome.get("error", "")


def _show_first(window: Any, ids: list[str]) -> None:
    """Select the earliest new suggestion and put the playhead on it (for the picture)."""
    project = window.session.document.project
    placed = []
    for sid in ids:
        if project.has_suggestion(sid):
            extent = project.suggestion(sid).extent()
            if extent is not None:
                placed.append((extent.start.seconds, sid))
    if not placed:
        return
    start, sid = min(placed)
    window.session.select(sid)
    window.session.request_seek(start)


def _settle(app: Any, window: Any, until: float) -> None:
    """Let the viewer show its frame (the selected suggestion's, if any) and the timeline its
    thumbnails before the picture is taken."""
    viewer = window.viewer
    session = window.session
    target = None
    if session.selected and session.document.project.has_suggestion(session.selected):
        extent = session.document.project.suggestion(session.selected).extent()
        target = extent.start.seconds if extent is not None else None

    def frame_shown() -> bool:
        if not session.asset_id:
            return True
        if viewer.current_frame is None:
            return False
        # The frame shown starts at most one frame before the time asked for.
        return target is None or abs(session.position - target) < Fraction(1, 10)

    _wait_until(app, frame_shown, until)
    _wait_until(app, lambda: False, min(until, time.monotonic() + SETTLE_S))


def _save_screenshot(window: Any, path: Path) -> None:
    from vidi_desktop.core.atomic import write_via

    def save(tmp: Path) -> None:
        if not window.grab().save(str(tmp), "PNG"):
            raise OSError(f"{path}: cannot write the screenshot")

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_via(path, save, suffix=".png")
    except OSError:
        raise GuiRequestError(f"{path}: cannot write the screenshot") from None


def _close_quietly(window: Any, app: Any) -> None:
    """Close without questions: scripted runs never save the project, nor touch its autosave."""
    window._closing = True
    try:
        window.shutdown()
    finally:
        window.hide()
        window.deleteLater()
        app.processEvents()


def _wait_until(app: Any, condition: Callable[[], bool], deadline: float) -> bool:
    """Run the event loop until ``condition()`` or ``deadline``; True if it came true."""
    from PySide6.QtCore import QEventLoop

    while not condition():
        if time.monotonic() >= deadline:
            return False
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.005)
    return True
