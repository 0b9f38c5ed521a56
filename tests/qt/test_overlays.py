"""What the viewer draws at a time: tube boxes, the crop window, subtitles (no painting)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fractions import Fraction

import pytest

from vidi_desktop.core.project.model import (
    Box,
    ObjectTube,
    ReframePath,
    ReviewState,
    SubtitleCue,
    Suggestion,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.qt.overlays import (
    FACE_COLOR,
    OVERLAY_NAMES,
    PERSON_COLOR,
    OverlayModel,
    crop_window_at,
    tube_box_at,
    tube_color,
    tube_gap_rule,
    tube_group,
)

ASSET = "asset1"


def ms(t: int) -> Fraction:
    return Fraction(t, 1000)


def span(a: str, b: str) -> TimeRange:
    return TimeRange.from_start_end(Time.exact(Fraction(a)), Time.exact(Fraction(b)))


def tube(times: list[int], query: str = "red car", x: float = 0.1) -> ObjectTube:
    """Boxes moving right 0.1 per second, 0.2 wide."""
    return ObjectTube(query, tuple(Box(t, x + t / 10000, 0.2, x + 0.2 + t / 10000, 0.5)
                                   for t in times))


def detector_tube(label: str, times: list[int]) -> Suggestion:
    return Suggestion.new(
        ASSET, tube(times, label), "builtin.tubes",
        metadata={"vidi": {"label": label, "bridge_ms": 500, "sample_ms": 200}},
    )


def with_state(s: Suggestion, state: ReviewState) -> Suggestion:
    return s.replace(state=state)


def test_box_is_interpolated_between_samples():
    t = tube([0, 200, 400])
    assert tube_box_at(t, 100, 300, 200) == pytest.approx((0.11, 0.2, 0.31, 0.5))
    assert tube_box_at(t, 200, 300, 200) == pytest.approx((0.12, 0.2, 0.32, 0.5))
    assert tube_box_at(t, 350, 300, 200) == pytest.approx((0.135, 0.2, 0.335, 0.5))


def test_box_is_hidden_in_gaps_before_and_after():
    t = tube([0, 200, 400, 2000, 2200])
    # Before the first box, nothing.
    assert tube_box_at(t, -1, 300, 200) is None
    # After a run's last box the box holds for one sampling step, then the object is gone.
    assert tube_box_at(t, 599, 300, 200) == pytest.approx((0.14, 0.2, 0.34, 0.5))
    assert tube_box_at(t, 600, 300, 200) is None
    assert tube_box_at(t, 1200, 300, 200) is None
    # It comes back with the next run, interpolated again.
    assert tube_box_at(t, 2100, 300, 200) == pytest.approx((0.31, 0.2, 0.51, 0.5))
    assert tube_box_at(t, 2399, 300, 200) is not None
    assert tube_box_at(t, 2400, 300, 200) is None


def test_gap_rule_from_metadata_or_spacing():
    s = detector_tube("face", [0, 200])
    assert tube_gap_rule(s) == (500, 200)
    # A model's tube without metadata: the median spacing is the step, 1.5x bridges jitter.
    model = Suggestion.new(ASSET, tube([0, 100, 200, 301, 400, 1500, 1600]), "qwen-vl")
    assert tube_gap_rule(model) == (150, 100)
    lone = Suggestion.new(ASSET, tube([500]), "qwen-vl")
    assert tube_gap_rule(lone) == (300, 200)


def test_groups_and_colours():
    face = detector_tube("face", [0, 200])
    person = detector_tube("person", [0, 200])
    car = Suggestion.new(ASSET, tube([0, 200]), "qwen-vl")
    assert tube_group(face) == tube_group(person) == "faces"
    assert tube_group(car) == "tubes"
    model = OverlayModel((face, person, car))
    frame = model.at(ms(100))
    colours = {b.suggestion_id: b.color for b in frame.boxes}
    assert colours == {face.id: FACE_COLOR, person.id: PERSON_COLOR, car.id: tube_color()}
    assert len({FACE_COLOR, PERSON_COLOR, tube_color()}) == 3
    labels = {b.suggestion_id: b.label for b in frame.boxes}
    assert labels[car.id] == "red car" and labels[face.id] == "face"
    # Each group toggles on its own.
    only_tubes = model.at(ms(100), visible={"tubes"})
    assert [b.suggestion_id for b in only_tubes.boxes] == [car.id]
    only_faces = model.at(ms(100), visible={"faces"})
    assert {b.suggestion_id for b in only_faces.boxes} == {face.id, person.id}


def test_model_hides_tubes_in_their_gaps():
    s = detector_tube("face", [0, 200, 400, 2000, 2200])  # bridge 500, sample 200
    model = OverlayModel((s,))
    assert len(model.at(ms(300)).boxes) == 1
    assert len(model.at(ms(599)).boxes) == 1
    assert model.at(ms(1000)).boxes == ()
    assert len(model.at(ms(2100)).boxes) == 1


def test_only_accepted_and_pending_are_drawn():
    pending = Suggestion.new(ASSET, tube([0, 200], "a"), "m")
    accepted = with_state(Suggestion.new(ASSET, tube([0, 200], "b"), "m"), ReviewState.ACCEPTED)
    rejected = with_state(Suggestion.new(ASSET, tube([0, 200], "c"), "m"), ReviewState.REJECTED)
    cue_rejected = with_state(
        Suggestion.new(ASSET, SubtitleCue(span("0", "1"), "no"), "m"), ReviewState.REJECTED
    )
    frame = OverlayModel((pending, accepted, rejected, cue_rejected), selected=accepted.id).at(
        ms(100)
    )
    by_id = {b.suggestion_id: b for b in frame.boxes}
    assert set(by_id) == {pending.id, accepted.id}
    assert by_id[accepted.id].accepted and by_id[accepted.id].selected
    assert not by_id[pending.id].accepted and not by_id[pending.id].selected
    assert frame.captions == ()


def test_other_assets_are_left_out():
    mine = Suggestion.new(ASSET, tube([0, 200]), "m")
    theirs = Suggestion.new("other", tube([0, 200]), "m")
    model = OverlayModel.for_asset((mine, theirs), ASSET)
    assert [b.suggestion_id for b in model.at(ms(100)).boxes] == [mine.id]


def test_subtitle_at_time_end_exclusive():
    a = Suggestion.new(ASSET, SubtitleCue(span("0.5", "1.5"), "hello"), "t")
    b = Suggestion.new(ASSET, SubtitleCue(span("1.5", "2"), "world"), "t")
    long = Suggestion.new(ASSET, SubtitleCue(span("0", "10"), "music"), "t")
    model = OverlayModel((b, a))
    assert model.at(Fraction(1, 2)).captions[0].text == "hello"
    assert [c.text for c in model.at(Fraction(149, 100)).captions] == ["hello"]
    assert [c.text for c in model.at(Fraction(3, 2)).captions] == ["world"]
    assert model.at(Fraction(2)).captions == ()
    assert model.at(Fraction(49, 100)).captions == ()
    # A long cue that started long ago is still found, alongside a short one.
    both = OverlayModel((long, a, b))
    assert [c.text for c in both.at(Fraction(1)).captions] == ["music", "hello"]
    assert "subtitles" in OVERLAY_NAMES
    assert both.at(Fraction(1), visible={"tubes"}).captions == ()


def test_a_cue_starting_inside_the_frame_shows_on_that_frame():
    """Frame 5 of 30 fps covers [1/6, 1/5) s: a cue from 0.18 s shows on it, not on frame 6."""
    cue = Suggestion.new(ASSET, SubtitleCue(span("0.18", "1"), "Hello."), "t")
    model = OverlayModel((cue,))
    frame5, frame6 = Fraction(5, 30), Fraction(6, 30)
    assert model.at(frame5).captions == ()  # the instant alone is before the cue
    assert [c.text for c in model.at(frame5, until=frame6).captions] == ["Hello."]
    assert model.at(Fraction(4, 30), until=frame5).captions == ()
    # A cue that ended exactly at the frame's start is gone.
    gone = Suggestion.new(ASSET, SubtitleCue(span("0", "0.2"), "bye"), "t")
    assert OverlayModel((gone,)).at(frame6, until=Fraction(7, 30)).captions == ()


def path(
    aspect: str = "9:16", end_ms: int | None = 4000, cuts: tuple[int, ...] = ()
) -> ReframePath:
    return ReframePath(
        aspect,
        ((0, 0.1, 0.0, 0.4, 1.0), (2000, 0.5, 0.0, 0.8, 1.0), (3000, 0.2, 0.0, 0.5, 1.0)),
        cuts,
        end_ms,
    )


def test_crop_window_moves_and_stops_at_the_end():
    p = path()
    assert crop_window_at(p, 1000) == pytest.approx((0.3, 0.0, 0.6, 1.0))
    assert crop_window_at(p, 3500) == pytest.approx((0.2, 0.0, 0.5, 1.0))  # last holds
    assert crop_window_at(p, 4000) is None  # end_ms is exclusive
    with_cut = path(cuts=(3000,))
    assert crop_window_at(with_cut, 2999) == pytest.approx((0.5, 0.0, 0.8, 1.0))  # held
    assert crop_window_at(with_cut, 3000) == pytest.approx((0.2, 0.0, 0.5, 1.0))  # jumps


def test_one_crop_path_at_a_time_selected_first_then_accepted():
    first = Suggestion.new(ASSET, path("9:16"), "r")
    second = with_state(Suggestion.new(ASSET, path("1:1"), "r"), ReviewState.ACCEPTED)
    rejected = with_state(Suggestion.new(ASSET, path("4:5"), "r"), ReviewState.REJECTED)
    assert OverlayModel((first, second, rejected)).at(Fraction(1)).crop.aspect == "1:1"
    chosen = OverlayModel((first, second), selected=first.id).at(Fraction(1)).crop
    assert chosen.aspect == "9:16" and not chosen.accepted
    assert OverlayModel((first,)).at(Fraction(1)).crop.aspect == "9:16"
    assert OverlayModel((rejected,)).at(Fraction(1)).crop is None
    assert OverlayModel((first,)).at(Fraction(1), visible={"tubes"}).crop is None


def test_empty_model_draws_nothing():
    assert OverlayModel().at(Fraction(3)).empty
