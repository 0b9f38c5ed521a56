"""The request box: a plain-language request line, one-click presets, progress, the answer.

The editor types "remove the silences" and presses Enter (Up/Down walk through earlier
requests, kept across sessions), or clicks a preset. The request goes to the
:class:`~vidi_desktop.qt.model_thread.ModelBridge`; while it runs the box shows the stage
and a Cancel button; when it ends, the answer text (Answer suggestions), how many
suggestions arrived, or the error in one line.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vidi_desktop.core.errors import VidiError
from vidi_desktop.models.builtin.presets import PRESETS as BUILTIN_PRESETS
from vidi_desktop.qt.model_thread import ModelBridge
from vidi_desktop.qt.session import Session
from vidi_desktop.qt.settings_dialog import app_settings

# (button text, the request it sends): the built-in backend answers these without routing.
PRESETS: tuple[tuple[str, str], ...] = tuple((label, text) for label, text, _ in BUILTIN_PRESETS)
HISTORY_KEY = "request/history"
HISTORY_LIMIT = 50


class HistoryLineEdit(QLineEdit):
    """A line edit whose Up/Down keys recall earlier entries, shell style."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: list[str] = []  # oldest first
        self._index = 0  # len(history) = the line being typed
        self._draft = ""

    def remember(self, text: str) -> None:
        """Add ``text`` as the newest entry (moved to the end if already there)."""
        if text in self.history:
            self.history.remove(text)
        self.history.append(text)
        del self.history[:-HISTORY_LIMIT]
        self._index = len(self.history)
        self._draft = ""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Up and self.history:
            if self._index == len(self.history):
                self._draft = self.text()
            self._index = max(0, self._index - 1)
            self.setText(self.history[self._index])
            return
        if key == Qt.Key.Key_Down and self.history:
            self._index = min(len(self.history), self._index + 1)
            self.setText(
                self.history[self._index] if self._index < len(self.history) else self._draft
            )
            return
        super().keyPressEvent(event)


class RequestBox(QWidget):
    """Request line + presets + progress/cancel + answer, talking to a ModelBridge."""

    submitted = Signal(str, str)  # request id, text

    def __init__(
        self, session: Session, bridge: ModelBridge, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RequestBox")
        self._session = session
        self._bridge = bridge
        self._current = ""  # id of the request whose progress is shown

        self.edit = HistoryLineEdit(self)
        self.edit.setObjectName("requestLine")
        self.edit.setPlaceholderText(
            "Ask in plain words: “split into scenes”, “remove the silences”, "
            "“ten 30-second highlights”…"
        )
        self.edit.setClearButtonEnabled(True)
        self.edit.returnPressed.connect(self._on_return)
        self.ask_button = QPushButton("Ask", self)
        self.ask_button.setDefault(True)
        self.ask_button.clicked.connect(self._on_return)

        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.edit, 1)
        line.addWidget(self.ask_button)

        self.preset_buttons: dict[str, QToolButton] = {}
        presets = QHBoxLayout()
        presets.setContentsMargins(0, 0, 0, 0)
        presets.setSpacing(4)
        for label, text in PRESETS:
            button = QToolButton(self)
            button.setText(label)
            button.setToolTip(f"Ask: “{text}”")
            button.setProperty("request", text)
            button.clicked.connect(self._on_preset)
            # Full width when there is room; a narrow window may squeeze the row instead of
            # the row setting the window's minimum width.
            button.setMinimumWidth(48)
            presets.addWidget(button)
            self.preset_buttons[label] = button
        presets.addStretch(1)

        # The running request's row: below the presets, so showing it never widens the
        # window (a long stage message is cut, not laid out at full length).
        self.stage = QLabel(self)
        self.stage.setProperty("role", "dim")
        self.stage.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(180)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel)
        running = QHBoxLayout()
        running.setContentsMargins(0, 0, 0, 0)
        running.addWidget(self.stage, 1)
        running.addWidget(self.progress)
        running.addWidget(self.cancel_button)

        self.answer = QLabel(self)
        self.answer.setObjectName("answer")
        self.answer.setWordWrap(True)
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.answer.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.answer.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(line)
        layout.addLayout(presets)
        layout.addLayout(running)
        layout.addWidget(self.answer)

        self._show_running(False)
        self._load_history()
        bridge.started.connect(self._on_started)
        bridge.progress.connect(self._on_progress)
        bridge.applied.connect(self._on_applied)
        bridge.answer.connect(self._on_answer)
        bridge.failed.connect(self._on_failed)
        bridge.cancelled.connect(self._on_cancelled)
        bridge.busy_changed.connect(self._show_running)
        session.document_changed.connect(self._update_enabled)
        session.project_changed.connect(self._update_enabled)
        self._update_enabled()

    # -- public --------------------------------------------------------------------------
    def ask(self, text: str) -> str:
        """Send ``text`` to the model; returns the request id, "" if it was refused."""
        text = text.strip()
        try:
            rid = self._bridge.ask(text)
        except VidiError as exc:
            self.show_error(str(exc))
            return ""
        if text:
            self.edit.remember(text)
            self._save_history()
        self.submitted.emit(rid, text)
        return rid

    @Slot()
    def cancel(self) -> None:
        """Cancel every queued and running request."""
        self._bridge.cancel()

    def show_error(self, message: str) -> None:
        """Show ``message`` in the answer area as an error."""
        self._show_answer(message, error=True)

    @property
    def answer_text(self) -> str:
        """The answer, status or error shown under the request line ("" when none)."""
        return self.answer.text()

    @property
    def is_error(self) -> bool:
        return self.answer.property("role") == "error"

    # -- slots ---------------------------------------------------------------------------
    @Slot()
    def _on_return(self) -> None:
        if self.ask(self.edit.text()):
            self.edit.clear()

    @Slot()
    def _on_preset(self) -> None:
        button = self.sender()
        text = button.property("request") if button is not None else None
        if isinstance(text, str):
            self.ask(text)

    @Slot(str, str)
    def _on_started(self, rid: str, text: str) -> None:
        self._current = rid
        self.stage.setText(f"“{_short(text)}”: queued")
        self.progress.setRange(0, 0)  # busy until the first fraction arrives
        self._show_answer("")

    @Slot(str, object, str)
    def _on_progress(self, rid: str, fraction: object, message: str) -> None:
        if rid != self._current:
            return
        self.stage.setText(message or "working")
        if isinstance(fraction, int | float):
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(max(0.0, min(1.0, float(fraction))) * 1000))
        else:
            self.progress.setRange(0, 0)

    @Slot(str, list)
    def _on_applied(self, rid: str, ids: list) -> None:
        if not self.answer.text():
            n = len(ids)
            self._show_answer(
                f"{n} suggestion{'s' if n != 1 else ''} added for review"
                if n else "No suggestions for this request."
            )

    @Slot(str, str)
    def _on_answer(self, rid: str, text: str) -> None:
        self._show_answer(text)

    @Slot(str, str)
    def _on_failed(self, rid: str, message: str) -> None:
        self.show_error(message)

    @Slot(str)
    def _on_cancelled(self, rid: str) -> None:
        self._show_answer("Cancelled: nothing was changed.")

    @Slot(bool)
    def _show_running(self, running: bool) -> None:
        for w in (self.stage, self.progress, self.cancel_button):
            w.setVisible(running)
        if not running:
            self._current = ""

    @Slot()
    def _update_enabled(self, *_: object) -> None:
        has_footage = bool(self._session.document.project.assets)
        for button in self.preset_buttons.values():
            button.setEnabled(has_footage)

    # -- helpers -------------------------------------------------------------------------
    def _show_answer(self, text: str, error: bool = False) -> None:
        self.answer.setText(text)
        self.answer.setProperty("role", "error" if error else "")
        # A dynamic property only restyles after an unpolish/polish.
        self.answer.style().unpolish(self.answer)
        self.answer.style().polish(self.answer)
        self.answer.setVisible(bool(text))

    def _load_history(self) -> None:
        stored = app_settings().value(HISTORY_KEY, [])
        if isinstance(stored, str):  # QSettings returns a lone entry as a plain string
            stored = [stored]
        for text in stored or []:
            if isinstance(text, str) and text.strip():
                self.edit.remember(text)

    def _save_history(self) -> None:
        app_settings().setValue(HISTORY_KEY, list(self.edit.history))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
