"""ReviewQueue: A/R/N, accept all, filter, preview and selection sync, through the document."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from vidi_desktop.core.project import ProjectDocument
from vidi_desktop.core.project.model import (
    Chapter,
    CutRange,
    ReviewState,
    SceneBoundary,
    Suggestion,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.qt.review import ReviewQueue
from vidi_desktop.qt.session import Session
from vidi_desktop.services.analyze import asset_from_probe

MS = Fraction(1, 1000)


def ms(a: int, b: int) -> TimeRange:
    return TimeRange(Time(a, MS), Time(b - a, MS))


@pytest.fixture
def queue(small_clip: Path, qtbot):  # type: ignore[no-untyped-def]
    """A queue over: scene 300 ms, cut 500-700, chapter 0-1000, cut 1200-1400, scene 1600."""
    doc = ProjectDocument()
    asset = doc.add_asset(asset_from_probe(probe(small_clip)))
    aid = asset.id
    added = doc.add_suggestions(
        [
            Suggestion.new(aid, CutRange(ms(1200, 1400)), "silence", label="late cut"),
            Suggestion.new(aid, SceneBoundary(Time(300, MS)), "shots", label="scene 1"),
            Suggestion.new(aid, Chapter(ms(0, 1000), "Intro"), "chapters", confidence=0.5),
            Suggestion.new(aid, CutRange(ms(500, 700)), "silence", label="early cut"),
            Suggestion.new(aid, SceneBoundary(Time(1600, MS)), "shots", label="scene 2"),
        ]
    )
    session = Session(doc)
    session.set_document(doc)
    widget = ReviewQueue(session)
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    seeks: list[Fraction] = []
    session.seek_requested.connect(seeks.append)
    by_label = {s.label or s.payload.title: s for s in added}  # type: ignore[attr-defined]
    return widget, session, doc, by_label, seeks


def labels(widget: ReviewQueue) -> list[str]:
    m = widget.model
    return [m.data(m.index(r, 2)) for r in range(m.rowCount())]


def state(doc: ProjectDocument, s: Suggestion) -> ReviewState:
    return doc.project.suggestion(s.id).state


def test_rows_are_pending_suggestions_sorted_by_time_with_timecode(queue):
    widget, _session, _doc, _s, _ = queue
    assert labels(widget) == ["Intro", "scene 1", "early cut", "late cut", "scene 2"]
    m = widget.model
    # Time column: source timecode (the clip starts at 01:00:00;00, 29.97 drop-frame), from
    # the first to the last frame inside, and the duration of those frames.
    assert m.data(m.index(0, 1)) == "01:00:00;00–00;29  1.00 s"
    # 0.5 s = frame 14.985 → 15; 0.7 s = frame 20.98: the last frame inside is 20.
    assert m.data(m.index(2, 1)) == "01:00:00;15–00;20  0.20 s"
    assert m.data(m.index(1, 1)) == "01:00:00;09"  # a scene boundary: one moment
    assert m.data(m.index(0, 3)) == "0.50"
    assert m.data(m.index(1, 0)) == "scene boundary"


def test_accept_moves_on_and_undo_restores(queue):
    widget, session, doc, s, seeks = queue
    session.select(s["early cut"].id)
    assert widget.current_id() == s["early cut"].id
    widget.accept_current()
    assert state(doc, s["early cut"]) is ReviewState.ACCEPTED
    assert "early cut" not in labels(widget)
    # The next pending one took its place: selected, and the player asked to go there.
    assert session.selected == s["late cut"].id
    assert seeks[-1] == Fraction(6, 5)
    # The accepted cut changed the edit: the asset went in whole minus 500-700 ms.
    assert len(doc.project.edit) == 2
    doc.undo()
    assert state(doc, s["early cut"]) is ReviewState.PENDING
    assert doc.project.edit == ()
    assert labels(widget) == ["Intro", "scene 1", "early cut", "late cut", "scene 2"]


def test_reject_moves_on(queue):
    widget, session, doc, s, _seeks = queue
    session.select(s["scene 2"].id)
    widget.reject_current()
    assert state(doc, s["scene 2"]) is ReviewState.REJECTED
    # It was the last row: the one before it is now current.
    assert session.selected == s["late cut"].id
    doc.undo()
    assert state(doc, s["scene 2"]) is ReviewState.PENDING


def test_next_walks_the_list_and_seeks(queue):
    widget, session, doc, s, seeks = queue
    widget.next_pending()  # nothing current: the first at or after the playhead (0)
    assert session.selected == s["Intro"].id
    widget.next_pending()
    assert session.selected == s["scene 1"].id
    assert seeks[-2:] == [Fraction(0), Fraction(3, 10)]
    for _ in range(3):
        widget.next_pending()
    assert session.selected == s["scene 2"].id
    widget.next_pending()
    assert session.selected == s["Intro"].id  # wrapped
    assert all(state(doc, x) is ReviewState.PENDING for x in s.values())


def test_next_starts_at_the_playhead(queue):
    widget, session, _doc, s, _seeks = queue
    session.set_position(Fraction(1))
    widget.next_pending()
    assert session.selected == s["late cut"].id


def test_filter_by_kind_and_accept_all_of_it(queue):
    widget, _session, doc, s, _ = queue
    widget.set_kind_filter("scene_boundary")
    assert labels(widget) == ["scene 1", "scene 2"]
    assert widget.count_label.text() == "2 of 5 pending"
    widget.accept_all_button.click()
    assert state(doc, s["scene 1"]) is ReviewState.ACCEPTED
    assert state(doc, s["scene 2"]) is ReviewState.ACCEPTED
    assert state(doc, s["early cut"]) is ReviewState.PENDING
    assert labels(widget) == []
    widget.set_kind_filter(None)
    assert labels(widget) == ["Intro", "early cut", "late cut"]
    doc.undo()  # one step undoes the whole "accept all"
    assert labels(widget) == ["Intro", "scene 1", "early cut", "late cut", "scene 2"]
    widget.accept_all_of_kind("cut_range")
    assert [state(doc, s[k]) for k in ("early cut", "late cut")] == [ReviewState.ACCEPTED] * 2
    assert state(doc, s["Intro"]) is ReviewState.PENDING
    with pytest.raises(ValueError):
        widget.set_kind_filter("no_such_kind")


def test_selection_syncs_both_ways(queue, qtbot):
    widget, session, doc, s, seeks = queue
    session.select(s["late cut"].id)
    assert widget.table.currentIndex().row() == 3
    assert seeks == []  # following the session's selection does not seek again
    # Clicking a row selects in the session and seeks.
    rect = widget.table.visualRect(widget.model.index(1, 2))
    qtbot.mouseClick(widget.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert session.selected == s["scene 1"].id
    assert seeks == [Fraction(3, 10)]
    # Selecting something not pending clears the table's selection.
    doc.accept([s["Intro"].id])
    session.select(s["Intro"].id)
    assert not widget.table.selectionModel().hasSelection()
    # R still acts on it (picked on the timeline): an accepted chapter can be rejected.
    widget.reject_current()
    assert state(doc, s["Intro"]) is ReviewState.REJECTED


def test_preview_seeks_and_asks_to_play_the_range(queue):
    widget, session, _doc, s, seeks = queue
    session.select(s["late cut"].id)
    played: list[TimeRange] = []
    widget.preview_requested.connect(played.append)
    widget.preview_button.click()
    assert played == [ms(1200, 1400)]
    assert seeks == [Fraction(6, 5)]


def test_a_refused_edit_is_shown_and_changes_nothing(qtbot):
    from vidi_desktop.core.project.model import Asset

    doc = ProjectDocument()
    asset = doc.add_asset(Asset.new("/nowhere/x.mp4", 1, 1))  # no duration known
    (c,) = doc.add_suggestions([Suggestion.new(asset.id, CutRange(ms(0, 100)), "t")])
    session = Session(doc)
    session.set_document(doc)
    widget = ReviewQueue(session)
    qtbot.addWidget(widget)
    session.select(c.id)
    widget.accept_current()
    assert doc.project.suggestion(c.id).state is ReviewState.PENDING
    assert "duration" in widget.message.text()
    assert not widget.message.isHidden()


def test_thousands_of_rows_change_by_row_removal_not_reset(qtbot, small_clip):
    doc = ProjectDocument()
    asset = doc.add_asset(asset_from_probe(probe(small_clip)))
    added = doc.add_suggestions(
        [Suggestion.new(asset.id, SceneBoundary(Time(i, MS)), "t") for i in range(0, 5000)]
    )
    session = Session(doc)
    session.set_document(doc)
    widget = ReviewQueue(session)
    qtbot.addWidget(widget)
    assert widget.model.rowCount() == 5000
    resets: list[int] = []
    removed: list[tuple[int, int]] = []
    inserted: list[tuple[int, int]] = []
    widget.model.modelReset.connect(lambda: resets.append(1))
    widget.model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    widget.model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    session.select(added[2500].id)
    widget.accept_current()
    assert removed == [(2500, 2500)] and resets == []
    assert session.selected == added[2501].id
    doc.undo()
    assert inserted == [(2500, 2500)] and resets == []
    assert widget.model.rowCount() == 5000
