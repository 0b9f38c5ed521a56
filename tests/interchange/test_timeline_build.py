"""Which ranges become clips and which suggestions become markers, one behaviour per test."""

from __future__ import annotations

from fractions import Fraction

import pytest
from interchange_fixtures import make_asset

from vidi_desktop.core.project import (
    Answer,
    Box,
    Chapter,
    CutRange,
    EditClip,
    HighlightClip,
    ObjectTube,
    Project,
    ReviewState,
    SceneBoundary,
    SilenceCut,
    SpeechRange,
    Suggestion,
)
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.interchange.errors import ExportError, NothingAcceptedError
from vidi_desktop.interchange.timeline import (
    TimelineOptions,
    build_highlight_timelines,
    build_timeline,
    expand_kinds,
)

R = Fraction(25)


def frames(f: int, e: int) -> TimeRange:
    return TimeRange.from_frames(f, e, R)


def sug(asset, payload, state="accepted", **kw) -> Suggestion:
    s = Suggestion.new(asset.id, payload, "test", **kw)
    return s.replace(state=ReviewState(state))


def spans(timeline) -> list[tuple[int, int]]:
    return [(c.first, c.end) for c in timeline.clips]


@pytest.fixture
def asset():
    return make_asset(R, 250, "10:00:00:00")


def test_the_edit_is_exported_in_play_order(asset) -> None:
    edit = (EditClip.new(asset.id, frames(100, 150)), EditClip.new(asset.id, frames(0, 25)))
    tl = build_timeline(Project(assets=(asset,), edit=edit))
    assert spans(tl) == [(100, 150), (0, 25)]
    assert [(c.record_in, c.record_out) for c in tl.clips] == [(0, 50), (50, 75)]
    assert tl.start == 90000  # 01:00:00:00 at 25 fps


def test_record_start_is_an_option(asset) -> None:
    edit = (EditClip.new(asset.id, frames(0, 25)),)
    tl = build_timeline(Project(assets=(asset,), edit=edit),
                        TimelineOptions(record_start="00:00:10:00"))
    assert tl.start == 250 and tl.record_timecode(0) == "00:00:10:00"


def test_cuts_are_removed_from_the_whole_file(asset) -> None:
    p = Project(assets=(asset,), suggestions=(
        sug(asset, CutRange(frames(50, 75), "cut")), sug(asset, CutRange(frames(200, 250), "cut")),
    ))
    assert spans(build_timeline(p)) == [(0, 50), (75, 200)]


def test_keeps_minus_cuts(asset) -> None:
    p = Project(assets=(asset,), suggestions=(
        sug(asset, CutRange(frames(10, 100), "keep")), sug(asset, CutRange(frames(40, 60), "cut")),
    ))
    assert spans(build_timeline(p)) == [(10, 40), (60, 100)]


def test_every_shot_becomes_an_event(asset) -> None:
    p = Project(assets=(asset,), suggestions=(
        sug(asset, SceneBoundary(Time(50, 1 / R)), "pending"),
        sug(asset, SceneBoundary(Time(120, 1 / R)), "pending"),
    ))
    tl = build_timeline(p, TimelineOptions(include="all", kinds=("shots",)))
    assert spans(tl) == [(0, 50), (50, 120), (120, 250)]
    assert all(c.kind == "shot" for c in tl.clips)


def test_silences_alone_remove_the_silences(asset) -> None:
    p = Project(assets=(asset,), suggestions=(
        sug(asset, SilenceCut(frames(0, 20)), "pending"),
        sug(asset, SilenceCut(frames(90, 130)), "pending"),
        sug(asset, CutRange(frames(200, 210), "cut"), "pending"),  # a word cut: not a silence
        sug(asset, Chapter(frames(0, 250), "all")),
    ))
    tl = build_timeline(p, TimelineOptions(include="pending", kinds=("silences",)))
    assert spans(tl) == [(20, 90), (130, 250)]
    every_cut = build_timeline(p, TimelineOptions(include="pending", kinds=("cuts",)))
    assert spans(every_cut) == [(20, 90), (130, 200), (210, 250)]


def test_speech_is_information_its_markers_on_the_whole_file(asset) -> None:
    p = Project(assets=(asset,), suggestions=(
        sug(asset, SpeechRange(frames(20, 90)), "pending"),
        sug(asset, SilenceCut(frames(90, 130)), "pending"),
    ))
    tl = build_timeline(p, TimelineOptions(include="pending", kinds=("speech",)))
    assert spans(tl) == [(0, 250)]
    assert [m.name for c in tl.clips for m in c.markers] == ["[pending] Speech"]


def test_pending_asked_for_but_only_accepted_selected_says_how_to_get_them(asset) -> None:
    p = Project(assets=(asset,), suggestions=(sug(asset, SceneBoundary(Time(50, 1 / R)),
                                                  "pending"),))
    with pytest.raises(ExportError, match=r"1 pending.*--include"):
        build_timeline(p, TimelineOptions(kinds=("shots",)))


def test_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(ExportError, match=r"unknown kind 'explosions'.*shots"):
        expand_kinds(["explosions"])


def test_several_files_on_one_timeline() -> None:
    a = make_asset(R, 100, "01:00:00:00", path="/m/a.mov")
    b = make_asset(R, 100, "02:00:00:00", path="/m/b.mov")
    edit = (EditClip.new(a.id, frames(0, 10)), EditClip.new(b.id, frames(5, 15)),
            EditClip.new(a.id, frames(50, 60)))
    tl = build_timeline(Project(assets=(a, b), edit=edit))
    assert [c.source.name for c in tl.clips] == ["a.mov", "b.mov", "a.mov"]
    assert [c.source.timecode(c.first) for c in tl.clips] == [
        "01:00:00:00", "02:00:00:05", "01:00:02:00"]
    assert list(tl.reels().values()) == ["a", "b"]


def test_a_clip_at_another_rate_is_conformed_on_the_record_side() -> None:
    a = make_asset(R, 100, path="/m/a.mov")
    b = make_asset(Fraction(50), 200, path="/m/b.mov")
    edit = (EditClip.new(a.id, frames(0, 10)),
            EditClip.new(b.id, TimeRange.from_frames(0, 50, 50)))
    tl = build_timeline(Project(assets=(a, b), edit=edit))
    assert [(c.count, c.record_count) for c in tl.clips] == [(10, 10), (50, 25)]


def test_markers_carry_the_suggestion(asset) -> None:
    tube = ObjectTube("red car", (Box(2000, .1, .1, .3, .3), Box(2400, .2, .1, .4, .3)))
    p = Project(assets=(asset,), suggestions=(
        sug(asset, CutRange(frames(0, 100), "keep")),
        sug(asset, tube, request="every moment the red car is visible", confidence=0.8),
        sug(asset, SceneBoundary(Time(20, 1 / R), "dissolve", Time(5, 1 / R))),
        sug(asset, Chapter(frames(10, 200), "Intro")),
        sug(asset, Answer("It is red.", (frames(30, 31),))),
    ))
    (clip,) = build_timeline(p).clips
    by_kind = {m.kind: m for m in clip.markers}
    assert [m.offset for m in clip.markers] == [10, 20, 30, 50]
    assert by_kind["chapter"].duration == 90  # cut at the clip's end
    tube_meta = by_kind["object_tube"].metadata
    assert tube_meta["request"] == "every moment the red car is visible"
    assert tube_meta["payload"]["boxes"][0] == [2000, .1, .1, .3, .3]
    assert by_kind["object_tube"].duration == 10  # 2.0 s … 2.4 s
    assert by_kind["scene_boundary"].name == "Dissolve"
    assert "confidence 0.80" in by_kind["object_tube"].note


def test_a_marker_shows_on_every_use_of_its_frames(asset) -> None:
    edit = (EditClip.new(asset.id, frames(0, 50)), EditClip.new(asset.id, frames(0, 50)))
    p = Project(assets=(asset,), edit=edit,
                suggestions=(sug(asset, SceneBoundary(Time(25, 1 / R))),))
    tl = build_timeline(p)
    assert [[m.offset for m in c.markers] for c in tl.clips] == [[25], [25]]


def test_pending_suggestions_can_be_markers_or_disabled_clips(asset) -> None:
    p = Project(assets=(asset,), suggestions=(
        sug(asset, HighlightClip(frames(0, 50), "kept")),
        sug(asset, HighlightClip(frames(100, 150), "maybe"), "pending"),
        sug(asset, HighlightClip(frames(200, 220), "no"), "rejected"),
    ))
    as_markers = build_timeline(p, TimelineOptions(include="all", pending_as="markers"))
    assert spans(as_markers) == [(0, 50)]
    disabled = build_timeline(p, TimelineOptions(include="all", pending_as="disabled"))
    assert [(c.first, c.enabled, c.state) for c in disabled.clips] == [
        (0, True, "accepted"), (100, False, "pending"), (200, False, "rejected")]
    as_clips = build_timeline(p, TimelineOptions(include="all"))
    assert spans(as_clips) == [(0, 50), (100, 150)]


def test_pending_cuts_in_an_edit_become_markers(asset) -> None:
    edit = (EditClip.new(asset.id, frames(0, 100)),)
    p = Project(assets=(asset,), edit=edit,
                suggestions=(sug(asset, CutRange(frames(40, 60), "cut"), "pending"),))
    (clip,) = build_timeline(p, TimelineOptions(include="all")).clips
    (marker,) = clip.markers
    assert (marker.offset, marker.duration, marker.name) == (40, 20, "[pending] Cut")


def test_one_timeline_per_highlight(asset) -> None:
    p = Project(assets=(asset,), suggestions=(
        sug(asset, HighlightClip(frames(100, 150), "second")),
        sug(asset, HighlightClip(frames(0, 50), "first")),
        sug(asset, HighlightClip(frames(25, 75), "overlapping is fine here")),
    ))
    tls = build_highlight_timelines(p)
    assert [spans(t) for t in tls] == [[(0, 50)], [(25, 75)], [(100, 150)]]
    assert tls[0].name.endswith("first")


def test_reframe_suggestions_are_read_by_kind_name(asset) -> None:
    """The ReframePath payload is another engineer's: a stand-in of the same kind is used."""
    from dataclasses import dataclass
    from typing import ClassVar

    from vidi_desktop.core.project import Payload

    @dataclass(frozen=True)
    class FakeReframe(Payload):
        kind: ClassVar[str] = "reframe_path"

        def extent(self):
            return frames(0, 250)

        def to_json(self):
            return {"aspect": "9:16", "keyframes": [[0, 0.0, 0.0, 0.3, 1.0],
                                                    [4000, 0.7, 0.0, 1.0, 1.0]]}

    edit = (EditClip.new(asset.id, frames(0, 100)),)
    p = Project(assets=(asset,), edit=edit, suggestions=(sug(asset, FakeReframe()),))
    tl = build_timeline(p)
    assert (tl.width, tl.height) == (1080, 1920)
    keys = tl.clips[0].reframe.keys
    assert keys[0].offset == 0 and keys[-1].offset == 99
    assert keys[0].x0 == 0.0 and abs(keys[-1].x0 - 0.7 * 99 / 100) < 1e-6


def test_nothing_accepted_is_refused_with_what_is_pending(asset) -> None:
    p = Project(assets=(asset,), suggestions=(sug(asset, CutRange(frames(0, 10)), "pending"),))
    with pytest.raises(NothingAcceptedError, match=r"nothing accepted shapes the edit "
                       r"\(1 cut range pending\)") as err:
        build_timeline(p)
    assert err.value.pending == {"cut_range": 1}
    cut = build_timeline(p, TimelineOptions(include="pending"))
    assert spans(cut) == [(10, 250)] and not any("whole" in w for w in cut.warnings)


def test_whole_asks_for_the_files_uncut_with_the_cuts_as_markers(asset) -> None:
    p = Project(assets=(asset,), suggestions=(sug(asset, CutRange(frames(0, 10)), "pending"),))
    tl = build_timeline(p, TimelineOptions(whole=True))
    assert spans(tl) == [(0, 250)] and tl.warnings == ()
    accepted = p.replace(suggestions=tuple(s.replace(state="accepted") for s in p.suggestions))
    tl = build_timeline(accepted, TimelineOptions(whole=True))
    assert spans(tl) == [(0, 250)]
    assert [m.name for c in tl.clips for m in c.markers] == ["Cut"]


def test_accepted_markers_alone_export_the_whole_file_and_say_so(asset) -> None:
    p = Project(assets=(asset,), suggestions=(sug(asset, Chapter(frames(0, 10), "Intro")),))
    tl = build_timeline(p)
    assert spans(tl) == [(0, 250)]
    assert any("exported whole" in w for w in tl.warnings)


def test_a_crop_path_applies_only_when_kind_names_it(asset) -> None:
    from vidi_desktop.core.project.model import ReframePath

    crop = ReframePath("9:16", ((0, 0.3, 0.0, 0.6, 1.0),), (), 10_000)
    p = Project(assets=(asset,), suggestions=(
        sug(asset, HighlightClip(frames(0, 50), "best")),
        sug(asset, crop),
    ))
    alone = build_timeline(p, TimelineOptions(kinds=("highlights",)))
    assert [c.reframe for c in alone.clips] == [None]
    both = build_timeline(p, TimelineOptions(kinds=("highlights", "reframe")))
    assert both.clips[0].reframe is not None
    (per_highlight,) = build_highlight_timelines(p, TimelineOptions(kinds=("highlights",)))
    assert per_highlight.clips[0].reframe is None


def test_a_real_reframe_path_holds_and_jumps_at_its_cuts(asset) -> None:
    from vidi_desktop.core.project.model import ReframePath
    # Left window until the cut at 2 s (frame 50), then the right window.
    payload = ReframePath("9:16", ((0, 0.0, 0.0, 0.3, 1.0), (1000, 0.0, 0.0, 0.3, 1.0),
                                (2000, 0.7, 0.0, 1.0, 1.0)), (2000,), 10_000)
    edit = (EditClip.new(asset.id, frames(25, 75)),)
    p = Project(assets=(asset,), edit=edit, suggestions=(sug(asset, payload),))
    (clip,) = build_timeline(p).clips
    keys = {k.offset: k.x0 for k in clip.reframe.keys}
    assert keys == {0: 0.0, 24: 0.0, 25: 0.7, 49: 0.7}  # frame 49 = before the cut, 50 = cut
    for offset in range(50):
        want = payload.window_at(round((25 + offset) * 40))
        assert clip.reframe.window_at(offset) == pytest.approx(want)
