"""SRT/WebVTT (three clocks, UTF-8 without BOM) and the CSV of suggestions."""

from __future__ import annotations

import csv
import io
from fractions import Fraction

import pytest
from interchange_fixtures import make_asset

from vidi_desktop.core.project import (
    EditClip,
    Project,
    ReviewState,
    SceneBoundary,
    SubtitleCue,
    Suggestion,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.writers import ExportOptions, export_texts

R = Fraction(25)


def frames(f: int, e: int, rate: Fraction = R) -> TimeRange:
    return TimeRange.from_frames(f, e, rate)


def accepted(asset, payload) -> Suggestion:
    return Suggestion.new(asset.id, payload, "test").replace(state=ReviewState.ACCEPTED)


@pytest.fixture
def project():
    a = make_asset(R, 500, "01:00:00:00")
    cues = (
        accepted(a, SubtitleCue(frames(10, 40), "Hello & <world>\nsecond   line")),
        accepted(a, SubtitleCue(TimeRange(Time(3000, Fraction(1, 1000)),
                                          Time(1500, Fraction(1, 1000))), "Après ça")),
    )
    edit = (EditClip.new(a.id, frames(60, 120)), EditClip.new(a.id, frames(0, 50)))
    return Project(assets=(a,), suggestions=cues, edit=edit)


def text_of(project, fmt, **kw) -> str:
    ((_, text),) = export_texts(project, fmt, ExportOptions(**kw)).files
    return text


def test_srt_from_zero(project) -> None:
    assert text_of(project, "srt") == (
        "1\n00:00:00,400 --> 00:00:01,600\nHello & <world>\nsecond line\n\n"
        "2\n00:00:03,000 --> 00:00:04,500\nAprès ça\n"
    )


def test_vtt_escapes_markup_and_has_its_header(project) -> None:
    text = text_of(project, "vtt")
    assert text.startswith("WEBVTT\n\n1\n00:00:00.400 --> 00:00:01.600\n")
    assert "Hello &amp; &lt;world&gt;" in text


def test_times_on_the_source_timecode(project) -> None:
    text = text_of(project, "srt", subtitle_timing="timecode")
    assert "01:00:00,400 --> 01:00:01,600" in text


def test_drop_frame_timecode_clock_matches_the_labels() -> None:
    ntsc = Fraction(30000, 1001)
    a = make_asset(ntsc, 40000, "00:59:59;28")
    # Frame 1802 of the file is labelled 01:01:00;02 (after two dropped labels).
    cue = accepted(a, SubtitleCue(frames(1802, 1832, ntsc), "minute"))
    p = Project(assets=(a,), suggestions=(cue,))
    assert "01:01:00,067 --> 01:01:01,067" in text_of(p, "srt", subtitle_timing="timecode")


def test_times_on_the_edit_follow_the_clips(project) -> None:
    # Clips: source 60–120 at 0 s, source 0–50 at 2.4 s. Cue 1 (frames 10–40) plays from
    # 2.8 s; cue 2 (3.0–4.5 s = frames 75–112) from 0.6 s.
    text = text_of(project, "srt", subtitle_timing="edit")
    assert text.splitlines()[1] == "00:00:00,600 --> 00:00:02,100"
    assert text.splitlines()[5] == "00:00:02,800 --> 00:00:04,000"


def test_utf8_without_bom(project, tmp_path) -> None:
    from vidi_desktop.core.project import save_project
    from vidi_desktop.services.export import export_project

    save_project(project, tmp_path / "p.vidi")
    out = export_project(tmp_path / "p.vidi", fmt="srt", output=tmp_path / "s.srt")
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and "Après".encode() in raw


def test_no_cues_is_a_clear_error() -> None:
    a = make_asset(R, 100)
    with pytest.raises(ExportError, match="no subtitle cues"):
        export_texts(Project(assets=(a,)), "srt")


def test_csv_has_a_row_per_suggestion_with_timecode_and_frames(project) -> None:
    a = project.assets[0]
    p = project.replace(suggestions=(*project.suggestions,
                                     accepted(a, SceneBoundary(Time(50, 1 / R), "cut"))))
    rows = list(csv.DictReader(io.StringIO(text_of(p, "csv"))))
    assert [r["kind"] for r in rows] == ["subtitle_cue", "subtitle_cue", "scene_boundary"]
    first = rows[0]
    assert (first["start_s"], first["end_s"], first["first_frame"], first["end_frame"]) == (
        "0.400", "1.600", "10", "40")
    assert first["start_tc"] == "01:00:00:10" and first["text"] == "Hello & <world> second line"
    assert rows[2]["detail"] == "cut"
