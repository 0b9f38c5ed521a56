"""The MLT export rendered by melt (Kdenlive's and Shotcut's engine) shows the edit's frames.

melt renders the exported ``.mlt`` headless; ffmpeg decodes the result and the test's own
barcode reader names each frame. The expected frames come from the MLT file itself (parsed
here with ElementTree: playlist entries, inclusive ``out``) and from the project's edit.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from independent import ffprobe, frame_numbers, need

from vidi_desktop.cli import main
from vidi_desktop.core.project import (
    EditClip,
    HighlightClip,
    Project,
    ReviewState,
    SceneBoundary,
    Suggestion,
    save_project,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.media.synth import sine
from vidi_desktop.services.analyze import asset_from_probe

NTSC30 = Fraction(30000, 1001)


def export_mlt(project: Project, folder: Path) -> Path:
    path = folder / "p.vidi"
    save_project(project, path)
    target = folder / "cut.mlt"
    assert main(["export", str(path), "--format", "mlt", "-o", str(target), "-q"]) == 0
    return target


def melt(mlt: Path, out: Path) -> Path:
    need("melt", "melt")
    run = subprocess.run(
        ["melt", "-quiet", str(mlt), "-consumer", f"avformat:{out}", "vcodec=ffv1",
         "acodec=pcm_s16le", "ar=48000"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0 and out.is_file(), run.stderr[-2000:]
    return out


def mlt_frames(mlt: Path) -> list[int]:
    """Source frames the MLT's video playlist plays, read from the XML alone."""
    root = ET.parse(mlt).getroot()
    profile = root.find("profile")
    assert profile is not None
    rate = Fraction(int(profile.get("frame_rate_num", 0)), int(profile.get("frame_rate_den", 1)))
    producers = {
        p.get("id"): {q.get("name"): q.text for q in p.findall("property")}
        for p in root.findall("producer")
    }
    playlist = next(p for p in root.findall("playlist") if p.get("id") == "V1")
    out: list[int] = []
    for entry in playlist.findall("entry"):
        resource = producers[entry.get("producer")]["resource"]
        source = frame_numbers(Path(str(resource)), rate=rate)
        out.extend(source[int(entry.get("in", 0)) : int(entry.get("out", -1)) + 1])
    return out


def project_of(clip: Path, ranges: list[TimeRange], **kwargs: Any) -> Project:
    asset = asset_from_probe(probe(clip))
    edit = tuple(EditClip.new(asset.id, r) for r in ranges)
    return Project(assets=(asset,), edit=edit, name="Melt", **kwargs)


@pytest.mark.parametrize(
    ("name", "rate", "tc", "ranges"),
    [
        # Drop-frame start timecode crossing the hour, and a name that breaks tools.
        ("melt 1 & #2 100% 'q' café 日本.mp4", NTSC30, "00:59:58;00",
         [(50, 75), (100, 101), (10, 20)]),
        ("melt_23976.mp4", Fraction(24000, 1001), "01:00:00:00", [(0, 12), (40, 41), (20, 30)]),
        ("melt_25.mp4", Fraction(25), None, [(3, 9), (30, 55)]),
    ],
    ids=["29.97DF-odd-name", "23.976", "25"],
)
def test_melt_renders_the_edit_frame_exactly(
    name: str, rate: Fraction, tc: str | None, ranges: list[tuple[int, int]],
    make_clip: Callable[..., Path], tmp_path: Path,
) -> None:
    clip = make_clip(name, frames=120, rate=rate, size=(320, 240), timecode=tc)
    project = project_of(clip, [TimeRange.from_frames(f, e, rate) for f, e in ranges])
    mlt = export_mlt(project, tmp_path)
    want = [n for f, e in ranges for n in range(f, e)]
    assert mlt_frames(mlt) == want
    assert frame_numbers(melt(mlt, tmp_path / "out.mkv")) == want


def test_variable_rate_clip_entries_are_the_frames_the_render_shows(
    make_clip: Callable[..., Path], tmp_path: Path
) -> None:
    # melt itself is not frame-exact on variable-rate files (its avformat producer shows a
    # picture up to two frames early; Shotcut offers to convert such files), so the export
    # says so; what the file asks for must still be what an NLE reading it shows.
    need("ffmpeg", "ffmpeg")
    pts, t = [], 0
    for n in range(48):
        pts.append(t)
        t += 120 if n % 4 == 3 else 40  # declared 25 fps, average ≈ 17 fps
    clip = make_clip("melt_vfr.mp4", frames=48, rate=25, size=(320, 240), pts=pts,
                     time_base=Fraction(1, 1000))
    ms = Fraction(1, 1000)
    cuts = [TimeRange.from_start_end(Time(pts[a], ms), Time(pts[b], ms))
            for a, b in ((5, 17), (30, 31), (22, 29))]
    mlt = export_mlt(project_of(clip, cuts), tmp_path)
    want = mlt_frames(mlt)
    assert want[0] == 5 and 30 in want and 22 in want
    assert main(["render", str(tmp_path / "p.vidi"), "-o", str(tmp_path / "r.mp4"), "-q"]) == 0
    assert frame_numbers(tmp_path / "r.mp4") == want


def test_mlt_export_says_melt_is_not_frame_exact_on_variable_rate(
    make_clip: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pts = [0, 40, 80, 200, 240, 280, 400, 440]
    clip = make_clip("melt_vfr_warn.mp4", frames=8, rate=25, size=(160, 120), pts=pts,
                     time_base=Fraction(1, 1000))
    export_mlt(project_of(clip, [TimeRange.from_frames(0, 5, Fraction(25))]), tmp_path)
    err = capsys.readouterr().err
    assert "melt_vfr_warn.mp4" in err and "convert" in err


def test_mlt_export_says_disabled_clips_are_left_out(make_clip: Callable[..., Path]) -> None:
    from vidi_desktop.interchange.writers import ExportOptions, export_texts

    clip = make_clip("melt_disabled.mp4", frames=60, rate=25, size=(160, 120))
    asset = asset_from_probe(probe(clip))
    rejected = Suggestion.new(asset.id, HighlightClip(TimeRange.from_frames(30, 40, 25)), "h")
    project = Project(assets=(asset,), suggestions=(rejected.replace(state=ReviewState.REJECTED),),
                      edit=(EditClip.new(asset.id, TimeRange.from_frames(0, 10, 25)),))
    texts = export_texts(project, "mlt", ExportOptions(include="all", pending_as="disabled"))
    root = ET.fromstring(texts.files[0][1])
    assert len(root.findall("playlist[@id='V1']/entry")) == 1
    assert any("disabled" in w and "left out" in w for w in texts.warnings)


def test_every_audio_stream_plays_in_melt(make_clip: Callable[..., Path], tmp_path: Path) -> None:
    need("ffmpeg", "ffmpeg")
    one = make_clip("melt_a1.mp4", frames=50, rate=25, size=(320, 240), audio=sine(440, 0.4))
    clip = tmp_path / "two streams.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(one), "-f", "lavfi", "-i",
         "sine=frequency=1500:sample_rate=48000:duration=2", "-map", "0:v", "-map", "0:a",
         "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-shortest", str(clip)],
        check=True, timeout=60,
    )
    streams = [s for s in ffprobe(clip)["streams"] if s["codec_type"] == "audio"]
    assert len(streams) == 2
    project = project_of(clip, [TimeRange.from_frames(5, 45, Fraction(25))])
    mlt = export_mlt(project, tmp_path)
    root = ET.parse(mlt).getroot()
    indices = sorted(
        q.text for p in root.findall("producer") for q in p.findall("property")
        if q.get("name") == "audio_index"
    )
    assert indices == [str(streams[1]["index"])]
    out = melt(mlt, tmp_path / "out.mkv")
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(out), "-ac", "1", "-f", "f32le", "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout
    audio = np.frombuffer(pcm, np.float32)
    spectrum = np.abs(np.fft.rfft(audio[: 48000]))
    freqs = np.fft.rfftfreq(48000, 1 / 48000)
    noise = np.median(spectrum)
    for tone in (440, 1500):
        peak = spectrum[(freqs > tone - 5) & (freqs < tone + 5)].max()
        assert peak > 50 * noise, tone


def test_markers_are_shotcut_markers_on_the_sequence(make_clip: Callable[..., Path],
                                                     tmp_path: Path) -> None:
    clip = make_clip("melt_markers.mp4", frames=60, rate=25, size=(160, 120))
    asset = asset_from_probe(probe(clip))
    boundary = Suggestion.new(asset.id, SceneBoundary(Time(32, Fraction(1, 25))), "cut")
    boundary = boundary.replace(state=ReviewState.ACCEPTED)
    project = Project(
        assets=(asset,), name="Markers", suggestions=(boundary,),
        edit=(EditClip.new(asset.id, TimeRange.from_frames(20, 50, Fraction(25))),),
    )
    root = ET.parse(export_mlt(project, tmp_path)).getroot()
    markers = root.find("tractor/properties[@name='shotcut:markers']")
    assert markers is not None
    (marker,) = markers.findall("properties")
    props = {p.get("name"): p.text for p in marker.findall("property")}
    assert props["start"] == "12"  # source frame 32, 12 frames into the clip at record 0
