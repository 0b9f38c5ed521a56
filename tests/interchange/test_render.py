"""Rendering: the frames and the sound land where the edit says, and nothing half-written stays.

Frame identity is checked on real footage (counter.mp4: each rendered frame is closest to
the source frame the edit names, by the picture of its number) and on generated clips whose
frames carry their number as a barcode. Audio sync: clicks at known source frames must
start at the matching output frames.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from vidi_desktop.core.errors import CancelledError
from vidi_desktop.core.progress import JobContext
from vidi_desktop.core.project import Asset, EditClip, Project
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.model import Reframe, ReframeKey
from vidi_desktop.interchange.render import RenderOptions, render
from vidi_desktop.interchange.subtitles import Cue
from vidi_desktop.interchange.timeline import build_timeline
from vidi_desktop.media.probe import probe
from vidi_desktop.media.reader import VideoReader
from vidi_desktop.media.synth import read_frame_number
from vidi_desktop.services.analyze import asset_from_probe

RATE = Fraction(25)
CLICKS = (12, 40, 61)  # source frames where a 20 ms click starts


def clicks(t: np.ndarray) -> np.ndarray:
    out = np.zeros_like(t)
    for f in CLICKS:
        start = f / float(RATE)
        on = (t >= start) & (t < start + 0.02)
        out[on] = 0.8 * np.sin(2 * np.pi * 1000 * (t[on] - start))
    return out


@pytest.fixture(scope="module")
def click_clip(make_clip) -> Path:
    return make_clip("clicks.mp4", frames=80, rate=25, size=(320, 240), gop=20, bframes=2,
                     audio=clicks, timecode="01:00:00:00")


def project_of(path: Path, ranges: list[tuple[int, int]], rate: Fraction) -> tuple[Project, Asset]:
    asset = asset_from_probe(probe(path))
    edit = tuple(EditClip.new(asset.id, TimeRange.from_frames(f, e, rate)) for f, e in ranges)
    return Project(assets=(asset,), edit=edit), asset


def decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_counter_frames_are_the_accepted_ones(shared_media, tmp_path) -> None:
    ranges = [(0, 1), (5, 9), (20, 30), (12, 13)]
    project, _ = project_of(shared_media / "counter.mp4", ranges, Fraction(10))
    out = render(build_timeline(project), tmp_path / "cut.mp4")
    assert out.frames == 16 and out.frame_exact
    want = [n for f, e in ranges for n in range(f, e)]
    with VideoReader(shared_media / "counter.mp4") as reader:
        # The number is drawn in the lower right: compare that corner only.
        source = [reader.array(n)[850:, 1200:].astype(np.int16) for n in range(30)]
    for k, img in enumerate(decoded(tmp_path / "cut.mp4")):
        corner = img[850:, 1200:].astype(np.int16)
        errors = [np.abs(corner - s).mean() for s in source]
        assert int(np.argmin(errors)) == want[k], (k, sorted(errors)[:2])


def test_barcode_frames_and_audio_clicks_stay_in_sync(click_clip, tmp_path) -> None:
    ranges = [(10, 20), (35, 50), (58, 70)]
    project, _ = project_of(click_clip, ranges, RATE)
    target = tmp_path / "sync.mp4"
    render(build_timeline(project), target)
    want = [n for f, e in ranges for n in range(f, e)]
    assert [read_frame_number(img) for img in decoded(target)] == want
    from vidi_desktop.media.audio import read_audio

    audio = read_audio(target, rate=48000).mono()
    start = read_audio(target, rate=48000).start.seconds
    # Where each click should start in the output: its frame's position in the cut.
    expected = [want.index(f) / float(RATE) for f in CLICKS]
    envelope = np.abs(audio) > 0.2
    found = []
    for t in expected:
        lo = int((t - 0.05 - float(start)) * 48000)
        hit = np.flatnonzero(envelope[max(0, lo): lo + int(0.1 * 48000)])
        assert hit.size, f"no click near {t:.3f} s"
        found.append(float(start) + (max(0, lo) + hit[0]) / 48000)
    for got, t in zip(found, expected, strict=True):
        assert abs(got - t) < 0.003, (got, t)


def test_rotated_footage_is_rendered_upright(shared_media, tmp_path) -> None:
    path = shared_media / "issue-134-rotate.mp4"
    rate = Fraction(24000, 1001)
    project, _ = project_of(path, [(30, 33)], rate)
    timeline = build_timeline(project)
    assert (timeline.width, timeline.height) == (544, 1280)
    render(timeline, tmp_path / "up.mp4")
    frames = decoded(tmp_path / "up.mp4")
    assert frames[0].shape == (1280, 544, 3)
    with VideoReader(path) as reader:
        src = reader.array(30)
    upright = np.rot90(src, k=-1)  # probe says: turn 90° clockwise to display
    assert np.abs(frames[0].astype(int) - upright.astype(int)).mean() < 6
    wrong = np.rot90(src, k=1)
    assert np.abs(frames[0].astype(int) - wrong.astype(int)).mean() > 10


def test_non_square_pixels_become_square(shared_media, tmp_path) -> None:
    path = shared_media / "issue-195-aspect-ratio.mp4"
    project, _ = project_of(path, [(100, 102)], Fraction(25))
    timeline = build_timeline(project)
    assert (timeline.width, timeline.height) == (1024, 576)  # 704 × 16/11
    render(timeline, tmp_path / "sq.mp4")
    assert decoded(tmp_path / "sq.mp4")[0].shape == (576, 1024, 3)


def halves(n: int) -> np.ndarray:
    """Left half red, right half blue."""
    img = np.zeros((360, 640, 3), np.uint8)
    img[:, :320] = (220, 20, 20)
    img[:, 320:] = (20, 20, 220)
    return img


def test_reframed_clip_follows_the_crop_path(make_clip, tmp_path) -> None:
    clip = make_clip("halves.mp4", frames=20, rate=25, size=(640, 360), gop=10,
                     picture=halves, stamp=False)
    project, _ = project_of(clip, [(0, 10)], RATE)
    timeline = build_timeline(project)
    # A 9:16 window of a 640×360 frame is 202.5 px wide: at the left edge it sees red only,
    # at the right edge blue only; the path moves from one to the other over the clip.
    path = Reframe(Fraction(9, 16), (ReframeKey(0, 0.0, 0.0, 0.31640625, 1.0),
                                     ReframeKey(9, 0.68359375, 0.0, 1.0, 1.0)))
    timeline = replace(timeline, width=1080, height=1920,
                       clips=(replace(timeline.clips[0], reframe=path),))
    render(timeline, tmp_path / "vertical.mp4", RenderOptions(size=(270, 480)))
    frames = decoded(tmp_path / "vertical.mp4")
    assert frames[0].shape == (480, 270, 3)
    red, blue = frames[0].mean(axis=(0, 1)), frames[-1].mean(axis=(0, 1))
    assert red[0] > 200 and red[2] < 40
    assert blue[2] > 200 and blue[0] < 40
    middle = frames[5]
    assert middle[:, :60, 0].mean() > 150 and middle[:, -60:, 2].mean() > 150  # both halves


def test_burnt_in_subtitles_change_the_bottom_of_the_picture(make_clip, tmp_path) -> None:
    clip = make_clip("plain.mp4", frames=10, rate=25, size=(320, 240), gop=10)
    project, _ = project_of(clip, [(0, 10)], RATE)
    timeline = build_timeline(project)
    render(timeline, tmp_path / "plain.mp4")
    cue = Cue(Fraction(0), Fraction(1, 5), "HELLO")  # frames 0-4 only
    render(timeline, tmp_path / "subs.mp4", RenderOptions(subtitles=(cue,)))
    plain, subs = decoded(tmp_path / "plain.mp4"), decoded(tmp_path / "subs.mp4")
    # Pixels of the lower third that changed a lot: the letters' strokes and outline.
    changed = [
        int((np.abs(a[160:].astype(int) - b[160:].astype(int)).max(axis=2) > 80).sum())
        for a, b in zip(plain, subs, strict=True)
    ]
    assert all(n > 300 for n in changed[:5]), changed
    assert all(n < 30 for n in changed[6:]), changed


def test_fast_mode_copies_from_keyframes_and_says_so(click_clip, tmp_path) -> None:
    project, _ = project_of(click_clip, [(25, 35)], RATE)
    report = render(build_timeline(project), tmp_path / "fast.mp4", RenderOptions(mode="fast"))
    assert not report.frame_exact and any("not frame-exact" in n for n in report.notes)
    numbers = [read_frame_number(img) for img in decoded(tmp_path / "fast.mp4")]
    assert numbers == list(range(20, 40))  # whole GOP: keyframe 20 up to keyframe 40
    assert any("10 frame(s) outside" in n for n in report.notes)


def test_fast_mode_is_exact_when_clips_start_on_keyframes(click_clip, tmp_path) -> None:
    project, _ = project_of(click_clip, [(20, 40), (60, 80)], RATE)
    report = render(build_timeline(project), tmp_path / "fast.mp4", RenderOptions(mode="fast"))
    assert report.frame_exact
    numbers = [read_frame_number(img) for img in decoded(tmp_path / "fast.mp4")]
    assert numbers == [*range(20, 40), *range(60, 80)]


def test_progress_is_reported_and_cancel_leaves_no_file(click_clip, tmp_path) -> None:
    project, _ = project_of(click_clip, [(0, 60)], RATE)
    seen: list[float] = []
    cancel = threading.Event()

    def on_progress(fraction: float | None, message: str) -> None:
        seen.append(fraction or 0.0)
        if (fraction or 0) > 0.3:
            cancel.set()

    ctx = JobContext(cancel=cancel, on_progress=on_progress)
    ctx._last_report = -1e9
    target = tmp_path / "cancelled.mp4"
    with pytest.raises(CancelledError):
        render(build_timeline(project), target, ctx=_EveryCall(ctx))
    assert seen and max(seen) < 1.0
    assert list(tmp_path.iterdir()) == []


class _EveryCall:
    """Progress without the 20-per-second throttle, so the test does not depend on speed."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx

    def progress(self, fraction: float | None, message: str = "", *, force: bool = False) -> None:
        self.ctx.progress(fraction, message, force=True)

    def check_cancelled(self) -> None:
        self.ctx.check_cancelled()


def test_moved_source_is_refused_before_anything_is_written(click_clip, tmp_path) -> None:
    project, asset = project_of(click_clip, [(0, 5)], RATE)
    moved = Project(assets=(asset.__class__(asset.id, str(tmp_path / "gone.mp4"), asset.size,
                                            asset.mtime_ns, asset.name, asset.info),),
                    edit=project.edit)
    target = tmp_path / "out.mp4"
    with pytest.raises(ExportError, match="moved"):
        render(build_timeline(moved), target)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_unwritable_folder_is_refused(click_clip, tmp_path, unwritable_dir) -> None:
    project, _ = project_of(click_clip, [(0, 5)], RATE)
    with pytest.raises(ExportError, match=r"permission|cannot be written"):
        render(build_timeline(project), unwritable_dir / "out.mp4")


def test_failed_render_keeps_the_old_target(click_clip, tmp_path) -> None:
    project, _ = project_of(click_clip, [(0, 5)], RATE)
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"previous render")
    with pytest.raises(ExportError):
        render(build_timeline(project), target, RenderOptions(mode="sideways"))  # type: ignore[arg-type]
    assert target.read_bytes() == b"previous render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mp4"]


def test_variable_frame_rate_picks_the_frame_on_screen(make_clip, tmp_path) -> None:
    # 40 ms frames with every fifth one held 80 ms: 30 frames, average ≈ 20.8 fps.
    pts, t = [], 0
    for n in range(30):
        pts.append(t)
        t += 80 if n % 5 == 4 else 40
    clip = make_clip("render_vfr.mp4", frames=30, rate=25, size=(320, 240), pts=pts,
                     time_base=Fraction(1, 1000))
    asset = asset_from_probe(probe(clip))
    assert asset.info["video"]["rate"] is None
    r = TimeRange.from_start_end(Time(pts[5], Fraction(1, 1000)), Time(pts[20], Fraction(1, 1000)))
    timeline = build_timeline(Project(assets=(asset,), edit=(EditClip.new(asset.id, r),)))
    render(timeline, tmp_path / "vfr_out.mp4")
    got = [read_frame_number(img) for img in decoded(tmp_path / "vfr_out.mp4")]
    rate = timeline.rate.value
    start = Fraction(pts[5], 1000)
    want = []
    for k in range(timeline.clips[0].record_count):
        mid = (start + (k + Fraction(1, 2)) / rate) * 1000
        want.append(max(n for n in range(30) if pts[n] <= mid))
    assert got == want and got[0] == 5
