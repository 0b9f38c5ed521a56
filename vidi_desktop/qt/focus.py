"""Keyboard flow: the window's single-key shortcuts work unless a text field is being edited.

The window's shortcuts (A/R/N, Space, J/K/L, I/O…) are window-level actions; a text field
with the focus keeps printable keys for itself (Qt asks the focus widget first), so typing a
request never accepts a suggestion. What this module adds is that the focus does not stay
in a field once the editor is done with it:

* after a request starts (Enter in the request line, a preset) or a button in one of the
  window's panels is clicked, the focus goes *home* — the timeline, or the review list
  when the timeline is hidden — so the next A or Space acts at once;
* Esc in any text field of the window leaves it (its text stays as it was) and goes home.

A field "being edited" is one with the focus; a field without it never receives a key.
Dialogs are windows of their own and keep their usual keys (Esc closes them).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QWidget,
)


def is_text_field(widget: QWidget | None) -> bool:
    """Does ``widget`` take typed text (a line, a text area, a spin box, an editable combo)?"""
    if widget is None:
        return False
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit | QAbstractSpinBox):
        return True
    return isinstance(widget, QComboBox) and widget.isEditable()


class KeyboardFlow(QObject):
    """Sends the focus home after requests and panel clicks, and on Esc in a text field.

    ``homes`` are tried in order: the first one visible and enabled takes the focus.
    """

    def __init__(self, window: QWidget, homes: Callable[[], list[QWidget]]) -> None:
        super().__init__(window)
        self._window = window
        self._homes = homes
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def go_home(self) -> bool:
        """Give the focus to the first home that can take it; True if one did."""
        for widget in self._homes():
            if widget.isVisible() and widget.isEnabled():
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
        focused = QApplication.focusWidget()
        if focused is not None and focused.window() is self._window:
            focused.clearFocus()  # no home shown: the window's shortcuts still work
        return False

    def go_home_later(self) -> None:
        """:meth:`go_home` once the current event (a click, a key) is done."""
        QTimer.singleShot(0, self.go_home)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.KeyPress and isinstance(watched, QWidget):
            key = event.key() if isinstance(event, QKeyEvent) else None
            if key == Qt.Key.Key_Escape and self._leaves_on_escape(watched):
                self.go_home()
                return True
        elif (
            kind == QEvent.Type.MouseButtonRelease
            and isinstance(watched, QAbstractButton)
            and self._is_panel_button(watched)
        ):
            # After the button's own clicked(): its slot may move the focus first.
            self.go_home_later()
        return False

    # -- which widgets --------------------------------------------------------------------
    def _mine(self, widget: QWidget) -> bool:
        try:
            return widget.window() is self._window
        except RuntimeError:  # deleted meanwhile
            return False

    def _leaves_on_escape(self, widget: QWidget) -> bool:
        if not is_text_field(widget) or not self._mine(widget):
            return False
        if isinstance(widget, QComboBox) and widget.view().isVisible():
            return False  # Esc closes the open list first
        completer = widget.completer() if isinstance(widget, QLineEdit) else None
        return not (completer is not None and completer.popup().isVisible())

    def _is_panel_button(self, button: QAbstractButton) -> bool:
        if not self._mine(button) or not button.isEnabled():
            return False
        # A button that opens a menu is not done when released: the menu has the keys.
        return not (isinstance(button, QToolButton) and button.menu() is not None)
