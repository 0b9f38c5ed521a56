"""The scenes lane draws fades and dissolves as transitions — a ramp for a fade, a cross for
a dissolve, each labelled — not as the same grey box; cuts stay ticks."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fractions import Fraction

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from vidi_desktop.core.project import Asset, Project, SceneBoundary, Suggestion
from vidi_desktop.core.time import Time
from vidi_desktop.qt.kinds import qcolor
from vidi_desktop.qt.timeline_index import (
    SHAPE_CROSS,
    SHAPE_DIP,
    SHAPE_FADE_IN,
    SHAPE_FADE_OUT,
    SHAPE_NONE,
    LaneIndex,
)
from vidi_desktop.qt.timeline_paint import LaneRow, paint_lanes

BG = QColor("#202124")
PPS = 100.0  # pixels per second: 1 s of the lane is 100 px
TOP, HEIGHT = 0, 20  # the row; its items span y 2..17


@pytest.fixture(autouse=True)
def _app(qapp):
    """Fonts and painting need the application."""
    return qapp


def _boundary(start: str, transition: str = "cut", seconds: str | None = None) -> SceneBoundary:
    duration = Time.exact(Fraction(seconds)) if seconds is not None else None
    return SceneBoundary(Time.exact(Fraction(start)), transition, duration)


def _lane(boundaries: list[SceneBoundary], accept: int | None = None):
    suggestions = [Suggestion.new("a", b, "test", label=f"b{n}")
                   for n, b in enumerate(boundaries)]
    asset = Asset("a", "/nowhere/a.mp4", 1, 0, "a.mp4")  # the lanes need no media
    project = Project(assets=(asset,), suggestions=tuple(suggestions))
    index = LaneIndex()
    index.rebuild(project, "a")
    (lane,) = index.lanes
    if accept is not None:
        lane.states[accept] = 2
    return lane


def _paint(lane, width: int = 900) -> tuple[QImage, list]:
    from vidi_desktop.qt import timeline_transitions

    image = QImage(width, HEIGHT, QImage.Format.Format_RGB32)
    image.fill(BG)
    drawn: list = []
    original = timeline_transitions.paint_transitions

    def spy(*args):
        drawn.extend(original(*args))
        return drawn

    p = QPainter(image)
    try:
        metrics = QFontMetrics(QFont())
        row = LaneRow(lane, *lane.window(-1, width / PPS + 1), TOP, HEIGHT,
                      qcolor(SceneBoundary.kind), BG)
        import vidi_desktop.qt.timeline_paint as tp

        tp.paint_transitions = spy
        try:
            paint_lanes(p, QRect(0, 0, width, HEIGHT), [row], (0.0, 0.0, PPS), BG, metrics,
                        lambda sid: sid)
        finally:
            tp.paint_transitions = original
    finally:
        p.end()
    return image, drawn


def _ink(image: QImage, x: float, y: float) -> bool:
    """Something other than the lane background at (x, y)."""
    c = image.pixelColor(round(x), round(y))
    return abs(c.red() - BG.red()) + abs(c.green() - BG.green()) + abs(c.blue() - BG.blue()) > 24


def test_transitions_get_their_shape_and_word_in_the_index():
    lane = _lane([_boundary("1", "fade_in", "1"), _boundary("3", "dissolve", "1"),
                  _boundary("5", "fade_out", "1"), _boundary("6.5", "dip_to_black", "0.4"),
                  _boundary("7"), _boundary("8", "cut", "0.5")])
    assert lane.ticks
    assert lane.shapes.tolist() == [SHAPE_FADE_IN, SHAPE_CROSS, SHAPE_FADE_OUT, SHAPE_DIP,
                                    SHAPE_NONE, SHAPE_NONE]
    assert lane.labels == {0: "fade in", 1: "dissolve", 2: "fade out", 3: "dip to black"}


def test_a_fade_is_a_ramp_a_dissolve_a_cross_and_neither_a_box():
    # fade in 1–2 s (x 100–200), dissolve 3–4 s (300–400), fade out 5–6 s (500–600).
    lane = _lane([_boundary("1", "fade_in", "1"), _boundary("3", "dissolve", "1"),
                  _boundary("5", "fade_out", "1"), _boundary("7")])
    image, _ = _paint(lane)
    top, bottom = 4, 16
    # Fade in: the level rises: filled low on the right, empty high on the left.
    assert _ink(image, 190, bottom) and not _ink(image, 112, top)
    # Fade out: the mirror image.
    assert _ink(image, 510, bottom) and not _ink(image, 588, top)
    assert _ink(image, 512, top)  # filled under the start of the falling line
    # Dissolve: the two diagonals cross in the middle; above the crossing, between the two
    # lines, the lane shows through; both sides are filled.
    assert _ink(image, 350, 10)
    assert not _ink(image, 350, 4)
    assert _ink(image, 305, 10) and _ink(image, 395, 10)
    # A box would fill all of these; the three shapes differ from each other.
    corners = [(_ink(image, x + 12, top), _ink(image, x + 88, top))
               for x in (100, 300, 500)]
    assert len(set(corners)) == 3
    # The cut stays a tick.
    assert _ink(image, 700, 10) and not _ink(image, 705, 10)


def test_accepted_transitions_are_solid():
    lane = _lane([_boundary("1", "fade_in", "1")], accept=0)
    image, _ = _paint(lane)
    solid = qcolor(SceneBoundary.kind)
    c = image.pixelColor(190, 15)
    assert abs(c.red() - solid.red()) + abs(c.green() - solid.green()) < 40


def test_transitions_are_labelled_where_there_is_room():
    # A dissolve with room after it; a fade out with a cut right after, so its word goes
    # before it; both clear of the items and of each other.
    lane = _lane([_boundary("3", "dissolve", "0.3"), _boundary("5.5", "fade_out", "0.3"),
                  _boundary("5.85")])
    image, labels = _paint(lane)
    words = {text: rect for rect, text in labels}
    assert set(words) == {"dissolve", "fade out"}
    assert words["dissolve"].left() > 330  # after the dissolve (3.0–3.3 s)
    assert words["fade out"].right() < 550  # before the fade out (5.5–5.8 s)
    assert not words["dissolve"].intersects(words["fade out"])
    for rect in words.values():  # the text is painted there
        assert any(_ink(image, x, 10) for x in range(int(rect.left()), int(rect.right())))


def test_a_wide_transition_carries_its_word_inside():
    lane = _lane([_boundary("1", "dissolve", "2")])  # 200 px
    _, labels = _paint(lane)
    ((rect, text),) = labels
    assert text == "dissolve" and rect.left() > 100 and rect.right() < 300


def test_a_transition_narrower_than_two_pixels_is_a_tick():
    lane = _lane([_boundary("1", "dissolve", "0.01")])  # 1 px
    image, labels = _paint(lane)
    assert labels == []
    assert _ink(image, 100, 10)


@pytest.mark.parametrize("count", [30, 300])
def test_many_items_in_view_still_draw_transitions(count):
    # Past timeline_paint.FEW items a lane is rasterised by numpy: the transitions are left
    # out of its boxes and drawn as shapes all the same.
    cuts = [_boundary(str(Fraction(k, 10) + 5)) for k in range(count)]
    lane = _lane([_boundary("1", "fade_in", "1"), *cuts], )
    image, _ = _paint(lane, width=900)
    assert _ink(image, 190, 16) and not _ink(image, 112, 4)
