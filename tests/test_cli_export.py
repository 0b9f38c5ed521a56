"""``export`` and ``render`` from the command line: every format, the flags, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pycmx
import pytest

from vidi_desktop.cli import main
from vidi_desktop.core.project import (
    Chapter,
    CutRange,
    HighlightClip,
    Project,
    ReviewState,
    SceneBoundary,
    SubtitleCue,
    Suggestion,
    save_project,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.services.analyze import asset_from_probe

NTSC = Fraction(30000, 1001)


def frames(f: int, e: int) -> TimeRange:
    return TimeRange.from_frames(f, e, NTSC)


@pytest.fixture
def project_file(small_clip: Path, tmp_path: Path) -> Path:
    """small.mp4 (60 frames at 29.97, DF timecode 01:00:00;00) with reviewed suggestions."""
    asset = asset_from_probe(probe(small_clip))

    def s(payload, state="pending"):
        return Suggestion.new(asset.id, payload, "test").replace(state=ReviewState(state))

    project = Project(assets=(asset,), name="CLI", suggestions=(
        s(SceneBoundary(Time(10 * 1001, Fraction(1, 30000)))),
        s(SceneBoundary(Time(45 * 1001, Fraction(1, 30000)))),
        s(CutRange(frames(50, 60), "cut")),
        s(HighlightClip(frames(0, 15), "first"), "accepted"),
        s(HighlightClip(frames(30, 45), "second"), "accepted"),
        s(Chapter(frames(0, 30), "Part one"), "accepted"),
        s(SubtitleCue(frames(3, 18), "Hello there"), "accepted"),
    ))
    path = tmp_path / "p.vidi"
    save_project(project, path)
    return path


def export(project: Path, fmt: str, out: Path, *flags: str) -> int:
    return main(["export", str(project), "--format", fmt, "-o", str(out), *flags])


def test_two_commands_from_analysis_to_an_edl_of_every_shot(project_file, tmp_path) -> None:
    out = tmp_path / "shots.edl"
    assert export(project_file, "edl", out, "--kind", "shots", "--include", "all") == 0
    edl = pycmx.parse_cmx3600(io.StringIO(out.read_text()))
    tcs = [(e.edits[0].source_in, e.edits[0].source_out) for e in edl.events]
    assert tcs == [("01:00:00;00", "01:00:00;10"), ("01:00:00;10", "01:00:01;15"),
                   ("01:00:01;15", "01:00:02;00")]


@pytest.mark.parametrize("fmt", ["edl", "fcp7", "fcpxml", "otio", "srt", "vtt", "csv", "json"])
def test_every_format_is_written(project_file, tmp_path, fmt) -> None:
    out = tmp_path / f"cut.{fmt}"
    assert export(project_file, fmt, out) == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "edl":
        events = list(pycmx.parse_cmx3600(io.StringIO(text)).events)
        assert [e.edits[0].source_in for e in events] == ["01:00:00;00", "01:00:01;00"]
    elif fmt in ("fcp7", "fcpxml"):
        assert ET.fromstring(text).tag == ("xmeml" if fmt == "fcp7" else "fcpxml")
    elif fmt == "otio":
        tl = otio.adapters.read_from_string(text, "otio_json")
        assert len(tl.video_tracks()[0].find_clips()) == 2
    elif fmt == "srt":
        assert text.startswith("1\n00:00:00,100 --> 00:00:00,601\nHello there")
    elif fmt == "vtt":
        assert text.startswith("WEBVTT")
    elif fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(text)))) == 4  # the accepted ones
    else:
        assert {s["state"] for s in json.loads(text)["suggestions"]} == {"accepted"}


def test_flags_reach_the_files(project_file, tmp_path) -> None:
    edl, fcpxml = tmp_path / "a.edl", tmp_path / "a.fcpxml"
    assert export(project_file, "edl", edl, "--record-start", "10:00:00:00") == 0
    assert "10:00:00;00" in edl.read_text().splitlines()[3]
    assert export(project_file, "fcpxml", fcpxml, "--fcpxml-version", "1.8") == 0
    assert ET.fromstring(fcpxml.read_text()).get("version") == "1.8"
    assert export(project_file, "edl", edl, "--no-markers", "--edl-video-only") == 0
    assert "LOC:" not in edl.read_text() and "AA/V" not in edl.read_text()


def test_one_file_per_highlight(project_file, tmp_path) -> None:
    assert export(project_file, "edl", tmp_path / "hl.edl", "--per-highlight") == 0
    assert sorted(p.name for p in tmp_path.glob("hl*")) == ["hl-01.edl", "hl-02.edl"]


def test_pending_as_markers(project_file, tmp_path) -> None:
    out = tmp_path / "m.fcp7"
    assert export(project_file, "fcp7", out, "--include", "all", "--pending-as", "markers") == 0
    names = [m.find("name").text for m in ET.fromstring(out.read_text()).iter("marker")]
    assert "[pending] Shot cut" in names and "Part one" in names


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vidi_desktop", *args],
                          capture_output=True, text=True, timeout=600)


def test_a_bad_range_exits_2_with_one_line_and_no_file(small_clip, tmp_path) -> None:
    asset = asset_from_probe(probe(small_clip))
    bad = Suggestion.new(asset.id, CutRange(frames(40, 90), "keep"), "t").replace(
        state=ReviewState.ACCEPTED)
    path = tmp_path / "p.vidi"
    save_project(Project(assets=(asset,), suggestions=(bad,)), path)
    out = run_cli("export", str(path), "--format", "edl", "-o", str(tmp_path / "x.edl"))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "outside small.mp4" in out.stderr
    assert not (tmp_path / "x.edl").exists()


def test_render_command(project_file, tmp_path) -> None:
    out = run_cli("render", str(project_file), "-o", str(tmp_path / "cut.mp4"))
    assert out.returncode == 0, out.stderr
    assert "30 frames" in out.stdout and "frame-exact" in out.stdout
    assert probe(tmp_path / "cut.mp4").video.frames == 30


def test_render_of_moved_media_exits_2(project_file, small_clip, tmp_path) -> None:
    from vidi_desktop.core.project import load_project

    project = load_project(project_file)
    a = project.assets[0]
    moved = project.replace(assets=(a.__class__(a.id, str(tmp_path / "moved.mp4"), a.size,
                                                a.mtime_ns, a.name, a.info),))
    save_project(moved, project_file)
    out = run_cli("render", str(project_file), "-o", str(tmp_path / "cut.mp4"))
    assert out.returncode == 2 and "moved" in out.stderr and out.stderr.count("\n") == 1
    assert not (tmp_path / "cut.mp4").exists()
