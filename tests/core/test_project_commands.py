"""Commands, the undo stack, transactions, and the document's review/edit operations."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vidi_desktop.core.project import (
    AddAsset,
    AddEditClip,
    AddSuggestions,
    Answer,
    Asset,
    Box,
    Change,
    Chapter,
    Command,
    CutRange,
    EditClip,
    Event,
    HighlightClip,
    MoveEditClip,
    ObjectTube,
    Project,
    ProjectDocument,
    ProjectEditError,
    RemoveAsset,
    RemoveEditClip,
    RemoveSuggestions,
    RenameProject,
    ReplaceEdit,
    ReviewState,
    SceneBoundary,
    SetReviewState,
    SetSettings,
    SubtitleCue,
    Suggestion,
    UndoStack,
    UnknownIdError,
    UpdateEditClip,
    UpdateSuggestions,
    Word,
    project_to_json,
)
from vidi_desktop.core.time import Time, TimeRange

TB = Fraction(1, 25)


def fr(start: int, end: int, tb: Fraction = TB) -> TimeRange:
    return TimeRange.from_start_end(Time(start, tb), Time(end, tb))


def base_project() -> Project:
    """Two assets (A: 10 s long; B: duration unknown), suggestions, a two-clip edit."""
    a = Asset("A", "/media/a.mp4", 100, 1, info={"duration": "10", "start": "0"})
    b = Asset("B", "/media/b.mov", 200, 2)
    c = Asset("C", "/media/c.wav", 300, 3)  # nothing refers to it
    suggestions = (
        Suggestion("cut1", "A", CutRange(fr(50, 75)), "silence", 0.8),
        Suggestion("keep1", "A", CutRange(fr(100, 150), "keep"), "takes"),
        Suggestion("hl1", "B", HighlightClip(fr(0, 40), "Goal", 0.97), "highlights"),
        Suggestion("ch1", "A", Chapter(fr(0, 125), "Intro"), "chapters"),
        Suggestion("cutB", "B", CutRange(fr(10, 20)), "silence"),
    )
    edit = (EditClip("e1", "B", fr(0, 100)), EditClip("e2", "B", fr(200, 300)))
    return Project(
        assets=(a, b, c),
        suggestions=suggestions,
        edit=edit,
        name="Test",
        created="2025-01-01T00:00:00+00:00",
        settings={"old": 1},
    )


def as_json(project: Project) -> dict[str, Any]:
    return project_to_json(project)


# -- every command: do, undo, redo -------------------------------------------------------------

COMMANDS: dict[str, tuple[Callable[[Project], Command], Callable[[Project], bool]]] = {
    "add asset": (
        lambda p: AddAsset(Asset("D", "/m/d.mp4", 1, 1)),
        lambda p: p.assets[-1].id == "D",
    ),
    "remove asset": (lambda p: RemoveAsset("C"), lambda p: not p.has_asset("C")),
    "add suggestions": (
        lambda p: AddSuggestions(
            (
                Suggestion("n1", "A", SceneBoundary(Time(3, TB)), "shots"),
                Suggestion("n2", "C", Answer("yes", (fr(1, 2),)), "vlm"),
            )
        ),
        lambda p: [s.id for s in p.suggestions[-2:]] == ["n1", "n2"],
    ),
    "remove suggestions": (
        lambda p: RemoveSuggestions(("keep1", "ch1")),
        lambda p: [s.id for s in p.suggestions] == ["cut1", "hl1", "cutB"],
    ),
    "update suggestions": (
        lambda p: UpdateSuggestions((p.suggestion("ch1").replace(label="Renamed"),)),
        lambda p: p.suggestion("ch1").label == "Renamed",
    ),
    "set review state (many)": (
        lambda p: SetReviewState(("cut1", "ch1"), ReviewState.REJECTED),
        lambda p: {p.suggestion("cut1").state, p.suggestion("ch1").state} == {"rejected"},
    ),
    "set review state (one)": (
        lambda p: SetReviewState(("cut1",), "accepted", {"cut1": (fr(50, 75),)}),
        lambda p: p.suggestion("cut1").removed == (fr(50, 75),),
    ),
    "add edit clip": (
        lambda p: AddEditClip(EditClip("e3", "A", fr(0, 10)), 1),
        lambda p: [c.id for c in p.edit] == ["e1", "e3", "e2"],
    ),
    "remove edit clip": (
        lambda p: RemoveEditClip("e1"),
        lambda p: [c.id for c in p.edit] == ["e2"],
    ),
    "move edit clip": (
        lambda p: MoveEditClip("e2", 0),
        lambda p: [c.id for c in p.edit] == ["e2", "e1"],
    ),
    "update edit clip": (
        lambda p: UpdateEditClip(p.clip("e1").replace(range=fr(5, 50))),
        lambda p: p.clip("e1").range == fr(5, 50),
    ),
    "replace edit": (
        lambda p: ReplaceEdit((EditClip("x", "A", fr(0, 1)),)),
        lambda p: [c.id for c in p.edit] == ["x"],
    ),
    "set settings": (
        lambda p: SetSettings({"rate": "25"}, remove=("old",)),
        lambda p: p.settings == {"rate": "25"},
    ),
    "rename": (lambda p: RenameProject("New name"), lambda p: p.name == "New name"),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_does_undoes_and_redoes(name):
    make, check = COMMANDS[name]
    before = base_project()
    stack = UndoStack(before)
    command = make(before)
    assert isinstance(command, Command)
    stack.push(command)
    after = stack.project
    assert check(after)
    assert as_json(after) != as_json(before)
    assert stack.undo_text == command.description and stack.can_undo

    stack.undo()
    assert stack.project == before and as_json(stack.project) == as_json(before)
    assert stack.redo_text == command.description and not stack.can_undo

    stack.redo()
    assert stack.project == after and as_json(stack.project) == as_json(after)


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (RemoveAsset("A"), ProjectEditError),  # still referenced
        (RemoveAsset("nope"), UnknownIdError),
        (AddAsset(Asset("A", "/x", 1, 1)), ProjectEditError),  # duplicate id
        (RemoveSuggestions(("nope",)), UnknownIdError),
        (AddSuggestions((Suggestion("z", "nope", Chapter(fr(0, 1)), "x"),)), UnknownIdError),
        (AddEditClip(EditClip("z", "A", fr(0, 1)), 9), ProjectEditError),
        (MoveEditClip("e1", 5), ProjectEditError),
        (SetReviewState(("nope",), "accepted"), UnknownIdError),
    ],
)
def test_a_failing_command_changes_nothing_and_records_nothing(command, error):
    before = base_project()
    stack = UndoStack(before)
    with pytest.raises(error):
        stack.push(command)
    assert stack.project is before
    assert stack.count == 0 and not stack.is_modified


# -- the stack ---------------------------------------------------------------------------------


def test_redo_is_cleared_by_a_new_push():
    stack = UndoStack(base_project())
    stack.push(RenameProject("one"))
    stack.push(RenameProject("two"))
    stack.undo()
    assert stack.can_redo and stack.redo_text == "Rename project"
    stack.push(SetSettings({"x": 1}))
    assert not stack.can_redo and stack.count == 2
    assert stack.project.name == "one"
    stack.redo()  # nothing to redo: no-op
    assert stack.project.name == "one"


def test_clean_index_and_is_modified():
    stack = UndoStack(base_project())
    assert not stack.is_modified
    stack.push(RenameProject("one"))
    assert stack.is_modified
    stack.set_clean()
    assert not stack.is_modified and stack.clean_index == 1
    stack.undo()
    assert stack.is_modified
    stack.redo()
    assert not stack.is_modified
    stack.undo()
    stack.push(RenameProject("other"))  # the saved state is in the discarded redo branch
    assert stack.clean_index is None and stack.is_modified
    stack.undo()
    assert stack.is_modified


def test_limit_drops_the_oldest_entries():
    stack = UndoStack(base_project(), limit=3)
    for i in range(5):
        stack.push(RenameProject(f"n{i}"))
    assert stack.count == 3 and stack.index == 3
    for _ in range(5):
        stack.undo()
    assert stack.project.name == "n1" and not stack.can_undo
    assert stack.is_modified  # the initial (clean) state fell off the stack
    with pytest.raises(ValueError):
        UndoStack(base_project(), limit=0)


def test_on_change_gets_reason_description_and_ids():
    changes: list[Change] = []
    stack = UndoStack(base_project(), on_change=lambda p, c: changes.append(c))
    stack.push(RemoveEditClip("e1"))
    stack.undo()
    stack.redo()
    assert [(c.reason, c.description, c.edit) for c in changes] == [
        ("do", "Remove clip", frozenset({"e1"})),
        ("undo", "Remove clip", frozenset({"e1"})),
        ("redo", "Remove clip", frozenset({"e1"})),
    ]


# -- transactions ------------------------------------------------------------------------------


def test_transaction_records_one_entry_and_notifies_once():
    changes: list[Change] = []
    stack = UndoStack(base_project(), on_change=lambda p, c: changes.append(c))
    with stack.transaction("Tidy up"):
        stack.push(RenameProject("tidy"))
        stack.push(RemoveEditClip("e2"))
        assert stack.project.name == "tidy"  # later commands see earlier ones
        assert not stack.can_undo
        with pytest.raises(RuntimeError):
            stack.undo()
    assert stack.count == 1 and stack.undo_text == "Tidy up"
    assert len(changes) == 1
    assert changes[0].settings and changes[0].edit == {"e2"}
    stack.undo()
    assert stack.project == base_project()


def test_transaction_rolls_back_whole_on_error():
    before = base_project()
    stack = UndoStack(before)
    stack.push(RenameProject("kept"))
    state, texts = stack.project, stack.texts()
    notified: list[Change] = []
    stack._on_change = lambda p, c: notified.append(c)
    with pytest.raises(KeyError, match="boom"), stack.transaction("Doomed"):
        stack.push(RemoveEditClip("e1"))
        stack.push(SetSettings({"a": 1}))
        raise KeyError("boom")
    assert stack.project is state
    assert stack.texts() == texts and stack.index == 1 and not stack.in_transaction
    assert notified == []
    stack.undo()
    assert stack.project == before


def test_transaction_rolls_back_when_a_command_inside_fails():
    before = base_project()
    stack = UndoStack(before)
    with pytest.raises(UnknownIdError), stack.transaction("Two steps"):
        stack.push(RemoveEditClip("e1"))
        stack.push(RemoveEditClip("e1"))  # already gone
    assert stack.project is before and stack.count == 0


def test_nested_transactions_fold_into_the_outer_one():
    stack = UndoStack(base_project())
    with stack.transaction("Outer"):
        stack.push(RenameProject("x"))
        with stack.transaction("Inner"):
            stack.push(RemoveEditClip("e1"))
        try:
            with stack.transaction("Inner that fails"):
                stack.push(SetSettings({"bad": 1}))
                raise ValueError("inner")
        except ValueError:
            pass
        assert "bad" not in stack.project.settings  # only the failed inner block undone
    assert stack.texts() == ["Outer"]
    assert stack.project.name == "x" and [c.id for c in stack.project.edit] == ["e2"]
    stack.undo()
    assert stack.project == base_project()


def test_empty_transaction_records_nothing():
    stack = UndoStack(base_project())
    with stack.transaction("Nothing"):
        pass
    assert stack.count == 0 and not stack.is_modified


# -- the document: review with edit effects ----------------------------------------------------


def doc() -> ProjectDocument:
    return ProjectDocument(base_project())


def test_accept_keep_appends_a_clip_and_reject_takes_it_back():
    d = doc()
    d.accept(["keep1", "hl1"])
    assert d.undo_stack.texts() == ["Accept 2 suggestions"]
    added = d.project.edit[2:]
    assert [(c.asset_id, c.range, c.suggestion_id) for c in added] == [
        ("A", fr(100, 150), "keep1"),
        ("B", fr(0, 40), "hl1"),
    ]
    assert d.project.suggestion("keep1").state is ReviewState.ACCEPTED
    d.reject(["keep1"])
    assert [c.suggestion_id for c in d.project.edit] == [None, None, "hl1"]
    assert d.project.suggestion("keep1").state is ReviewState.REJECTED
    d.undo()
    d.undo()
    assert d.project == base_project()


def test_accept_cut_splits_clips_and_undo_restores_exactly():
    d = doc()
    before = d.project
    d.accept(["cutB"])
    edit = d.project.edit
    assert [(c.id, c.range) for c in edit[:1]] == [("e1", fr(0, 10))]
    assert edit[1].range == fr(20, 100) and edit[1].id not in ("e1", "e2")
    assert edit[2] == before.edit[1]
    assert d.project.suggestion("cutB").removed == (fr(10, 20),)
    d.undo()
    assert d.project == before and as_json(d.project) == as_json(before)
    d.redo()
    assert d.project.edit == edit  # redo replays the same clip ids


def test_reject_an_accepted_cut_puts_the_material_back():
    d = doc()
    d.accept(["cutB"])
    d.reject(["cutB"])
    assert d.project.edit == base_project().edit  # same ids and ranges as before the cut
    assert d.project.suggestion("cutB").state is ReviewState.REJECTED
    assert d.project.suggestion("cutB").removed is None
    d.reset(["cutB"])
    assert d.project.suggestion("cutB").state is ReviewState.PENDING
    assert d.project.edit == base_project().edit


def test_accept_cut_on_an_asset_not_in_the_edit_starts_from_the_whole_asset():
    d = doc()
    d.accept(["cut1"])
    a_clips = d.project.clips_of("A")
    assert [c.range for c in a_clips] == [fr(0, 50), fr(75, 250)]  # A is 10 s = 250 frames
    d.undo()
    assert d.project == base_project()


def test_accept_cut_with_nothing_to_cut_from_fails_and_changes_nothing():
    d = doc()
    d.remove_clip("e1")
    d.remove_clip("e2")
    state, count = d.project, d.undo_stack.count
    with pytest.raises(ProjectEditError, match="duration is unknown"):
        d.accept(["keep1", "cutB"])  # B has no clip and no known duration
    assert d.project is state and d.undo_stack.count == count


def test_accept_all_of_a_kind_and_unknown_ids():
    d = doc()
    accepted = d.accept_all(CutRange)
    assert accepted == ("cut1", "keep1", "cutB")
    assert d.undo_stack.undo_text == "Accept all cut ranges"
    assert d.accept_all("cut_range") == ()
    assert {s.id for s in d.project.find_suggestions(state="pending")} == {"hl1", "ch1"}
    with pytest.raises(UnknownIdError):
        d.accept(["ch1", "nope"])
    assert d.project.suggestion("ch1").state is ReviewState.PENDING
    d.undo()
    assert d.project == base_project()


def test_accepting_twice_is_a_no_op():
    d = doc()
    d.accept(["keep1"])
    d.accept(["keep1"])
    assert d.undo_stack.count == 1 and len(d.project.edit) == 3


def test_remove_asset_cascades_and_undoes_as_one_step():
    d = doc()
    d.accept(["hl1"])
    d.remove_asset("B")
    p = d.project
    assert not p.has_asset("B") and p.edit == () and not p.find_suggestions(asset_id="B")
    assert d.undo_stack.undo_text == "Remove b.mov"
    d.undo()
    d.undo()
    assert d.project == base_project()


def test_remove_suggestions_unlinks_their_clips():
    d = doc()
    d.accept(["hl1"])
    d.remove_suggestions(["hl1"])
    assert d.project.edit[-1].suggestion_id is None
    assert not d.project.has_suggestion("hl1")
    d.undo()
    assert d.project.edit[-1].suggestion_id == "hl1"


def test_edit_operations_are_undoable():
    d = doc()
    c = d.add_clip("A", fr(0, 25), index=0)
    d.move_clip(c.id, 2)
    d.trim_clip(c.id, fr(5, 25))
    d.remove_clip("e1")
    d.replace_edit(tuple(reversed(d.project.edit)))
    d.set_settings({"fps": "25"}, remove=["old"])
    d.rename("Cut 2")
    assert [x.id for x in d.project.edit] == [c.id, "e2"]
    assert d.project.clip(c.id).range == fr(5, 25)
    assert d.project.settings == {"fps": "25"} and d.project.name == "Cut 2"
    while d.undo_stack.can_undo:
        d.undo()
    assert d.project == base_project()


def test_document_emits_one_changed_event_per_step_and_survives_bad_listeners():
    d = doc()
    events: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("listener bug")

    d.events.connect(broken)
    d.events.connect(events.append)
    d.accept(["cutB", "hl1"])
    changed = [e for e in events if e.type == "changed"]
    assert len(changed) == 1
    assert changed[0].payload.suggestions == {"cutB", "hl1"}
    assert "e1" in changed[0].payload.edit
    assert [e.payload for e in events if e.type == "modified"] == [True]
    d.undo()
    assert [e.payload for e in events if e.type == "modified"] == [True, False]
    assert d.project == base_project()


def test_added_suggestions_arrive_pending():
    d = doc()
    s = Suggestion("new", "A", Chapter(fr(0, 5)), "x", state=ReviewState.ACCEPTED)
    (added,) = d.add_suggestions([s])
    assert added.state is ReviewState.PENDING
    assert d.project.suggestion("new").state is ReviewState.PENDING


# -- property: undo-all returns to the start, redo-all to the end -------------------------------

KIND_MAKERS: list[Callable[[TimeRange], Any]] = [
    lambda r: CutRange(r, "cut"),
    lambda r: CutRange(r, "keep"),
    lambda r: HighlightClip(r, "hl", 0.5),
    lambda r: Chapter(r, "ch"),
    lambda r: SceneBoundary(r.start, "dissolve", r.duration),
    lambda r: SubtitleCue(r, "hi", (Word(r, "hi"),)),
    lambda r: Answer("a", (r,)),
    lambda r: ObjectTube("car", (Box(r.start.to_ms(), 0, 0, 0.5, 0.5),)),
]


def draw_range(data: st.DataObject) -> TimeRange:
    tb = data.draw(st.sampled_from([TB, Fraction(1, 1000), Fraction(1001, 30000)]))
    start = data.draw(st.integers(0, 300))
    length = data.draw(st.integers(1, 120))
    return fr(start, start + length, tb)


def random_step(d: ProjectDocument, data: st.DataObject) -> None:
    p = d.project
    op = data.draw(
        st.sampled_from(
            [
                "add_asset",
                "remove_asset",
                "add_suggestions",
                "remove_suggestions",
                "review",
                "accept_all",
                "add_clip",
                "remove_clip",
                "move_clip",
                "trim_clip",
                "replace_edit",
                "settings",
                "rename",
                "transaction",
                "failed_transaction",
                "undo",
                "redo",
            ]
        )
    )
    asset_ids = [a.id for a in p.assets]
    sugg_ids = [s.id for s in p.suggestions]
    clip_ids = [c.id for c in p.edit]
    if op == "add_asset":
        duration = data.draw(st.sampled_from([None, "12", "1001/100"]))
        info = {"duration": duration} if duration else {}
        d.add_asset(Asset.new(f"/m/{len(asset_ids)}.mp4", 1, 1, info=info))
    elif op == "remove_asset" and asset_ids:
        d.remove_asset(data.draw(st.sampled_from(asset_ids)))
    elif op == "add_suggestions" and asset_ids:
        n = data.draw(st.integers(1, 3))
        batch = [
            Suggestion.new(
                data.draw(st.sampled_from(asset_ids)),
                data.draw(st.sampled_from(KIND_MAKERS))(draw_range(data)),
                "prop",
            )
            for _ in range(n)
        ]
        d.add_suggestions(batch)
    elif op == "remove_suggestions" and sugg_ids:
        d.remove_suggestions(data.draw(st.lists(st.sampled_from(sugg_ids), min_size=1)))
    elif op == "review" and sugg_ids:
        ids = data.draw(st.lists(st.sampled_from(sugg_ids), min_size=1, max_size=4))
        d.set_review_state(ids, data.draw(st.sampled_from(list(ReviewState))))
    elif op == "accept_all":
        d.accept_all(data.draw(st.sampled_from([None, "cut_range", "highlight_clip"])))
    elif op == "add_clip" and asset_ids:
        index = data.draw(st.none() | st.integers(0, len(clip_ids)))
        d.add_clip(data.draw(st.sampled_from(asset_ids)), draw_range(data), index)
    elif op == "remove_clip" and clip_ids:
        d.remove_clip(data.draw(st.sampled_from(clip_ids)))
    elif op == "move_clip" and clip_ids:
        index = data.draw(st.integers(0, len(clip_ids) - 1))
        d.move_clip(data.draw(st.sampled_from(clip_ids)), index)
    elif op == "trim_clip" and clip_ids:
        d.trim_clip(data.draw(st.sampled_from(clip_ids)), draw_range(data))
    elif op == "replace_edit":
        d.replace_edit(tuple(reversed(p.edit)))
    elif op == "settings":
        d.set_settings({data.draw(st.sampled_from("abc")): data.draw(st.integers())}, ["old"])
    elif op == "rename":
        d.rename(data.draw(st.text(max_size=5)))
    elif op == "transaction":
        with d.transaction("group"):
            random_step_no_history(d, data)
            random_step_no_history(d, data)
    elif op == "failed_transaction":
        before, count = d.project, d.undo_stack.count
        with pytest.raises(RuntimeError, match="abort"), d.transaction("doomed"):
            random_step_no_history(d, data)
            random_step_no_history(d, data)
            raise RuntimeError("abort")
        assert d.project is before and d.undo_stack.count == count
    elif op == "undo":
        d.undo()
    elif op == "redo":
        d.redo()


def random_step_no_history(d: ProjectDocument, data: st.DataObject) -> None:
    """A random change that is not undo/redo (those are refused inside a transaction)."""
    before = d.project
    try:
        _non_history_step(d, data)
    except ProjectEditError:
        # A cut with nothing to cut from is a legitimate refusal: it must change nothing.
        assert d.project is before


def safe_step(d: ProjectDocument, data: st.DataObject) -> None:
    before = d.project
    try:
        random_step(d, data)
    except ProjectEditError:
        assert d.project is before


def _non_history_step(d: ProjectDocument, data: st.DataObject) -> None:
    p = d.project
    choice = data.draw(st.sampled_from(["review", "add_clip", "rename", "settings", "remove_clip"]))
    if choice == "review" and p.suggestions:
        ids = data.draw(st.lists(st.sampled_from([s.id for s in p.suggestions]), min_size=1))
        d.set_review_state(ids, data.draw(st.sampled_from(list(ReviewState))))
    elif choice == "add_clip" and p.assets:
        d.add_clip(data.draw(st.sampled_from([a.id for a in p.assets])), draw_range(data))
    elif choice == "remove_clip" and p.edit:
        d.remove_clip(data.draw(st.sampled_from([c.id for c in p.edit])))
    elif choice == "settings":
        d.set_settings({"t": data.draw(st.integers())})
    else:
        d.rename(data.draw(st.text(max_size=3)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_commands_undo_all_and_redo_all(data):
    d = ProjectDocument(base_project(), undo_limit=None)
    initial = as_json(d.project)
    for _ in range(data.draw(st.integers(1, 30), label="steps")):
        safe_step(d, data)
    final, final_project, done = as_json(d.project), d.project, d.undo_stack.index

    while d.undo_stack.can_undo:
        d.undo()
    assert as_json(d.project) == initial
    assert d.project == base_project()

    for _ in range(done):
        d.redo()
    assert as_json(d.project) == final
    assert d.project == final_project
