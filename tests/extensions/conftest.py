"""Extension points taken as a newcomer takes them: a toy suggestion kind (``toy_kind.py``)
and a toy export format (``toy_format.py``), each one file, each registered by one line in
a fixture below and taken out again after the test.

The window tests here build their widgets offscreen (``QT_QPA_PLATFORM`` is set before Qt
is imported anywhere).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from toy_kind import Applause

from vidi_desktop.core.project import (
    PAYLOAD_TYPES,
    Chapter,
    HighlightClip,
    Project,
    ReviewState,
    Suggestion,
    register_payload,
)
from vidi_desktop.core.time import TimeRange
from vidi_desktop.interchange.formats import FORMATS, ExportFormat, register_format
from vidi_desktop.media.probe import probe
from vidi_desktop.services.analyze import asset_from_probe

NTSC = Fraction(30000, 1001)



@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The dialogs and windows here read and write QSettings (the export dialog remembers
    its last format): each test gets its own folder, never the user's settings."""
    from support.qsettings import isolate_qsettings

    folder = tmp_path_factory.mktemp("qsettings")
    isolate_qsettings(folder)
    yield folder

@pytest.fixture
def applause() -> Iterator[type[Applause]]:
    """The toy kind, registered for the test."""
    register_payload(Applause)  # the one registration line
    yield Applause
    PAYLOAD_TYPES.pop(Applause.kind)


@pytest.fixture
def cue_list() -> Iterator[ExportFormat]:
    """The toy format (``--format cues``, ``.cues``/``.txt``), registered for the test."""
    fmt = register_format(  # the one registration line
        ExportFormat("cues", "Cue list", (".cues", ".txt"), "timeline",
                     "toy_format:write_cue_list", (("markers", "markers"),), use="plain text")
    )
    yield fmt
    FORMATS.pop(fmt.id)


@pytest.fixture
def highlights_project(small_clip: Path) -> Project:
    """small.mp4 (29.97, DF timecode 01:00:00;00), accepted: highlights at frames 0-14 and
    30-44, a chapter at 32-39."""
    asset = asset_from_probe(probe(small_clip))

    def accepted(payload: object) -> Suggestion:
        s = Suggestion.new(asset.id, payload, "t")  # type: ignore[arg-type]
        return s.replace(state=ReviewState.ACCEPTED)

    return Project(assets=(asset,), name="Toy", suggestions=(
        accepted(HighlightClip(TimeRange.from_frames(0, 15, NTSC), "first")),
        accepted(HighlightClip(TimeRange.from_frames(30, 45, NTSC), "second")),
        accepted(Chapter(TimeRange.from_frames(32, 40, NTSC), "Part two")),
    ))
