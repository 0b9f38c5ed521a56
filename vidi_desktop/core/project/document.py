"""The open project: a :class:`Project` value, its undo stack, its events, its file.

:class:`ProjectDocument` is what the GUI and the CLI talk to. Every method that changes the
project is one undoable step (a transaction when it takes several commands) and ends with
one ``changed`` event carrying a :class:`~.commands.Change`.

Reviewing a suggestion also edits: accepting a range to keep (a highlight clip, a cut range
whose action is ``keep``) appends it to the edit; accepting a range to cut removes it from
the asset's clips (splitting them; an asset not in the edit yet is first put in whole).
Rejecting or resetting an accepted suggestion takes its effect back out, and undo restores
the edit exactly.

Events: ``changed`` (payload :class:`Change`), ``modified`` (payload bool, when the
unsaved-changes flag flips), ``saved`` (payload the path).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from vidi_desktop.core.project import storage
from vidi_desktop.core.project.commands import (
    AddAsset,
    AddEditClip,
    AddSuggestions,
    Change,
    Command,
    MoveEditClip,
    RemoveAsset,
    RemoveEditClip,
    RemoveSuggestions,
    RenameProject,
    ReplaceEdit,
    SetReviewState,
    SetSettings,
    UndoStack,
    UpdateEditClip,
    UpdateSuggestions,
)
from vidi_desktop.core.project.consistency import accepted_edit, removed_by
from vidi_desktop.core.project.disk import DiskState, FileStamp
from vidi_desktop.core.project.edit import cut_from_edit, restore_to_edit
from vidi_desktop.core.project.events import EventEmitter
from vidi_desktop.core.project.model import (
    Asset,
    EditClip,
    Payload,
    Project,
    ProjectEditError,
    ReviewState,
    Suggestion,
    new_id,
)
from vidi_desktop.core.time import TimeRange


class ProjectDocument:
    """One open project: current value, undo history, change events, file path."""

    def __init__(
        self,
        project: Project | None = None,
        *,
        path: str | os.PathLike[str] | None = None,
        undo_limit: int | None = 200,
        autosave_key: str | None = None,
    ) -> None:
        self.events = EventEmitter()
        self.undo_stack = UndoStack(
            project if project is not None else Project(),
            limit=undo_limit,
            on_change=self._on_stack_change,
        )
        self.path: Path | None = Path(path) if path is not None else None
        self.autosave_key = autosave_key or new_id()
        self._was_modified = False
        # What the file held when last read or written: tells "changed on disk" and is the
        # base of a merge (core/project/sync.py).
        self.disk: DiskState | None = None

    @classmethod
    def open(cls, path: str | os.PathLike[str], **kwargs: Any) -> ProjectDocument:
        """Load a project file (errors as :func:`~.storage.load_project`)."""
        stamp = FileStamp.of(path)  # before reading: a write in between reads as a change
        document = cls(storage.load_project(path), path=path, **kwargs)
        document.disk = DiskState(stamp, document.project)
        return document

    # -- state ---------------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        """The current project value (immutable; changes go through the methods)."""
        return self.undo_stack.project

    @property
    def is_modified(self) -> bool:
        """True when there are unsaved changes."""
        return self.undo_stack.is_modified

    def push(self, command: Command) -> None:
        """Execute and record any command (the high-level methods below build them)."""
        self.undo_stack.push(command)

    def undo(self) -> None:
        """Undo the last step."""
        self.undo_stack.undo()

    def redo(self) -> None:
        """Redo the step last undone."""
        self.undo_stack.redo()

    @contextmanager
    def transaction(self, description: str) -> Iterator[None]:
        """Group several changes into one undo step that rolls back whole on error."""
        with self.undo_stack.transaction(description):
            yield

    # -- files ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save to ``path`` (or where it was opened from) and mark the state as saved."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("this project has no file yet: give a path")
        written = storage.save_project(self.project, target)
        self.disk = DiskState(FileStamp.of(written), self.project)
        self.path = target
        self.undo_stack.set_clean()
        self._emit_modified()
        self.events.emit("saved", written)
        return written

    def mark_saved(self) -> None:
        """Mark the current state as the one the file holds (after a reload from disk)."""
        self.undo_stack.set_clean()
        self._emit_modified()

    def autosave(self) -> Path:
        """Write the current state to the autosave folder (does not mark it as saved)."""
        return storage.autosave(self.project, self.autosave_key)

    # -- assets --------------------------------------------------------------------------------
    def add_asset(self, asset: Asset) -> Asset:
        """Add a media file to the project."""
        self.push(AddAsset(asset, f"Add {asset.name}"))
        return asset

    def remove_asset(self, asset_id: str) -> None:
        """Remove an asset with its suggestions and edit clips, as one step."""
        asset = self.project.asset(asset_id)
        with self.transaction(f"Remove {asset.name}"):
            clips = self.project.clips_of(asset_id)
            if clips:
                kept = tuple(c for c in self.project.edit if c.asset_id != asset_id)
                self.push(ReplaceEdit(kept))
            suggestions = self.project.find_suggestions(asset_id=asset_id)
            if suggestions:
                self.push(RemoveSuggestions(tuple(s.id for s in suggestions)))
            self.push(RemoveAsset(asset_id))

    # -- suggestions ---------------------------------------------------------------------------
    def add_suggestions(
        self, suggestions: Iterable[Suggestion], description: str = ""
    ) -> tuple[Suggestion, ...]:
        """Add one analysis run's suggestions as one undo step.

        They arrive pending: a suggestion that claims to be accepted already would have no
        edit effect behind it.
        """
        batch = tuple(s.replace(state=ReviewState.PENDING, removed=None) for s in suggestions)
        if batch:
            text = description or f"Add {len(batch)} suggestion{'s' if len(batch) > 1 else ''}"
            self.push(AddSuggestions(batch, text))
        return batch

    def remove_suggestions(self, ids: Iterable[str]) -> None:
        """Delete suggestions; edit clips they put in the edit stay, unlinked."""
        ids = tuple(dict.fromkeys(ids))
        for sid in ids:
            self.project.suggestion(sid)
        if not ids:
            return
        wanted = set(ids)
        with self.transaction(_plural("Remove", len(ids), "suggestion")):
            if any(c.suggestion_id in wanted for c in self.project.edit):
                edit = tuple(
                    c.replace(suggestion_id=None) if c.suggestion_id in wanted else c
                    for c in self.project.edit
                )
                self.push(ReplaceEdit(edit))
            self.push(RemoveSuggestions(ids))

    def accept(self, ids: Iterable[str]) -> None:
        """Accept suggestions, applying their edit effect (keep or cut)."""
        self.set_review_state(ids, ReviewState.ACCEPTED)

    def reject(self, ids: Iterable[str]) -> None:
        """Reject suggestions; an accepted one's edit effect is taken back."""
        self.set_review_state(ids, ReviewState.REJECTED)

    def reset(self, ids: Iterable[str]) -> None:
        """Put suggestions back to pending; an accepted one's edit effect is taken back."""
        self.set_review_state(ids, ReviewState.PENDING)

    def accept_all(
        self, kind: str | type[Payload] | None = None, *, asset_id: str | None = None
    ) -> tuple[str, ...]:
        """Accept every pending suggestion (of ``kind``, of ``asset_id``); return their ids."""
        pending = self.project.find_suggestions(
            kind=kind, asset_id=asset_id, state=ReviewState.PENDING
        )
        ids = tuple(s.id for s in pending)
        if ids:
            name = kind.kind if isinstance(kind, type) else kind
            what = f"{name.replace('_', ' ')}s" if name else "suggestions"
            self.set_review_state(ids, ReviewState.ACCEPTED, f"Accept all {what}")
        return ids

    def set_review_state(
        self, ids: Iterable[str], state: ReviewState | str, description: str = ""
    ) -> None:
        """Move suggestions to ``state``, undoing or applying edit effects, as one step.

        Unknown ids raise :class:`~.model.UnknownIdError` before anything changes; a cut
        whose asset is neither in the edit nor of known duration raises
        :class:`~.model.ProjectEditError` and changes nothing.
        """
        state = ReviewState(state)
        project = self.project
        targets = [project.suggestion(sid) for sid in dict.fromkeys(ids)]
        changing = [s for s in targets if s.state is not state]
        if not changing:
            return
        verb = {
            ReviewState.ACCEPTED: "Accept",
            ReviewState.REJECTED: "Reject",
            ReviewState.PENDING: "Reset",
        }[state]
        description = description or _plural(verb, len(changing), "suggestion")
        edit: tuple[EditClip, ...] = project.edit
        removed: dict[str, tuple[TimeRange, ...] | None] = {}
        for s in changing:
            action = s.payload.edit_action()
            extent = s.extent()
            if action is not None and extent is not None and s.state is ReviewState.ACCEPTED:
                edit = _take_back(edit, s, action, extent)
        if state is ReviewState.ACCEPTED:
            # Keeps before cuts: a highlight and the silences accepted together give the
            # highlight without its silences, whatever order the ids came in.
            for wanted in ("keep", "cut"):
                for s in changing:
                    action = s.payload.edit_action()
                    extent = s.extent()
                    if action == wanted and extent is not None:
                        edit, removed[s.id] = _apply(project, edit, s, action, extent)
        edit, refreshed = _follow_accepted(project, edit, changing, state, removed)
        with self.transaction(description):
            self.push(SetReviewState(tuple(s.id for s in changing), state, removed, description))
            if refreshed:
                self.push(UpdateSuggestions(refreshed, description))
            if edit != project.edit:
                self.push(ReplaceEdit(edit, description))

    # -- the edit ------------------------------------------------------------------------------
    def add_clip(
        self,
        asset_id: str,
        range: TimeRange,
        index: int | None = None,
        suggestion_id: str | None = None,
    ) -> EditClip:
        """Place a source range of an asset in the edit (at the end by default)."""
        self.project.asset(asset_id)
        clip = EditClip(new_id(), asset_id, range, suggestion_id)
        self.push(AddEditClip(clip, index))
        return clip

    def remove_clip(self, clip_id: str) -> None:
        """Take a clip out of the edit."""
        self.push(RemoveEditClip(clip_id))

    def move_clip(self, clip_id: str, index: int) -> None:
        """Move a clip to position ``index`` of the edit."""
        self.push(MoveEditClip(clip_id, index))

    def trim_clip(self, clip_id: str, range: TimeRange) -> EditClip:
        """Give a clip a new source range."""
        clip = self.project.clip(clip_id).replace(range=range)
        self.push(UpdateEditClip(clip))
        return clip

    def replace_edit(self, clips: Sequence[EditClip], description: str = "Change edit") -> None:
        """Replace the whole edit in one step."""
        self.push(ReplaceEdit(tuple(clips), description))

    # -- project-wide --------------------------------------------------------------------------
    def set_settings(self, updates: Mapping[str, Any], remove: Iterable[str] = ()) -> None:
        """Set some project settings and remove others."""
        self.push(SetSettings(dict(updates), tuple(remove)))

    def rename(self, name: str) -> None:
        """Change the project's name."""
        self.push(RenameProject(name))

    # -- events --------------------------------------------------------------------------------
    def _on_stack_change(self, project: Project, change: Change) -> None:
        self.events.emit("changed", change)
        self._emit_modified()

    def _emit_modified(self) -> None:
        modified = self.undo_stack.is_modified
        if modified != self._was_modified:
            self._was_modified = modified
            self.events.emit("modified", modified)


def _plural(verb: str, n: int, noun: str) -> str:
    return f"{verb} {noun}" if n == 1 else f"{verb} {n} {noun}s"


def _apply(
    project: Project,
    edit: tuple[EditClip, ...],
    s: Suggestion,
    action: str,
    extent: TimeRange,
) -> tuple[tuple[EditClip, ...], tuple[TimeRange, ...] | None]:
    """The edit after accepting ``s``, and what it removed (cuts only)."""
    if action == "keep":
        # One clip per range kept (a highlight with its silences cut out has several).
        kept = [r for r in s.payload.edit_ranges() if not r.is_empty()]
        return (*edit, *(EditClip(new_id(), s.asset_id, r, s.id) for r in kept)), None
    if not any(c.asset_id == s.asset_id for c in edit):
        # Cutting from an asset not in the edit means "use this asset, minus this range".
        asset = project.asset(s.asset_id)
        whole = asset.extent()
        if whole is None:
            raise ProjectEditError(
                f"cannot cut from {asset.name!r}: not in the edit and its duration is unknown"
            )
        edit = (*edit, EditClip(new_id(), s.asset_id, whole))
    return cut_from_edit(edit, s.asset_id, extent)


def _follow_accepted(
    project: Project,
    edit: tuple[EditClip, ...],
    changing: Sequence[Suggestion],
    state: ReviewState,
    removed: dict[str, tuple[TimeRange, ...] | None],
) -> tuple[tuple[EditClip, ...], tuple[Suggestion, ...]]:
    """The edit after a review step, made order-independent (:mod:`.consistency`).

    For each asset the step keeps or cuts: when its clips were exactly what the accepted
    suggestions make (the editor has not rearranged them by hand) and the step-by-step
    result is not, its clips become what the accepted suggestions make now — cutting the
    silences and then accepting a highlight gives the highlight minus its silences, not the
    whole file followed by the highlight. ``removed`` is updated for the cuts accepted in
    this step; the other accepted cuts of such an asset whose record changes are returned,
    updated, to be stored with the step. An asset edited by hand keeps the step-by-step
    result.
    """
    new_state = {s.id: state for s in changing}
    before = [s for s in project.suggestions if s.state is ReviewState.ACCEPTED]
    after = [
        s for s in project.suggestions
        if new_state.get(s.id, s.state) is ReviewState.ACCEPTED
    ]
    touched = {s.asset_id for s in changing if s.payload.edit_action() and s.extent()}
    refreshed: dict[str, Suggestion] = {}
    for asset in project.assets:
        if asset.id not in touched:
            continue
        had = [c.range for c in project.edit if c.asset_id == asset.id]
        if had != [r for r, _ in accepted_edit(project, asset.id, before)]:
            continue  # rearranged by hand: the step-by-step result stands
        derived = accepted_edit(project, asset.id, after)
        now = [c for c in edit if c.asset_id == asset.id]
        if [c.range for c in now] != [r for r, _ in derived]:
            edit = _replace_clips(edit, project.edit, asset.id, derived, now)
        # What each accepted cut of the asset takes out of the ranges kept (or the whole).
        kept = accepted_edit(
            project, asset.id, [s for s in after if s.payload.edit_action() == "keep"]
        ) or [(r, None) for r in [asset.extent()] if r is not None]
        for s in after:
            if s.asset_id != asset.id or s.payload.edit_action() != "cut":
                continue
            record = removed_by(s.extent(), kept)  # type: ignore[arg-type]
            if s.id in new_state:
                removed[s.id] = record
            elif s.removed != record:
                refreshed[s.id] = s.replace(removed=record)
    return edit, tuple(refreshed.values())


def _replace_clips(
    edit: tuple[EditClip, ...],
    old_edit: tuple[EditClip, ...],
    asset_id: str,
    pieces: Sequence[tuple[TimeRange, str | None]],
    now: Sequence[EditClip],
) -> tuple[EditClip, ...]:
    """``edit`` with the asset's clips replaced by ``pieces``, where its first clip was
    (else where it was before the step, else at the end); clip ids reused in order."""
    at = next((i for i, c in enumerate(edit) if c.asset_id == asset_id), None)
    if at is None:
        at = next((i for i, c in enumerate(old_edit) if c.asset_id == asset_id), len(edit))
    rest = [c for c in edit if c.asset_id != asset_id]
    at = min(at, len(rest))
    ids = [c.id for c in now]
    clips = [
        EditClip(ids[i] if i < len(ids) else new_id(), asset_id, r, sid)
        for i, (r, sid) in enumerate(pieces)
    ]
    return (*rest[:at], *clips, *rest[at:])


def _take_back(
    edit: tuple[EditClip, ...], s: Suggestion, action: str, extent: TimeRange
) -> tuple[EditClip, ...]:
    """The edit with an accepted suggestion's effect taken back."""
    if action == "keep":
        return tuple(c for c in edit if c.suggestion_id != s.id)
    # A cut accepted before removal records existed (a v1 file): put back its whole range.
    pieces = s.removed if s.removed is not None else (extent,)
    return restore_to_edit(edit, s.asset_id, pieces)
