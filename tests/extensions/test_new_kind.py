"""A new suggestion kind is one file plus one registration line: the CLI and every export
pick it up (``toy_kind.Applause``; the window's lists are in ``test_new_kind_window.py``).
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from toy_kind import Applause

from vidi_desktop.cli import main
from vidi_desktop.core.project import (
    Chapter,
    Project,
    ReviewState,
    Suggestion,
    load_project,
    save_project,
)
from vidi_desktop.core.time import TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.services.analyze import asset_from_probe

NTSC = Fraction(30000, 1001)


@pytest.fixture
def project_file(applause: type[Applause], small_clip: Path, tmp_path: Path) -> Path:
    """small.mp4 with an accepted chapter and accepted applause at frames 20–40."""
    asset = asset_from_probe(probe(small_clip))
    project = Project(assets=(asset,), name="Toy", suggestions=(
        Suggestion.new(asset.id, Chapter(TimeRange.from_frames(0, 30, NTSC), "Intro"), "t")
        .replace(state=ReviewState.ACCEPTED),
        Suggestion.new(asset.id, applause(TimeRange.from_frames(20, 40, NTSC), -6.0), "t")
        .replace(state=ReviewState.ACCEPTED),
    ))
    path = tmp_path / "toy.vidi"
    save_project(project, path)
    return path


def export(project: Path, fmt: str, out: Path, *flags: str) -> int:
    return main(["export", str(project), "--format", fmt, "-o", str(out), *flags])


def test_the_project_file_keeps_it(project_file: Path) -> None:
    loaded = load_project(project_file)
    (toy,) = loaded.find_suggestions(kind=Applause)
    assert toy.payload == Applause(TimeRange.from_frames(20, 40, NTSC), -6.0)


@pytest.mark.parametrize("word", ["applause", "claps", "Clapping"])
def test_csv_export_of_its_kind_by_name_or_alias(project_file: Path, tmp_path: Path,
                                                   word: str) -> None:
    out = tmp_path / "toy.csv"
    assert export(project_file, "csv", out, "--kind", word) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["kind"], r["first_frame"], r["end_frame"], r["detail"]) for r in rows] == [
        ("applause", "20", "40", "-6.0 dB")
    ]


def test_json_export_carries_its_payload(project_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "toy.json"
    assert export(project_file, "json", out, "--kind", "claps") == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["kinds"] == ["claps"]
    assert [(s["kind"], s["payload"]["loudness_db"]) for s in doc["suggestions"]] == [
        ("applause", -6.0)
    ]


def test_an_unknown_kind_word_lists_its_aliases(project_file: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert export(project_file, "csv", tmp_path / "x.csv", "--kind", "cheers") == 2
    err = capsys.readouterr().err
    assert "unknown kind 'cheers'" in err
    assert all(f" {w}," in err or f" {w})" in err for w in ("applause", "claps", "clapping"))
    assert not (tmp_path / "x.csv").exists()


def test_timeline_exports_mark_it_in_its_colour(project_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "toy.otio"
    assert export(project_file, "otio", out, "--kind", "chapters", "--kind", "claps") == 0
    timeline = otio.adapters.read_from_file(str(out))
    (clip,) = timeline.video_tracks()[0].find_clips()
    marks = {m.name: m for m in clip.markers}
    assert set(marks) == {"Intro", "Applause"}
    applause = marks["Applause"]
    assert applause.color == otio.schema.MarkerColor.PINK
    assert applause.metadata["vidi"]["kind"] == "applause"
    # Frames 20-39 of the file: marks are in the clip's source time (from its timecode).
    into_clip = applause.marked_range.start_time - clip.source_range.start_time
    assert into_clip.value == 20 and applause.marked_range.duration.value == 20


def test_edl_notes_it_as_a_locator(project_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "toy.edl"
    assert export(project_file, "edl", out) == 0
    locators = [line for line in out.read_text().splitlines() if line.startswith("* LOC:")]
    assert any(line.endswith("Applause") for line in locators), locators
