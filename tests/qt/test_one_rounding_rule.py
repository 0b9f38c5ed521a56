"""One rounding rule from time to frame: for every suggestion kind, at times between frames
and at millisecond-rounded frame starts, on a 29.97 drop-frame clip and a variable-rate clip,
the review list's Time column, the frame a click on its row makes the viewer show, the CSV
and the EDL (read back with pycmx) name the same frames."""

from __future__ import annotations

import io
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pycmx
import pytest
from PySide6.QtCore import Qt
from windows import close_window

from vidi_desktop.core.project import ProjectDocument
from vidi_desktop.core.project.kinds import PAYLOAD_TYPES, kind_info
from vidi_desktop.core.project.model import (
    Answer,
    Box,
    Chapter,
    CutRange,
    HighlightClip,
    ObjectTube,
    Project,
    ReframePath,
    SceneBoundary,
    SilenceCut,
    SpeechRange,
    SubtitleCue,
    Suggestion,
    Word,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.core.timecode import timecode_to_frames
from vidi_desktop.interchange.program import Program
from vidi_desktop.interchange.sources import SourceMedia
from vidi_desktop.interchange.writers import ExportOptions, export_texts
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session

# (start, end) in exact seconds: past the middle of a frame of both clips (29.97: 13.86 and
# 37.22 frames; the variable-rate clip's 60 fps grid: 27.75 and 74.52), and frame starts of
# the 29.97 clip rounded to the millisecond (frame 10 = 0.3337 s, frame 30 = 1.001 s).
TIMES = ((Fraction("0.4625"), Fraction("1.2420")), (Fraction("0.334"), Fraction("1.001")))
VFR_PTS = [0, 1000, 2000, 3500, 4000, 6000, 7001, 8000, 9000, 12000, 13000, 14100, 15000,
           16001, 18000, 19000, 20000, 21500, 22000, 24000, 25000, 26000, 27000, 28500,
           29000, 31000, 32000, 33000, 34000, 36000, 37000, 38000, 39500, 40000, 42000,
           43000, 44000, 45000, 46500, 47000, 49000, 50000, 51000, 52000, 54000]  # 1/30000


def _range(a: Fraction, b: Fraction) -> TimeRange:
    return TimeRange.from_start_end(Time.exact(a), Time.exact(b))


def _ms(t: Fraction) -> int:
    return round(t * 1000)


BUILDERS: dict[str, Callable[[Fraction, Fraction], object]] = {
    "cut_range": lambda a, b: CutRange(_range(a, b)),
    "silence_cut": lambda a, b: SilenceCut(_range(a, b)),
    "speech": lambda a, b: SpeechRange(_range(a, b)),
    "scene_boundary": lambda a, b: SceneBoundary(Time.exact(a), "dissolve",
                                                 Time.exact(b - a)),
    "object_tube": lambda a, b: ObjectTube(
        "dog", (Box(_ms(a), 0.1, 0.1, 0.5, 0.5), Box(_ms(b), 0.2, 0.2, 0.6, 0.6))),
    "highlight_clip": lambda a, b: HighlightClip(_range(a, b), "best", 0.5),
    "chapter": lambda a, b: Chapter(_range(a, b), "intro"),
    "subtitle_cue": lambda a, b: SubtitleCue(_range(a, b), "hi there",
                                             (Word(_range(a, b), "hi there"),)),
    "answer": lambda a, b: Answer("the dog is here", (_range(a, b),)),
    "reframe_path": lambda a, b: ReframePath(
        "9:16", ((_ms(a), 0.2, 0.0, 0.6, 1.0), (_ms(b), 0.3, 0.0, 0.7, 1.0))),
}
EXTRA = {  # more looks of one kind: a keep, a hard cut
    "keep": ("cut_range", lambda a, b: CutRange(_range(a, b), "keep")),
    "hard cut": ("scene_boundary", lambda a, b: SceneBoundary(Time.exact(a))),
}


def test_every_built_in_kind_has_a_case():
    built_in = {k for k, cls in PAYLOAD_TYPES.items() if cls.__module__.startswith("vidi_desktop")}
    assert built_in <= set(BUILDERS)


@pytest.fixture(scope="module")
def vfr_clip(make_clip: Callable[..., Path]) -> Path:
    return make_clip("rule_vfr2.mp4", frames=len(VFR_PTS), rate=30, pts=VFR_PTS,
                     time_base=Fraction(1, 30000), gop=6)


def _suggestions(asset_id: str) -> list[Suggestion]:
    out = []
    cases = [(k, f) for k, f in BUILDERS.items()] + list(EXTRA.values())
    for n, (kind, build) in enumerate(cases):
        for m, (a, b) in enumerate(TIMES):
            label = f"case{n}-{m}"  # names its EDL marker
            out.append(Suggestion.new(asset_id, build(a, b), "test", label=label))
            assert out[-1].kind == kind
    return out


def _list_frames(window: MainWindow, sid: str, tc_start: int, rate, drop) -> tuple[int, int]:
    """First frame and end (exclusive) the Time column shows."""
    model = window.review.model
    text = str(model.data(model.index(model.row_of(sid), 1)))
    start, _, rest = text.partition("–")
    first = timecode_to_frames(start, rate, drop_frame=drop) - tc_start
    if not rest:
        return first, first
    short = rest.split()[0]
    last = timecode_to_frames(start[: len(start) - len(short)] + short, rate, drop_frame=drop)
    return first, last - tc_start + 1


def _csv_frames(project: Project) -> dict[str, tuple[int, int]]:
    text = export_texts(project, "csv", ExportOptions(include="all")).files[0][1]
    return {r["id"]: (int(r["first_frame"]), int(r["end_frame"]))
            for r in csv.DictReader(io.StringIO(text))}


def _edl_marker_frames(project: Project, kind: str, src: SourceMedia) -> dict[str, int]:
    """Label → frame of each ``* LOC`` marker of ``kind`` in the EDL of the whole file."""
    text = export_texts(
        project, "edl", ExportOptions(include="all", whole=True, kinds=(kind,))
    ).files[0][1]
    out = {}
    for event in pycmx.parse_cmx3600(io.StringIO(text)).events:
        for statement in event.statements:
            body = getattr(statement, "text", "")
            if body.startswith("LOC:"):
                _, tc, _color, *name = body.split()
                frame = timecode_to_frames(tc, src.rate, drop_frame=src.drop_frame)
                out[name[-1]] = frame - src.tc_start
    return out


def _edl_shot_starts(project: Project, src: SourceMedia) -> set[int]:
    """The source frames where the EDL of the shots (``--kind shots``) starts an event."""
    text = export_texts(
        project, "edl", ExportOptions(include="all", kinds=(SceneBoundary.kind,))
    ).files[0][1]
    starts = set()
    for event in pycmx.parse_cmx3600(io.StringIO(text)).events:
        (edit,) = event.edits
        frame = timecode_to_frames(edit.source_in, src.rate, drop_frame=src.drop_frame)
        starts.add(frame - src.tc_start)
    return starts


def _edl_edit_frames(project: Project, sid: str) -> list[tuple[int, int]]:
    """Source (first, end) of each event of the EDL of ``sid`` accepted alone."""
    doc = ProjectDocument(project)
    doc.accept([sid])
    src = SourceMedia.from_asset(project.assets[0])
    text = export_texts(doc.project, "edl", ExportOptions()).files[0][1]
    out = []
    for event in pycmx.parse_cmx3600(io.StringIO(text)).events:
        (edit,) = event.edits
        a, b = (timecode_to_frames(t, src.rate, drop_frame=src.drop_frame) - src.tc_start
                for t in (edit.source_in, edit.source_out))
        out.append((a, b))
    return out


def _seek_by_clicking(qtbot, window: MainWindow, sid: str) -> int:
    """Click the suggestion's row: the frame index the viewer then shows."""
    review, player = window.review, window.viewer.player
    index = review.model.index(review.model.row_of(sid), 1)
    review.table.scrollTo(index)
    qtbot.mouseClick(review.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=review.table.visualRect(index).center())
    assert window.session.selected == sid

    def landed() -> bool:
        shown = window.viewer.current_frame
        return shown is not None and shown.exact and shown.index == player.current_frame

    qtbot.waitUntil(landed, timeout=30_000)
    return player.current_frame


@pytest.mark.parametrize("which", ["29.97 drop-frame", "variable rate"])
def test_list_seek_csv_and_edl_agree_for_every_kind(qtbot, which, small_clip, vfr_clip,
                                                   asset_of, monkeypatch):
    monkeypatch.setattr(mw, "ask_save_changes", lambda *a: "discard")
    asset = asset_of(small_clip if which == "29.97 drop-frame" else vfr_clip)
    src = SourceMedia.from_asset(asset)
    assert src.vfr == (which == "variable rate")
    project = Project(assets=(asset,), suggestions=tuple(_suggestions(asset.id)), name="rule")
    window = MainWindow(Session(ProjectDocument(project)), restore_layout=False)
    try:
        window.resize(1440, 900)
        window.show()
        qtbot.waitExposed(window)
        window.review.set_state_filter(None)
        qtbot.waitUntil(lambda: window.viewer.player.facts is not None, timeout=30_000)
        frames = window.viewer.player.facts.frames
        csv_frames = _csv_frames(project)
        # Scene boundaries split the EDL of the shots into events; every other kind but
        # the reframe path (a crop, not a marker) is a marker on the whole file.
        shot_starts = _edl_shot_starts(project, src)
        markers = {k: _edl_marker_frames(project, k, src)
                   for k in {s.kind for s in project.suggestions}
                   if kind_info(k).role != "information" and k != SceneBoundary.kind}
        checked = 0
        for s in project.suggestions:
            first, end = csv_frames[s.id]
            extent = s.extent()
            assert extent is not None
            # The exports' own frames are the rule's (a start between frames: the next one).
            assert (first, end) == src.frames_of(extent)
            if s.kind in markers:
                assert markers[s.kind][s.label] == first, s.label
            if s.kind == SceneBoundary.kind:
                assert first in shot_starts, s.label
            if s.kind != "answer":  # answers are messages, not rows of the review list
                got = _list_frames(window, s.id, src.tc_start, src.rate, src.drop_frame)
                assert got == (first, end), (s.label, s.kind)
                shown = _seek_by_clicking(qtbot, window, s.id)
                # The picture an NLE shows at that frame: the frame itself at a constant
                # rate; of a variable-rate file, the one on screen mid-way through it.
                want = first if not src.vfr else frames.frame_at(Time.exact(src.shown_at(first)))
                assert shown == want, (s.label, s.kind)
            role = kind_info(s.kind).role
            action = s.payload.edit_action()
            if role in ("keep", "cut") and action in ("keep", "cut"):
                events = _edl_edit_frames(project, s.id)
                if action == "keep":
                    assert events == [(first, end)]
                    program = Program.of(_accepted(project, s.id))
                    pick = program.pick(0).resolve(frames.frame_at, len(frames))
                    assert pick == want  # the Edit view opens the keep on that picture
                else:
                    assert events[0][1] == first and events[1][0] == end
            checked += 1
        assert checked == len(project.suggestions)
    finally:
        close_window(window)


def _accepted(project: Project, sid: str) -> Project:
    doc = ProjectDocument(project)
    doc.accept([sid])
    return doc.project
