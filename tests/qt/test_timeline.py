"""TimelineWidget on generated footage: clicks, hit testing at zoom levels, looks, scale."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QWheelEvent

from vidi_desktop.core.project import ProjectDocument
from vidi_desktop.core.project.model import (
    Box,
    Chapter,
    CutRange,
    HighlightClip,
    ObjectTube,
    SceneBoundary,
    SubtitleCue,
    Suggestion,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.qt.clock import AssetClock
from vidi_desktop.qt.kinds import style_for
from vidi_desktop.qt.session import Session
from vidi_desktop.qt.timeline import HIGHLIGHT, PLAYHEAD, RULER_H, WAVE, TimelineWidget
from vidi_desktop.qt.timeline_media import media_store
from vidi_desktop.services.analyze import asset_from_probe

MS = Fraction(1, 1000)


def ms(a: int, b: int) -> TimeRange:
    return TimeRange(Time(a, MS), Time(b - a, MS))


def cut(asset_id: str, a: int, b: int, **kw: object) -> Suggestion:
    return Suggestion.new(asset_id, CutRange(ms(a, b)), "test", **kw)  # type: ignore[arg-type]


@pytest.fixture
def doc_of(small_clip: Path):
    """A document with the 2 s 29.97 DF clip as its asset, plus the given suggestions."""

    def make(build) -> tuple[ProjectDocument, list[Suggestion]]:  # type: ignore[no-untyped-def]
        doc = ProjectDocument()
        asset = doc.add_asset(asset_from_probe(probe(small_clip)))
        added = doc.add_suggestions(build(asset.id))
        return doc, list(added)

    return make


@pytest.fixture
def view(qtbot):  # type: ignore[no-untyped-def]
    """A shown timeline over a document; records seek requests."""

    def make(doc: ProjectDocument, width: int = 800, height: int = 320):  # type: ignore[no-untyped-def]
        session = Session(doc)
        session.set_document(doc)
        widget = TimelineWidget(session)
        qtbot.addWidget(widget)
        widget.resize(width, height)
        widget.show()
        qtbot.waitExposed(widget)
        seeks: list[Fraction] = []
        session.seek_requested.connect(seeks.append)
        return widget, session, seeks

    return make


def click(qtbot, widget: TimelineWidget, pos: QPointF) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=pos.toPoint())


def pixel(image: QImage, x: float, y: float) -> QColor:
    return image.pixelColor(round(x), round(y))


def mean_color(image: QImage, x: float, y: float, r: int = 3) -> tuple[float, float, float]:
    pts = [
        image.pixelColor(round(x) + dx, round(y) + dy)
        for dx in range(-r, r + 1)
        for dy in range(-r, r + 1)
    ]
    n = len(pts)
    return (sum(c.red() for c in pts) / n, sum(c.green() for c in pts) / n,
            sum(c.blue() for c in pts) / n)


def grab(widget: TimelineWidget) -> QImage:
    # The viewport's own picture (viewport coordinates, device pixel ratio 1 offscreen).
    return widget.viewport().grab().toImage()


# -- clicks ------------------------------------------------------------------------------------


def test_click_on_a_suggestion_selects_it_and_seeks_to_its_exact_start(qtbot, doc_of, view):
    doc, (a, b) = doc_of(lambda aid: [cut(aid, 200, 700), cut(aid, 1000, 1500)])
    widget, session, seeks = view(doc)
    rect = widget.item_rect(b.id)
    assert not rect.isEmpty()
    click(qtbot, widget, rect.center())
    assert session.selected == b.id
    assert seeks == [Fraction(1000, 1000)]
    click(qtbot, widget, widget.item_rect(a.id).center())
    assert session.selected == a.id
    assert seeks[-1] == Fraction(1, 5)


def test_click_on_empty_space_or_ruler_seeks_to_the_frame_there(qtbot, doc_of, view):
    doc, (_a,) = doc_of(lambda aid: [cut(aid, 200, 400)])
    widget, session, seeks = view(doc)
    clock = AssetClock.of(session.asset)
    x = widget.x_of(Fraction(3, 2)) + 1  # just right of 1.5 s, in the ruler
    click(qtbot, widget, QPointF(x, RULER_H / 2))
    expected = clock.snap(widget.time_at(round(x)))
    assert seeks == [expected]
    assert (expected * clock.rate.value).denominator == 1  # on a frame boundary
    # Empty part of the cuts lane: seeks, selects nothing.
    row = widget.lane_rect(0)
    click(qtbot, widget, QPointF(widget.x_of(Fraction(3, 2)), row.center().y()))
    assert session.selected == ""
    assert len(seeks) == 2


def test_hit_testing_follows_the_zoom(qtbot, doc_of, view):
    # Two cuts 30 ms apart: a few pixels at fit, far apart when zoomed in.
    doc, (a, b) = doc_of(lambda aid: [cut(aid, 1000, 1040), cut(aid, 1070, 1110)])
    widget, session, seeks = view(doc)
    gap_t = Fraction(1055, 1000)
    y = widget.lane_rect(0).center().y()
    # At fit (~380 px/s) the 30 ms gap is ~11 px: its middle is outside both (tolerance 4 px).
    at_fit = widget.suggestion_at(QPointF(widget.x_of(gap_t), y))
    assert at_fit is None
    # Zoomed in on the pair, each is wide and the gap is empty.
    widget.set_view(0.95, 2000)
    assert widget.pixels_per_second == pytest.approx(2000)
    for s in (a, b):
        hit = widget.suggestion_at(widget.item_rect(s.id).center())
        assert hit is not None and hit[0] == s.id
    assert widget.suggestion_at(QPointF(widget.x_of(gap_t), y)) is None
    # Zoomed far out (fit of a short clip is the minimum): both within a few pixels; the
    # nearest one wins, and a click a little outside a thin item still hits it.
    widget.zoom_fit()
    x_a_end = widget.x_of(Fraction(1040, 1000))
    hit = widget.suggestion_at(QPointF(x_a_end + 2, y))
    assert hit is not None and hit[0] == a.id
    click(qtbot, widget, widget.item_rect(b.id).center())
    assert session.selected == b.id and seeks[-1] == Fraction(107, 100)


def test_scene_ticks_and_object_tube_gaps_are_hit_where_drawn(qtbot, doc_of, view):
    times = [*range(0, 600, 100), *range(1200, 1900, 100)]
    boxes = tuple(Box(t, 0.1, 0.1, 0.3, 0.3) for t in times)

    def build(aid: str) -> list[Suggestion]:
        return [
            Suggestion.new(aid, SceneBoundary(Time(1000, MS)), "shots"),
            Suggestion.new(aid, ObjectTube("face", boxes), "faces", label="Face 1",
                           metadata={"vidi": {"bridge_ms": 300, "sample_ms": 100}}),
        ]

    doc, (scene, tube) = doc_of(build)
    widget, session, seeks = view(doc)
    keys = [lane.key for lane in widget.lanes]
    assert keys == ["scene_boundary", "object_tube"]
    assert widget.lanes[1].title == "Face 1"
    # The tick is an instant: hit within a few pixels of it.
    y_scene = widget.lane_rect(0).center().y()
    hit = widget.suggestion_at(QPointF(widget.x_of(1.0) + 2, y_scene))
    assert hit is not None and hit[0] == scene.id
    # The tube: two bars (0-600 ms, 1200-1900 ms), nothing in between.
    first, second = widget.item_rect(tube.id, 0), widget.item_rect(tube.id, 1)
    assert first.right() < second.left()
    y_tube = widget.lane_rect(1).center().y()
    assert widget.suggestion_at(QPointF(widget.x_of(0.9), y_tube)) is None
    click(qtbot, widget, second.center())
    assert session.selected == tube.id
    assert seeks == [Fraction(6, 5)]  # the start of the bar clicked


# -- looks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("crowd", [0, 40], ids=["few", "many"])
def test_accepted_pending_and_rejected_look_different(qtbot, doc_of, view, crowd):
    # ``crowd`` thin extra cuts after 1.8 s switch the lane to its numpy painting path.
    doc, (p, a, r, *_) = doc_of(
        lambda aid: [cut(aid, 100, 500), cut(aid, 700, 1100), cut(aid, 1300, 1700)]
        + [cut(aid, 1800 + 4 * k, 1802 + 4 * k) for k in range(crowd)]
    )
    doc.accept([a.id])
    doc.reject([r.id])
    widget, _session, _ = view(doc)
    image = grab(widget)
    red = QColor(style_for("cut_range:cut").color)
    centres = {s.id: widget.item_rect(s.id).center() for s in (p, a, r)}
    accepted = pixel(image, centres[a.id].x(), centres[a.id].y())
    assert accepted.rgb() == red.rgb()  # accepted: solid kind colour
    looks = {sid: mean_color(image, c.x(), c.y()) for sid, c in centres.items()}
    # Pending: a translucent fill, clearly not solid and not the background.
    assert looks[p.id] != pytest.approx(looks[a.id], abs=20)
    assert looks[p.id][0] > looks[r.id][0] + 10  # rejected is dimmer than pending
    assert looks[r.id] != pytest.approx(looks[a.id], abs=20)
    # Rejected is hatched: its pixels vary along a row, a pending fill is flat.
    row_r = {pixel(image, centres[r.id].x() + dx, centres[r.id].y()).rgb() for dx in range(8)}
    row_p = {pixel(image, centres[p.id].x() + dx, centres[p.id].y()).rgb() for dx in range(8)}
    assert len(row_r) > 1 and len(row_p) == 1


def test_selected_suggestion_is_outlined_in_white(qtbot, doc_of, view):
    doc, (s,) = doc_of(lambda aid: [cut(aid, 500, 1500)])
    widget, session, _ = view(doc)
    rect = widget.item_rect(s.id)
    edge = (rect.left(), rect.center().y())
    before = pixel(grab(widget), *edge)
    session.select(s.id)
    after = pixel(grab(widget), *edge)
    assert after.rgb() == QColor("#ffffff").rgb()
    assert before.rgb() != after.rgb()


def test_thumbnails_and_waveform_arrive_from_the_worker(qtbot, doc_of, view):
    doc, _ = doc_of(lambda aid: [])
    widget, session, _ = view(doc)
    store = media_store()
    assert store.wait(60000)
    qtbot.waitUntil(lambda: store.is_done(session.asset.path), timeout=60_000)
    qtbot.wait(50)  # queued results delivered to the GUI thread
    image = grab(widget)
    # Thumbnail lane: pixels of the picture, not the flat placeholder.
    y_thumb = RULER_H + 20
    colours = {pixel(image, x, y_thumb).rgb() for x in range(110, 400, 7)}
    assert len(colours) > 5
    # Waveform lane: the tone is drawn in the waveform colour at the lane's middle.
    y_wave = RULER_H + 44 + 17
    assert pixel(image, widget.x_of(1.0), y_wave).rgb() == WAVE.rgb()


def test_highlights_mark_the_ruler(qtbot, doc_of, view):
    doc, _ = doc_of(lambda aid: [])
    widget, _, _ = view(doc)
    widget.set_highlights([ms(1200, 1500)])
    image = grab(widget)
    assert pixel(image, widget.x_of(1.35), RULER_H - 3).rgb() == HIGHLIGHT.rgb()
    widget.set_highlights([])
    assert pixel(grab(widget), widget.x_of(1.35), RULER_H - 3).rgb() != HIGHLIGHT.rgb()


def test_playhead_is_drawn_and_followed(qtbot, doc_of, view):
    doc, _ = doc_of(lambda aid: [])
    widget, session, _ = view(doc)
    session.set_position(Fraction(1))
    x = widget.x_of(1)
    assert pixel(grab(widget), x, 200).rgb() == PLAYHEAD.rgb()
    widget.set_view(0.0, 2000)  # 0 .. ~0.35 s visible
    session.set_position(Fraction(3, 2))
    x = widget.x_of(Fraction(3, 2))
    assert 92 <= x < widget.viewport().width()


def test_tooltip_tells_label_confidence_source_and_reason(qtbot, doc_of, view):
    doc, (s,) = doc_of(
        lambda aid: [cut(aid, 500, 1500, label="long pause", confidence=0.87,
                         metadata={"vidi": {"reason": "no speech for 1 s"}})]
    )
    widget, _, _ = view(doc)
    text = widget.tooltip_at(widget.item_rect(s.id).center())
    for part in ("long pause", "0.87", "test", "no speech for 1 s", "pending", "01:00:00;"):
        assert part in text


# -- zoom ----------------------------------------------------------------------------------------


def test_ctrl_wheel_zooms_around_the_cursor(qtbot, doc_of, view):
    doc, _ = doc_of(lambda aid: [])
    widget, _, _ = view(doc)
    pps = widget.pixels_per_second
    x = 500.0
    t_before = widget.time_at(x)
    event = QWheelEvent(
        QPointF(x, 100), QPointF(widget.viewport().mapToGlobal(QPoint(500, 100))),
        QPoint(0, 0), QPoint(0, 240), Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )
    widget.wheelEvent(event)
    assert widget.pixels_per_second == pytest.approx(pps * 1.5 ** 2)
    assert widget.time_at(x) == pytest.approx(t_before, abs=1 / widget.pixels_per_second)
    widget.zoom_out()
    widget.zoom_in()
    widget.zoom_fit()
    assert widget.pixels_per_second == pytest.approx(pps)
    assert widget.view_start == pytest.approx(0.0, abs=1e-3)
    widget.zoom_out()  # never further out than fit
    assert widget.pixels_per_second == pytest.approx(pps)


def test_horizontal_scrollbar_moves_the_view(qtbot, doc_of, view):
    doc, _ = doc_of(lambda aid: [])
    widget, _, _ = view(doc)
    widget.set_view(0.0, 1000)
    bar = widget.horizontalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(500)
    assert widget.view_start == pytest.approx(0.5, abs=1e-3)


# -- project changes and scale ---------------------------------------------------------------------


def test_lanes_follow_the_document_and_undo(qtbot, doc_of, view):
    doc, (s,) = doc_of(lambda aid: [cut(aid, 500, 1500)])
    widget, _, _ = view(doc)
    assert int(widget.lanes[0].states[0]) == 1
    doc.accept([s.id])
    assert int(widget.lanes[0].states[0]) == 2
    doc.undo()
    assert int(widget.lanes[0].states[0]) == 1
    doc.add_suggestions([Suggestion.new(s.asset_id, Chapter(ms(0, 1000), "Intro"), "t")])
    assert [lane.key for lane in widget.lanes] == ["chapter", "cut_range:cut"]


def test_ten_thousand_suggestions_build_paint_and_hit(qtbot, doc_of, view):
    def build(aid: str) -> list[Suggestion]:
        out = []
        for i in range(10_000):
            a = (i * 37) % 1990
            kind = i % 5
            if kind == 0:
                out.append(cut(aid, a, a + 8))
            elif kind == 1:
                out.append(Suggestion.new(aid, SceneBoundary(Time(a, MS)), "t"))
            elif kind == 2:
                out.append(Suggestion.new(aid, HighlightClip(ms(a, a + 5)), "t"))
            elif kind == 3:
                out.append(Suggestion.new(aid, SubtitleCue(ms(a, a + 9), f"w{i}"), "t"))
            else:
                out.append(Suggestion.new(aid, CutRange(ms(a, a + 4), "keep"), "t"))
        return out

    doc, added = doc_of(build)
    doc.accept([s.id for s in added[:2000:3]])
    widget, _session, _seeks = view(doc, 1200, 400)
    assert sum(len(lane) for lane in widget.lanes) == 10_000
    image = grab(widget)  # dense lanes at fit
    assert not image.isNull()
    for _ in range(6):
        widget.zoom_in()
    image = grab(widget)
    assert not image.isNull()
    # Still exact at depth: a visible item is hit where it is drawn.
    lane = widget.lanes[[ln.key for ln in widget.lanes].index("subtitle_cue")]
    lo, hi = lane.window(widget.view_start, widget.time_at(1100))
    sid = lane.ids[lo + (hi - lo) // 2]
    rect = widget.item_rect(sid)
    hit = widget.suggestion_at(QPointF(rect.left() + 1, rect.center().y()))
    assert hit is not None
    assert doc.project.suggestion(hit[0]).extent().start.seconds <= widget.time_at(rect.left() + 1)


def test_lane_index_update_in_place_matches_a_rebuild(doc_of):
    from vidi_desktop.qt.timeline_index import LaneIndex

    def build(aid: str) -> list[Suggestion]:
        out = [cut(aid, 10 * k, 10 * k + 25) for k in range(150)]
        out += [Suggestion.new(aid, SceneBoundary(Time(7 * k, MS)), "t") for k in range(100)]
        tube = ObjectTube("car", (Box(0, 0, 0, 1, 1), Box(100, 0, 0, 1, 1)))
        out.append(Suggestion.new(aid, tube, "t", label="Car 1"))
        return out

    doc, added = doc_of(build)
    aid = added[0].asset_id
    index = LaneIndex()
    index.rebuild(doc.project, aid)
    changed = {s.id for s in added[::3]} | {s.id for s in added[1::5]}
    doc.accept([s.id for s in added[::3]])
    doc.reject([s.id for s in added[1::5]])
    assert index.update(doc.project, aid, changed)
    fresh = LaneIndex()
    fresh.rebuild(doc.project, aid)
    assert [lane.key for lane in index.lanes] == [lane.key for lane in fresh.lanes]
    for mine, theirs in zip(index.lanes, fresh.lanes, strict=True):
        assert mine.ids == theirs.ids
        assert mine.states.tolist() == theirs.states.tolist()
    assert index.by_id[added[0].id].state is doc.project.suggestion(added[0].id).state
    # A new suggestion (or one moved in time) needs a rebuild: update says so, changes nothing.
    (new,) = doc.add_suggestions([cut(aid, 5, 6)])
    assert not index.update(doc.project, aid, {new.id})
    assert not index.update(doc.project, "another-asset", set())


def test_ruler_clock_is_source_timecode_drop_frame(small_clip):
    from vidi_desktop.services.analyze import asset_from_probe as from_probe

    clock = AssetClock.of(from_probe(probe(small_clip)))
    assert clock.drop_frame and clock.rate.nominal == 30
    assert clock.timecode(Fraction(0)) == "01:00:00;00"
    assert clock.timecode_of_frame(1800) == "01:01:00;02"  # ;00 and ;01 are skipped
    # A time rounded to milliseconds still names the frame it was rounded from.
    assert clock.frame_at(Fraction(1001, 1000)) == 30
    assert clock.snap(Fraction(49, 100)) == Fraction(14 * 1001, 30000)  # the frame on screen
    assert clock.snap(Fraction(1, 2)) == Fraction(15 * 1001, 30000)  # within 1 ms of its start
    fallback = AssetClock.of(None)
    assert fallback.timecode(Fraction(1)) == "00:00:01:00"


def test_empty_session_and_audio_only_asset_paint(qtbot, audio_only, view):
    doc = ProjectDocument()
    widget, session, _ = view(doc)
    assert not grab(widget).isNull()
    asset = doc.add_asset(asset_from_probe(probe(audio_only)))
    session.set_asset(asset.id)
    assert widget.lanes == []
    assert not grab(widget).isNull()
    # No picture lane: the waveform sits right under the ruler.
    store = media_store()
    store.wait(60000)
    qtbot.waitUntil(lambda: store.is_done(asset.path), timeout=60_000)
    qtbot.wait(50)
    image = grab(widget)
    assert pixel(image, widget.x_of(0.5), RULER_H + 17).rgb() == WAVE.rgb()


def test_tooltip_without_a_reason_tells_what_the_analyser_recorded(qtbot, doc_of, view):
    doc, (s,) = doc_of(
        lambda aid: [cut(aid, 500, 1500, metadata={"vidi": {"analyser": "silence", "x": [1]}})]
    )
    widget, _, _ = view(doc)
    assert "analyser silence" in widget.tooltip_at(widget.item_rect(s.id).center())
