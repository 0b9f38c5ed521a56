"""A highlight made of several ranges (its silences cut out): stored, accepted, exported and
rendered as those ranges played back to back; files without parts read as before."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from interchange_fixtures import make_asset

from vidi_desktop.core.errors import CorruptProjectError
from vidi_desktop.core.project import (
    HighlightClip,
    Project,
    ProjectDocument,
    ReviewState,
    Suggestion,
    dumps,
    loads,
    project_to_json,
)
from vidi_desktop.core.time import TimeRange
from vidi_desktop.interchange.timeline import (
    TimelineOptions,
    build_highlight_timelines,
    build_timeline,
)

R = Fraction(25)


def frames(f: int, e: int) -> TimeRange:
    return TimeRange.from_frames(f, e, R)


def spans(timeline) -> list[tuple[int, int]]:
    return [(c.first, c.end) for c in timeline.clips]


@pytest.fixture
def asset():
    return make_asset(R, 250, "10:00:00:00")


def dense(start: int = 0) -> HighlightClip:
    """Frames start..start+100 with two silences cut out: three parts, 60 frames played."""
    parts = (frames(start, start + 20), frames(start + 40, start + 60),
             frames(start + 80, start + 100))
    return HighlightClip(frames(start, start + 100), "Honey bees", 0.8, parts)


def project_with(asset, *payloads: HighlightClip, state: str = "pending") -> Project:
    suggestions = tuple(
        Suggestion.new(asset.id, p, "test").replace(state=ReviewState(state)) for p in payloads
    )
    return Project(assets=(asset,), suggestions=suggestions)


def test_parts_round_trip_through_the_project_file(asset) -> None:
    p = project_with(asset, dense())
    doc = json.loads(dumps(p))
    assert len(doc["suggestions"][0]["payload"]["parts"]) == 3
    assert loads(dumps(p)) == p
    assert loads(dumps(p)).suggestions[0].payload.played() == Fraction(60, 25)


def test_a_highlight_without_parts_is_written_and_read_as_before(asset) -> None:
    p = project_with(asset, HighlightClip(frames(0, 50), "Old", 0.5))
    doc = project_to_json(p)
    assert set(doc["suggestions"][0]["payload"]) == {"range", "title", "score"}
    (s,) = loads(json.dumps(doc).encode()).suggestions
    assert s.payload.parts == () and s.payload.edit_ranges() == (frames(0, 50),)


@pytest.mark.parametrize(
    ("parts", "why"),
    [
        ([(0, 20), (10, 30)], "in order and must not overlap"),
        ([(20, 30), (0, 10)], "in order and must not overlap"),
        ([(0, 20), (90, 120)], "inside the highlight's range"),
        ([(0, 20), (30, 30)], "must not be empty"),
    ],
)
def test_bad_parts_are_refused_with_their_place(asset, parts, why) -> None:
    doc = project_to_json(project_with(asset, dense()))
    doc["suggestions"][0]["payload"]["parts"] = [frames(a, b).to_json() for a, b in parts]
    with pytest.raises(CorruptProjectError, match=rf"p\.vidi: suggestions\[0\]\.payload: .*{why}"):
        loads(json.dumps(doc).encode(), "p.vidi")


def test_accepting_adds_one_edit_clip_per_part_and_undo_takes_them_back(asset) -> None:
    doc = ProjectDocument(project_with(asset, dense()))
    sid = doc.project.suggestions[0].id
    doc.accept([sid])
    assert [c.range for c in doc.project.edit] == list(dense().parts)
    assert {c.suggestion_id for c in doc.project.edit} == {sid}
    doc.undo()
    assert doc.project.edit == ()
    doc.redo()
    doc.reject([sid])
    assert doc.project.edit == ()


def test_the_edit_timeline_plays_the_parts_back_to_back(asset) -> None:
    p = project_with(asset, dense(), state="accepted")
    tl = build_timeline(p, TimelineOptions(kinds=("highlights",)))
    assert spans(tl) == [(0, 20), (40, 60), (80, 100)]
    assert [(c.record_in, c.record_out) for c in tl.clips] == [(0, 20), (20, 40), (40, 60)]
    assert {c.name for c in tl.clips} == {f"{asset.name} - Honey bees"}


def test_one_timeline_per_highlight_holds_its_parts(asset) -> None:
    p = project_with(asset, dense(120), HighlightClip(frames(0, 50), "Whole"), state="accepted")
    first, second = build_highlight_timelines(p)
    assert spans(first) == [(0, 50)]
    assert spans(second) == [(120, 140), (160, 180), (200, 220)]


def test_a_pending_highlight_as_disabled_clips_keeps_its_parts(asset) -> None:
    kept = Suggestion.new(asset.id, HighlightClip(frames(200, 240), "Kept"), "test").replace(
        state=ReviewState.ACCEPTED)
    p = Project(assets=(asset,), suggestions=(kept, *project_with(asset, dense()).suggestions))
    tl = build_timeline(p, TimelineOptions(include="all", pending_as="disabled"))
    assert [(c.first, c.end, c.enabled) for c in tl.clips] == [
        (200, 240, True), (0, 20, False), (40, 60, False), (80, 100, False)]


def test_a_rendered_highlight_plays_exactly_its_parts(make_clip, tmp_path) -> None:
    """A generated clip whose frames carry their number: the render holds the parts' frames
    and nothing of the silences between them."""
    import av

    from vidi_desktop.interchange.render import render
    from vidi_desktop.media.probe import probe
    from vidi_desktop.media.synth import read_frame_number
    from vidi_desktop.services.analyze import asset_from_probe

    path = make_clip("numbered-80.mp4", frames=80, rate=25, size=(320, 240), gop=20)
    asset = asset_from_probe(probe(path))
    hl = HighlightClip(frames(5, 60), "Two parts", 0.5, (frames(5, 25), frames(50, 60)))
    (tl,) = build_highlight_timelines(project_with(asset, hl, state="accepted"))
    out = render(tl, tmp_path / "hl.mp4")
    assert out.frames == 30 and out.frame_exact
    with av.open(str(tmp_path / "hl.mp4")) as c:
        shown = [read_frame_number(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert shown == [*range(5, 25), *range(50, 60)]
