"""Issue 16.12: hand-edited projects with a 4299-digit duration (OverflowError in 7
commands) or a 5000-character path (ENAMETOOLONG in render) are one-line errors, exit 2."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from reliability_media import edit_project

from vidi_desktop.cli import main
from vidi_desktop.core.errors import CorruptProjectError
from vidi_desktop.core.project import load_project


@pytest.fixture
def project(make_clip, tmp_path: Path) -> Path:
    clip = make_clip("rel_hostile_project.mp4", frames=30, rate=Fraction(25), gop=10)
    return edit_project(clip, tmp_path / "p.json", [(0, 10)])


def _edit(path: Path, change) -> Path:
    doc = json.loads(path.read_text())
    change(doc["assets"][0])
    text = json.dumps(doc)
    path.write_text(text.replace('"@BIG@"', "9" * 4299))
    return path


def _commands(project: Path, tmp: Path) -> list[list[str]]:
    return [
        ["export", str(project), "--format", "edl", "-o", str(tmp / "o.edl")],
        ["export", str(project), "--format", "fcpxml", "-o", str(tmp / "o.fcpxml")],
        ["export", str(project), "--format", "json", "-o", str(tmp / "o.json")],
        ["export", str(project), "--format", "csv", "--include", "all", "-o", str(tmp / "o.csv")],
        ["render", str(project), "-o", str(tmp / "o.mp4")],
        ["render", str(project), "--mode", "fast", "-o", str(tmp / "f.mp4")],
    ]


BIG = {
    "digits-number": lambda a: a["info"].update(duration="@BIG@"),
    "digits-string": lambda a: a["info"].update(duration_exact="9" * 4299),
    "float-1e300": lambda a: a["info"].update(duration=1e300, duration_exact="1e300"),
    "digits-start": lambda a: a["info"].update(start_time_exact="9" * 4299 + "/7"),
    "digits-rate": lambda a: a["info"]["video"].update(rate="9" * 4299 + "/1"),
    "absurd-rate": lambda a: a["info"]["video"].update(rate="1000000000/1"),
}


@pytest.mark.parametrize("damage", list(BIG))
def test_an_absurd_duration_is_a_one_line_error(project, tmp_path, capsys, damage) -> None:
    _edit(project, BIG[damage])
    before = project.read_bytes()
    with pytest.raises(CorruptProjectError):
        load_project(project)  # what the window shows as "Cannot open"
    for argv in _commands(project, tmp_path):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "internal error" not in err, (argv, err)
    assert main(["analyze", str(tmp_path / "none.mp4"), "-o", str(project)]) == 2
    capsys.readouterr()
    assert project.read_bytes() == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("o.")]


def test_a_path_too_long_to_open_is_a_one_line_error(project, tmp_path, capsys) -> None:
    _edit(project, lambda a: a.update(path=str(tmp_path / ("x" * 5000 + ".mp4"))))
    for argv in (["render", str(project), "-o", str(tmp_path / "o.mp4")],
                 ["render", str(project), "--mode", "fast", "-o", str(tmp_path / "f.mp4")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "relink" in err and "internal error" not in err
    # An NLE export still works: the NLE relinks by name and timecode.
    assert main(["-q", "export", str(project), "--format", "edl",
                 "-o", str(tmp_path / "o.edl")]) == 0
