"""The review queue: the current asset's pending suggestions (or all assets', or another
state's), in time order.

Answers are not listed: they are messages (the request box shows them and keeps their
history), and "Accept all" never accepts them.

The editor walks the list with A (accept), R (reject), N (next) and Shift+N (previous):
each verdict moves on to the next suggestion in the list, selects it and puts the playhead
on it (switching the viewer to its asset when the list shows every asset). Filters: kind,
state (pending, accepted, rejected, all) and "This asset only". The Time column reads
start–end (the last frame inside, without the fields it shares with the start) and the
duration, on the suggestion's own asset clock.
Undo and redo select the suggestion they put back. "Accept all" accepts every pending
suggestion the filters show; "Preview" asks the window to play a suggestion's range — a cut
around its join, as if accepted (:attr:`ReviewQueue.preview_requested`). Every change goes
through the :class:`~vidi_desktop.core.project.ProjectDocument`, so each is one undo step.

The list is a :class:`PendingModel` (a table model, not a widget per row): a project change
becomes row removals or insertions when that is all it was — an accept removes one row and
keeps the view's place — and a reset otherwise. Rows keep the start time of each suggestion
cached by payload (accepting and rejecting keep the payload), so refreshing thousands of rows
is a walk over the project, not thousands of exact-time computations.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.project.kinds import kinds_in_order
from vidi_desktop.core.project.model import Answer, Payload, ReviewState, Suggestion
from vidi_desktop.core.time import TimeRange
from vidi_desktop.qt import theme
from vidi_desktop.qt.clock import AssetClock
from vidi_desktop.qt.kinds import kind_name, qcolor, style_for, style_key
from vidi_desktop.qt.session import Session

log = logging.getLogger(__name__)

ALL_KINDS = ""  # the filter value that shows every kind
_INDEX = QModelIndex | QPersistentModelIndex


STATES: tuple[tuple[str, str], ...] = (
    # (filter text, state value; "" = every state)
    ("Pending", ReviewState.PENDING.value),
    ("Accepted", ReviewState.ACCEPTED.value),
    ("Rejected", ReviewState.REJECTED.value),
    ("All states", ""),
)


@dataclass(frozen=True, slots=True)
class Row:
    """One suggestion as the table shows it."""

    id: str
    kind: str  # payload kind
    key: str  # style key (colour)
    start: Fraction | None  # exact start seconds (None: not tied to time)
    extent: TimeRange | None
    label: str
    confidence: float | None
    asset_id: str = ""
    state: str = ReviewState.PENDING.value
    asset_order: int = 0  # the asset's place in the project (rows of all assets)

    def sort_key(self) -> tuple[int, float, int, str]:
        start = float(self.start) if self.start is not None else float("inf")
        return (self.asset_order, start, style_for(self.key).order, self.id)


class PendingModel(QAbstractTableModel):
    """Rows of suggestions: kind, time (start–end, duration), label, confidence."""

    COLUMNS = ("Kind", "Time", "Label", "Conf.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._row_of: dict[str, int] = {}
        self._clock = AssetClock.of(None)
        self._clocks: dict[str, AssetClock] = {}  # rows of other assets read their own
        self._timecodes: dict[tuple[str, Fraction | None, Fraction | None], str] = {}

    # -- reading ---------------------------------------------------------------------------
    def rowCount(self, parent: _INDEX = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _INDEX = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: _INDEX, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return style_for(row.key).singular
            if col == 1:
                return self._time_text(row)
            if col == 2:
                return row.label
            return "" if row.confidence is None else f"{row.confidence:.2f}"
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return qcolor(row.key)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and row.state == ReviewState.REJECTED.value:
            return QColor(theme.TEXT_DIM)
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return QColor(theme.TEXT_DIM)
        if role == Qt.ItemDataRole.FontRole and row.state == ReviewState.REJECTED.value:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{style_for(row.key).singular} · {row.state}"
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def row(self, number: int) -> Row:
        return self._rows[number]

    def row_of(self, suggestion_id: str) -> int:
        """Row number of a suggestion, -1 when it is not in the list."""
        return self._row_of.get(suggestion_id, -1)

    def ids(self) -> list[str]:
        return [r.id for r in self._rows]

    def _time_text(self, row: Row) -> str:
        """ "01:00:01;02–02;10  1.27 s" (a point in time: its timecode alone)."""
        if row.start is None:
            return "—"
        end = row.extent.end_exclusive.seconds if row.extent is not None else None
        key = (row.asset_id, row.start, end)
        text = self._timecodes.get(key)
        if text is None:
            clock = self._clocks.get(row.asset_id, self._clock)
            first = clock.frame_at(row.start)
            text = clock.timecode_of_frame(first)
            if end is not None and end > row.start:
                # The same rounding as seeking and the exports: the frames whose start lies
                # inside the range; the end shown is the last of them.
                stop = clock.frame_at(end)
                if stop > first:
                    seconds = (stop - first) * clock.frame_duration
                    last = _short_end(text, clock.timecode_of_frame(stop - 1))
                    text = f"{text}–{last}  {float(seconds):.2f} s"
            self._timecodes[key] = text
        return text

    # -- updating --------------------------------------------------------------------------
    def set_clock(self, clock: AssetClock, clocks: dict[str, AssetClock] | None = None) -> None:
        """The current asset's clock, and each asset's (rows of every asset)."""
        clocks = dict(clocks or {})
        if clock != self._clock or clocks != self._clocks:
            self._clock = clock
            self._clocks = clocks
            self._timecodes.clear()
            if self._rows:
                self.dataChanged.emit(self.index(0, 1), self.index(len(self._rows) - 1, 1))

    def set_rows(self, rows: list[Row]) -> None:
        """Show ``rows``, as removals or insertions when the change is only that."""
        old = [r.id for r in self._rows]
        new = [r.id for r in rows]
        old_set, new_set = set(old), set(new)
        if old == new:
            self._rows = rows
            if rows:
                last = self.index(len(rows) - 1, len(self.COLUMNS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
        elif new_set <= old_set and [i for i in old if i in new_set] == new:
            gone = [k for k, i in enumerate(old) if i not in new_set]
            for a, b in reversed(_blocks(gone)):
                self.beginRemoveRows(QModelIndex(), a, b)
                del self._rows[a : b + 1]
                self.endRemoveRows()
            self._rows = rows
        elif old_set <= new_set and [i for i in new if i in old_set] == old:
            added = [k for k, i in enumerate(new) if i not in old_set]
            for a, b in _blocks(added):
                self.beginInsertRows(QModelIndex(), a, b)
                self._rows[a:a] = rows[a : b + 1]
                self.endInsertRows()
            self._rows = rows
        else:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
        self._row_of = {r.id: k for k, r in enumerate(self._rows)}


def _short_end(start: str, end: str) -> str:
    """``end`` without the leading fields it shares with ``start`` (seconds and frames stay):
    01:00:07:06–01:00:09:10 reads 01:00:07:06–09:10."""
    a, b = start.replace(";", ":").split(":"), end.replace(";", ":").split(":")
    keep = 2
    while keep < 4 and a[: 4 - keep] != b[: 4 - keep]:
        keep += 1
    return end[-(3 * keep - 1):]


def _blocks(indices: Sequence[int]) -> list[tuple[int, int]]:
    """Ascending indices grouped into ``(first, last)`` runs of consecutive numbers."""
    out: list[tuple[int, int]] = []
    for k in indices:
        if out and out[-1][1] == k - 1:
            out[-1] = (out[-1][0], k)
        else:
            out.append((k, k))
    return out


class ReviewQueue(QWidget):
    """Pending suggestions of the current asset, with accept/reject/next/preview."""

    preview_requested = Signal(object)  # TimeRange: the window plays it in the viewer

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._syncing = False
        self._starts: dict[str, tuple[Payload, TimeRange | None]] = {}

        self.filter = QComboBox()
        self.filter.addItem("All kinds", ALL_KINDS)
        for kind in kinds_in_order():
            if kind != Answer.kind:  # answers are read in the request box, not reviewed
                self.filter.addItem(kind_name(kind), kind)
        self.filter.setToolTip("Show one kind of suggestion")
        self.state_filter = QComboBox()
        for text, value in STATES:
            self.state_filter.addItem(text, value)
        self.state_filter.setToolTip("Show suggestions in one review state")
        self.this_asset = QCheckBox("This asset only")
        self.this_asset.setChecked(True)
        self.this_asset.setToolTip("List the current asset's suggestions, or every asset's")
        self.count_label = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {theme.ERROR};")
        self.message.hide()

        self.model = PendingModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # Fixed widths from the font, not ResizeToContents: contents sizing ran while the list
        # was empty and cut "scene boundary" and the timecode short; it is also slow with
        # thousands of rows.
        metrics = self.table.fontMetrics()
        widths = {
            0: metrics.horizontalAdvance("scene boundary") + 34,  # + colour swatch
            1: metrics.horizontalAdvance("00:00:00;00–00:00;00  00.00 s") + 18,
            3: metrics.horizontalAdvance("Conf.") + 18,
        }
        for column, width in widths.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)

        self.accept_button = QPushButton("Accept")
        self.accept_button.setToolTip("Accept the selected suggestion and go to the next (A)")
        self.reject_button = QPushButton("Reject")
        self.reject_button.setToolTip("Reject the selected suggestion and go to the next (R)")
        self.next_button = QPushButton("Next")
        self.next_button.setToolTip("Go to the next suggestion in the list (N; previous: Shift+N)")
        self.preview_button = QPushButton("Preview")
        self.preview_button.setToolTip("Play the selected suggestion's range")
        self.accept_all_button = QPushButton("Accept all")
        self.accept_all_button.setToolTip("Accept every pending suggestion the filter shows")

        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.state_filter)
        top.addWidget(self.count_label)
        scope = QHBoxLayout()
        scope.addWidget(self.this_asset)
        scope.addStretch(1)
        buttons = QHBoxLayout()
        for b in (
            self.accept_button, self.reject_button, self.next_button, self.preview_button,
            self.accept_all_button,
        ):
            # Styles make push buttons at least 80 px wide; a narrow dock may squeeze them
            # to their text, so the window's minimum width stays small.
            b.setMinimumWidth(b.fontMetrics().horizontalAdvance(b.text()) + 22)
        for b in (self.accept_button, self.reject_button, self.next_button, self.preview_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.accept_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(scope)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.filter.currentIndexChanged.connect(self._on_filter_changed)
        self.state_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.this_asset.toggled.connect(self._on_filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.accept_button.clicked.connect(self.accept_current)
        self.reject_button.clicked.connect(self.reject_current)
        self.next_button.clicked.connect(self.next_pending)
        self.preview_button.clicked.connect(self.preview)
        self.accept_all_button.clicked.connect(self._accept_all_clicked)
        session.document_changed.connect(self.refresh)
        session.asset_changed.connect(self.refresh)
        session.project_changed.connect(self.refresh)
        session.selection_changed.connect(self._on_selection_changed)
        self.refresh()

    # -- the filter --------------------------------------------------------------------------
    @property
    def kind_filter(self) -> str:
        """The payload kind shown ("" = every kind)."""
        return str(self.filter.currentData() or ALL_KINDS)

    def set_kind_filter(self, kind: str | None) -> None:
        """Show only ``kind`` (None or "" = every kind)."""
        i = self.filter.findData(kind or ALL_KINDS)
        if i < 0:
            raise ValueError(f"no filter for suggestion kind {kind!r}")
        self.filter.setCurrentIndex(i)

    @property
    def state_filter_value(self) -> str:
        """The review state shown ("" = every state)."""
        return str(self.state_filter.currentData() or "")

    def set_state_filter(self, state: str | None) -> None:
        """Show only suggestions in ``state`` ("pending", "accepted", "rejected"; None or ""
        = every state)."""
        i = self.state_filter.findData(state or "")
        if i < 0:
            raise ValueError(f"no filter for review state {state!r}")
        self.state_filter.setCurrentIndex(i)

    @Slot()
    def _on_filter_changed(self, *_: object) -> None:
        self.refresh()
        self._sync_to_selection(self.session.selected)

    # -- public slots --------------------------------------------------------------------------
    def current_id(self) -> str | None:
        """The suggestion the buttons act on: the table's current row, else the session's
        selection (an accepted one picked on the timeline can still be rejected)."""
        index = self.table.currentIndex()
        if index.isValid():
            return self.model.row(index.row()).id
        sid = self.session.selected
        return sid if sid and self.session.document.project.has_suggestion(sid) else None

    @Slot()
    def accept_current(self) -> None:
        """Accept the current suggestion and move to the next pending one."""
        self._decide(ReviewState.ACCEPTED)

    @Slot()
    def reject_current(self) -> None:
        """Reject the current suggestion and move to the next pending one."""
        self._decide(ReviewState.REJECTED)

    @Slot()
    def next_pending(self) -> None:
        """Select the pending suggestion after the current one (wrapping) and seek to it."""
        self._step(1)

    @Slot()
    def previous_pending(self) -> None:
        """Select the suggestion before the current one (wrapping) and seek to it."""
        self._step(-1)

    def _step(self, step: int) -> None:
        """Go ``step`` rows from the current one (wrapping); with nothing current, to the
        first row at or after the playhead (forward) or the last one before it (back)."""
        n = self.model.rowCount()
        if not n:
            return
        sid = self.current_id()
        row = self.model.row_of(sid) if sid else -1
        if row < 0:
            here = self.session.position
            rows = range(n) if step > 0 else range(n - 1, -1, -1)

            def ahead(k: int) -> bool:
                start = self.model.row(k).start
                return start is not None and (start >= here if step > 0 else start < here)

            row = next((k for k in rows if ahead(k)), rows[0])
        else:
            row = (row + step) % n
        self._go_to(row)

    @Slot()
    def accept_all_of_kind(self, kind: str | None = None) -> None:
        """Accept every pending suggestion of ``kind`` (default: the filtered kind) of the
        current asset, as one undo step."""
        chosen = kind if kind is not None else (self.kind_filter or None)
        asset_id = (self.session.asset_id or None) if self.this_asset.isChecked() else None
        self._edit(lambda: self.session.document.accept_all(chosen, asset_id=asset_id))

    @Slot()
    def preview(self) -> None:
        """Seek to the current suggestion's start and ask the viewer to play its range."""
        sid = self.current_id()
        if sid is None:
            return
        extent = self.session.document.project.suggestion(sid).extent()
        if extent is None:
            return
        self.session.request_seek(extent.start.seconds)
        self.preview_requested.emit(extent)

    # -- internals ----------------------------------------------------------------------------
    @Slot()
    def _accept_all_clicked(self) -> None:
        self.accept_all_of_kind(None)

    def _decide(self, state: ReviewState) -> None:
        sid = self.current_id()
        if sid is None:
            return
        row = self.model.row_of(sid)
        doc = self.session.document
        action = doc.accept if state is ReviewState.ACCEPTED else doc.reject
        if not self._edit(lambda: action([sid])):
            return
        if row < 0 or not self.model.rowCount():
            return
        if self.model.row_of(sid) >= 0:
            # Still listed (every state is shown): move on to the one after it.
            self._go_to(min(self.model.row_of(sid) + 1, self.model.rowCount() - 1))
        else:
            # The decided row left the list: the one now in its place is the next.
            self._go_to(min(row, self.model.rowCount() - 1))

    def _edit(self, change: object) -> bool:
        """Run a document change; a refusal is shown here and changes nothing."""
        try:
            change()  # type: ignore[operator]
        except VidiError as exc:
            self.message.setText(str(exc))
            self.message.show()
            return False
        self.message.hide()
        return True

    def _go_to(self, row: int) -> None:
        """Make ``row`` current: select its suggestion and seek to its start (once)."""
        index = self.model.index(row, 0)
        self._syncing = True
        try:
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        finally:
            self._syncing = False
        self.table.scrollTo(index)
        self._show_row(self.model.row(row))

    def _show_row(self, r: Row) -> None:
        """Select ``r``'s suggestion and seek to it (on its asset, switching to it)."""
        if r.asset_id and r.asset_id != self.session.asset_id:
            self.session.set_asset(r.asset_id)
        self.session.select(r.id)
        if r.start is not None:
            self.session.request_seek(r.start)

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._syncing or not current.isValid():
            return
        self._show_row(self.model.row(current.row()))

    @Slot(str)
    def _on_selection_changed(self, sid: str) -> None:
        self._sync_to_selection(sid)

    def _sync_to_selection(self, sid: str) -> None:
        """Show the session's selection in the table without seeking again."""
        row = self.model.row_of(sid) if sid else -1
        self._syncing = True
        try:
            selection = self.table.selectionModel()
            if row < 0:
                selection.clear()
            else:
                index = self.model.index(row, 0)
                selection.setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.scrollTo(index)
        finally:
            self._syncing = False

    @Slot()
    @Slot(str)
    @Slot(object)
    def refresh(self, change: object = None) -> None:
        """Rebuild the rows from the document (row removals/insertions when possible)."""
        project = self.session.document.project
        asset_id = self.session.asset_id if self.this_asset.isChecked() else ""
        kind = self.kind_filter
        wanted = self.state_filter_value
        order = {a.id: i for i, a in enumerate(project.assets)}
        if asset_id:
            self.model.set_clock(AssetClock.of(self.session.asset))
        else:
            self.model.set_clock(AssetClock.of(self.session.asset),
                                 {a.id: AssetClock.of(a) for a in project.assets})
        rows: list[Row] = []
        starts: dict[str, tuple[Payload, TimeRange | None]] = {}
        for s in project.suggestions:
            if isinstance(s.payload, Answer) or (wanted and s.state.value != wanted):
                continue
            if asset_id and s.asset_id != asset_id:
                continue
            cached = self._starts.get(s.id)
            fresh = cached is not None and cached[0] is s.payload
            extent = cached[1] if fresh else s.extent()  # type: ignore[index]
            starts[s.id] = (s.payload, extent)
            if kind and s.kind != kind:
                continue
            rows.append(_row(s, extent, order.get(s.asset_id, 0)))
        self._starts = starts
        rows.sort(key=Row.sort_key)
        self._syncing = True  # row moves are not the editor choosing another suggestion
        try:
            self.model.set_rows(rows)
        finally:
            self._syncing = False
        total = len(starts)
        shown = len(rows)
        what = self.state_filter.currentText().lower() if wanted else "listed"
        self.count_label.setText(
            f"{shown} {what}" if shown == total else f"{shown} of {total} {what}"
        )
        self.accept_all_button.setEnabled(shown > 0)
        for b in (self.accept_button, self.reject_button, self.next_button, self.preview_button):
            b.setEnabled(shown > 0)
        if self.session.selected and self.model.row_of(self.session.selected) >= 0:
            self._sync_to_selection(self.session.selected)
        self._reselect_undone(change)

    def _reselect_undone(self, change: object) -> None:
        """Undo or redo put a suggestion back in the list: select it and go there."""
        if getattr(change, "reason", "do") not in ("undo", "redo"):
            return
        touched = getattr(change, "suggestions", frozenset())
        rows = sorted(r for sid in touched if (r := self.model.row_of(sid)) >= 0)
        if rows:
            self._go_to(rows[0])


def _row(s: Suggestion, extent: TimeRange | None, asset_order: int = 0) -> Row:
    payload = s.payload
    text = s.label or getattr(payload, "title", "") or getattr(payload, "text", "")
    text = text or getattr(payload, "query", "") or style_for(style_key(s)).singular
    return Row(
        s.id,
        s.kind,
        style_key(s),
        extent.start.seconds if extent is not None else None,
        extent,
        text,
        s.confidence,
        s.asset_id,
        s.state.value,
        asset_order,
    )
