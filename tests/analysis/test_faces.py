"""Face and person detection on real footage and on generated footage with known boxes.

No picture of a face may be downloaded, so the faces come from the shared real footage:
``goldeneye-vfr-drop3.mp4``'s last shot (frames 140-159) shows two real faces. They are cut
out and pasted into generated clips along known paths — leaving the frame and coming back —
so every box and every gap has a known answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from vidi_desktop.analysis.faces import (
    CenterFace,
    FaceDetector,
    HaarFaces,
    detect_faces,
    load_face_model,
)
from vidi_desktop.analysis.people import PersonDetector, detect_people
from vidi_desktop.analysis.tubes import DetectionRun, iou, link_tubes
from vidi_desktop.media.probe import probe

GOLDENEYE_CUTS_MS = (3754, 8759)
SIZE = (640, 360)
RATE = 25
FRAMES = 150  # 6 s


@dataclass(frozen=True)
class Cutout:
    """A face picture and where the face is inside it (pixels)."""

    image: np.ndarray
    face: tuple[float, float, float, float]


@pytest.fixture(scope="module")
def goldeneye_frame(shared_media: Path) -> np.ndarray:
    from vidi_desktop.media.decode import iter_decoded

    for f in iter_decoded(shared_media / "goldeneye-vfr-drop3.mp4", start_frame=150):
        return f.image("rgb24", 640).copy()  # 640x272, two faces
    raise AssertionError("frame 150 did not decode")


@pytest.fixture(scope="module")
def cutouts(goldeneye_frame: np.ndarray) -> dict[str, Cutout]:
    """The woman's and the man's faces with a margin, and the face box inside each."""
    boxes = sorted(CenterFace().detect(goldeneye_frame), key=lambda b: b[0])
    assert len(boxes) == 2, boxes
    out = {}
    for name, box in zip(("man", "woman"), boxes, strict=True):
        x0, y0 = max(0, int(box[0]) - 12), max(0, int(box[1]) - 12)
        x1, y1 = int(box[2]) + 12, min(goldeneye_frame.shape[0], int(box[3]) + 12)
        crop = goldeneye_frame[y0:y1, x0:x1].copy()
        out[name] = Cutout(crop, (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0))
    return out


def woman_left(n: int) -> int | None:
    """x of the woman's cut-out at frame n: walks right and out (0-2 s), away (2-4 s),
    walks back in from the right (4-6 s)."""
    if n < 50:
        return 250 + 8 * n
    if n < 100:
        return None
    return 640 - 8 * (n - 100)


MAN_AT = (30, 150)
WOMAN_TOP = 40


def truth_boxes(cut: dict[str, Cutout], n: int) -> dict[str, tuple[float, float, float, float]]:
    """Normalized face boxes fully inside the frame at frame n."""
    w, h = SIZE
    out = {}
    f = cut["man"].face
    out["man"] = ((MAN_AT[0] + f[0]) / w, (MAN_AT[1] + f[1]) / h,
                  (MAN_AT[0] + f[2]) / w, (MAN_AT[1] + f[3]) / h)  # fmt: skip
    x = woman_left(n)
    if x is not None:
        f = cut["woman"].face
        box = ((x + f[0]) / w, (WOMAN_TOP + f[1]) / h, (x + f[2]) / w, (WOMAN_TOP + f[3]) / h)
        if box[0] >= 0 and box[2] <= 1:
            out["woman"] = box
    return out


def paste(img: np.ndarray, part: np.ndarray, x: int, y: int) -> None:
    h, w = part.shape[:2]
    x0, x1 = max(0, x), min(img.shape[1], x + w)
    if x1 > x0:
        img[y : y + h, x0:x1] = part[:, x0 - x : x1 - x]


@pytest.fixture(scope="module")
def faces_clip(make_clip: Callable[..., Path], cutouts: dict[str, Cutout]) -> Path:
    from vidi_desktop.media.synth import moving_pattern

    background = moving_pattern(*SIZE, seed=3)

    def picture(n: int) -> np.ndarray:
        img = background(n)
        paste(img, cutouts["man"].image, *MAN_AT)
        x = woman_left(n)
        if x is not None:
            paste(img, cutouts["woman"].image, x, WOMAN_TOP)
        return img

    return make_clip("faces.mp4", frames=FRAMES, rate=RATE, size=SIZE, picture=picture)


@pytest.fixture(scope="module")
def faces_run(faces_clip: Path) -> DetectionRun:
    return detect_faces(faces_clip, per_second=5, max_side=640)  # the sampling of these tests


def test_faces_are_found_where_they_were_pasted(
    faces_run: DetectionRun, cutouts: dict[str, Cutout]
) -> None:
    assert faces_run.backend == "centerface"
    assert faces_run.sample_ms == 200  # 5 samples a second at 25 fps
    assert len(faces_run.samples) == FRAMES // 5
    for sample in faces_run.samples:
        truth = truth_boxes(cutouts, sample.index)
        boxes = [(d.x0, d.y0, d.x1, d.y1) for d in sample.detections]
        for name, want in truth.items():
            best = max((iou(want, b) for b in boxes), default=0.0)
            assert best > 0.7, (sample.index, name, want, boxes)
        # Nothing else: every detection is one of the pasted faces (partly visible ones
        # at the frame's edge included).
        for b in boxes:
            assert b[1] == pytest.approx(truth_boxes(cutouts, 0)["man"][1], abs=0.05) or (
                b[1] == pytest.approx((WOMAN_TOP + cutouts["woman"].face[1]) / SIZE[1], abs=0.05)
            ), (sample.index, b)


def test_scores_and_coordinates_are_normalized(faces_run: DetectionRun) -> None:
    for sample in faces_run.samples:
        for d in sample.detections:
            assert 0 <= d.x0 < d.x1 <= 1 and 0 <= d.y0 < d.y1 <= 1
            assert 0.4 <= d.score <= 1
            assert d.appearance is not None and d.appearance.sum() == pytest.approx(1, abs=1e-4)


def test_tubes_one_per_person_with_the_gap_where_she_left(faces_run: DetectionRun) -> None:
    tubes = link_tubes(faces_run)
    assert len(tubes) == 2
    man = min(tubes, key=lambda t: t.boxes[0][1])
    woman = max(tubes, key=lambda t: t.boxes[0][1])
    (whole,) = man.visible_ranges(500, 200)
    assert (whole.start.to_ms(), whole.end_exclusive.to_ms()) == (0, 6000)
    # She is fully out of the frame from frame 49 to frame 100 (1.96-4.0 s): the tube keeps
    # one identity across and shows the gap.
    before, after = woman.visible_ranges(500, 200)
    assert 1400 <= before.end_exclusive.to_ms() <= 2000
    assert 4000 <= after.start.to_ms() <= 4600
    assert after.end_exclusive.to_ms() == 6000
    assert woman.confidence > 0.5 and man.confidence > 0.5


def test_default_sampling_gives_the_same_two_tubes_and_gap(faces_clip: Path) -> None:
    # Twice a second on a 512-px picture (the analysis default): 480 ms between samples at
    # 25 fps, and the tubes' rules stretched to it.
    run = detect_faces(faces_clip)
    assert run.sample_ms == 480 and run.size == (512, 288)
    tubes = link_tubes(run)
    assert len(tubes) == 2
    man = min(tubes, key=lambda t: t.boxes[0][1])
    woman = max(tubes, key=lambda t: t.boxes[0][1])
    (whole,) = man.visible_ranges(tail_ms=run.sample_ms)
    assert whole.start.to_ms() == 0 and whole.end_exclusive.to_ms() >= 6000
    # She is out of the frame from 1.96 s to 4.0 s: one identity, the gap shown.
    before, after = woman.visible_ranges(tail_ms=run.sample_ms)
    assert 1400 <= before.end_exclusive.to_ms() <= 2400
    assert 4000 <= after.start.to_ms() <= 4800
    assert woman.box_at(3000) is None and man.box_at(3000) is not None


def test_real_footage_two_faces_in_the_last_shot(shared_media: Path) -> None:
    run = detect_faces(shared_media / "goldeneye-vfr-drop3.mp4")
    assert run.size == (512, 218)  # the default analysis size
    tubes = link_tubes(run, cuts_ms=GOLDENEYE_CUTS_MS)
    last_shot = [t for t in tubes if t.start_ms >= GOLDENEYE_CUTS_MS[1]]
    assert len(last_shot) == 2
    man, woman = sorted(last_shot, key=lambda t: t.boxes[0][1])
    # Known places (display coordinates): the man left of centre, the woman right of it.
    assert man.box_at(9384) == pytest.approx((0.23, 0.35, 0.39, 0.86), abs=0.04)
    assert woman.box_at(9384) == pytest.approx((0.475, 0.09, 0.63, 0.565), abs=0.04)
    for t in tubes:  # no tube runs across a cut
        for cut in GOLDENEYE_CUTS_MS:
            assert not t.start_ms < cut <= t.end_ms


def test_non_square_pixels_give_boxes_in_display_coordinates(shared_media: Path) -> None:
    # 704x576 stored, SAR 16:11, shown 1024x576: a face box must have a face's proportions
    # on the display (about 0.75 wide per high), not the 0.52 it has on stored pixels.
    from vidi_desktop.analysis.pipeline import run_visual_pass
    from vidi_desktop.core.progress import JobContext

    clip = shared_media / "issue-195-aspect-ratio.mp4"
    info = probe(clip)
    detector = FaceDetector(per_second=2)
    # Frames 180-300 (7.2-12 s) show two faces; decoding only those keeps the test short.
    results, _ = run_visual_pass(clip, info, [detector], JobContext(), start_frame=180,
                                 end_frame=300)  # fmt: skip
    run = results["faces"]
    assert run.size == (512, 288)
    dw, dh = info.video.display_size
    ratios = [(d.x1 - d.x0) * dw / ((d.y1 - d.y0) * dh) for s in run.samples for d in s.detections]
    assert len(ratios) >= 6
    assert 0.65 < float(np.median(ratios)) < 0.95


def test_rotated_footage_is_analysed_upright(shared_media: Path) -> None:
    run = detect_faces(shared_media / "issue-134-rotate.mp4", per_second=1)
    assert run.size == (218, 512)  # the display is portrait: the picture was turned


@pytest.mark.parametrize("engine", ["onnxruntime", "opencv"])
def test_centerface_gives_the_same_boxes_when_the_picture_size_changes(
    goldeneye_frame: np.ndarray, engine: str
) -> None:
    # OpenCV's dnn returns garbage when one network sees several input sizes in turn.
    import cv2

    model = CenterFace(engine=engine)
    first = model.detect(goldeneye_frame)
    small = cv2.resize(goldeneye_frame, (320, 136), interpolation=cv2.INTER_AREA)
    assert len(model.detect(small)) == 2
    assert model.detect(goldeneye_frame) == first


def test_onnx_runtime_finds_the_boxes_opencv_finds(goldeneye_frame: np.ndarray) -> None:
    """The default engine (ONNX Runtime on the file with its input size freed) and OpenCV's
    dnn module: the same faces, to a hundredth of a pixel, at two picture sizes."""
    import cv2

    fast, reference = CenterFace(), CenterFace(engine="opencv")
    assert (fast.engine, reference.engine) == ("onnxruntime", "opencv")
    small = cv2.resize(goldeneye_frame, (448, 190), interpolation=cv2.INTER_AREA)
    for picture in (goldeneye_frame, small):
        got, want = fast.detect(picture), reference.detect(picture)
        assert len(got) == len(want) == 2
        assert np.allclose(np.array(got), np.array(want), atol=0.01)


def test_unknown_centerface_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown CenterFace engine"):
        CenterFace(engine="tensorrt")


def test_haar_fallback_finds_the_frontal_face(goldeneye_frame: np.ndarray) -> None:
    model = load_face_model("haar")
    assert isinstance(model, HaarFaces)
    found = model.detect(goldeneye_frame)
    centre = CenterFace().detect(goldeneye_frame)
    assert any(iou(h[:4], c[:4]) > 0.4 for h in found for c in centre)
    assert all(0 < b[4] < 1 for b in found)


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown face detector"):
        load_face_model("yolo")


def test_audio_only_file_is_skipped_with_a_message(audio_only: Path) -> None:
    for run in (detect_faces(audio_only), detect_people(audio_only)):
        assert run.samples == []
        assert "no video stream" in (run.skipped or "")
    detector = FaceDetector()
    detector.begin(probe(audio_only))
    assert not detector.wants(0)
    assert detector.finish().skipped


def test_cancelling_stops_within_a_frame(faces_clip: Path) -> None:
    from vidi_desktop.core.errors import CancelledError
    from vidi_desktop.core.progress import JobContext

    reports: list[float | None] = []
    ctx = JobContext()

    def on_progress(fraction: float | None, message: str) -> None:
        reports.append(fraction)
        ctx.cancel.set()

    ctx.on_progress = on_progress
    with pytest.raises(CancelledError):
        detect_faces(faces_clip, ctx)
    # Raised at the next check after the first report: nothing more was reported (the
    # latency in seconds is measured in benchmarks/bench_cancel.py, not asserted here).
    assert len(reports) == 1 and (reports[0] or 0.0) < 1.0


# -- people ----------------------------------------------------------------------------------


def figure(img: np.ndarray, cx: float, top: float, height: float, rgb: tuple[int, int, int]):
    """A standing human silhouette (head, torso, arms, legs) ``height`` pixels tall."""
    import cv2

    u = height / 8

    def p(x: float, y: float) -> tuple[int, int]:
        return round(cx + x * u), round(top + y * u)

    cv2.ellipse(img, p(0, 0.55), (round(u * 0.42), round(u * 0.55)), 0, 0, 360, rgb, -1)
    cv2.line(img, p(0, 1.1), p(0, 1.4), rgb, round(u * 0.3))
    body = np.array([p(-0.9, 1.4), p(0.9, 1.4), p(0.7, 4.2), p(-0.7, 4.2)], np.int32)
    cv2.fillPoly(img, [body], rgb)
    for s in (-1, 1):
        cv2.line(img, p(s * 0.8, 1.6), p(s * 1.1, 4.3), rgb, round(u * 0.35))
        cv2.line(img, p(s * 0.35, 4.1), p(s * 0.7, 7.9), rgb, round(u * 0.45))


def person_x(n: int) -> float:
    return 120 + 4 * n  # walks right, 100 px a second at 25 fps


@pytest.fixture(scope="module")
def people_clip(make_clip: Callable[..., Path]) -> Path:
    ramp = np.linspace(150, 230, SIZE[0])[None, :, None].astype(np.uint8)

    def picture(n: int) -> np.ndarray:
        img = np.repeat(np.repeat(ramp, SIZE[1], axis=0), 3, axis=2)
        figure(img, person_x(n), 60, 240, (30, 30, 40))
        figure(img, 520, 100, 200, (80, 40, 30))
        return img

    return make_clip("people.mp4", frames=75, rate=RATE, size=SIZE, picture=picture)


def test_people_become_two_tubes_following_them(people_clip: Path) -> None:
    run = detect_people(people_clip)
    assert run.backend == "hog"
    tubes = link_tubes(run)
    assert len(tubes) == 2
    walker, stander = sorted(tubes, key=lambda t: t.boxes[0][1])
    assert walker.hits >= 13 and stander.hits >= 13  # of 15 samples
    for t_ms, x0, y0, x1, y1, _score in walker.boxes:
        n = t_ms * RATE // 1000
        cx = (x0 + x1) / 2 * SIZE[0]
        assert cx == pytest.approx(person_x(n), abs=12)
        assert y0 * SIZE[1] == pytest.approx(60, abs=20) and y1 * SIZE[1] == pytest.approx(
            300, abs=20
        )
    assert all(abs((b[1] + b[3]) / 2 * SIZE[0] - 520) < 12 for b in stander.boxes)


def test_no_people_in_a_plain_texture(make_clip: Callable[..., Path]) -> None:
    clip = make_clip("texture.mp4", frames=50, rate=RATE, size=SIZE, stamp=False)
    assert detect_people(clip).detections == 0
    assert PersonDetector().name == "people"
