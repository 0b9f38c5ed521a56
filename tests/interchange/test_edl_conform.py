"""Each EDL conformed independently matches ``vidi-desktop render`` frame by frame.

ffmpeg reads the source at the EDL's rate (its ``fps`` filter: what an NLE does with a
variable-rate file) and the EDL's source timecodes pick the frames by number — parsed here
by the test's own CMX and drop-frame readers, with the start timecode from ffprobe. The
rendered file's pictures must carry the same frame numbers in the same order. Clips at
23.976, 25, 29.97 DF across 01:00:00;00, 59.94 DF, a variable-rate clip, a rotated clip and a
file name full of characters that break tools.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from independent import edl_events, frame_numbers, need, start_timecode, tc_frames

from vidi_desktop.cli import main
from vidi_desktop.core.project import EditClip, Project, save_project
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.media.probe import probe
from vidi_desktop.services.analyze import asset_from_probe

NTSC24, NTSC30, NTSC60 = Fraction(24000, 1001), Fraction(30000, 1001), Fraction(60000, 1001)
ODD_NAME = "take 1 & #2 100% 'a' \"b\" café 日本語.mp4"

# id, file name, rate, start timecode, frames, edit (frame ranges, out of order on purpose)
CASES: list[tuple[str, str, Fraction, str | None, int, list[tuple[int, int]]]] = [
    ("23.976", "c23976.mp4", NTSC24, "01:00:00:00", 72, [(0, 10), (40, 41), (20, 33)]),
    ("25", "c25.mp4", Fraction(25), "10:00:00:00", 60, [(30, 55), (3, 9)]),
    # 00:59:58;00 + 60 frames = 01:00:00;00: the edit crosses the hour.
    ("29.97DF", "c2997df.mp4", NTSC30, "00:59:58;00", 120, [(50, 75), (100, 101), (10, 20)]),
    # 00:59:59;56 + 4 frames = 01:00:00;04 (labels ;00–;03 dropped).
    ("59.94DF", "c5994df.mp4", NTSC60, "00:59:59;56", 90, [(0, 8), (60, 90), (20, 24)]),
    ("odd name", ODD_NAME, Fraction(25), "01:00:00:00", 50, [(5, 15), (30, 31)]),
]


def conform(edl: str, clip: Path, rate: Fraction) -> list[int]:
    """The frame numbers an NLE conforming ``edl`` against ``clip`` shows, in order."""
    events = edl_events(edl)
    assert events, edl
    tc0 = tc_frames(start_timecode(clip), rate)
    source = frame_numbers(clip, rate=rate)
    out = []
    for ev in events:
        first, end = tc_frames(ev["src_in"], rate) - tc0, tc_frames(ev["src_out"], rate) - tc0
        assert 0 <= first < end <= len(source), (ev, len(source))
        out.extend(source[first:end])
    return out


def export_and_render(project: Project, folder: Path) -> tuple[str, Path]:
    path = folder / "p.vidi"
    save_project(project, path)
    assert main(["export", str(path), "--format", "edl", "-o", str(folder / "cut.edl"), "-q"]) == 0
    assert main(["render", str(path), "-o", str(folder / "cut.mp4"), "-q"]) == 0
    return (folder / "cut.edl").read_text(encoding="ascii"), folder / "cut.mp4"


def project_of(clip: Path, ranges: list[TimeRange]) -> Project:
    asset = asset_from_probe(probe(clip))
    return Project(assets=(asset,), edit=tuple(EditClip.new(asset.id, r) for r in ranges),
                   name="Conform")


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_edl_conform_equals_render(case: tuple[Any, ...], make_clip: Callable[..., Path],
                                   tmp_path: Path) -> None:
    need("ffmpeg", "ffmpeg")
    _, name, rate, tc, frames, ranges = case
    clip = make_clip(name, frames=frames, rate=rate, size=(320, 240), timecode=tc)
    project = project_of(clip, [TimeRange.from_frames(f, e, rate) for f, e in ranges])
    edl, rendered = export_and_render(project, tmp_path)
    want = conform(edl, clip, rate)
    assert want == [n for f, e in ranges for n in range(f, e)]
    assert frame_numbers(rendered) == want


def test_variable_rate_clip_conforms_at_its_declared_rate(
    make_clip: Callable[..., Path], tmp_path: Path
) -> None:
    need("ffmpeg", "ffmpeg")
    # 40 ms frames with every fourth one held 120 ms: declared 25 fps, average ≈ 15 fps.
    pts, t = [], 0
    for n in range(48):
        pts.append(t)
        t += 120 if n % 4 == 3 else 40
    clip = make_clip("vfr_conform.mp4", frames=48, rate=25, size=(320, 240), pts=pts,
                     time_base=Fraction(1, 1000))
    ms = Fraction(1, 1000)
    cuts = [TimeRange.from_start_end(Time(pts[a], ms), Time(pts[b], ms))
            for a, b in ((5, 17), (30, 31), (22, 29))]
    edl, rendered = export_and_render(project_of(clip, cuts), tmp_path)
    want = conform(edl, clip, Fraction(25))
    assert frame_numbers(rendered) == want
    # Each cut's first picture is the frame that starts the cut.
    starts = [want[0]] + [want[i] for i in _event_starts(edl)[1:]]
    assert starts == [5, 30, 22]


def _event_starts(edl: str) -> list[int]:
    """Record offsets (frames) where each event starts."""
    events = edl_events(edl)
    rec0 = tc_frames(events[0]["rec_in"], Fraction(25))
    return [tc_frames(e["rec_in"], Fraction(25)) - rec0 for e in events]


def test_rotated_clip_conforms_upright(make_clip: Callable[..., Path], tmp_path: Path) -> None:
    need("ffmpeg", "ffmpeg")
    flat = make_clip("to_rotate.mp4", frames=40, rate=25, size=(320, 240), timecode="01:00:00:00")
    clip = tmp_path / "rotated.mp4"
    # The display matrix says: turn 90° clockwise to show (a phone held upright).
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(flat), "-c", "copy",
                    "-metadata:s:v:0", "rotate=90", str(clip)], check=True, timeout=60)
    ranges = [(10, 20), (2, 5)]
    project = project_of(clip, [TimeRange.from_frames(f, e, Fraction(25)) for f, e in ranges])
    assert project.assets[0].info["video"]["rotation"] in (90, 270)
    out = tmp_path / "out"
    out.mkdir()
    edl, rendered = export_and_render(project, out)
    events = edl_events(edl)
    tc0 = tc_frames(start_timecode(clip), Fraction(25))
    # ffmpeg shows the picture upright; the quarter turn that makes its barcode readable
    # again must read the render too (else vidi turned it the other way).
    turn = next(k for k in (1, 3) if frame_numbers(clip, turn=k) == list(range(40)))
    source = frame_numbers(clip, turn=turn)
    want = [source[n] for ev in events for n in range(tc_frames(ev["src_in"], 25) - tc0,
                                                     tc_frames(ev["src_out"], 25) - tc0)]
    assert want == [n for f, e in ranges for n in range(f, e)]
    assert frame_numbers(rendered, turn=turn) == want
