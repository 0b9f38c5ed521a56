"""Every kind of output goes through the one atomic writer: ordinary permissions, no debris."""

from __future__ import annotations

import stat
from fractions import Fraction
from pathlib import Path

from vidi_desktop.core.project import HighlightClip, Project, ReviewState, Suggestion, save_project
from vidi_desktop.core.time import TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.services.analyze import asset_from_probe
from vidi_desktop.services.batch_index import atomic_write_all
from vidi_desktop.services.export import export_files, render_project

NTSC = Fraction(30000, 1001)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_project_exports_render_and_batch_outputs_get_0666_minus_umask(
    small_clip: Path, tmp_path: Path, umask_027: None
) -> None:
    asset = asset_from_probe(probe(small_clip))
    keep = Suggestion.new(asset.id, HighlightClip(TimeRange.from_frames(0, 15, NTSC), "a"), "t")
    project = tmp_path / "p.vidi"
    save_project(Project(assets=(asset,), suggestions=(keep.replace(state=ReviewState.ACCEPTED),)),
                 project)
    export_files(project, fmt="edl", output=tmp_path / "cut.edl")
    render_project(project, output=tmp_path / "cut.mp4", mode="fast")
    atomic_write_all([(tmp_path / "batch" / "p.json", b"{}")])
    written = [project, tmp_path / "cut.edl", tmp_path / "cut.mp4", tmp_path / "batch" / "p.json"]
    assert {p.name: mode(p) for p in written} == {p.name: 0o640 for p in written}
    leftovers = [p.name for p in tmp_path.rglob(".*")]
    assert leftovers == []  # no temporary file left anywhere
