"""A one-line label that gives way: its text is elided ("IN 01:00:00;10   OUT 01:…") when
the layout has less room than the text needs, instead of widening the window past the
screen or being painted over its neighbours. The whole text is its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

_MIN_TEXT = "IN…"  # the least it shows: enough to say what it is


class ElidedLabel(QLabel):
    """A :class:`QLabel` for one line of plain text whose minimum width is a few letters."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        least = self.fontMetrics().horizontalAdvance(_MIN_TEXT) + self.margin() * 2
        return QSize(min(hint.width(), least), hint.height())

    @property
    def shown_text(self) -> str:
        """The text as painted at the current width ("…" where it is cut)."""
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width()
        )

    @property
    def is_elided(self) -> bool:
        return self.shown_text != self.text()

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        align = self.alignment() | Qt.AlignmentFlag.AlignVCenter
        self.style().drawItemText(
            painter, self.contentsRect(), int(align), self.palette(), self.isEnabled(),
            self.shown_text, QPalette.ColorRole.WindowText,
        )
