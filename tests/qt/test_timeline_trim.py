"""Trimming suggestions by dragging their edges on the timeline, with real mouse events:
whole frames always, snapping to shots and words (S toggles), Esc cancels, one undo step,
an accepted cut takes the edit along, a range never empties or inverts.

Footage: ``edit_media``'s clip A (120 frames at 29.97 drop-frame from 00:00:59;00). The
timeline is shown at 10 pixels per frame, so a drag of N pixels is N/10 frames.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fractions import Fraction

import pytest
from edit_media import NTSC, make_footage
from PySide6.QtCore import QPoint, QPointF, Qt

from vidi_desktop.core.project import (
    CutRange,
    ProjectDocument,
    SceneBoundary,
    SubtitleCue,
    Suggestion,
    Word,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.qt.session import Session
from vidi_desktop.qt.timeline import TimelineWidget
from vidi_desktop.services.analyze import asset_from_probe

FD = 1 / NTSC  # one frame, seconds
PX = 10  # pixels per frame in these tests
SHOT_FRAME = 52  # a scene boundary, 7 frames after the pending cut's out edge


def frame_time(k: int) -> Time:
    return Time(k * 1001, Fraction(1, 30000))


def frames(a: int, b: int) -> TimeRange:
    return TimeRange.from_frames(a, b, NTSC)


def ms(a: int, b: int) -> TimeRange:
    return TimeRange(Time(a, Fraction(1, 1000)), Time(b - a, Fraction(1, 1000)))


@pytest.fixture(scope="module")
def footage(make_clip):
    return make_footage(make_clip)


@pytest.fixture
def timeline(qtbot, footage):
    """A shown timeline over clip A: a pending cut of frames 30-44, a shot at frame 52, a
    subtitle whose first word ends at 0.945 s (frame 28.3), all at 10 px per frame."""
    asset = asset_from_probe(probe(footage[0]))
    assert asset.extent().start.seconds == 0
    doc = ProjectDocument()
    doc.add_asset(asset)
    cut, shot, cue = doc.add_suggestions([
        Suggestion.new(asset.id, CutRange(frames(30, 45)), "test", label="pending cut"),
        Suggestion.new(asset.id, SceneBoundary(frame_time(SHOT_FRAME)), "shots"),
        Suggestion.new(asset.id, SubtitleCue(ms(300, 2500), "so then we went", (
            Word(ms(300, 945), "so"), Word(ms(2000, 2500), "then"),
        )), "asr"),
    ])
    session = Session(doc)
    session.set_document(doc)
    widget = TimelineWidget(session)
    qtbot.addWidget(widget)
    widget.resize(1000, 320)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_view(0.0, PX * float(NTSC))
    widget.trim.set_snapping(True)
    doc.undo_stack.clear()  # the steps that built it: the tests count the trims
    seeks: list[Fraction] = []
    session.seek_requested.connect(seeks.append)
    widget.test_ids = (cut.id, shot.id, cue.id)  # type: ignore[attr-defined]
    widget.seeks = seeks  # type: ignore[attr-defined]
    return widget


def edge_point(widget: TimelineWidget, sid: str, edge: str) -> QPoint:
    r = widget.session.document.project.suggestion(sid).extent()
    t = r.start.seconds if edge == "in" else r.end_exclusive.seconds
    rect = widget.item_rect(sid)
    return QPoint(round(widget.x_of(t)), round(rect.center().y()))


def drag(qtbot, widget: TimelineWidget, start: QPoint, dx: int, release: bool = True) -> None:
    """A real press, two moves and (unless told not to) a release on the viewport."""
    vp = widget.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(vp, pos=start + QPoint(dx // 2, 0))
    qtbot.mouseMove(vp, pos=start + QPoint(dx, 0))
    if release:
        qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=start + QPoint(dx, 0))


def range_of(widget: TimelineWidget, sid: str) -> TimeRange:
    return widget.session.document.project.suggestion(sid).extent()


def test_the_pointer_over_an_edge_becomes_a_resize_cursor(qtbot, timeline):
    cut, _, _ = timeline.test_ids
    vp = timeline.viewport()
    out = edge_point(timeline, cut, "out")
    qtbot.mouseMove(vp, pos=out + QPoint(-2, 0))
    assert timeline.trim.hover is not None and timeline.trim.hover.edge == "out"
    assert vp.cursor().shape() == Qt.CursorShape.SizeHorCursor
    qtbot.mouseMove(vp, pos=QPoint(round(timeline.item_rect(cut).center().x()), out.y()))
    assert timeline.trim.hover is None
    assert vp.cursor().shape() == Qt.CursorShape.ArrowCursor


def test_dragging_an_edge_moves_it_to_a_whole_frame(qtbot, timeline):
    cut, _, _ = timeline.test_ids
    timeline.trim.set_snapping(False)
    doc = timeline.session.document
    drag(qtbot, timeline, edge_point(timeline, cut, "out"), 23, release=False)
    # 2.3 frames to the right: the nearest boundary, frame 47; nothing stored yet.
    assert timeline.trim.proposal == frames(30, 47)
    assert timeline.trim.label_text == (
        "In 00:01:00;02  Out 00:01:00;18  Dur 00:00:00;17 (0.57 s)"  # ;00 ;01 dropped
    )
    assert range_of(timeline, cut) == frames(30, 45)
    assert timeline.seeks[-1] == frame_time(46).seconds  # the viewer shows the last frame in
    qtbot.mouseRelease(timeline.viewport(), Qt.MouseButton.LeftButton,
                       pos=edge_point(timeline, cut, "out") + QPoint(23, 0))
    new = range_of(timeline, cut)
    assert new.end_exclusive == frame_time(47) and new.start == frame_time(30)
    assert (new.end_exclusive.seconds * NTSC).denominator == 1
    assert doc.undo_stack.count == 1 and doc.undo_stack.undo_text == "Trim cut"
    assert timeline.session.selected == cut
    assert not timeline.trim.dragging


def test_an_edge_between_frames_lands_on_the_nearest_boundary(qtbot, timeline):
    cut, _, _ = timeline.test_ids
    timeline.trim.set_snapping(False)
    drag(qtbot, timeline, edge_point(timeline, cut, "in"), -16)  # 1.6 frames left
    assert range_of(timeline, cut) == frames(28, 45)


def test_snapping_puts_the_edge_on_a_shot_boundary_nearby(qtbot, timeline):
    cut, _, _ = timeline.test_ids
    out = edge_point(timeline, cut, "out")
    drag(qtbot, timeline, out, 63, release=False)  # frame 51.3: 7 px from the shot
    assert timeline.trim.snapped_to is not None and timeline.trim.snapped_to.what == "shot"
    assert timeline.trim.label_text.endswith("⇹ shot")
    qtbot.mouseRelease(timeline.viewport(), Qt.MouseButton.LeftButton, pos=out + QPoint(63, 0))
    assert range_of(timeline, cut) == frames(30, SHOT_FRAME)


def test_without_snapping_the_same_drag_stops_at_the_nearest_frame(qtbot, timeline):
    cut, _, _ = timeline.test_ids
    timeline.trim.set_snapping(False)
    drag(qtbot, timeline, edge_point(timeline, cut, "out"), 63)
    assert range_of(timeline, cut) == frames(30, 51)


def test_snapping_puts_the_edge_on_the_frame_of_a_word_edge(qtbot, timeline):
    # The word "so" ends at 0.945 s = frame 28.32: by the one rounding rule (the exports',
    # qt/clock.py) a range starting there starts on frame 29, the first that starts after it.
    cut, _, _ = timeline.test_ids
    drag(qtbot, timeline, edge_point(timeline, cut, "in"), -13)  # to frame 28.7
    assert range_of(timeline, cut) == frames(29, 45)
    assert timeline.session.document.undo_stack.count == 1


def test_snapping_ignores_targets_further_than_eight_pixels(qtbot, timeline):
    cut, _, _ = timeline.test_ids
    drag(qtbot, timeline, edge_point(timeline, cut, "out"), 41)  # frame 49.1: 29 px away
    assert range_of(timeline, cut) == frames(30, 49)


def test_esc_during_the_drag_cancels_it(qtbot, timeline):
    cut, _, _ = timeline.test_ids
    doc = timeline.session.document
    timeline.session.set_position(Fraction(1, 2))
    start = edge_point(timeline, cut, "out")
    drag(qtbot, timeline, start, 40, release=False)
    assert timeline.trim.dragging and timeline.trim.proposal is not None
    qtbot.keyClick(timeline, Qt.Key.Key_Escape)
    assert not timeline.trim.dragging
    assert timeline.seeks[-1] == Fraction(1, 2)  # the playhead goes back
    qtbot.mouseRelease(timeline.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(40, 0))
    assert range_of(timeline, cut) == frames(30, 45)
    assert doc.undo_stack.count == 0


def test_an_edge_dragged_past_the_other_stops_one_frame_short(qtbot, timeline):
    cut, _, _ = timeline.test_ids
    timeline.trim.set_snapping(False)
    drag(qtbot, timeline, edge_point(timeline, cut, "in"), 400)
    assert range_of(timeline, cut) == frames(44, 45)
    drag(qtbot, timeline, edge_point(timeline, cut, "out"), -300)
    assert range_of(timeline, cut) == frames(44, 45)
    drag(qtbot, timeline, edge_point(timeline, cut, "in"), -900)  # past the clip's start
    assert range_of(timeline, cut) == frames(0, 45)


def test_a_click_on_an_edge_selects_and_seeks_like_a_click_on_the_item(qtbot, timeline):
    cut, _, _ = timeline.test_ids
    qtbot.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton,
                     pos=edge_point(timeline, cut, "out"))
    assert timeline.session.selected == cut
    assert timeline.seeks == [frame_time(30).seconds]
    assert timeline.session.document.undo_stack.count == 0


def test_scene_ticks_have_no_edges_to_drag(qtbot, timeline):
    _, shot, _ = timeline.test_ids
    rect = timeline.item_rect(shot)
    assert timeline.trim.edge_at(QPointF(rect.left(), rect.center().y())) is None


def test_the_drag_is_drawn_the_new_edge_lit_and_the_part_trimmed_off_darkened(qtbot, timeline):
    from vidi_desktop.qt.timeline_trim import EDGE_COLOR

    cut, _, _ = timeline.test_ids
    timeline.trim.set_snapping(False)
    y = round(timeline.item_rect(cut).center().y())
    inside = round(timeline.x_of(frame_time(42).seconds))  # trimmed off below
    before = timeline.viewport().grab().toImage().pixelColor(inside, y)
    drag(qtbot, timeline, edge_point(timeline, cut, "out"), -50, release=False)  # to frame 40
    image = timeline.viewport().grab().toImage()
    edge_x = round(timeline.x_of(frame_time(40).seconds))
    assert image.pixelColor(edge_x, y) == EDGE_COLOR
    after = image.pixelColor(inside, y)
    assert after.lightness() < before.lightness() - 20


def test_a_press_that_moves_less_than_three_pixels_is_a_click(qtbot, timeline):
    cut, _, _ = timeline.test_ids
    timeline.trim.set_snapping(False)
    timeline.resize(200, 320)  # the whole clip in ~100 px: 2 px are more than two frames
    timeline.zoom_fit()
    assert timeline.pixels_per_second < 0.5 * PX * float(NTSC) / 4
    drag(qtbot, timeline, edge_point(timeline, cut, "out"), 2)
    assert range_of(timeline, cut) == frames(30, 45)
    assert timeline.session.document.undo_stack.count == 0
    assert timeline.session.selected == cut
