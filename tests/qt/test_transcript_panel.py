"""TranscriptPanel: words from cues, click to seek, Delete to cut, fillers, search."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from vidi_desktop.core.project import ProjectDocument
from vidi_desktop.core.project.model import (
    CutRange,
    ReviewState,
    SubtitleCue,
    Suggestion,
    Word,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.qt.session import Session
from vidi_desktop.qt.transcript_panel import SOURCE_EDIT, SOURCE_FILLERS, TranscriptPanel
from vidi_desktop.services.analyze import asset_from_probe

MS = Fraction(1, 1000)


def ms(a: int, b: int) -> TimeRange:
    return TimeRange(Time(a, MS), Time(b - a, MS))


def cue(spec: list[tuple[str, int, int]]) -> SubtitleCue:
    words = tuple(Word(ms(a, b), text) for text, a, b in spec)
    return SubtitleCue(ms(spec[0][1], spec[-1][2]), " ".join(t for t, _, _ in spec), words)


# Word edges on multiples of 40 ms: frame boundaries of the 25 fps clip below.
CUE_1 = [("So", 0, 200), ("um", 320, 600), ("I", 720, 800), ("think", 800, 1080)]
CUE_2 = [("the", 1200, 1320), ("the", 1480, 1600), ("plan", 1600, 1880), ("works.", 1920, 2400)]
CUE_REJECTED = [("never", 2600, 2800), ("said", 2800, 3000)]


@pytest.fixture(scope="module")
def clip25(make_clip: Callable[..., Path]) -> Path:
    from vidi_desktop.media.synth import sine

    return make_clip("transcript25.mp4", frames=100, rate=25, audio=sine(300, 0.3))


@pytest.fixture
def panel(clip25: Path, qtbot):  # type: ignore[no-untyped-def]
    doc = ProjectDocument()
    asset = doc.add_asset(asset_from_probe(probe(clip25)))
    c1, _c2, c3 = doc.add_suggestions(
        [
            Suggestion.new(asset.id, cue(CUE_2), "subtitles"),
            Suggestion.new(asset.id, cue(CUE_1), "subtitles"),
            Suggestion.new(asset.id, cue(CUE_REJECTED), "subtitles"),
        ]
    )
    doc.accept([c1.id])  # accepted, pending and rejected cues all count: words were said
    doc.reject([c3.id])
    session = Session(doc)
    session.set_document(doc)
    widget = TranscriptPanel(session)
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    qtbot.waitExposed(widget)
    seeks: list[Fraction] = []
    session.seek_requested.connect(seeks.append)
    return widget, session, doc, seeks


def cuts(doc: ProjectDocument, source: str) -> list[Suggestion]:
    return [s for s in doc.project.find_suggestions(kind=CutRange) if s.source == source]


def test_words_come_from_every_cue_in_time_order(panel):
    widget, _session, _doc, _ = panel
    assert [w.text for w in widget.words] == [t for t, _, _ in CUE_1 + CUE_2 + CUE_REJECTED]
    text = widget.view.toPlainText()
    lines = text.split("\n")
    assert lines[0] == "00:00:00:00  So um I think"
    assert lines[1] == "00:00:01:05  the the plan works."
    assert lines[2] == "00:00:02:15  never said"
    a, b = widget.word_span(3)
    assert text[a:b] == "think"


def test_rejecting_a_cue_keeps_its_words(panel):
    widget, _session, doc, _ = panel
    words = [w.text for w in widget.words]
    first = next(s for s in doc.project.find_suggestions(kind=SubtitleCue)
                 if s.state is ReviewState.PENDING)
    doc.reject([first.id])
    assert [w.text for w in widget.words] == words
    # Its words still make cuts.
    widget.select_words(0, 0)
    widget.cut_selection()
    (s,) = cuts(doc, SOURCE_EDIT)
    assert s.payload.range == ms(0, 200)  # type: ignore[attr-defined]


def test_a_rejected_cue_repeating_another_adds_no_words(panel):
    widget, session, doc, _ = panel
    (again,) = doc.add_suggestions([Suggestion.new(session.asset_id, cue(CUE_1), "rerun")])
    doc.reject([again.id])
    assert [w.text for w in widget.words] == [t for t, _, _ in CUE_1 + CUE_2 + CUE_REJECTED]


def test_click_on_a_word_seeks_to_its_start(panel, qtbot):
    widget, _session, _doc, seeks = panel
    for index, expected in ((3, Fraction(800, 1000)), (6, Fraction(1600, 1000))):
        a, _b = widget.word_span(index)
        cursor = QTextCursor(widget.view.document())
        cursor.setPosition(a + 1)
        point = widget.view.cursorRect(cursor).center()
        qtbot.mouseClick(widget.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert seeks[-1] == expected
    assert len(seeks) == 2


def test_selected_words_and_delete_add_a_cut_on_the_exact_word_edges(panel, qtbot):
    widget, session, doc, _ = panel
    widget.select_words(2, 3)  # "I think": 720 .. 1080 ms
    widget.view.setFocus()
    qtbot.keyClick(widget.view, Qt.Key.Key_Delete)
    (s,) = cuts(doc, SOURCE_EDIT)
    assert isinstance(s.payload, CutRange)
    assert s.payload.action == "cut"
    assert s.payload.range == ms(720, 1080)
    assert s.state is ReviewState.PENDING
    assert session.selected == s.id
    assert "I think" in s.label
    doc.undo()
    assert cuts(doc, SOURCE_EDIT) == []


def test_a_partial_selection_takes_the_whole_words(panel, qtbot):
    widget, _session, doc, _ = panel
    a, _ = widget.word_span(5)  # "the" (the second one)
    _, b = widget.word_span(6)  # "plan"
    cursor = widget.view.textCursor()
    cursor.setPosition(a + 1)
    cursor.setPosition(b - 2, QTextCursor.MoveMode.KeepAnchor)
    widget.view.setTextCursor(cursor)
    widget.cut_selection()
    (s,) = cuts(doc, SOURCE_EDIT)
    assert s.payload.range == ms(1480, 1880)  # type: ignore[attr-defined]


def test_off_grid_words_snap_into_the_pauses_not_into_kept_words(small_clip, qtbot):
    # 29.97 fps: frames every 33.366 ms. "two" 1337..1700 between "one" (..1300) and
    # "three" (1750..): the cut moves onto frame boundaries inside the pauses.
    doc = ProjectDocument()
    asset = doc.add_asset(asset_from_probe(probe(small_clip)))
    doc.add_suggestions(
        [Suggestion.new(asset.id, cue([("one", 1000, 1300), ("two", 1337, 1700),
                                       ("three", 1750, 1990)]), "subtitles")]
    )
    session = Session(doc)
    session.set_document(doc)
    widget = TranscriptPanel(session)
    qtbot.addWidget(widget)
    widget.select_words(1, 1)
    widget.cut_selection()
    (s,) = cuts(doc, SOURCE_EDIT)
    r = s.payload.range  # type: ignore[attr-defined]
    start, end = r.start.seconds, r.end_exclusive.seconds
    assert Fraction(13, 10) <= start <= Fraction(1337, 1000)
    assert Fraction(17, 10) <= end <= Fraction(175, 100)
    assert (start * Fraction(30000, 1001)).denominator == 1
    assert (end * Fraction(30000, 1001)).denominator == 1
    # Switched off: the exact word edges.
    widget.snap_to_frames = False
    widget.select_words(1, 1)
    widget.cut_selection()
    assert cuts(doc, SOURCE_EDIT)[-1].payload.range == ms(1337, 1700)  # type: ignore[attr-defined]


def test_find_fillers_suggests_um_and_the_repeat_once(panel):
    widget, _session, doc, _ = panel
    widget.fillers_button.click()
    found = sorted(
        (s.payload.range for s in cuts(doc, SOURCE_FILLERS)),  # type: ignore[attr-defined]
        key=lambda r: r.start,
    )
    assert found == [ms(320, 600), ms(1200, 1480)]
    assert "2 filler cuts" in widget.status.text()
    widget.fillers_button.click()  # nothing new the second time
    assert len(cuts(doc, SOURCE_FILLERS)) == 2
    doc.undo()
    assert cuts(doc, SOURCE_FILLERS) == []


def test_words_under_a_cut_are_struck_through(panel):
    widget, session, doc, _ = panel
    (s,) = doc.add_suggestions([Suggestion.new(session.asset_id, CutRange(ms(320, 600)), "t")])

    def struck() -> list[str]:
        text = widget.view.toPlainText()
        return [
            text[sel.cursor.selectionStart():sel.cursor.selectionEnd()]
            for sel in widget.view.extraSelections()
            if sel.format.fontStrikeOut()
        ]

    assert struck() == ["um"]
    doc.reject([s.id])
    assert struck() == []


def test_search_highlights_and_emits_the_hits(panel, qtbot):
    widget, _session, _doc, seeks = panel
    emitted: list[list[TimeRange]] = []
    widget.search_hits.connect(emitted.append)
    widget.search.setText("the plan")
    assert emitted[-1] == [ms(1480, 1880)]
    assert widget.hit_label.text() == "1 found"
    widget.search.setText("THE")
    assert emitted[-1] == [ms(1200, 1320), ms(1480, 1600)]
    qtbot.keyClick(widget.search, Qt.Key.Key_Return)  # next hit after the playhead (0)
    assert seeks[-1] == Fraction(6, 5)
    widget.search.setText("")
    assert emitted[-1] == []


def test_switching_assets_empties_the_text(panel):
    widget, session, _doc, _ = panel
    session.set_asset("")
    assert widget.words == []
    assert widget.view.toPlainText() == ""
