"""Linking detections into tubes: pure association on synthetic detections with known truth."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest

from vidi_desktop.analysis.tubes import (
    Detection,
    DetectionRun,
    LinkSettings,
    Sample,
    Tube,
    iou,
    link_tubes,
    similarity,
    tube_suggestions,
    tubes_to_json,
)
from vidi_desktop.core.project import (
    Asset,
    ObjectTube,
    Project,
    project_from_json,
    project_to_json,
)
from vidi_desktop.core.time import Time

STEP_MS = 200  # 5 samples a second, the detectors' default
MS = Fraction(1, 1000)

BoxFn = Callable[[int], tuple[float, float, float, float] | None]


def colour(i: int, n: int = 48) -> np.ndarray:
    """A distinct, normalised 'appearance' histogram per object id."""
    rng = np.random.default_rng(i)
    h = rng.random(n).astype(np.float32) ** 4  # peaky, so different ids differ clearly
    return h / h.sum()


def samples(
    objects: list[tuple[BoxFn, np.ndarray | None]], seconds: float, step_ms: int = STEP_MS
) -> list[Sample]:
    """Samples every ``step_ms``; each object gives its box at t (or None when not visible)."""
    out = []
    for n, t in enumerate(range(0, int(seconds * 1000), step_ms)):
        dets = []
        for fn, app in objects:
            box = fn(t)
            if box is not None:
                dets.append(Detection(t, *box, 0.9, app))
        out.append(Sample(n * 5, Time(t, MS), tuple(dets)))
    return out


def moving(x_start: float, x_per_s: float, y: float = 0.4, size: float = 0.1) -> BoxFn:
    def fn(t: int) -> tuple[float, float, float, float]:
        x = x_start + x_per_s * t / 1000
        return (x, y, x + size, y + size * 1.3)

    return fn


def only_when(fn: BoxFn, visible: Callable[[int], bool]) -> BoxFn:
    return lambda t: fn(t) if visible(t) else None


def test_one_object_gives_one_tube_with_its_boxes() -> None:
    tubes = link_tubes(samples([(moving(0.1, 0.1), colour(1))], 4), "face")
    assert len(tubes) == 1
    tube = tubes[0]
    assert tube.label == "face"
    assert tube.hits == 20
    assert [b[0] for b in tube.boxes] == list(range(0, 4000, STEP_MS))
    assert tube.boxes[5][1:5] == pytest.approx(moving(0.1, 0.1)(1000))
    assert 0.8 < tube.confidence <= 0.9


@pytest.mark.parametrize("with_appearance", [True, False])
def test_crossing_paths_keep_their_identities(with_appearance: bool) -> None:
    # Two faces walk towards each other on the same line and cross at t = 2 s.
    a = moving(0.1, 0.2)
    b = moving(0.7, -0.2)
    objs = [
        (a, colour(1) if with_appearance else None),
        (b, colour(2) if with_appearance else None),
    ]
    tubes = link_tubes(samples(objs, 4), "face")
    assert len(tubes) == 2
    for tube in tubes:
        xs = [box[1] for box in tube.boxes]
        # Each tube moves one way only: no identity swap at the crossing.
        assert xs == sorted(xs) or xs == sorted(xs, reverse=True)
        assert tube.hits == 20


def test_crossing_with_occlusion_keeps_one_id_per_person() -> None:
    # At the crossing the front face hides the other for 600 ms (3 samples).
    a = moving(0.1, 0.2)
    b = only_when(moving(0.7, -0.2), lambda t: not 1700 <= t <= 2300)
    tubes = link_tubes(samples([(a, colour(1)), (b, colour(2))], 4), "face")
    assert len(tubes) == 2
    right_to_left = next(t for t in tubes if t.boxes[0][1] > 0.5)
    assert right_to_left.hits == 17
    xs = [box[1] for box in right_to_left.boxes]
    assert xs == sorted(xs, reverse=True)
    # Its boxes resume on the far side of the crossing: the gap is a gap, not a new tube.
    assert [r.duration.seconds for r in right_to_left.visible_ranges(500)] == [
        Fraction(8, 5),  # 0 … 1.6 s
        Fraction(7, 5),  # 2.4 … 3.8 s
    ]
    assert len(right_to_left.visible_ranges(1000)) == 1


def test_leaving_the_frame_and_coming_back_is_one_tube_with_a_gap() -> None:
    # Visible 0-2 s, gone 2-4.4 s (longer than max_gap_ms), back 4.4-6 s elsewhere.
    def path(t: int) -> tuple[float, float, float, float] | None:
        if t < 2000:
            return moving(0.5, 0.2)(t)
        if t < 4400:
            return None
        return moving(0.85, -0.2)(t - 4400)

    tubes = link_tubes(samples([(path, colour(3))], 6), "face")
    assert len(tubes) == 1
    ranges = tubes[0].visible_ranges(500, STEP_MS)
    assert [(r.start.to_ms(), r.end_exclusive.to_ms()) for r in ranges] == [
        (0, 2000),
        (4400, 6000),
    ]


def test_a_different_object_after_the_gap_is_a_new_tube() -> None:
    first = only_when(moving(0.5, 0.0), lambda t: t < 2000)
    second = only_when(moving(0.5, 0.0), lambda t: t >= 3600)
    tubes = link_tubes(samples([(first, colour(4)), (second, colour(5))], 6), "face")
    assert len(tubes) == 2
    assert tubes[0].end_ms == 1800 and tubes[1].start_ms == 3600


def test_ambiguous_rejoin_is_not_guessed() -> None:
    # Two look-alikes leave; one comes back. Joining it to either could swap people.
    same = colour(6)
    a = only_when(moving(0.1, 0.0), lambda t: t < 1000)
    b = only_when(moving(0.6, 0.0), lambda t: t < 1000)
    c = only_when(moving(0.35, 0.0), lambda t: t >= 2600)
    tubes = link_tubes(samples([(a, same), (b, same), (c, same)], 4), "face")
    assert len(tubes) == 3


def test_short_lived_detections_are_dropped() -> None:
    rng = np.random.default_rng(0)
    noise = {t: tuple(rng.random(2) * 0.8) for t in range(0, 4000, STEP_MS) if rng.random() < 0.5}

    def flicker(t: int) -> tuple[float, float, float, float] | None:
        if t not in noise:
            return None
        x, y = noise[t]
        return (x, y, x + 0.05, y + 0.05)

    tubes = link_tubes(samples([(moving(0.1, 0.1), colour(1)), (flicker, None)], 4), "face")
    assert len(tubes) == 1
    assert tubes[0].hits == 20


def test_tubes_never_cross_a_shot_cut() -> None:
    still = moving(0.4, 0.0)
    tubes = link_tubes(samples([(still, colour(1))], 4), "face", cuts_ms=[Time(2000, MS)])
    assert [(t.start_ms, t.end_ms) for t in tubes] == [(0, 1800), (2000, 3800)]


def test_detection_run_is_accepted_and_samples_must_be_in_order() -> None:
    run = DetectionRun("person", "hog", samples([(moving(0.1, 0.1), None)], 2))
    assert run.sample_ms == STEP_MS
    assert run.detections == 10
    assert [t.label for t in link_tubes(run)] == ["person"]
    with pytest.raises(ValueError, match="time order"):
        link_tubes(list(reversed(run.samples)))


def test_min_hits_setting() -> None:
    short = only_when(moving(0.1, 0.0), lambda t: t < 400)  # two samples
    assert link_tubes(samples([(short, None)], 2), "face") == []
    kept = link_tubes(samples([(short, None)], 2), "face", settings=LinkSettings(min_hits=2))
    assert len(kept) == 1


def test_two_samples_a_second_keep_one_visible_run_and_their_gaps() -> None:
    # Sampled every 480 ms (25 fps, every 12th frame): the 500 ms bridge of 5 samples a
    # second would split every run; the tube's own bridge spans one missed sample.
    def path(t: int) -> tuple[float, float, float, float] | None:
        return None if 2000 <= t < 4400 else moving(0.5, 0.0)(t)

    (tube,) = link_tubes(samples([(path, colour(3))], 6, step_ms=480), "face")
    assert tube.bridge_ms == round(500 * 480 / 250)
    ranges = tube.visible_ranges(tail_ms=480)
    assert [(r.start.to_ms(), r.end_exclusive.to_ms()) for r in ranges] == [
        (0, 1920 + 480),
        (4800, 5760 + 480),
    ]
    assert tube.box_at(1000) is not None and tube.box_at(3000) is None
    # Two sightings are enough at this rate (0.96 s on screen), one is noise.
    brief = only_when(moving(0.1, 0.0), lambda t: t < 960)
    assert len(link_tubes(samples([(brief, None)], 3, step_ms=480), "face")) == 1
    once = only_when(moving(0.1, 0.0), lambda t: t < 480)
    assert link_tubes(samples([(once, None)], 3, step_ms=480), "face") == []


def test_five_samples_a_second_keep_the_rules_they_were_tuned_for() -> None:
    assert LinkSettings.for_sampling(STEP_MS) == LinkSettings()
    assert LinkSettings.for_sampling(208) == LinkSettings()  # 24 fps, every 5th frame
    (tube,) = link_tubes(samples([(moving(0.1, 0.1), colour(1))], 2), "face")
    assert tube.bridge_ms == 500


def test_box_at_interpolates_inside_runs_only() -> None:
    tube = Tube(
        "face",
        (
            (0, 0.1, 0.1, 0.2, 0.2, 0.9),
            (200, 0.3, 0.1, 0.4, 0.2, 0.9),
            (2000, 0.5, 0.5, 0.6, 0.6, 0.9),
        ),
        0.5,
    )
    assert tube.box_at(100) == pytest.approx((0.2, 0.1, 0.3, 0.2))
    assert tube.box_at(200) == (0.3, 0.1, 0.4, 0.2)
    assert tube.box_at(1000) is None  # 1.8 s between boxes: a gap
    assert tube.box_at(1000, bridge_ms=2000) is not None
    assert tube.box_at(-1) is None and tube.box_at(2001) is None


def test_iou_and_similarity() -> None:
    assert iou((0, 0, 1, 1), (0, 0, 1, 1)) == 1.0
    assert iou((0, 0, 0.5, 1), (0.5, 0, 1, 1)) == 0.0
    assert iou((0, 0, 0.5, 0.5), (0.25, 0.25, 0.75, 0.75)) == pytest.approx(1 / 7)
    assert similarity(colour(1), colour(1)) == pytest.approx(1.0, abs=1e-5)
    assert similarity(colour(1), colour(2)) < 0.8
    assert similarity(None, colour(1)) is None


def test_suggestions_are_object_tubes_that_survive_the_project_file() -> None:
    tubes = link_tubes(
        samples([(moving(0.1, 0.1), colour(1)), (moving(0.6, 0.0), colour(2))], 3), "face"
    )
    asset = Asset("A", "/media/clip.mp4", 1, 2, info={"duration": "3"})
    suggestions = tube_suggestions("A", tubes, "faces", sample_ms=STEP_MS)
    assert [s.label for s in suggestions] == ["Face 1", "Face 2"]
    for s, tube in zip(suggestions, tubes, strict=True):
        assert isinstance(s.payload, ObjectTube)
        assert s.payload.query == "face"
        assert [b.t_ms for b in s.payload.boxes] == [b[0] for b in tube.boxes]
        assert all(isinstance(b.t_ms, int) for b in s.payload.boxes)
        assert s.confidence == pytest.approx(tube.confidence, abs=1e-4)
        assert s.metadata["vidi"]["visible_ms"] == [[0, 3000]]
    project = Project(assets=(asset,), suggestions=tuple(suggestions))
    again = project_from_json(project_to_json(project))
    assert again.suggestions == project.suggestions


def test_boxes_straying_past_the_edge_are_clamped_in_the_payload() -> None:
    tube = Tube("person", ((0, -0.05, 0.2, 0.3, 1.02, 0.7),), 0.2)
    box = tube.to_payload().boxes[0]
    assert (box.x0, box.y1) == (0.0, 1.0)


def test_json_contract() -> None:
    tubes = link_tubes(samples([(moving(0.1, 0.1), None)], 1), "face")
    doc = tubes_to_json(tubes)
    assert doc[0]["label"] == "face"
    first = doc[0]["boxes"][1]
    assert set(first) >= {"t", "x0", "y0", "x1", "y1"}
    assert first["t"] == 0.2
    assert first["x0"] == pytest.approx(0.12)
