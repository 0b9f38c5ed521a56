"""Issue 16.5: trust the file, not the project.

``render`` repeated the last frame and reported "frame-exact" when a source had been replaced
by a shorter clip; a hand-edited width of 1e9 would have sized a 540 GB buffer. Now each
source is checked (size, duration, frame count, picture size) before rendering or exporting
and a mismatch is refused in one line naming the file; impossible stored facts are errors.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from reliability_media import edit_project

from vidi_desktop.cli import main


@pytest.fixture
def replaced(make_clip, tmp_path: Path) -> tuple[Path, Path]:
    """A project made on a 50-frame clip whose file was then replaced by a 25-frame one."""
    long = make_clip("rel_identity_long.mp4", frames=50, rate=Fraction(25), gop=10)
    short = make_clip("rel_identity_short.mp4", frames=25, rate=Fraction(25), gop=10)
    clip = tmp_path / "take.mp4"
    clip.write_bytes(long.read_bytes())
    project = edit_project(clip, tmp_path / "p.json", [(10, 45)])
    clip.write_bytes(short.read_bytes())
    return clip, project


def _one_line_exit_2(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_render_refuses_a_replaced_source(replaced, capsys, tmp_path) -> None:
    _, project = replaced
    err = _one_line_exit_2(capsys, ["render", str(project), "-o", str(tmp_path / "cut.mp4")])
    assert "take.mp4" in err and "50 → 25 frames" in err
    assert not (tmp_path / "cut.mp4").exists()
    assert not list(tmp_path.glob(".cut.mp4.*"))


@pytest.mark.parametrize("fmt", ["edl", "fcpxml", "json"])
def test_export_refuses_a_replaced_source(replaced, capsys, tmp_path, fmt) -> None:
    _, project = replaced
    out = tmp_path / f"cut.{fmt}"
    err = _one_line_exit_2(capsys, ["export", str(project), "--format", fmt, "-o", str(out)])
    assert "take.mp4" in err and "not the one in the project" in err
    assert not out.exists()


def test_a_copy_with_a_new_mtime_is_still_the_same_source(make_clip, tmp_path, capsys) -> None:
    """Copying footage (new mtime, same bytes) must not be refused."""
    src = make_clip("rel_identity_copy.mp4", frames=30, rate=Fraction(25), gop=10)
    clip = tmp_path / "copy.mp4"
    clip.write_bytes(src.read_bytes())
    project = edit_project(clip, tmp_path / "p.json", [(0, 10)])
    clip.write_bytes(src.read_bytes())  # rewritten: new mtime, same facts
    assert main(["-q", "export", str(project), "--format", "edl", "-o",
                 str(tmp_path / "c.edl")]) == 0
    assert main(["-q", "render", str(project), "-o", str(tmp_path / "c.mp4")]) == 0


def _hand_edit(project: Path, **video: object) -> None:
    doc = json.loads(project.read_text())
    doc["assets"][0]["info"]["video"].update(video)
    project.write_text(json.dumps(doc))


def test_a_hand_edited_width_is_an_error_not_an_allocation(make_clip, tmp_path, capsys) -> None:
    src = make_clip("rel_identity_width.mp4", frames=30, rate=Fraction(25), gop=10)
    project = edit_project(src, tmp_path / "p.json", [(0, 10)])
    _hand_edit(project, width=1_000_000_000)
    # Refused when the project is read, naming the asset and the fact, before any buffer.
    err = _one_line_exit_2(capsys, ["render", str(project), "-o", str(tmp_path / "c.mp4")])
    assert "assets[0]: info.video.width" in err and "out of range" in err
    err = _one_line_exit_2(capsys, ["export", str(project), "--format", "fcp7",
                                    "-o", str(tmp_path / "c.xml")])
    assert "assets[0]: info.video.width" in err


def test_a_hand_edited_pixel_aspect_is_an_error(make_clip, tmp_path, capsys) -> None:
    src = make_clip("rel_identity_sar.mp4", frames=30, rate=Fraction(25), gop=10)
    project = edit_project(src, tmp_path / "p.json", [(0, 10)])
    _hand_edit(project, sar="1000000000:1")
    err = _one_line_exit_2(capsys, ["render", str(project), "-o", str(tmp_path / "c.mp4")])
    assert "info.video.sar" in err and "too large" in err


def test_an_absurd_output_size_is_refused(make_clip, tmp_path, capsys) -> None:
    src = make_clip("rel_identity_size.mp4", frames=30, rate=Fraction(25), gop=10)
    project = edit_project(src, tmp_path / "p.json", [(0, 10)])
    err = _one_line_exit_2(capsys, ["render", str(project), "--size", "100000x100000",
                                    "-o", str(tmp_path / "c.mp4")])
    assert "100000x100000" in err
