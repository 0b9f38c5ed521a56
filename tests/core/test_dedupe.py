"""Re-running a request is idempotent: equal suggestions are not added again, decisions stay."""

from __future__ import annotations

from fractions import Fraction

from vidi_desktop.core.project import (
    Answer,
    Asset,
    Box,
    CutRange,
    ObjectTube,
    Project,
    ProjectDocument,
    ReviewState,
    SceneBoundary,
    SubtitleCue,
    Suggestion,
)
from vidi_desktop.core.project.dedupe import add_new_suggestions, frame_of, split_new
from vidi_desktop.core.time import Time, TimeRange

FRAME = Fraction(1, 25)


def clip(rate: str = "25") -> Asset:
    info = {"duration_exact": "10", "video": {"rate": rate, "frames": 250}}
    return Asset.new("/media/a.mp4", 1000, 42, info=info)


def secs(start: Fraction | str, end: Fraction | str) -> TimeRange:
    return TimeRange.from_start_end(Time.exact(Fraction(start)), Time.exact(Fraction(end)))


def cut(asset: Asset, start: Fraction | str, end: Fraction | str, **kw: object) -> Suggestion:
    return Suggestion.new(asset.id, CutRange(secs(start, end)), "silence", **kw)  # type: ignore[arg-type]


def document_with(*suggestions: Suggestion, asset: Asset) -> ProjectDocument:
    return ProjectDocument(Project(assets=(asset,), suggestions=suggestions))


def test_a_suggestion_equal_to_an_existing_one_is_not_added() -> None:
    a = clip()
    doc = document_with(cut(a, 1, 2), asset=a)
    outcome = add_new_suggestions(doc, [cut(a, 1, 2), cut(a, 3, 4)])
    assert outcome.summary() == "1 new, 1 already there"
    assert sorted(s.payload.range.start.seconds for s in doc.project.suggestions) == [1, 3]


def test_times_less_than_a_frame_apart_are_the_same_and_a_whole_frame_is_not() -> None:
    a = clip()
    doc = document_with(cut(a, 1, 2), asset=a)
    nudged = cut(a, 1 + FRAME * Fraction(99, 100), 2 - FRAME / 2)
    moved = cut(a, 1 + FRAME, 2)
    new, already = split_new(doc.project, [nudged, moved])
    assert already == [nudged] and new == [moved]


def test_the_frame_is_the_assets_own() -> None:
    ntsc = clip("30000/1001")
    assert frame_of(ntsc) == Fraction(1001, 30000)
    doc = document_with(cut(ntsc, 1, 2), asset=ntsc)
    # 1/25 s apart is more than one 29.97 frame: another cut there, the same one at 25 fps.
    new, _ = split_new(doc.project, [cut(ntsc, 1 + FRAME * Fraction(9, 10), 2)])
    assert len(new) == 1


def test_origin_and_confidence_do_not_count_but_the_payload_does() -> None:
    a = clip()
    doc = document_with(cut(a, 1, 2, confidence=0.5, label="silence"), asset=a)
    same = cut(a, 1, 2, confidence=0.9, label="pause", request="remove the silences")
    keep = Suggestion.new(a.id, CutRange(secs(1, 2), "keep"), "silence")
    new, already = split_new(doc.project, [same, keep])
    assert already == [same] and new == [keep]


def test_other_kinds_and_texts_are_new() -> None:
    a = clip()
    cue = Suggestion.new(a.id, SubtitleCue(secs(1, 2), "hello"), "subs")
    doc = document_with(cue, asset=a)
    other_text = Suggestion.new(a.id, SubtitleCue(secs(1, 2), "hullo"), "subs")
    same_text = Suggestion.new(a.id, SubtitleCue(secs(1, 2), "hello"), "subs")
    boundary = Suggestion.new(a.id, SceneBoundary(Time.exact(Fraction(1))), "shots")
    new, already = split_new(doc.project, [other_text, same_text, boundary])
    assert new == [other_text, boundary] and already == [same_text]


def test_tubes_compare_box_by_box() -> None:
    a = clip()
    tube = ObjectTube("car", (Box(0, 0.1, 0.1, 0.5, 0.5), Box(400, 0.2, 0.1, 0.6, 0.5)))
    doc = document_with(Suggestion.new(a.id, tube, "vlm"), asset=a)
    moved = ObjectTube("car", (Box(0, 0.1, 0.1, 0.5, 0.5), Box(400, 0.3, 0.1, 0.7, 0.5)))
    new, already = split_new(
        doc.project,
        [Suggestion.new(a.id, tube, "vlm"), Suggestion.new(a.id, moved, "vlm")],
    )
    assert [s.payload for s in already] == [tube] and [s.payload for s in new] == [moved]


def test_existing_decisions_never_change() -> None:
    a = clip()
    accepted, rejected = cut(a, 1, 2), cut(a, 3, 4)
    doc = document_with(accepted, rejected, asset=a)
    doc.accept([accepted.id])
    doc.reject([rejected.id])
    before = doc.project
    depth = doc.undo_stack.count
    outcome = add_new_suggestions(doc, [cut(a, 1, 2), cut(a, 3, 4)])
    assert outcome.added == () and len(outcome.already) == 2
    assert doc.project is before  # nothing changed, not even the edit
    assert doc.undo_stack.count == depth  # and no empty undo step
    assert doc.project.suggestion(accepted.id).state is ReviewState.ACCEPTED
    assert doc.project.suggestion(rejected.id).state is ReviewState.REJECTED


def test_accept_all_never_accepts_answers() -> None:
    a = clip()
    answer = Suggestion.new(a.id, Answer("No face found"), "builtin")
    doc = document_with(answer, cut(a, 1, 2), asset=a)
    assert len(doc.accept_all()) == 1
    assert len(doc.accept_all("answer")) == 0
    assert doc.project.suggestion(answer.id).state is ReviewState.PENDING
