"""Honest exports and renders: the format from the file name, nothing accepted is no edit,
``--kind`` filters every kind, a request the backend cannot serve changes nothing."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pycmx
import pytest

from vidi_desktop.cli import main
from vidi_desktop.core.project import (
    HighlightClip,
    Project,
    ReviewState,
    SilenceCut,
    Suggestion,
    save_project,
)
from vidi_desktop.core.project.model import ReframePath
from vidi_desktop.core.time import TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.services.analyze import asset_from_probe

NTSC = Fraction(30000, 1001)


def frames(f: int, e: int) -> TimeRange:
    return TimeRange.from_frames(f, e, NTSC)


def make_project(clip: Path, folder: Path, *accepted: str) -> Path:
    """small.mp4 with a silence cut, a highlight and a 9:16 crop path, pending unless named
    in ``accepted`` (by kind)."""
    asset = asset_from_probe(probe(clip))
    payloads = [
        SilenceCut(frames(20, 30)),
        HighlightClip(frames(0, 45), "best"),
        ReframePath("9:16", ((0, 0.3, 0.0, 0.6, 1.0),), (), 2000),
    ]
    suggestions = tuple(
        Suggestion.new(asset.id, p, "test").replace(
            state=ReviewState.ACCEPTED if p.kind in accepted else ReviewState.PENDING)
        for p in payloads
    )
    path = folder / "p.vidi"
    save_project(Project(assets=(asset,), suggestions=suggestions), path)
    return path


def errors(err: str) -> list[str]:
    """The error lines of stderr (a long run also prints progress lines there)."""
    return [line for line in err.splitlines() if line.startswith("vidi-desktop: error:")]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("name, tag", [
    ("cut.edl", "edl"), ("cut.xml", "xmeml"), ("cut.fcpxml", "fcpxml"), ("cut.otio", "otio"),
    ("cut.mlt", "mlt"), ("CUT.EDL", "edl"), ("cut.csv", "csv"), ("cut.json", "json"),
])
def test_the_format_comes_from_the_suffix(capsys, small_clip, tmp_path, name, tag) -> None:
    project = make_project(small_clip, tmp_path, "silence_cut")
    out = tmp_path / name
    code, _, err = run(capsys, "export", str(project), "-o", str(out))
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    if tag == "edl":
        events = list(pycmx.parse_cmx3600(io.StringIO(text)).events)
        assert [e.edits[0].source_in for e in events] == ["01:00:00;00", "01:00:01;00"]
    elif tag in ("xmeml", "fcpxml", "mlt"):
        assert ET.fromstring(text).tag == tag
    elif tag == "otio":
        assert text.startswith('{"OTIO_SCHEMA":"Timeline.1"')
    elif tag == "csv":
        assert text.startswith("id,file,kind,state")
    else:
        assert '"suggestions"' in text


def test_srt_and_vtt_come_from_the_suffix_too(capsys, small_clip, tmp_path) -> None:
    from vidi_desktop.core.project import SubtitleCue, load_project

    project = make_project(small_clip, tmp_path)
    p = load_project(project)
    cue = Suggestion.new(p.assets[0].id, SubtitleCue(frames(3, 18), "Hello"), "t").replace(
        state=ReviewState.ACCEPTED)
    save_project(p.replace(suggestions=(*p.suggestions, cue)), project)
    for name, head in (("subs.srt", "1\n"), ("subs.vtt", "WEBVTT")):
        assert run(capsys, "export", str(project), "-o", str(tmp_path / name))[0] == 0
        assert (tmp_path / name).read_text().startswith(head)


def test_format_overrides_the_suffix(capsys, small_clip, tmp_path) -> None:
    project = make_project(small_clip, tmp_path, "silence_cut")
    out = tmp_path / "cut.txt"
    assert run(capsys, "export", str(project), "-o", str(out), "--format", "edl")[0] == 0
    assert out.read_text().startswith("TITLE:")


def test_a_suffix_that_names_no_format_is_one_line(capsys, small_clip, tmp_path) -> None:
    project = make_project(small_clip, tmp_path, "silence_cut")
    code, out, err = run(capsys, "export", str(project), "-o", str(tmp_path / "cut.mov"))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "'.mov' names no export format" in err and ".edl" in err and "--format" in err
    assert not (tmp_path / "cut.mov").exists()


@pytest.mark.parametrize("command", ["export", "render"])
def test_nothing_accepted_is_refused_and_says_how_to_proceed(
    capsys, small_clip, tmp_path, command
) -> None:
    project = make_project(small_clip, tmp_path)
    out = tmp_path / ("cut.edl" if command == "export" else "cut.mp4")
    code, printed, err = run(capsys, command, str(project), "-o", str(out))
    assert code == 2 and printed == "" and err.count("\n") == 1
    assert f"vidi-desktop review {project} --accept kind=" in err
    assert "--include pending" in err and "--whole" in err
    assert "1 silence cut, 1 highlight pending" in err
    assert not out.exists()


def test_whole_asks_for_the_uncut_file(capsys, small_clip, tmp_path) -> None:
    project = make_project(small_clip, tmp_path)
    out = tmp_path / "whole.edl"
    assert run(capsys, "export", str(project), "-o", str(out), "--whole")[0] == 0
    events = list(pycmx.parse_cmx3600(io.StringIO(out.read_text())).events)
    assert [(e.edits[0].source_in, e.edits[0].source_out) for e in events] == [
        ("01:00:00;00", "01:00:02;00")
    ]


def test_render_whole_writes_every_frame(capsys, small_clip, tmp_path) -> None:
    project = make_project(small_clip, tmp_path)
    out = tmp_path / "whole.mp4"
    code, printed, err = run(capsys, "render", str(project), "-o", str(out), "--whole")
    assert code == 0, err
    assert probe(out).video.frames == 60
    assert "60 frames (00:00:02:00, 2.00 s)" in printed


def test_render_kind_highlights_leaves_a_pending_crop_path_out(capsys, small_clip, tmp_path):
    project = make_project(small_clip, tmp_path)
    out = tmp_path / "hl.mp4"
    code, _, err = run(capsys, "render", str(project), "-o", str(out), "--include", "pending",
                       "--kind", "highlights")
    assert code == 0, err
    v = probe(out).video
    assert (v.width, v.height, v.frames) == (320, 240, 45)
    framed = tmp_path / "hl-9x16.mp4"
    code, _, err = run(capsys, "render", str(project), "-o", str(framed), "--include",
                       "pending", "--kind", "highlight", "--kind", "reframe")
    assert code == 0, err
    v = probe(framed).video
    assert v.height > v.width and v.frames == 45


def test_export_kind_highlights_leaves_an_accepted_crop_path_out(capsys, small_clip, tmp_path):
    project = make_project(small_clip, tmp_path, "highlight_clip", "reframe_path")
    plain, framed = tmp_path / "plain.xml", tmp_path / "framed.xml"
    assert run(capsys, "export", str(project), "-o", str(plain), "--kind", "highlights")[0] == 0
    assert run(capsys, "export", str(project), "-o", str(framed))[0] == 0
    assert "Basic Motion" not in plain.read_text()
    assert "Basic Motion" in framed.read_text()


def test_ask_refusal_exits_2_and_adds_no_answer(capsys, small_clip, tmp_path) -> None:
    project = tmp_path / "ask.json"
    code, out, err = run(capsys, "ask", str(small_clip), "when is the red car visible",
                         "-o", str(project))
    assert code == 2 and out == "" and len(errors(err)) == 1
    assert "asks about what is in the picture" in err and "--backend qwen-vl" in err
    assert not project.exists()


def test_ask_did_you_mean_exits_2_and_leaves_the_project(capsys, small_clip, tmp_path) -> None:
    project = make_project(small_clip, tmp_path)
    before = project.read_bytes()
    code, _, err = run(capsys, "ask", str(small_clip), "frobnicate the wibble", "-o",
                       str(project))
    assert code == 2 and "Did you mean" in err and len(errors(err)) == 1
    assert project.read_bytes() == before
