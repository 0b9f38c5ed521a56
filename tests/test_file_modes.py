"""Every file the app writes gets ordinary permissions: 0666 minus the umask.

Temporary files made by ``mkstemp`` are 0600; renamed into place unchanged, an export or a
render was unreadable by the editor's group (a shared NAS, a render farm). Checked under
two umasks for exports (single and split files), renders, new projects and batch outputs.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.core.project import EditClip, Project, save_project
from vidi_desktop.core.time import TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.services.analyze import asset_from_probe


@pytest.fixture(params=[0o022, 0o027], ids=["umask022", "umask027"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def project_file(make_clip: Callable[..., Path], tmp_path: Path) -> Path:
    clip = make_clip("modes.mp4", frames=30, rate=25, size=(160, 120))
    asset = asset_from_probe(probe(clip))
    edit = tuple(EditClip.new(asset.id, TimeRange.from_frames(i, i + 1, Fraction(25)))
                 for i in range(0, 30, 2))
    path = tmp_path / "modes.vidi"
    save_project(Project(assets=(asset,), edit=edit, name="Modes"), path)
    return path


def test_new_project_file(umask: int, project_file: Path, tmp_path: Path) -> None:
    from vidi_desktop.core.project import load_project

    target = tmp_path / "fresh.vidi"
    save_project(load_project(project_file), target)
    assert mode(target) == 0o666 & ~umask


@pytest.mark.parametrize("fmt", ["edl", "fcp7", "fcpxml", "otio", "mlt", "csv", "json"])
def test_exports(umask: int, fmt: str, project_file: Path, tmp_path: Path) -> None:
    from vidi_desktop.services.export import export_files

    result = export_files(project_file, fmt=fmt, output=tmp_path / f"out.{fmt}",
                          include="all")
    assert result.paths and all(mode(p) == 0o666 & ~umask for p in result.paths)


def test_split_edl_files(umask: int, make_clip: Callable[..., Path], tmp_path: Path) -> None:
    from vidi_desktop.services.export import export_files

    clip = make_clip("modes_long.mp4", frames=2100, rate=25, size=(64, 48))
    asset = asset_from_probe(probe(clip))
    edit = tuple(EditClip.new(asset.id, TimeRange.from_frames(2 * i, 2 * i + 1, Fraction(25)))
                 for i in range(1000))
    path = tmp_path / "long.vidi"
    save_project(Project(assets=(asset,), edit=edit), path)
    result = export_files(path, fmt="edl", output=tmp_path / "cut.edl")
    assert [p.name for p in result.paths] == ["cut.edl", "cut-2.edl"]
    assert all(mode(p) == 0o666 & ~umask for p in result.paths)


def test_render(umask: int, project_file: Path, tmp_path: Path) -> None:
    from vidi_desktop.services.export import render_project

    (report,) = render_project(project_file, output=tmp_path / "cut.mp4")
    assert mode(report.path) == 0o666 & ~umask


def test_batch_outputs(umask: int, make_clip: Callable[..., Path], tmp_path: Path) -> None:
    from vidi_desktop.analysis.options import AnalyzeOptions
    from vidi_desktop.services.batch import BatchSettings, run_batch

    src = tmp_path / "card"
    src.mkdir()
    clip = make_clip("modes_batch.mp4", frames=40, rate=25, size=(160, 120))
    (src / "take.mp4").write_bytes(clip.read_bytes())
    out = tmp_path / "out"
    settings = BatchSettings(AnalyzeOptions(shots=True, thumbnails=0, waveform=False),
                             exports=("edl",))
    run_batch([src], out, settings)
    written = [p for p in out.rglob("*") if p.is_file()]
    assert {p.suffix for p in written} >= {".vidi", ".json", ".edl"}
    assert {p.name: oct(mode(p)) for p in written} == {
        p.name: oct(0o666 & ~umask) for p in written}
