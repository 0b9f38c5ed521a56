"""A scoped result keeps only what lies in its scope; a marked range becomes an accepted edit."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vidi_desktop.core.project import (
    Answer,
    Asset,
    Box,
    Chapter,
    CutRange,
    HighlightClip,
    ObjectTube,
    Project,
    ProjectDocument,
    ProjectEditError,
    ReviewState,
    SceneBoundary,
    SilenceCut,
    SpeechRange,
    SubtitleCue,
    Suggestion,
)
from vidi_desktop.core.project.manual import MARKS_SOURCE, add_accepted_range
from vidi_desktop.core.project.scope import scope_suggestions
from vidi_desktop.core.time import Time, TimeRange

TB = Fraction(1, 25)
SCOPE = TimeRange.from_start_end(Time(100, TB), Time(200, TB))  # 4 s – 8 s


def fr(start: int, end: int) -> TimeRange:
    return TimeRange.from_start_end(Time(start, TB), Time(end, TB))


def s(payload: object) -> Suggestion:
    return Suggestion.new("A", payload, "test")  # type: ignore[arg-type]


def scoped(payload: object) -> object:
    out = scope_suggestions([s(payload)], SCOPE)
    return out[0].payload if out else None


# -- scope ---------------------------------------------------------------------------------------


def test_cut_ranges_are_clipped_to_the_scope() -> None:
    assert scoped(SilenceCut(fr(90, 120))) == SilenceCut(fr(100, 120))
    assert scoped(CutRange(fr(150, 260), "keep")) == CutRange(fr(150, 200), "keep")
    assert scoped(SpeechRange(fr(50, 300))) == SpeechRange(SCOPE)
    assert scoped(Chapter(fr(190, 250), "Part 2")) == Chapter(fr(190, 200), "Part 2")


def test_ranges_outside_or_touching_the_scope_are_dropped() -> None:
    assert scoped(SilenceCut(fr(10, 100))) is None  # ends where the scope starts
    assert scoped(CutRange(fr(200, 210))) is None  # starts at the exclusive end


def test_instants_count_from_in_up_to_but_not_including_out() -> None:
    assert scoped(SceneBoundary(Time(100, TB))) is not None
    assert scoped(SceneBoundary(Time(199, TB))) is not None
    assert scoped(SceneBoundary(Time(200, TB))) is None
    assert scoped(SceneBoundary(Time(99, TB))) is None


def test_highlights_stay_whole_and_cues_go_by_their_start() -> None:
    assert scoped(HighlightClip(fr(120, 180), "in")) is not None
    assert scoped(HighlightClip(fr(120, 220), "past out")) is None
    assert scoped(SubtitleCue(fr(190, 230), "starts inside")) == SubtitleCue(
        fr(190, 230), "starts inside"
    )
    assert scoped(SubtitleCue(fr(90, 130), "starts before")) is None


def test_tubes_keep_their_boxes_inside_and_answers_stay() -> None:
    tube = ObjectTube("face", (Box(3000, 0, 0, 1, 1), Box(5000, 0, 0, 1, 1), Box(9000, 0, 0, 1, 1)))
    assert scoped(tube) == ObjectTube("face", (Box(5000, 0, 0, 1, 1),))
    assert scoped(ObjectTube("face", (Box(1000, 0, 0, 1, 1),))) is None
    assert scoped(Answer("No face found.")) == Answer("No face found.")


def test_scoping_twice_changes_nothing() -> None:
    items = [s(SilenceCut(fr(90, 120))), s(SceneBoundary(Time(150, TB)))]
    once = scope_suggestions(items, SCOPE)
    assert scope_suggestions(once, SCOPE) == once


# -- add cut / keep from the marks -------------------------------------------------------------


def document() -> ProjectDocument:
    a = Asset("A", "/media/a.mp4", 100, 1, info={"duration": "10", "start": "0"})
    return ProjectDocument(Project(assets=(a,), name="T"))


def test_a_marked_cut_is_accepted_and_the_edit_follows_in_one_step() -> None:
    doc = document()
    cut = add_accepted_range(doc, "A", fr(50, 75), "cut")
    assert cut.state is ReviewState.ACCEPTED and cut.source == MARKS_SOURCE
    assert cut.payload == CutRange(fr(50, 75), "cut")
    assert [c.range for c in doc.project.edit] == [fr(0, 50), fr(75, 250)]
    assert doc.undo_stack.undo_text == "Add cut from I/O"
    doc.undo()
    assert doc.project.suggestions == () and doc.project.edit == ()


def test_a_marked_keep_puts_the_range_in_the_edit() -> None:
    doc = document()
    add_accepted_range(doc, "A", fr(50, 75), "keep")
    assert [c.range for c in doc.project.edit] == [fr(50, 75)]


def test_marking_what_a_pending_suggestion_proposes_accepts_it_instead_of_a_twin() -> None:
    doc = document()
    pending = s(CutRange(fr(50, 75)))
    doc.add_suggestions([pending])
    got = add_accepted_range(doc, "A", fr(50, 75), "cut")
    assert got.id == pending.id and got.state is ReviewState.ACCEPTED
    assert len(doc.project.suggestions) == 1


def test_a_range_outside_the_file_changes_nothing() -> None:
    doc = document()
    with pytest.raises(ProjectEditError, match="outside"):
        add_accepted_range(doc, "A", fr(300, 320), "cut")
    assert doc.project.suggestions == () and not doc.is_modified


# -- run again ---------------------------------------------------------------------------------


def ran(payload: object, request: str = "remove the silences") -> Suggestion:
    return Suggestion.new("A", payload, "builtin", request=request)  # type: ignore[arg-type]


def test_run_again_replaces_only_what_the_same_words_left_pending() -> None:
    from vidi_desktop.core.project.rerun import land_rerun

    doc = document()
    old_pending = ran(SilenceCut(fr(10, 20)))
    old_kept = ran(SilenceCut(fr(30, 40)))  # proposed again below: stays as it is
    decided = ran(SilenceCut(fr(50, 60)))
    answer = ran(Answer("No speech found."))
    other = ran(SilenceCut(fr(70, 80)), request="cut the pauses")
    doc.add_suggestions([old_pending, old_kept, decided, answer, other])
    doc.reject([decided.id])
    steps = doc.undo_stack.count
    new = ran(SilenceCut(fr(12, 18)))
    outcome = land_rerun(doc, [new, ran(SilenceCut(fr(30, 40)))], "remove the silences", {"A"})
    ids = {s.id for s in doc.project.suggestions}
    assert old_pending.id not in ids
    assert {old_kept.id, decided.id, answer.id, other.id, new.id} <= ids
    assert outcome.summary() == "1 new, 1 already there, 1 replaced"
    assert doc.undo_stack.count == steps + 1
    doc.undo()
    assert old_pending.id in {s.id for s in doc.project.suggestions}


def test_a_scoped_run_again_replaces_only_inside_its_scope() -> None:
    from vidi_desktop.core.project.rerun import land_rerun

    doc = document()
    inside, across = ran(SilenceCut(fr(110, 120))), ran(SilenceCut(fr(90, 110)))
    doc.add_suggestions([inside, across])
    outcome = land_rerun(doc, [], "remove the silences", {"A"}, SCOPE)
    assert [s.id for s in outcome.replaced] == [inside.id]
    assert [s.id for s in doc.project.suggestions] == [across.id]
