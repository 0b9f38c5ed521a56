"""The edit follows the accepted suggestions whatever order they are accepted in, and
accepted suggestions that contradict each other are named (core/project/consistency.py)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from vidi_desktop.core.project import (
    Asset,
    Chapter,
    CutRange,
    EditClip,
    HighlightClip,
    Project,
    ProjectDocument,
    SilenceCut,
    SpeechRange,
    Suggestion,
)
from vidi_desktop.core.project.consistency import contradictions
from vidi_desktop.core.time import Time, TimeRange

TB = Fraction(1, 25)


def fr(start: int, end: int) -> TimeRange:
    return TimeRange.from_start_end(Time(start, TB), Time(end, TB))


def project() -> Project:
    """One 20 s asset (500 frames): speech, two silences, two highlights, a chapter."""
    a = Asset("A", "/media/a.mp4", 1, 1, info={"duration": "20", "start": "0"})
    suggestions = (
        Suggestion("sp1", "A", SpeechRange(fr(0, 100)), "speech"),
        Suggestion("sp2", "A", SpeechRange(fr(150, 400)), "speech"),
        Suggestion("si1", "A", SilenceCut(fr(105, 145)), "silence"),
        Suggestion("si2", "A", SilenceCut(fr(405, 495)), "silence"),
        Suggestion("hl1", "A", HighlightClip(fr(50, 200), "First"), "highlights"),
        Suggestion("hl2", "A", HighlightClip(fr(300, 450), "Second"), "highlights"),
        Suggestion("ch1", "A", Chapter(fr(0, 250), "Intro"), "chapters"),
    )
    return Project(assets=(a,), suggestions=suggestions, created="2025-01-01T00:00:00+00:00")


def ranges(doc: ProjectDocument) -> list[TimeRange]:
    return [c.range for c in doc.project.edit]


def test_accept_all_gives_the_highlights_without_their_silences() -> None:
    doc = ProjectDocument(project())
    doc.accept_all()
    assert ranges(doc) == [fr(50, 105), fr(145, 200), fr(300, 405)]
    assert contradictions(doc.project) == []


@pytest.mark.parametrize(
    "order", list(itertools.permutations(["si1", "hl1", "si2", "hl2"])),
    ids=lambda o: "-".join(o),
)
def test_the_edit_does_not_depend_on_the_order_of_acceptance(order: tuple[str, ...]) -> None:
    doc = ProjectDocument(project())
    for sid in order:
        doc.accept([sid])
    assert ranges(doc) == [fr(50, 105), fr(145, 200), fr(300, 405)]


def test_silences_alone_cut_the_whole_file() -> None:
    doc = ProjectDocument(project())
    doc.accept(["si1", "si2"])
    assert ranges(doc) == [fr(0, 105), fr(145, 405), fr(495, 500)]
    assert [s.removed for s in doc.project.suggestions if s.id in ("si1", "si2")] == [
        (fr(105, 145),), (fr(405, 495),)
    ]


def test_rejecting_the_last_highlight_gives_back_the_file_minus_its_silences() -> None:
    doc = ProjectDocument(project())
    doc.accept(["si1", "hl1"])
    assert ranges(doc) == [fr(50, 105), fr(145, 200)]
    doc.reject(["hl1"])
    assert ranges(doc) == [fr(0, 105), fr(145, 500)]
    doc.reset(["si1"])
    assert ranges(doc) == []  # nothing accepted: nothing in the edit


def test_a_cut_records_what_it_removes_from_the_highlights_it_trims() -> None:
    doc = ProjectDocument(project())
    doc.accept(["si1"])
    doc.accept(["hl1"])
    assert doc.project.suggestion("si1").removed == (fr(105, 145),)
    doc.accept(["hl2"])
    doc.accept(["si2"])
    assert doc.project.suggestion("si2").removed == (fr(405, 450),)


def test_speech_and_chapters_change_no_edit() -> None:
    doc = ProjectDocument(project())
    doc.accept(["sp1", "sp2", "ch1"])
    assert doc.project.edit == ()


def test_undo_restores_the_edit_exactly() -> None:
    doc = ProjectDocument(project())
    doc.accept(["si1", "si2"])
    before = doc.project
    doc.accept(["hl2"])
    assert ranges(doc) == [fr(300, 405)]
    doc.undo()
    assert doc.project == before


def test_an_edit_rearranged_by_hand_is_left_to_the_step_by_step_rule() -> None:
    doc = ProjectDocument(project())
    doc.add_clip("A", fr(0, 500))  # the editor put the whole file in by hand
    doc.accept(["hl1"])
    # The hand-made clip stays; the highlight is added after it, as before issue 15.
    assert ranges(doc) == [fr(0, 500), fr(50, 200)]


def test_other_assets_keep_their_place_in_the_edit() -> None:
    p = project()
    b = Asset("B", "/media/b.mp4", 1, 1, info={"duration": "4", "start": "0"})
    cut_b = Suggestion("cb", "B", CutRange(fr(0, 25)), "words")
    p = p.replace(assets=(*p.assets, b), suggestions=(*p.suggestions, cut_b))
    doc = ProjectDocument(p)
    doc.accept(["si1"])
    doc.accept(["cb"])
    doc.accept(["hl1"])
    assert [(c.asset_id, c.range) for c in doc.project.edit] == [
        ("A", fr(50, 105)), ("A", fr(145, 200)), ("B", fr(25, 100))
    ]


def test_overlapping_keeps_are_named_as_a_contradiction() -> None:
    p = project()
    extra = Suggestion("hl3", "A", HighlightClip(fr(180, 320), "Middle"), "highlights")
    doc = ProjectDocument(p.replace(suggestions=(*p.suggestions, extra)))
    doc.accept(["hl1", "hl3"])
    found = contradictions(doc.project)
    assert len(found) == 1
    assert "highlight clip hl1 (2.000–8.000 s)" in found[0]
    assert "highlight clip hl3 (7.200–12.800 s)" in found[0] and "overlap" in found[0]


def test_a_keep_cut_out_entirely_is_a_contradiction() -> None:
    p = project()
    inside = Suggestion("k1", "A", CutRange(fr(410, 490), "keep"), "takes")
    doc = ProjectDocument(p.replace(suggestions=(*p.suggestions, inside)))
    doc.accept(["k1", "si2"])
    assert contradictions(doc.project) == [
        "a.mp4: cut range k1 (16.400–19.600 s) is cut out entirely by "
        "silence cut si2 (16.200–19.800 s)"
    ]
    assert contradictions(doc.project, ["hl1"]) == []


def test_clips_the_editor_added_are_never_taken_for_derived_ones() -> None:
    p = project().replace(edit=(EditClip("e1", "A", fr(0, 50)),))
    doc = ProjectDocument(p)
    doc.accept(["si1"])
    assert ranges(doc) == [fr(0, 50)]  # the cut misses the hand-made clip: nothing to cut
