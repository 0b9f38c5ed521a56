"""The timeline's picture (all but the playhead and the selection) is kept between paints
and made again exactly when what it shows changes: suggestions, their review states, the
zoom, the size. Pixels are checked."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from vidi_desktop.core.project import ProjectDocument
from vidi_desktop.core.project.model import CutRange, Suggestion
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.qt.kinds import style_for
from vidi_desktop.qt.session import Session
from vidi_desktop.qt.timeline import TimelineWidget
from vidi_desktop.services.analyze import asset_from_probe

MS = Fraction(1, 1000)
RED = QColor(style_for("cut_range:cut").color).rgb()  # an accepted cut: solid


def cut(asset_id: str, a: int, b: int) -> Suggestion:
    return Suggestion.new(asset_id, CutRange(TimeRange(Time(a, MS), Time(b - a, MS))), "test")


@pytest.fixture
def timeline(qtbot, small_clip: Path):  # type: ignore[no-untyped-def]
    """A shown 800 px timeline over the 2 s clip with an accepted cut (0.2-0.6 s) and a
    pending one (1.2-1.6 s)."""
    doc = ProjectDocument()
    asset = doc.add_asset(asset_from_probe(probe(small_clip)))
    accepted, pending = doc.add_suggestions([cut(asset.id, 200, 600), cut(asset.id, 1200, 1600)])
    doc.accept([accepted.id])
    session = Session(doc)
    session.set_document(doc)
    widget = TimelineWidget(session)
    qtbot.addWidget(widget)
    widget.resize(800, 320)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, session, doc, accepted, pending


def grab(widget: TimelineWidget) -> QImage:
    return widget.viewport().grab().toImage()


def colour_at(widget: TimelineWidget, seconds: float, sid: str) -> int:
    """The colour drawn at ``seconds`` in the middle of the row of suggestion ``sid``."""
    y = widget.item_rect(sid).center().y()
    return grab(widget).pixelColor(round(widget.x_of(seconds)), round(y)).rgb()


def renders(widget: TimelineWidget) -> int:
    grab(widget)
    return widget.static_paints


def test_moving_the_selection_reuses_the_picture(timeline):
    widget, session, _doc, accepted, pending = timeline
    before = renders(widget)
    session.select(pending.id)
    edge = widget.item_rect(pending.id)
    image = grab(widget)
    assert image.pixelColor(round(edge.left()), round(edge.center().y())).rgb() == 0xFFFFFFFF
    assert renders(widget) == before  # only the outline was drawn again
    session.select(accepted.id)
    image = grab(widget)
    assert image.pixelColor(round(edge.left()), round(edge.center().y())).rgb() != 0xFFFFFFFF
    other = widget.item_rect(accepted.id)
    assert image.pixelColor(round(other.left()), round(other.center().y())).rgb() == 0xFFFFFFFF
    assert renders(widget) == before


def test_accepting_paints_the_lane_again(timeline):
    widget, _session, doc, _accepted, pending = timeline
    assert colour_at(widget, 1.4, pending.id) != RED  # pending: a translucent fill
    before = renders(widget)
    doc.accept([pending.id])
    assert colour_at(widget, 1.4, pending.id) == RED
    assert renders(widget) == before + 1


def test_new_suggestions_paint_the_lane_again(timeline):
    widget, _session, doc, accepted, _pending = timeline
    background = colour_at(widget, 0.9, accepted.id)
    (late,) = doc.add_suggestions([cut(doc.project.assets[0].id, 800, 1000)])
    doc.accept([late.id])
    assert colour_at(widget, 0.9, accepted.id) == RED != background


def test_zooming_paints_the_lanes_again_where_items_now_are(timeline):
    widget, _session, _doc, accepted, _pending = timeline
    widget.set_view(0.0, widget.pixels_per_second * 4)  # 0 … ~0.4 s across the lanes
    assert colour_at(widget, 0.3, accepted.id) == RED
    x = widget.x_of(0.1)  # before the cut: lane background, though the cut was here before
    image = grab(widget)
    y = round(widget.item_rect(accepted.id).center().y())
    assert image.pixelColor(round(x), y).rgb() != RED
    widget.zoom_fit()
    assert colour_at(widget, 0.4, accepted.id) == RED


def test_resizing_paints_the_lanes_again(timeline):
    widget, _session, _doc, accepted, _pending = timeline
    before = renders(widget)
    widget.resize(500, 320)
    assert colour_at(widget, 0.4, accepted.id) == RED
    assert colour_at(widget, 0.8, accepted.id) != RED
    assert renders(widget) > before


def test_lanes_scrolled_up_stay_below_the_media_strips(qtbot, small_clip):
    # Many short lanes (one per object tube) so that the lanes scroll vertically.
    from vidi_desktop.core.project.model import Box, ObjectTube

    doc = ProjectDocument()
    asset = doc.add_asset(asset_from_probe(probe(small_clip)))
    doc.add_suggestions([
        Suggestion.new(asset.id, ObjectTube("face", tuple(Box(t, 0.1, 0.1, 0.3, 0.3)
                                                          for t in range(0, 2000, 40))),
                       "faces", label=f"Face {k}")
        for k in range(12)
    ])
    session = Session(doc)
    session.set_document(doc)
    widget = TimelineWidget(session)
    qtbot.addWidget(widget)
    widget.resize(800, 200)
    widget.show()
    qtbot.waitExposed(widget)
    top = widget.lane_rect(0).top()
    gap = grab(widget).pixelColor(400, top - 1).rgb()  # between the waveform and the lanes
    widget.verticalScrollBar().setValue(7)  # the first lane now starts above the lanes area
    assert widget.lane_rect(0).top() < top
    assert grab(widget).pixelColor(400, top - 1).rgb() == gap
