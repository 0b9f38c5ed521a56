"""The transcript panel: the current asset's words, timed, as editable-by-deletion text.

The text comes from the asset's subtitle cues, one paragraph per cue, each word at the time
the transcription gave it. Every cue counts, rejected ones too: rejecting a cue keeps it out
of the subtitle file, but its words were still said (a word two cues share shows once, from
the cue not rejected). Click a word: the player goes there. Select words and press
Delete: a pending "cut" suggestion for exactly those words joins the project (source
``transcript.edit``; edges on the word edges, moved onto the frame grid only into the pauses
beside them — see :func:`vidi_desktop.analysis.fillers.span_cut`). "Find fillers" proposes
cuts for "um"/"uh"… and stutters ("the the"). Words already under a cut show struck through:
red while the cut is pending, grey once accepted.

The search box highlights matches in the text and emits :attr:`TranscriptPanel.search_hits`
(the window hands them to ``TimelineWidget.set_highlights``); Enter jumps to the next match.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction

from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from vidi_desktop.analysis.fillers import (
    WordCut,
    find_fillers,
    span_cut,
    word_cut_suggestions,
)
from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.project.model import (
    CutRange,
    ReviewState,
    SubtitleCue,
    Word,
)
from vidi_desktop.core.time import TimeRange
from vidi_desktop.qt import theme
from vidi_desktop.qt.clock import AssetClock
from vidi_desktop.qt.session import Session

SOURCE_EDIT = "transcript.edit"
SOURCE_FILLERS = "transcript.fillers"

_DIM = QColor(theme.TEXT_DIM)
_PENDING_CUT = QColor("#f47067")
_HIT_BG = QColor(255, 214, 10)
_CURRENT_BG = QColor(88, 166, 255, 70)


@dataclass(frozen=True, slots=True)
class _Span:
    """Where a word sits in the text: characters ``[first, end)``."""

    first: int
    end: int


class TranscriptView(QPlainTextEdit):
    """Read-only text that reports clicks (by character position) and the Delete key."""

    word_clicked = Signal(int)
    delete_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self._press: QPoint | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        pos = event.position().toPoint()
        press, self._press = self._press, None
        dragged = press is not None and (pos - press).manhattanLength() > 3
        if event.button() == Qt.MouseButton.LeftButton and not dragged:
            self.word_clicked.emit(self.cursorForPosition(pos).position())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class TranscriptPanel(QWidget):
    """Word-timed transcript of the current asset: click to seek, delete to cut."""

    search_hits = Signal(list)  # list[TimeRange]: where the search text is said

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.snap_to_frames = True  # move cut edges onto the frame grid (pauses only)
        self._words: list[Word] = []
        self._spans: list[_Span] = []
        self._char_starts: list[int] = []
        self._word_starts: list[Fraction] = []
        self._prefixes: list[_Span] = []
        self._signature: tuple[object, ...] = ()
        self._cut_marks: list[tuple[int, int, bool]] = []  # first, last word, accepted
        self._hits: list[tuple[int, int]] = []
        self._hit_ranges: list[TimeRange] = []
        self._current_word = -1
        self._clock = AssetClock.of(None)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the transcript")
        self.search.setClearButtonEnabled(True)
        self.hit_label = QLabel()
        self.fillers_button = QPushButton("Find fillers")
        self.fillers_button.setToolTip('Suggest cuts for "um", "uh"… and repeated words')
        self.view = TranscriptView()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet(f"color: {theme.TEXT_DIM};")

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.hit_label)
        top.addWidget(self.fillers_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)

        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self.next_hit)
        self.fillers_button.clicked.connect(self.find_fillers)
        self.view.word_clicked.connect(self._on_word_clicked)
        self.view.delete_pressed.connect(self.cut_selection)
        session.document_changed.connect(self.refresh)
        session.asset_changed.connect(self.refresh)
        session.project_changed.connect(self.refresh)
        session.position_changed.connect(self._on_position)
        self.refresh()

    # -- public ------------------------------------------------------------------------------
    @property
    def words(self) -> list[Word]:
        """The words shown, in time order."""
        return list(self._words)

    def word_span(self, index: int) -> tuple[int, int]:
        """Characters ``[first, end)`` of word ``index`` in the text (for tests and tools)."""
        span = self._spans[index]
        return span.first, span.end

    def select_words(self, first: int, last: int) -> None:
        """Select words ``first``…``last`` in the text, as a mouse drag would."""
        cursor = self.view.textCursor()
        cursor.setPosition(self._spans[first].first)
        cursor.setPosition(self._spans[last].end, QTextCursor.MoveMode.KeepAnchor)
        self.view.setTextCursor(cursor)

    def selected_words(self) -> tuple[int, int] | None:
        """First and last word touched by the text selection, or None."""
        cursor = self.view.textCursor()
        if not cursor.hasSelection() or not self._spans:
            return None
        a, b = cursor.selectionStart(), cursor.selectionEnd()
        first = bisect.bisect_right([s.end for s in self._spans], a)
        last = bisect.bisect_left(self._char_starts, b) - 1
        if first > last or first >= len(self._spans):
            return None
        return first, last

    @Slot()
    def cut_selection(self) -> None:
        """Add a pending cut for the selected words (Delete)."""
        chosen = self.selected_words()
        asset_id = self.session.asset_id
        if chosen is None or not asset_id:
            return
        cut = self._cut_for(*chosen)
        added = self._add([cut], SOURCE_EDIT, f"Cut “{_short(cut.text)}” from the transcript")
        if added:
            self.status.setText(f"Cut suggested: “{_short(cut.text)}” (review it to apply)")
            self.session.select(added[0])

    @Slot()
    def find_fillers(self) -> None:
        """Suggest cuts for filler words and immediate repeats not already suggested."""
        project = self.session.document.project
        asset_id = self.session.asset_id
        if not asset_id:
            return
        existing = {
            s.payload.range
            for s in project.find_suggestions(kind=CutRange, asset_id=asset_id)
            if isinstance(s.payload, CutRange)
        }
        cuts = [c for c in find_fillers(self._words) if c.range not in existing]
        if not cuts:
            self.status.setText("No new fillers or repeated words found.")
            return
        added = self._add(cuts, SOURCE_FILLERS, f"Suggest {len(cuts)} filler cuts")
        if added:
            n = len(added)
            self.status.setText(f"{n} filler cut{'s' if n > 1 else ''} suggested.")

    @Slot()
    def next_hit(self) -> None:
        """Go to the next search match after the playhead (wrapping)."""
        if not self._hit_ranges:
            return
        here = self.session.position
        target = next(
            (r for r in self._hit_ranges if r.start.seconds > here), self._hit_ranges[0]
        )
        self.session.request_seek(target.start.seconds)
        first, _ = self._hits[self._hit_ranges.index(target)]
        cursor = self.view.textCursor()
        cursor.setPosition(self._spans[first].first)
        self.view.setTextCursor(cursor)
        self.view.ensureCursorVisible()

    # -- building ------------------------------------------------------------------------------
    @Slot()
    @Slot(str)
    @Slot(object)
    def refresh(self, *_: object) -> None:
        """Re-read the cues (text rebuilt only when they changed) and the cut marks."""
        project = self.session.document.project
        asset_id = self.session.asset_id
        self._clock = AssetClock.of(self.session.asset)
        cues = sorted(
            (
                s
                for s in project.find_suggestions(kind=SubtitleCue, asset_id=asset_id or None)
                if asset_id
            ),
            # At one time, a cue not rejected first: its words win the duplicates.
            key=lambda s: (
                s.payload.range.start,  # type: ignore[attr-defined]
                s.state is ReviewState.REJECTED,
                s.id,
            ),
        )
        signature = (asset_id, self._clock, *((s.id, id(s.payload)) for s in cues))
        if signature != self._signature:
            self._signature = signature
            self._build([s.payload for s in cues])  # type: ignore[misc]
        self._mark_cuts()
        if self.search.text():
            self._on_search(self.search.text())
        else:
            self._apply_selections()

    def _build(self, cues: list[SubtitleCue]) -> None:
        parts: list[str] = []
        words: list[Word] = []
        spans: list[_Span] = []
        prefixes: list[_Span] = []
        seen: set[tuple[Fraction, str]] = set()
        pos = 0
        for cue in cues:
            cue_words = list(cue.words) or [Word(cue.range, cue.text)]
            cue_words = [w for w in cue_words if (w.range.start.seconds, w.text) not in seen]
            if not cue_words:
                continue
            if parts:
                parts.append("\n")
                pos += 1
            prefix = f"{self._clock.timecode(cue.range.start.seconds)}  "
            prefixes.append(_Span(pos, pos + len(prefix) - 2))
            parts.append(prefix)
            pos += len(prefix)
            for k, w in enumerate(cue_words):
                seen.add((w.range.start.seconds, w.text))
                if k:
                    parts.append(" ")
                    pos += 1
                text = w.text.strip() or "·"
                words.append(w)
                spans.append(_Span(pos, pos + len(text)))
                parts.append(text)
                pos += len(text)
        # Words of overlapping cues (two transcription runs) interleave in time order.
        order = sorted(range(len(words)), key=lambda i: words[i].range.start)
        if order != list(range(len(words))):
            words = [words[i] for i in order]
            spans = [spans[i] for i in order]
        self._words = words
        self._spans = spans
        self._char_starts = [s.first for s in spans]
        self._word_starts = [w.range.start.seconds for w in words]
        self._prefixes = prefixes
        self._current_word = -1
        self.view.setPlainText("".join(parts))
        if not words:
            self.view.setPlaceholderText(
                "No transcript for this asset yet: ask for subtitles or a transcript."
            )
        self.fillers_button.setEnabled(bool(words))

    def _mark_cuts(self) -> None:
        """Which words lie under a pending or accepted cut of the current asset."""
        marks: list[tuple[int, int, bool]] = []
        if self._words and self.session.asset_id:
            project = self.session.document.project
            ends = [w.range.end_exclusive.seconds for w in self._words]
            for s in project.find_suggestions(kind=CutRange, asset_id=self.session.asset_id):
                if s.state is ReviewState.REJECTED or s.payload.action != "cut":  # type: ignore[attr-defined]
                    continue
                r: TimeRange = s.payload.range  # type: ignore[attr-defined]
                # A word counts as cut when most of it is inside: its middle is in the range.
                first = bisect.bisect_left(ends, r.start.seconds)
                last = bisect.bisect_right(self._word_starts, r.end_exclusive.seconds) - 1
                hit = [
                    i
                    for i in range(first, last + 1)
                    if r.start.seconds
                    <= (self._word_starts[i] + ends[i]) / 2
                    < r.end_exclusive.seconds
                ]
                if hit:
                    marks.append((hit[0], hit[-1], s.state is ReviewState.ACCEPTED))
        self._cut_marks = marks

    # -- cuts ----------------------------------------------------------------------------------
    def _cut_for(self, first: int, last: int) -> WordCut:
        clock = self._clock
        asset = self.session.asset
        grid = self.snap_to_frames and asset is not None and asset.facts.rate is not None
        return span_cut(
            self._words,
            first,
            last,
            frame_origin=clock.start if grid else None,
            frame_duration=clock.frame_duration if grid else None,
        )

    def _add(self, cuts: list[WordCut], source: str, description: str) -> list[str]:
        suggestions = word_cut_suggestions(self.session.asset_id, cuts, source)
        try:
            added = self.session.document.add_suggestions(suggestions, description)
        except VidiError as exc:
            self.status.setText(str(exc))
            return []
        return [s.id for s in added]

    # -- search and clicks ----------------------------------------------------------------------
    @Slot(str)
    def _on_search(self, text: str) -> None:
        from vidi_desktop.analysis.transcript import (
            Transcript,
            TranscriptError,
            TranscriptWord,
            search_transcript,
        )

        hits: list[tuple[int, int]] = []
        ranges: list[TimeRange] = []
        if text.strip() and self._words:
            transcript = Transcript(
                tuple(TranscriptWord(w.range, w.text, 1.0) for w in self._words), (), ""
            )
            try:
                ranges = search_transcript(transcript, text)
            except TranscriptError:
                ranges = []
            ends = [w.range.end_exclusive for w in self._words]
            for r in ranges:
                first = bisect.bisect_left(self._word_starts, r.start.seconds)
                last = bisect.bisect_left(ends, r.end_exclusive)
                hits.append((first, min(last, len(self._words) - 1)))
        self._hits = hits
        self._hit_ranges = ranges
        self.hit_label.setText(f"{len(hits)} found" if text.strip() else "")
        self._apply_selections()
        self.search_hits.emit(list(ranges))

    @Slot(int)
    def _on_word_clicked(self, position: int) -> None:
        i = bisect.bisect_right(self._char_starts, position) - 1
        if i < 0 or position > self._spans[i].end:
            return
        self.session.request_seek(self._word_starts[i])

    @Slot(object)
    def _on_position(self, seconds: Fraction) -> None:
        i = bisect.bisect_right(self._word_starts, seconds) - 1
        if i >= 0 and seconds >= self._words[i].range.end_exclusive.seconds:
            i = -1  # in a pause
        if i != self._current_word:
            self._current_word = i
            self._apply_selections()

    # -- looks ----------------------------------------------------------------------------------
    def _apply_selections(self) -> None:
        selections: list[QTextEdit.ExtraSelection] = []
        dim = QTextCharFormat()
        dim.setForeground(_DIM)
        for span in self._prefixes:
            selections.append(self._selection(span.first, span.end, dim))
        for first, last, accepted in self._cut_marks:
            fmt = QTextCharFormat()
            fmt.setFontStrikeOut(True)
            fmt.setForeground(_DIM if accepted else _PENDING_CUT)
            selections.append(self._selection(self._spans[first].first, self._spans[last].end, fmt))
        hit = QTextCharFormat()
        hit.setBackground(_HIT_BG)
        hit.setForeground(QColor("#111214"))
        for first, last in self._hits:
            selections.append(self._selection(self._spans[first].first, self._spans[last].end, hit))
        if 0 <= self._current_word < len(self._spans):
            cur = QTextCharFormat()
            cur.setBackground(_CURRENT_BG)
            span = self._spans[self._current_word]
            selections.append(self._selection(span.first, span.end, cur))
        self.view.setExtraSelections(selections)

    def _selection(self, first: int, end: int, fmt: QTextCharFormat) -> QTextEdit.ExtraSelection:
        sel = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.view.document())
        cursor.setPosition(first)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        sel.cursor = cursor  # type: ignore[attr-defined]
        sel.format = fmt  # type: ignore[attr-defined]
        return sel


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
