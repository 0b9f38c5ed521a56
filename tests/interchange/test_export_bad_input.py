"""Bad input to an export: one clear line, and the target left exactly as it was."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from interchange_fixtures import make_asset

from vidi_desktop.core.project import (
    Asset,
    CutRange,
    EditClip,
    HighlightClip,
    Project,
    ReviewState,
    Suggestion,
    save_project,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.timeline import build_timeline
from vidi_desktop.services.export import export_project

R = Fraction(25)


def frames(f: int, e: int) -> TimeRange:
    return TimeRange.from_frames(f, e, R)


def saved(project: Project, folder: Path) -> Path:
    path = folder / "p.vidi"
    save_project(project, path)
    return path


def accepted(asset: Asset, payload) -> Suggestion:
    return Suggestion.new(asset.id, payload, "t").replace(state=ReviewState.ACCEPTED)


@pytest.fixture
def asset() -> Asset:
    return make_asset(R, 100)  # 4 s


def assert_refused(project: Project, tmp_path: Path, fmt: str, words: str) -> None:
    target = tmp_path / f"out.{fmt}"
    target.write_text("previous export")
    with pytest.raises(ExportError, match=words) as info:
        export_project(saved(project, tmp_path), fmt=fmt, output=target)
    assert "\n" not in str(info.value)
    assert target.read_text() == "previous export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out." + fmt, "p.vidi"]


@pytest.mark.parametrize("fmt", ["edl", "fcp7", "fcpxml", "otio"])
def test_range_outside_the_media(asset, tmp_path, fmt) -> None:
    p = Project(assets=(asset,), suggestions=(accepted(asset, CutRange(frames(80, 140), "keep")),))
    assert_refused(p, tmp_path, fmt, r"lies outside .*0\.000–4\.000 s")


def test_edit_clip_outside_the_media(asset, tmp_path) -> None:
    p = Project(assets=(asset,), edit=(EditClip.new(asset.id, frames(90, 200)),))
    assert_refused(p, tmp_path, "edl", "edit clip.*outside")


def test_overlapping_keeps(asset, tmp_path) -> None:
    p = Project(assets=(asset,), suggestions=(
        accepted(asset, HighlightClip(frames(0, 50), "a")),
        accepted(asset, HighlightClip(frames(40, 60), "b")),
    ))
    assert_refused(p, tmp_path, "fcp7", "overlap")


def test_asset_without_a_frame_rate(tmp_path) -> None:
    a = make_asset(R, 100)
    info = dict(a.info)
    info["video"] = {**info["video"], "rate": None, "average_rate": None}
    p = Project(assets=(a.__class__(a.id, a.path, a.size, a.mtime_ns, a.name, info),),
                edit=(EditClip.new(a.id, frames(0, 10)),))
    assert_refused(p, tmp_path, "edl", "frame rate unknown")


def test_unwritable_folder(asset, tmp_path, unwritable_dir) -> None:
    p = Project(assets=(asset,), edit=(EditClip.new(asset.id, frames(0, 10)),))
    with pytest.raises(ExportError, match="permission"):
        export_project(saved(p, tmp_path), fmt="edl", output=unwritable_dir / "x.edl")


@pytest.mark.parametrize(("make_target", "words"), [
    (lambda d: d / "missing" / "x.edl", "does not exist"),
    (lambda d: d, "is a folder"),
], ids=["no-folder", "target-is-folder"])
def test_bad_target(asset, tmp_path, make_target, words) -> None:
    p = Project(assets=(asset,), edit=(EditClip.new(asset.id, frames(0, 10)),))
    with pytest.raises(ExportError, match=words):
        export_project(saved(p, tmp_path), fmt="edl", output=make_target(tmp_path))


def test_a_range_shorter_than_a_frame_is_skipped_with_a_warning(asset) -> None:
    tiny = TimeRange(Time(1010, Fraction(1, 1000)), Time(20, Fraction(1, 1000)))  # in frame 25
    p = Project(assets=(asset,), edit=(EditClip.new(asset.id, frames(0, 10)),
                                       EditClip.new(asset.id, tiny)))
    tl = build_timeline(p)
    assert len(tl.clips) == 1 and "no whole frame" in tl.warnings[0]


def test_a_range_a_millisecond_past_the_end_is_clamped(asset) -> None:
    r = TimeRange(Time(3900, Fraction(1, 1000)), Time(101, Fraction(1, 1000)))  # to 4.001 s
    p = Project(assets=(asset,), edit=(EditClip.new(asset.id, r),))
    (clip,) = build_timeline(p).clips
    assert (clip.first, clip.end) == (98, 100)
