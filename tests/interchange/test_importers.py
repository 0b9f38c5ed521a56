"""Import back: every format vidi writes maps onto the project's assets as the same edit."""

from __future__ import annotations

from fractions import Fraction

import pytest
from interchange_fixtures import RATE_CASES, edge_ranges, make_asset

from vidi_desktop.core.project import EditClip, Project
from vidi_desktop.core.time import TimeRange
from vidi_desktop.interchange.errors import ImportFileError
from vidi_desktop.interchange.importers import import_timeline
from vidi_desktop.interchange.timeline import build_timeline
from vidi_desktop.interchange.writers import timeline_text

SUFFIX = {"edl": ".edl", "fcp7": ".xml", "fcpxml": ".fcpxml", "otio": ".otio"}


@pytest.mark.parametrize("fmt", list(SUFFIX))
@pytest.mark.parametrize("case", [RATE_CASES[3], RATE_CASES[0], RATE_CASES[7]],
                         ids=["29.97DF", "23.976", "59.94DF"])
def test_round_trip_gives_the_same_edit(fmt, case, edit_project, tmp_path) -> None:
    _, rate, drop, tc = case
    total, ranges = edge_ranges(rate, drop, tc)
    project, asset, _ = edit_project(rate, total, ranges, tc)
    path = tmp_path / f"cut{SUFFIX[fmt]}"
    path.write_text(timeline_text(build_timeline(project), fmt))
    result = import_timeline(project, path)
    assert result.unmatched == []
    assert [(c.first, c.end) for c in result.clips] == ranges
    assert [c.range for c in result.clips] == [c.range for c in project.edit]
    assert {c.asset_id for c in result.clips} == {asset.id}


def test_two_files_matched_by_path_and_an_unknown_one_reported(tmp_path) -> None:
    r = Fraction(25)
    a = make_asset(r, 100, "01:00:00:00", path="/m/a.mov")
    b = make_asset(r, 100, "02:00:00:00", path="/m/b.mov")
    c = make_asset(r, 100, path="/m/c.mov")
    edit = tuple(EditClip.new(x.id, TimeRange.from_frames(f, e, r))
                 for x, f, e in [(a, 0, 10), (c, 5, 9), (b, 20, 30)])
    path = tmp_path / "cut.xml"
    path.write_text(timeline_text(build_timeline(Project(assets=(a, b, c), edit=edit)), "fcp7"))
    result = import_timeline(Project(assets=(a, b)), path)
    assert [(x.asset_id, x.first, x.end) for x in result.clips] == [(a.id, 0, 10), (b.id, 20, 30)]
    (line,) = result.unmatched
    assert "c.mov" in line and "no asset matches" in line


def test_moved_media_matches_by_file_name(tmp_path) -> None:
    r = Fraction(25)
    a = make_asset(r, 100, path="/old/place/a.mov")
    path = tmp_path / "cut.edl"
    edit = (EditClip.new(a.id, TimeRange.from_frames(3, 9, r)),)
    path.write_text(timeline_text(build_timeline(Project(assets=(a,), edit=edit)), "edl"))
    moved = a.__class__(a.id, "/new/place/a.mov", a.size, a.mtime_ns, a.name, a.info)
    result = import_timeline(Project(assets=(moved,)), path)
    assert [(x.first, x.end, x.matched_by) for x in result.clips] == [(3, 9, "file name")]


def test_an_edl_from_elsewhere_matches_by_reel(tmp_path) -> None:
    a = make_asset(Fraction(25), 1000, "10:00:00:00", path="/m/A001C003.mov")
    path = tmp_path / "avid.edl"
    path.write_text(
        "TITLE: from avid\nFCM: NON-DROP FRAME\n\n"
        "001  A001C003 V     C        10:00:01:00 10:00:02:00 01:00:00:00 01:00:01:00\n"
    )
    result = import_timeline(Project(assets=(a,)), path)
    assert [(x.first, x.end, x.matched_by) for x in result.clips] == [(25, 50, "reel")]


def test_clip_outside_its_file_is_reported(tmp_path) -> None:
    a = make_asset(Fraction(25), 50, "10:00:00:00", path="/m/A001C003.mov")
    path = tmp_path / "long.edl"
    path.write_text(
        "TITLE: t\nFCM: NON-DROP FRAME\n\n"
        "001  A001C003 V     C        10:00:01:00 10:00:09:00 01:00:00:00 01:00:08:00\n"
    )
    result = import_timeline(Project(assets=(a,)), path)
    assert result.clips == [] and "outside" in result.unmatched[0]


@pytest.mark.parametrize(("content", "words"), [
    ("TITLE: x\n\n001  REEL V C 01:00:00:00 01:00:0X:00 01:00:00:00 01:00:01:00\n", "line 3"),
    ("TITLE: x\n\n001  REEL V C 01:00:00:00\n", "line 3"),
    ("", "empty"),
    ("just some text\n", "no events"),
], ids=["bad-timecode", "short-line", "empty", "not-an-edl"])
def test_broken_edl_is_one_clear_error(content, words, tmp_path) -> None:
    a = make_asset(Fraction(25), 50)
    path = tmp_path / "broken.edl"
    path.write_text(content)
    with pytest.raises(ImportFileError, match=words) as info:
        import_timeline(Project(assets=(a,)), path)
    assert "\n" not in str(info.value)


def test_unknown_and_missing_files_are_refused(tmp_path) -> None:
    a = make_asset(Fraction(25), 50)
    (tmp_path / "x.aaf").write_text("?")
    with pytest.raises(ImportFileError, match="unknown format"):
        import_timeline(Project(assets=(a,)), tmp_path / "x.aaf")
    with pytest.raises(ImportFileError, match="no such file"):
        import_timeline(Project(assets=(a,)), tmp_path / "none.edl")
    (tmp_path / "bad.xml").write_text("<xmeml><sequence>")
    with pytest.raises(ImportFileError, match="FCP7"):
        import_timeline(Project(assets=(a,)), tmp_path / "bad.xml")


def test_imported_clips_form_an_edit(tmp_path) -> None:
    r = Fraction(25)
    a = make_asset(r, 100, path="/m/a.mov")
    edit = (EditClip.new(a.id, TimeRange.from_frames(50, 60, r)),
            EditClip.new(a.id, TimeRange.from_frames(0, 10, r)))
    path = tmp_path / "cut.otio"
    path.write_text(timeline_text(build_timeline(Project(assets=(a,), edit=edit)), "otio"))
    new_edit = import_timeline(Project(assets=(a,)), path).edit()
    assert [c.range for c in new_edit] == [c.range for c in edit]
