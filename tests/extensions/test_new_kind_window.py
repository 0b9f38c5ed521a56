"""A new suggestion kind (``toy_kind.Applause``, one file plus one registration line) shows in
the window: the review queue's kind filter and rows, a timeline lane of its own, its colour.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from toy_kind import Applause

from vidi_desktop.core.project import Chapter, ProjectDocument, Suggestion
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.qt.review import ReviewQueue
from vidi_desktop.qt.session import Session
from vidi_desktop.qt.timeline import TimelineWidget
from vidi_desktop.services.analyze import asset_from_probe

MS = Fraction(1, 1000)
PINK = "#ff7eb6"  # the colour Applause declares


def ms(a: int, b: int) -> TimeRange:
    return TimeRange(Time(a, MS), Time(b - a, MS))


@pytest.fixture
def session(applause: type[Applause], small_clip: Path) -> tuple[Session, list[Suggestion]]:
    """The small clip with a pending chapter (0-1 s) and pending applause (1.2-1.8 s)."""
    doc = ProjectDocument()
    aid = doc.add_asset(asset_from_probe(probe(small_clip))).id
    added = doc.add_suggestions([
        Suggestion.new(aid, Chapter(ms(0, 1000), "Intro"), "t"),
        Suggestion.new(aid, applause(ms(1200, 1800), -6.0), "t", label="ovation"),
    ])
    session = Session(doc)
    session.set_document(doc)
    return session, list(added)


def test_review_queue_filters_by_it(qtbot, session) -> None:
    session, (_, clap) = session
    queue = ReviewQueue(session)
    qtbot.addWidget(queue)
    entries = [(queue.filter.itemText(i), queue.filter.itemData(i))
               for i in range(queue.filter.count())]
    assert entries[-1] == ("Applause moments", "applause")  # no order given: listed last
    queue.set_kind_filter("applause")
    model = queue.model
    assert model.rowCount() == 1 and model.row(0).id == clap.id
    assert model.data(model.index(0, 0)) == "applause"
    colour = model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole)
    assert colour.name() == PINK


def test_timeline_gives_it_a_lane_in_its_colour(qtbot, session) -> None:
    session, (_, clap) = session
    session.document.accept([clap.id])
    widget = TimelineWidget(session)
    qtbot.addWidget(widget)
    widget.resize(800, 320)
    widget.show()
    qtbot.waitExposed(widget)
    assert [(lane.key, lane.title) for lane in widget.lanes] == [
        ("chapter", "Chapters"), ("applause", "Applause")
    ]
    centre = widget.item_rect(clap.id).center()
    image = widget.viewport().grab().toImage()
    assert image.pixelColor(round(centre.x()), round(centre.y())).rgb() == QColor(PINK).rgb()
