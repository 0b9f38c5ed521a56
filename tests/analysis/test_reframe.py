"""Reframing: window sizes, following a subject smoothly, cuts, fallbacks, the payload."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.analysis.pipeline import run_visual_pass
from vidi_desktop.analysis.reframe import (
    CropPath,
    MotionSaliency,
    MotionSaliencyAnalyser,
    ReframeError,
    ReframeSettings,
    crop_path,
    reframe_suggestion,
    window_size,
)
from vidi_desktop.analysis.tubes import Tube
from vidi_desktop.core.errors import MissingStreamError
from vidi_desktop.core.progress import JobContext
from vidi_desktop.core.project import (
    Asset,
    Project,
    SchemaError,
    project_from_json,
    project_to_json,
)
from vidi_desktop.core.project.fields import Fields
from vidi_desktop.core.project.model import ReframePath
from vidi_desktop.core.time import Time
from vidi_desktop.media.probe import MediaInfo, probe

DURATION_MS = 10_000


@pytest.fixture(scope="module")
def info(make_clip: Callable[..., Path]) -> MediaInfo:
    """A real 16:9 clip of 10 s (the path needs its display size, start and duration)."""
    clip = make_clip("reframe-16x9.mp4", frames=250, rate=25, size=(320, 180), gop=250)
    return probe(clip)


def face_tube(path: Callable[[int], float], y: float = 0.3, size: float = 0.08) -> Tube:
    """A face sampled every 200 ms whose box's left edge is at ``path(t_ms)``."""
    boxes = tuple(
        (t, path(t), y, path(t) + size, y + size * 16 / 9 * 1.2, 0.9)
        for t in range(0, DURATION_MS, 200)
    )
    return Tube("face", boxes, 0.9)


def centre_x(window: tuple[float, float, float, float]) -> float:
    return (window[0] + window[2]) / 2


def test_window_sizes_for_each_aspect() -> None:
    assert window_size("9:16", (1920, 1080)) == pytest.approx((0.31640625, 1.0))
    assert window_size("1:1", (1920, 1080)) == pytest.approx((0.5625, 1.0))
    assert window_size("4:5", (1920, 1080)) == pytest.approx((0.45, 1.0))
    assert window_size("16:9", (1080, 1920)) == pytest.approx((1.0, 0.31640625))
    assert window_size("16:9", (1920, 1080)) == pytest.approx((1.0, 1.0))
    for bad in ("9x16", "0:1", "-9:16", "", "9:16:1"):
        with pytest.raises(ReframeError, match="aspect ratio"):
            window_size(bad, (1920, 1080))


@pytest.mark.parametrize("aspect", ["9:16", "1:1", "4:5"])
def test_every_keyframe_has_the_aspect_s_window(info: MediaInfo, aspect: str) -> None:
    path = crop_path([face_tube(lambda t: 0.1 + 0.7 * t / DURATION_MS)], info, aspect)
    ww, wh = window_size(aspect, info.video.display_size)
    for _, x0, y0, x1, y1 in path.keyframes:
        assert x1 - x0 == pytest.approx(ww, abs=1e-4)
        assert y1 - y0 == pytest.approx(wh, abs=1e-4)
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1


def test_a_moving_face_stays_inside_the_window(info: MediaInfo) -> None:
    # Walks from the left to the right edge in 10 s, with a few pixels of detector wobble.
    rng = np.random.default_rng(1)
    wobble = {t: float(rng.normal(0, 0.004)) for t in range(0, DURATION_MS, 200)}
    tube = face_tube(lambda t: 0.02 + 0.88 * t / DURATION_MS + wobble[t])
    path = crop_path([tube], info, "9:16")
    assert path.subjects == ("face",)
    for t in range(0, DURATION_MS, 50):
        box = tube.box_at(t)
        if box is None:  # after the last sample
            continue
        x0, _, x1, _ = path.window_at(t)
        # Keyframes are rounded to 5 decimals.
        assert x0 - 1e-5 <= box[0] and box[2] <= x1 + 1e-5, (t, box, (x0, x1))


def test_a_still_face_gives_a_constant_path_despite_wobble(info: MediaInfo) -> None:
    rng = np.random.default_rng(2)
    wobble = {t: float(rng.uniform(-0.01, 0.01)) for t in range(0, DURATION_MS, 200)}
    tube = face_tube(lambda t: 0.6 + wobble[t])
    path = crop_path([tube], info, "9:16")
    windows = {path.window_at(t) for t in range(0, DURATION_MS, 20)}
    assert len(windows) == 1
    assert len(path.keyframes) == 2  # first and last: nothing moves in between
    (window,) = windows
    assert centre_x(window) == pytest.approx(0.64, abs=0.03)  # on the face


def test_the_window_jumps_only_at_a_cut(info: MediaInfo) -> None:
    left = Tube("face", tuple(t for t in face_tube(lambda t: 0.1).boxes if t[0] < 5000), 0.9)
    right = Tube("face", tuple(t for t in face_tube(lambda t: 0.8).boxes if t[0] >= 5000), 0.9)
    settings = ReframeSettings()
    cut = crop_path([left, right], info, "9:16", shot_cuts=[Time(5, 1)])
    assert cut.cuts_ms == (5000,)
    assert centre_x(cut.window_at(4999)) == pytest.approx(0.16, abs=0.03)
    assert centre_x(cut.window_at(5000)) == pytest.approx(0.84, abs=0.03)
    # Without the cut the same subjects are joined by a pan no faster than the limit.
    pan = crop_path([left, right], info, "9:16")
    xs = [centre_x(pan.window_at(t)) for t in range(0, DURATION_MS, 10)]
    steps = np.abs(np.diff(xs))
    assert steps.max() <= settings.max_speed * 0.010 + 1e-6
    assert xs[-1] == pytest.approx(0.84, abs=0.04)  # within the dead zone of the face


def test_easing_has_no_step_inside_a_shot(info: MediaInfo) -> None:
    # The face teleports at 3 s (a detector switching people): still a smooth move.
    tube = face_tube(lambda t: 0.1 if t < 3000 else 0.5)
    path = crop_path([tube], info, "9:16")
    xs = np.array([centre_x(path.window_at(t)) for t in range(0, DURATION_MS, 10)])
    speed = np.abs(np.diff(xs)) / 0.010
    assert speed.max() <= ReframeSettings().max_speed + 1e-3
    moving = np.nonzero(speed > 1e-6)[0]
    # Eases in: the first hundredths of a second of the move are slower than its peak.
    assert speed[moving[0]] < 0.5 * speed.max()


def test_no_subject_falls_back_to_the_centre(info: MediaInfo) -> None:
    for empty in (None, []):
        path = crop_path(empty, info, "1:1")
        assert path.subjects == ("centre",)
        assert path.keyframes[0][1:] == pytest.approx((0.21875, 0.0, 0.78125, 1.0))
        assert len(path.keyframes) == 2
        assert path.end_ms == DURATION_MS


def test_a_shot_without_faces_uses_motion_then_centre(info: MediaInfo) -> None:
    tube = Tube("face", tuple(b for b in face_tube(lambda t: 0.1).boxes if b[0] < 4000), 0.9)
    # Motion on the right between 4 and 7 s only.
    from vidi_desktop.analysis.reframe import MotionSample

    motion = MotionSaliency(
        [MotionSample(t, 0.85, 0.5, 0.05, 0.05) for t in range(4000, 7000, 200)]
    )
    path = crop_path([tube], info, "9:16", saliency=motion, shot_cuts=[4000, 7000])
    assert path.subjects == ("face", "motion", "centre")
    assert centre_x(path.window_at(2000)) < 0.3
    assert centre_x(path.window_at(5000)) > 0.8
    assert centre_x(path.window_at(8000)) == pytest.approx(0.5)


def test_motion_saliency_follows_a_moving_square(make_clip: Callable[..., Path]) -> None:
    size = (320, 180)

    def picture(n: int) -> np.ndarray:
        img = np.full((size[1], size[0], 3), 40, np.uint8)
        x = 20 + 5 * n  # 125 px a second to the right
        img[70:110, x : x + 30] = 220
        return img

    clip = make_clip("square.mp4", frames=50, rate=25, size=size, picture=picture, stamp=False)
    clip_info = probe(clip)
    results, _ = run_visual_pass(clip, clip_info, [MotionSaliencyAnalyser()], JobContext())
    motion: MotionSaliency = results["motion"]
    assert len(motion.samples) == 9  # 10 samples, the first has nothing to compare with
    for s in motion.samples:
        n = s.t_ms * 25 // 1000
        # Frame differences light up where the square was and where it is now.
        assert s.cx * size[0] == pytest.approx(20 + 5 * n + 15 - 12.5, abs=12)
        assert s.cy * size[1] == pytest.approx(90, abs=4)
        assert s.spread < 0.2
    path = crop_path(None, clip_info, "9:16", saliency=motion)
    assert path.subjects == ("motion",)
    xs = [centre_x(path.window_at(t)) for t in (400, 1900)]
    assert xs[0] < xs[1]  # the window pans right with the square


def test_audio_only_cannot_be_reframed(audio_only: Path) -> None:
    audio_info = probe(audio_only)
    with pytest.raises(MissingStreamError, match="no video stream"):
        crop_path(None, audio_info, "9:16")
    analyser = MotionSaliencyAnalyser()
    analyser.begin(audio_info)
    assert not analyser.wants(0)
    assert "no video stream" in (analyser.finish().skipped or "")


def test_non_square_pixels_and_rotation_use_the_display_size(shared_media: Path) -> None:
    # 704x576 stored with SAR 16:11 is shown 1024x576: a 9:16 window is 0.316 wide, not 0.46.
    sar = crop_path(None, probe(shared_media / "issue-195-aspect-ratio.mp4"), "9:16")
    _, x0, y0, x1, y1 = sar.keyframes[0]
    assert (x1 - x0, y1 - y0) == pytest.approx((576 * 9 / 16 / 1024, 1.0), abs=1e-4)
    # Stored 1280x544 with a 90° turn is shown 544x1280 (portrait): 9:16 uses the full width.
    rot = crop_path(None, probe(shared_media / "issue-134-rotate.mp4"), "9:16")
    _, x0, y0, x1, y1 = rot.keyframes[0]
    assert (x1 - x0, y1 - y0) == pytest.approx((1.0, 544 * 16 / 9 / 1280), abs=1e-4)


def test_real_faces_end_to_end(shared_media: Path) -> None:
    from vidi_desktop.analysis.faces import detect_faces
    from vidi_desktop.analysis.tubes import link_tubes

    clip = shared_media / "goldeneye-vfr-drop3.mp4"
    cuts = (3754, 8759)
    tubes = link_tubes(detect_faces(clip, per_second=2.5), cuts_ms=cuts)
    path = crop_path(tubes, probe(clip), "9:16", shot_cuts=cuts)
    assert path.subjects == ("face", "face", "face")
    seen = sorted({b[0] for tube in tubes for b in tube.boxes})
    assert len(seen) > 20
    for t in seen:  # whenever a face was seen, one face seen then is inside the window
        x0, _, x1, _ = path.window_at(t)
        boxes = [b[1:5] for tube in tubes for b in tube.boxes if b[0] == t]
        assert any(x0 - 1e-5 <= b[0] and b[2] <= x1 + 1e-5 for b in boxes), (t, (x0, x1), boxes)
    limit = ReframeSettings().max_speed * 0.1 + 1e-6
    for t in range(0, 10_000, 100):
        if any(t < c <= t + 100 for c in cuts):
            continue
        assert abs(centre_x(path.window_at(t + 100)) - centre_x(path.window_at(t))) <= limit


# -- the ReframePath payload --------------------------------------------------------------------


def sample_payload() -> ReframePath:
    return ReframePath(
        "9:16",
        (
            (0, 0.1, 0.0, 0.41640625, 1.0),
            (1000, 0.3, 0.0, 0.61640625, 1.0),
            (2000, 0.6, 0.0, 0.91640625, 1.0),
        ),
        cuts_ms=(2000,),
        end_ms=3000,
    )


def test_payload_interpolates_and_steps_at_cuts() -> None:
    p = sample_payload()
    assert p.window_at(-5) == p.keyframes[0][1:]
    assert p.window_at(500)[0] == pytest.approx(0.2)
    assert p.window_at(1999)[0] == pytest.approx(0.3)  # holds before the cut
    assert p.window_at(2000)[0] == pytest.approx(0.6)
    assert p.window_at(2999)[0] == pytest.approx(0.6)
    assert p.ratio == (9, 16)
    extent = p.extent()
    assert (extent.start.to_ms(), extent.end_exclusive.to_ms()) == (0, 3000)


def test_payload_round_trips_through_the_project_file() -> None:
    asset = Asset("A", "/media/clip.mp4", 1, 2, info={"duration": "3"})
    suggestion = reframe_suggestion(
        "A", CropPath("9:16", sample_payload().keyframes, (2000,), 3000, ("face", "face"))
    )
    assert suggestion.kind == "reframe_path"
    assert suggestion.label == "Reframe 9:16"
    project = Project(assets=(asset,), suggestions=(suggestion,))
    again = project_from_json(project_to_json(project))
    assert again.suggestions == project.suggestions
    assert again.suggestions[0].payload == sample_payload()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"aspect": "tall"}, "aspect"),
        ({"keyframes": []}, "at least one keyframe"),
        ({"keyframes": [[0, 0.1, 0, 0.4]]}, r"keyframes\[0\]"),
        ({"keyframes": [[0, 0.5, 0, 0.4, 1]]}, "inverted"),
        ({"keyframes": [[0.5, 0.1, 0, 0.4, 1]]}, "integer milliseconds"),
        ({"keyframes": [[10, 0.1, 0, 0.4, 1], [5, 0.1, 0, 0.4, 1]]}, "increasing"),
        ({"cuts_ms": [1.5]}, r"cuts_ms\[0\]"),
        ({"end_ms": "late"}, "end_ms"),
    ],
)
def test_payload_refuses_bad_json_with_a_path(change: dict, message: str) -> None:
    data = sample_payload().to_json() | change
    with pytest.raises(SchemaError, match=message):
        ReframePath.from_json(Fields(data, "payload"))


def test_payload_refuses_bad_values() -> None:
    with pytest.raises(ValueError, match="empty"):
        ReframePath("1:1", ((0, 0.2, 0.0, 0.2, 1.0),))
    with pytest.raises(ValueError, match="before the last keyframe"):
        ReframePath("1:1", ((10, 0.2, 0.0, 0.5, 1.0),), end_ms=5)
    with pytest.raises(ValueError, match="increasing"):
        ReframePath("1:1", ((0, 0.2, 0.0, 0.5, 1.0),), cuts_ms=(5, 5))


def test_settings_are_checked() -> None:
    with pytest.raises(ReframeError):
        ReframeSettings(step_ms=0)
    with pytest.raises(ReframeError):
        ReframeSettings(dead_zone=0.7)
    assert Fraction(ReframeSettings().step_ms, 1000) == Fraction(1, 10)
