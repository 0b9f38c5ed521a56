"""Issue 16.1: no command writes over its own inputs — by device/inode, through links too.

``render -o`` onto a source clip destroyed the footage (exit 0) and ``export -o`` onto the
project replaced it with the export. Each case must now exit 2 with one line and leave
every file exactly as it was (no ``.bak`` made, no temporary file left).
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest
from reliability_media import edit_project

from vidi_desktop.cli import main
from vidi_desktop.core.project import HighlightClip, Suggestion, load_project, save_project
from vidi_desktop.core.time import TimeRange


@pytest.fixture
def footage(make_clip, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of a 2 s clip and a project whose accepted edit uses it."""
    src = make_clip("rel_overwrite.mp4", frames=50, rate=Fraction(25), gop=10)
    clip = tmp_path / "a.mp4"
    clip.write_bytes(src.read_bytes())
    project = edit_project(clip, tmp_path / "p.json", [(0, 20), (30, 40)])
    return clip, project


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_render_onto_a_source_clip_is_refused(footage, capsys) -> None:
    clip, project = footage
    before = _snapshot(clip.parent)
    err = _refused(capsys, ["render", str(project), "-o", str(clip)])
    assert "source clip" in err and "refusing to overwrite" in err
    assert _snapshot(clip.parent) == before


def test_render_onto_a_symlink_to_a_source_clip_is_refused(footage, capsys) -> None:
    clip, project = footage
    link = clip.parent / "out.mp4"
    link.symlink_to(clip)
    before = _snapshot(clip.parent)
    _refused(capsys, ["render", str(project), "-o", str(link)])
    assert _snapshot(clip.parent) == before and link.is_symlink()


def test_render_onto_a_hard_link_of_a_source_clip_is_refused(footage, capsys) -> None:
    clip, project = footage
    os.link(clip, clip.parent / "same.mp4")
    before = _snapshot(clip.parent)
    _refused(capsys, ["render", str(project), "-o", str(clip.parent / "same.mp4")])
    assert _snapshot(clip.parent) == before


def test_per_highlight_render_onto_a_source_clip_is_refused(footage, capsys) -> None:
    """The numbered file ``cut-01.mp4`` is the clip: refused before any file is made."""
    clip, project = footage
    doc = load_project(project)
    highlight = HighlightClip(TimeRange.from_frames(0, 25, Fraction(25)), "first second")
    suggestion = Suggestion.new(doc.assets[0].id, highlight, "test")
    save_project(doc.replace(suggestions=(suggestion,)), project)
    os.link(clip, clip.parent / "cut-01.mp4")
    before = _snapshot(clip.parent)
    _refused(capsys, ["render", str(project), "--per-highlight", "--include", "all",
                      "-o", str(clip.parent / "cut.mp4")])
    assert _snapshot(clip.parent) == before


def test_export_onto_the_project_is_refused(footage, capsys) -> None:
    _, project = footage
    before = _snapshot(project.parent)
    err = _refused(capsys, ["export", str(project), "--format", "json", "-o", str(project)])
    assert "the project it reads" in err
    assert _snapshot(project.parent) == before  # unchanged, and no .bak appeared


def test_export_onto_a_symlink_to_the_project_is_refused(footage, capsys) -> None:
    _, project = footage
    link = project.parent / "edit.edl"
    link.symlink_to(project)
    before = _snapshot(project.parent)
    _refused(capsys, ["export", str(project), "--format", "edl", "-o", str(link)])
    assert _snapshot(project.parent) == before


def test_export_onto_a_source_clip_is_refused(footage, capsys) -> None:
    clip, project = footage
    before = _snapshot(clip.parent)
    _refused(capsys, ["export", str(project), "--format", "otio", "-o", str(clip)])
    assert _snapshot(clip.parent) == before


def test_analyze_output_onto_its_media_is_refused(footage, capsys) -> None:
    clip, _ = footage
    link = clip.parent / "new.json"
    link.symlink_to(clip)
    before = _snapshot(clip.parent)
    err = _refused(capsys, ["analyze", str(clip), "--shots", "-o", str(link)])
    assert "media files it reads" in err
    assert _snapshot(clip.parent) == before


def test_batch_output_onto_an_input_is_refused(footage, capsys, tmp_path) -> None:
    """``x`` named directly writes ``x.json``: when ``x.json`` is an input too, refuse."""
    clip, _ = footage
    x = tmp_path / "x"
    x.write_bytes(clip.read_bytes())
    (tmp_path / "x.json").write_bytes(clip.read_bytes())
    before = _snapshot(tmp_path)
    err = _refused(capsys, ["batch", str(x), str(tmp_path / "x.json"), "--shots",
                            "-o", str(tmp_path)])
    assert "x.json" in err
    assert _snapshot(tmp_path) == before


def test_render_to_a_new_name_still_works(footage, capsys) -> None:
    clip, project = footage
    assert main(["-q", "render", str(project), "-o", str(clip.parent / "cut.mp4")]) == 0
    assert (clip.parent / "cut.mp4").stat().st_size > 0
