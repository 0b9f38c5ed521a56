"""Trimming a suggestion (``ProjectDocument.retime_suggestion``): one undoable step that keeps
the payload and takes the edit along exactly as accepting over the new range would."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vidi_desktop.core.project import (
    Answer,
    Asset,
    Chapter,
    CutRange,
    EditClip,
    HighlightClip,
    Project,
    ProjectDocument,
    ProjectEditError,
    ReviewState,
    SceneBoundary,
    SilenceCut,
    SpeechRange,
    SubtitleCue,
    Suggestion,
    Word,
)
from vidi_desktop.core.project.retime import can_retime, retimed
from vidi_desktop.core.time import Time, TimeRange

TB = Fraction(1, 25)


def fr(start: int, end: int) -> TimeRange:
    return TimeRange.from_start_end(Time(start, TB), Time(end, TB))


def asset() -> Asset:
    return Asset("A", "/media/a.mp4", 100, 1, info={"duration": "10", "start": "0"})  # 250 fr


def doc_with(*suggestions: Suggestion, edit: tuple[EditClip, ...] = ()) -> ProjectDocument:
    return ProjectDocument(Project(assets=(asset(),), suggestions=suggestions, edit=edit))


def ranges(doc: ProjectDocument) -> list[TimeRange]:
    return [c.range for c in doc.project.edit]


def test_a_pending_cut_gets_the_new_range_and_keeps_everything_else():
    doc = doc_with(Suggestion("c", "A", CutRange(fr(50, 75)), "silence", 0.8, "um"))
    new = doc.retime_suggestion("c", fr(45, 75))
    assert new.payload == CutRange(fr(45, 75))
    assert (new.label, new.confidence, new.source, new.state) == (
        "um", 0.8, "silence", ReviewState.PENDING
    )
    assert doc.project.suggestion("c") == new
    assert doc.undo_stack.undo_text == "Trim cut"
    assert doc.project.edit == ()


def test_one_undo_restores_the_old_range_and_redo_the_new():
    doc = doc_with(Suggestion("c", "A", CutRange(fr(50, 75), "keep"), "takes"))
    before = doc.project
    doc.retime_suggestion("c", fr(50, 90))
    after = doc.project
    assert doc.undo_stack.count == 1
    doc.undo()
    assert doc.project == before
    doc.redo()
    assert doc.project == after


def test_trimming_an_accepted_cut_gives_the_edit_accepting_the_new_range_gives():
    doc = doc_with(Suggestion("c", "A", CutRange(fr(50, 75)), "silence"))
    doc.accept(["c"])
    assert ranges(doc) == [fr(0, 50), fr(75, 250)]
    doc.retime_suggestion("c", fr(60, 80))
    fresh = doc_with(Suggestion("c", "A", CutRange(fr(60, 80)), "silence"))
    fresh.accept(["c"])
    assert ranges(doc) == ranges(fresh) == [fr(0, 60), fr(80, 250)]
    assert doc.project.suggestion("c").removed == (fr(60, 80),)
    assert doc.undo_stack.count == 2  # accept, trim: one step each
    doc.undo()
    assert ranges(doc) == [fr(0, 50), fr(75, 250)]
    assert doc.project.suggestion("c").removed == (fr(50, 75),)


def test_trimming_an_accepted_keep_moves_its_clip_and_the_cuts_inside_it_follow():
    doc = doc_with(
        Suggestion("h", "A", HighlightClip(fr(100, 150), "goal"), "hl"),
        Suggestion("s", "A", SilenceCut(fr(160, 170)), "silence"),
    )
    doc.accept(["h", "s"])
    assert ranges(doc) == [fr(100, 150)]
    assert doc.project.suggestion("s").removed == ()
    doc.retime_suggestion("h", fr(100, 200))  # now the silence lies inside the highlight
    assert ranges(doc) == [fr(100, 160), fr(170, 200)]
    assert doc.project.suggestion("s").removed == (fr(160, 170),)
    assert [c.suggestion_id for c in doc.project.edit] == ["h", "h"]
    doc.undo()
    assert ranges(doc) == [fr(100, 150)]
    assert doc.project.suggestion("s").removed == ()


def test_a_keep_in_an_edit_arranged_by_hand_is_trimmed_where_it_stands():
    doc = doc_with(
        Suggestion("k1", "A", CutRange(fr(0, 50), "keep"), "takes"),
        Suggestion("k2", "A", CutRange(fr(100, 150), "keep"), "takes"),
    )
    doc.accept(["k1", "k2"])
    k2_clip = doc.project.edit[1]
    doc.move_clip(k2_clip.id, 0)  # the editor plays k2 first
    doc.retime_suggestion("k2", fr(90, 150))
    assert ranges(doc) == [fr(90, 150), fr(0, 50)]
    assert doc.project.edit[0].id == k2_clip.id


def test_a_cut_in_an_edit_arranged_by_hand_puts_back_its_old_frames_and_cuts_the_new():
    doc = doc_with(Suggestion("c", "A", CutRange(fr(50, 75)), "silence"),
                   edit=(EditClip("e1", "A", fr(100, 200)), EditClip("e2", "A", fr(0, 100))))
    doc.accept(["c"])
    assert ranges(doc) == [fr(100, 200), fr(0, 50), fr(75, 100)]
    doc.retime_suggestion("c", fr(60, 120))
    assert ranges(doc) == [fr(120, 200), fr(0, 60)]
    assert doc.project.suggestion("c").removed == (fr(100, 120), fr(60, 100))


def test_a_highlight_drops_and_cuts_parts_outside_its_new_range():
    parts = (fr(100, 120), fr(130, 140), fr(145, 150))
    h = HighlightClip(fr(100, 150), "goal", 0.9, parts)
    assert retimed(h, fr(110, 142)).parts == (fr(110, 120), fr(130, 140))
    # Widened: the first and last parts follow the edges they touched.
    assert retimed(h, fr(90, 160)).parts == (fr(90, 120), fr(130, 140), fr(145, 160))
    # The new range falls between parts: it plays whole.
    assert retimed(h, fr(121, 129)).parts == ()
    assert retimed(h, fr(121, 129)).title == "goal"


def test_the_range_is_cut_to_the_asset_and_an_empty_or_outside_range_changes_nothing():
    doc = doc_with(Suggestion("c", "A", Chapter(fr(50, 75), "intro"), "chapters"))
    assert doc.retime_suggestion("c", fr(200, 400)).payload.range == fr(200, 250)
    before = doc.project
    with pytest.raises(ProjectEditError):
        doc.retime_suggestion("c", fr(60, 60))
    with pytest.raises(ProjectEditError):
        doc.retime_suggestion("c", fr(300, 400))
    assert doc.project == before


def test_only_payloads_that_are_one_range_can_be_trimmed():
    assert all(can_retime(p) for p in (
        CutRange(fr(0, 1)), SilenceCut(fr(0, 1)), SpeechRange(fr(0, 1)),
        HighlightClip(fr(0, 1)), Chapter(fr(0, 1)), SubtitleCue(fr(0, 1), "hi"),
    ))
    doc = doc_with(Suggestion("b", "A", SceneBoundary(Time(10, TB)), "shots"),
                   Suggestion("q", "A", Answer("yes", (fr(1, 2),)), "vlm"))
    for sid in ("b", "q"):
        with pytest.raises(ProjectEditError, match="cannot be trimmed"):
            doc.retime_suggestion(sid, fr(0, 5))


def test_a_subtitle_cue_keeps_its_text_and_words():
    words = (Word(fr(10, 15), "hello"), Word(fr(16, 20), "there"))
    doc = doc_with(Suggestion("s", "A", SubtitleCue(fr(10, 20), "hello there", words), "asr"))
    cue = doc.retime_suggestion("s", fr(10, 15)).payload
    assert (cue.text, cue.words) == ("hello there", words)


def test_the_same_range_is_no_step():
    doc = doc_with(Suggestion("c", "A", CutRange(fr(50, 75)), "silence"))
    doc.retime_suggestion("c", fr(50, 75))
    assert doc.undo_stack.count == 0


_RANGE = st.tuples(st.integers(0, 240), st.integers(1, 40)).map(lambda p: fr(p[0], p[0] + p[1]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(st.tuples(st.sampled_from(["cut", "keep"]), _RANGE), min_size=1, max_size=5),
    pick=st.integers(0, 4),
    new=_RANGE,
)
def test_trimming_any_accepted_suggestion_equals_accepting_it_over_the_new_range(
    items, pick, new
):
    def build(override: TimeRange | None) -> ProjectDocument:
        made = [
            Suggestion(f"s{i}", "A", CutRange(override if override and i == target else r,
                                               action), "t")
            for i, (action, r) in enumerate(items)
        ]
        doc = doc_with(*made)
        doc.accept([s.id for s in made])
        return doc

    target = pick % len(items)
    trimmed = build(None)
    trimmed.retime_suggestion(f"s{target}", new)
    fresh = build(new.clamped(asset().extent()))  # type: ignore[arg-type]
    assert ranges(trimmed) == ranges(fresh)
    assert [s.removed for s in trimmed.project.suggestions] == [
        s.removed for s in fresh.project.suggestions
    ]


def test_a_trimmed_suggestion_does_not_come_back_when_its_request_runs_again():
    from vidi_desktop.core.project.dedupe import add_new_suggestions

    doc = doc_with(Suggestion("c", "A", SilenceCut(fr(50, 75)), "silence"))
    doc.retime_suggestion("c", fr(55, 75))
    doc.retime_suggestion("c", fr(55, 70))  # the record keeps what the analyser gave
    rerun = [Suggestion("c2", "A", SilenceCut(fr(50, 75)), "silence"),
             Suggestion("c3", "A", SilenceCut(fr(100, 120)), "silence")]
    outcome = add_new_suggestions(doc, rerun)
    assert outcome.summary() == "1 new, 1 already there"
    assert outcome.added_ids == ["c3"]
    assert doc.project.suggestion("c").payload == SilenceCut(fr(55, 70))
