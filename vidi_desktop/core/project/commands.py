"""Undoable changes to a :class:`Project`, one undo stack, and transactions that roll back.

A :class:`Command` turns one project value into the next (``do``) and back (``undo``). Since
a :class:`Project` is immutable, both are pure functions; the command only remembers what it
needs to reverse itself (the removed item and its position, the previous states…). The
stack guarantees ``undo`` is only ever applied to the very value ``do`` returned.

:class:`UndoStack` owns the current project value. ``push`` executes a command and records
it; inside ``with stack.transaction("Accept 3 suggestions"):`` pushed commands run at once
(later ones see the effect of earlier ones) and are recorded as one entry when the block
ends; if the block raises, they are undone in reverse order, nothing is recorded and the
exception propagates (Pitivi's and Kdenlive's rule: a request that fails changes nothing).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from vidi_desktop.core.project.model import (
    Asset,
    EditClip,
    Project,
    ProjectEditError,
    ReviewState,
    Suggestion,
)
from vidi_desktop.core.time import TimeRange

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Change:
    """What a change touched, by id, so a view can redraw only that.

    ``reason`` is ``"do"``, ``"undo"`` or ``"redo"``; ``description`` the undo-stack text.
    """

    assets: frozenset[str] = frozenset()
    suggestions: frozenset[str] = frozenset()
    edit: frozenset[str] = frozenset()
    settings: bool = False  # settings or project name
    reason: str = "do"
    description: str = ""

    def __or__(self, other: Change) -> Change:
        return Change(
            self.assets | other.assets,
            self.suggestions | other.suggestions,
            self.edit | other.edit,
            self.settings or other.settings,
            self.reason,
            self.description or other.description,
        )

    def is_empty(self) -> bool:
        """True when nothing was touched."""
        return not (self.assets or self.suggestions or self.edit or self.settings)


@runtime_checkable
class Command(Protocol):
    """One undoable change. ``do``/``undo`` return the new project value."""

    @property
    def description(self) -> str:
        """What the undo menu shows ("Accept suggestion")."""
        ...

    def do(self, project: Project) -> Project: ...

    def undo(self, project: Project) -> Project: ...

    def change(self) -> Change:
        """The ids this command touches (valid after ``do``)."""
        ...


def _ids(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _unique(ids: Iterable[str]) -> tuple[str, ...]:
    # Order kept, duplicates dropped: "accept a, a" is "accept a".
    return tuple(dict.fromkeys(ids))


# -- assets ------------------------------------------------------------------------------------


@dataclass(slots=True)
class AddAsset:
    """Append an asset to the project."""

    asset: Asset
    description: str = "Add media"

    def do(self, project: Project) -> Project:
        if project.has_asset(self.asset.id):
            raise ProjectEditError(f"an asset with id {self.asset.id!r} already exists")
        return project.replace(assets=(*project.assets, self.asset))

    def undo(self, project: Project) -> Project:
        return project.replace(assets=tuple(a for a in project.assets if a.id != self.asset.id))

    def change(self) -> Change:
        return Change(assets=_ids([self.asset.id]))


@dataclass(slots=True)
class RemoveAsset:
    """Remove an asset nothing refers to (see ``ProjectDocument.remove_asset`` to cascade)."""

    asset_id: str
    description: str = "Remove media"
    _removed: tuple[int, Asset] | None = field(default=None, init=False, repr=False)

    def do(self, project: Project) -> Project:
        asset = project.asset(self.asset_id)
        if project.find_suggestions(asset_id=self.asset_id) or project.clips_of(self.asset_id):
            raise ProjectEditError(
                f"asset {asset.name!r} still has suggestions or edit clips; remove those first"
            )
        index = next(i for i, a in enumerate(project.assets) if a.id == self.asset_id)
        self._removed = (index, asset)
        return project.replace(assets=project.assets[:index] + project.assets[index + 1 :])

    def undo(self, project: Project) -> Project:
        assert self._removed is not None
        index, asset = self._removed
        return project.replace(assets=(*project.assets[:index], asset, *project.assets[index:]))

    def change(self) -> Change:
        return Change(assets=_ids([self.asset_id]))


# -- suggestions -------------------------------------------------------------------------------


@dataclass(slots=True)
class AddSuggestions:
    """Append a batch of suggestions (one analysis run) as one undoable step."""

    suggestions: tuple[Suggestion, ...]
    description: str = "Add suggestions"

    def __post_init__(self) -> None:
        self.suggestions = tuple(self.suggestions)

    def do(self, project: Project) -> Project:
        seen: set[str] = set()
        for s in self.suggestions:
            project.asset(s.asset_id)  # a clear UnknownIdError rather than a ValueError
            if project.has_suggestion(s.id) or s.id in seen:
                raise ProjectEditError(f"a suggestion with id {s.id!r} already exists")
            seen.add(s.id)
        return project.replace(suggestions=project.suggestions + self.suggestions)

    def undo(self, project: Project) -> Project:
        n = len(self.suggestions)
        return project.replace(suggestions=project.suggestions[: len(project.suggestions) - n])

    def change(self) -> Change:
        return Change(suggestions=_ids(s.id for s in self.suggestions))


@dataclass(slots=True)
class RemoveSuggestions:
    """Remove suggestions no edit clip refers to."""

    ids: tuple[str, ...]
    description: str = "Remove suggestions"
    _removed: list[tuple[int, Suggestion]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self.ids = _unique(self.ids)

    def do(self, project: Project) -> Project:
        wanted = set(self.ids)
        for sid in self.ids:
            project.suggestion(sid)
        for c in project.edit:
            if c.suggestion_id in wanted:
                raise ProjectEditError(
                    f"edit clip {c.id!r} comes from suggestion {c.suggestion_id!r}; unlink it first"
                )
        self._removed = [(i, s) for i, s in enumerate(project.suggestions) if s.id in wanted]
        kept = tuple(s for s in project.suggestions if s.id not in wanted)
        return project.replace(suggestions=kept)

    def undo(self, project: Project) -> Project:
        items = list(project.suggestions)
        for index, s in self._removed:  # ascending positions: each lands where it was
            items.insert(index, s)
        return project.replace(suggestions=tuple(items))

    def change(self) -> Change:
        return Change(suggestions=_ids(self.ids))


@dataclass(slots=True)
class UpdateSuggestions:
    """Replace suggestions by id with new versions (label, metadata, state… changed)."""

    suggestions: tuple[Suggestion, ...]
    description: str = "Edit suggestions"
    _old: dict[str, Suggestion] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.suggestions = tuple(self.suggestions)

    def do(self, project: Project) -> Project:
        new = {s.id: s for s in self.suggestions}
        self._old = {sid: project.suggestion(sid) for sid in new}
        for sid, s in new.items():
            if s.asset_id != self._old[sid].asset_id:
                raise ProjectEditError(f"suggestion {sid!r} cannot move to another asset")
        return _swap_suggestions(project, new)

    def undo(self, project: Project) -> Project:
        return _swap_suggestions(project, self._old)

    def change(self) -> Change:
        return Change(suggestions=_ids(s.id for s in self.suggestions))


@dataclass(slots=True)
class SetReviewState:
    """Set the review state of one or many suggestions.

    ``removed`` gives, per id, what an accepted cut took out of the edit (see
    :attr:`Suggestion.removed`); ids not in it get None. Only the state bookkeeping changes
    here: the document pairs this with a ``ReplaceEdit`` when the edit changes too.
    """

    ids: tuple[str, ...]
    state: ReviewState
    removed: Mapping[str, tuple[TimeRange, ...] | None] = field(default_factory=dict)
    description: str = "Review suggestions"
    _old: dict[str, Suggestion] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.ids = _unique(self.ids)
        self.state = ReviewState(self.state)

    def do(self, project: Project) -> Project:
        self._old = {sid: project.suggestion(sid) for sid in self.ids}
        new = {
            sid: s.replace(state=self.state, removed=self.removed.get(sid))
            for sid, s in self._old.items()
        }
        return _swap_suggestions(project, new)

    def undo(self, project: Project) -> Project:
        return _swap_suggestions(project, self._old)

    def change(self) -> Change:
        return Change(suggestions=_ids(self.ids))


def _swap_suggestions(project: Project, by_id: Mapping[str, Suggestion]) -> Project:
    return project.replace(suggestions=tuple(by_id.get(s.id, s) for s in project.suggestions))


# -- the edit ----------------------------------------------------------------------------------


@dataclass(slots=True)
class AddEditClip:
    """Insert a clip into the edit at ``index`` (None: at the end)."""

    clip: EditClip
    index: int | None = None
    description: str = "Add clip"
    _at: int = field(default=0, init=False, repr=False)

    def do(self, project: Project) -> Project:
        if project.has_clip(self.clip.id):
            raise ProjectEditError(f"an edit clip with id {self.clip.id!r} already exists")
        n = len(project.edit)
        at = n if self.index is None else self.index
        if not 0 <= at <= n:
            raise ProjectEditError(f"clip position {at} is outside the edit (0…{n})")
        self._at = at
        return project.replace(edit=(*project.edit[:at], self.clip, *project.edit[at:]))

    def undo(self, project: Project) -> Project:
        return project.replace(edit=project.edit[: self._at] + project.edit[self._at + 1 :])

    def change(self) -> Change:
        return Change(edit=_ids([self.clip.id]))


@dataclass(slots=True)
class RemoveEditClip:
    """Take one clip out of the edit."""

    clip_id: str
    description: str = "Remove clip"
    _removed: tuple[int, EditClip] | None = field(default=None, init=False, repr=False)

    def do(self, project: Project) -> Project:
        index = project.clip_index(self.clip_id)
        self._removed = (index, project.edit[index])
        return project.replace(edit=project.edit[:index] + project.edit[index + 1 :])

    def undo(self, project: Project) -> Project:
        assert self._removed is not None
        index, clip = self._removed
        return project.replace(edit=(*project.edit[:index], clip, *project.edit[index:]))

    def change(self) -> Change:
        return Change(edit=_ids([self.clip_id]))


@dataclass(slots=True)
class MoveEditClip:
    """Move a clip so that it ends up at position ``index`` of the edit."""

    clip_id: str
    index: int
    description: str = "Move clip"
    _from: int = field(default=0, init=False, repr=False)

    def do(self, project: Project) -> Project:
        self._from = project.clip_index(self.clip_id)
        n = len(project.edit)
        if not 0 <= self.index < n:
            raise ProjectEditError(f"clip position {self.index} is outside the edit (0…{n - 1})")
        return project.replace(edit=_move(project.edit, self._from, self.index))

    def undo(self, project: Project) -> Project:
        return project.replace(edit=_move(project.edit, self.index, self._from))

    def change(self) -> Change:
        return Change(edit=_ids([self.clip_id]))


def _move(edit: tuple[EditClip, ...], src: int, dst: int) -> tuple[EditClip, ...]:
    items = list(edit)
    items.insert(dst, items.pop(src))
    return tuple(items)


@dataclass(slots=True)
class UpdateEditClip:
    """Replace a clip by id (a trim: new source range; an unlink: no suggestion)."""

    clip: EditClip
    description: str = "Trim clip"
    _old: EditClip | None = field(default=None, init=False, repr=False)

    def do(self, project: Project) -> Project:
        index = project.clip_index(self.clip.id)
        self._old = project.edit[index]
        return project.replace(edit=(*project.edit[:index], self.clip, *project.edit[index + 1 :]))

    def undo(self, project: Project) -> Project:
        assert self._old is not None
        old = self._old
        return project.replace(edit=tuple(old if c.id == old.id else c for c in project.edit))

    def change(self) -> Change:
        return Change(edit=_ids([self.clip.id]))


@dataclass(slots=True)
class ReplaceEdit:
    """Replace the whole edit (what cuts, restores and bulk reorders are made of)."""

    clips: tuple[EditClip, ...]
    description: str = "Change edit"
    _old: tuple[EditClip, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        self.clips = tuple(self.clips)

    def do(self, project: Project) -> Project:
        self._old = project.edit
        return project.replace(edit=self.clips)

    def undo(self, project: Project) -> Project:
        return project.replace(edit=self._old)

    def change(self) -> Change:
        old = {c.id: c for c in self._old}
        new = {c.id: c for c in self.clips}
        differ = {cid for cid in old.keys() | new.keys() if old.get(cid) != new.get(cid)}
        if [c.id for c in self._old] != [c.id for c in self.clips]:
            differ |= old.keys() | new.keys()  # order changed: every clip moved on screen
        return Change(edit=_ids(differ))


# -- project-wide ------------------------------------------------------------------------------


@dataclass(slots=True)
class SetSettings:
    """Set some settings keys and remove others."""

    updates: Mapping[str, Any]
    remove: tuple[str, ...] = ()
    description: str = "Change settings"
    _old: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.updates = dict(self.updates)
        self.remove = tuple(self.remove)

    def do(self, project: Project) -> Project:
        self._old = project.settings
        settings = {k: v for k, v in project.settings.items() if k not in self.remove}
        settings.update(self.updates)
        return project.replace(settings=settings)

    def undo(self, project: Project) -> Project:
        return project.replace(settings=self._old)

    def change(self) -> Change:
        return Change(settings=True)


@dataclass(slots=True)
class RenameProject:
    """Change the project's name."""

    name: str
    description: str = "Rename project"
    _old: str = field(default="", init=False, repr=False)

    def do(self, project: Project) -> Project:
        self._old = project.name
        return project.replace(name=self.name)

    def undo(self, project: Project) -> Project:
        return project.replace(name=self._old)

    def change(self) -> Change:
        return Change(settings=True)


@dataclass(slots=True)
class MacroCommand:
    """Several commands recorded as one undo entry (what a transaction leaves behind)."""

    description: str
    commands: tuple[Command, ...]

    def do(self, project: Project) -> Project:
        for command in self.commands:
            project = command.do(project)
        return project

    def undo(self, project: Project) -> Project:
        for command in reversed(self.commands):
            project = command.undo(project)
        return project

    def change(self) -> Change:
        result = Change()
        for command in self.commands:
            result = result | command.change()
        return result


# -- the stack -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Transaction:
    description: str
    commands: list[Command] = field(default_factory=list)


class UndoStack:
    """The current project value plus the history of commands that made it.

    ``on_change(project, change)`` is called after every recorded change, undo and redo
    (once per transaction, never from inside one).
    """

    def __init__(
        self,
        project: Project,
        *,
        limit: int | None = 200,
        on_change: Callable[[Project, Change], None] | None = None,
    ) -> None:
        if limit is not None and limit < 1:
            raise ValueError("the undo limit must be at least 1 (or None for no limit)")
        self._project = project
        self._entries: list[Command] = []
        self._index = 0  # entries[:index] are done, entries[index:] can be redone
        self._clean: int | None = 0  # None: the saved state is no longer reachable
        self._limit = limit
        self._tx: _Transaction | None = None
        self._on_change = on_change

    # -- state -------------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        """The current project value."""
        return self._project

    @property
    def index(self) -> int:
        """How many entries are done (0 when everything is undone)."""
        return self._index

    @property
    def count(self) -> int:
        """How many entries the history holds (done and redoable)."""
        return len(self._entries)

    @property
    def limit(self) -> int | None:
        """The most entries kept (None: no limit)."""
        return self._limit

    @property
    def can_undo(self) -> bool:
        """True when there is an entry to undo (never inside a transaction)."""
        return self._index > 0 and self._tx is None

    @property
    def can_redo(self) -> bool:
        """True when there is an entry to redo (never inside a transaction)."""
        return self._index < len(self._entries) and self._tx is None

    @property
    def undo_text(self) -> str:
        """The description of the entry undo would revert ("" if none)."""
        return self._entries[self._index - 1].description if self._index > 0 else ""

    @property
    def redo_text(self) -> str:
        """The description of the entry redo would replay ("" if none)."""
        return self._entries[self._index].description if self.can_redo else ""

    @property
    def clean_index(self) -> int | None:
        """The index at which the project matches what was last saved (None: unreachable)."""
        return self._clean

    @property
    def is_modified(self) -> bool:
        """True when the project differs from the last saved (or initial) state."""
        return self._clean != self._index

    @property
    def in_transaction(self) -> bool:
        """True inside a ``transaction`` block."""
        return self._tx is not None

    def texts(self) -> Sequence[str]:
        """The description of every entry, oldest first (for a history panel)."""
        return [e.description for e in self._entries]

    def set_clean(self) -> None:
        """Mark the current state as saved."""
        self._clean = self._index

    def clear(self) -> None:
        """Forget the history (the project stays as it is)."""
        self._require_no_transaction("clear the history")
        self._entries.clear()
        self._clean = 0 if self._clean == self._index else None
        self._index = 0

    # -- changes -----------------------------------------------------------------------------
    def push(self, command: Command) -> Project:
        """Execute ``command`` and record it (inside a transaction: add it to the entry).

        If ``do`` raises, nothing changes and the exception propagates.
        """
        project = command.do(self._project)
        self._project = project
        if self._tx is not None:
            self._tx.commands.append(command)
        else:
            self._record(command)
            self._notify(command.change(), "do", command.description)
        return project

    def undo(self) -> None:
        """Undo the last entry; does nothing when there is none."""
        self._require_no_transaction("undo")
        if self._index == 0:
            return
        command = self._entries[self._index - 1]
        self._project = command.undo(self._project)
        self._index -= 1
        self._notify(command.change(), "undo", command.description)

    def redo(self) -> None:
        """Redo the next entry; does nothing when there is none."""
        self._require_no_transaction("redo")
        if self._index == len(self._entries):
            return
        command = self._entries[self._index]
        self._project = command.do(self._project)
        self._index += 1
        self._notify(command.change(), "redo", command.description)

    @contextmanager
    def transaction(self, description: str) -> Iterator[None]:
        """Record the commands pushed inside the block as one entry, or none if it raises.

        On an exception the commands already done are undone in reverse order, the project is
        the very value it was before the block, and the exception propagates. A nested
        transaction folds into the outer one; if only the inner block raises (and the outer
        one catches it), only the inner block's commands are rolled back.
        """
        outer = self._tx is None
        if outer:
            self._tx = _Transaction(description)
        tx = self._tx
        assert tx is not None
        mark = len(tx.commands)
        before = self._project
        try:
            yield
        except BaseException:
            self._rollback(tx, mark, before)
            if outer:
                self._tx = None
            raise
        if not outer:
            return
        self._tx = None
        if not tx.commands:
            return
        macro = MacroCommand(description, tuple(tx.commands))
        self._record(macro)
        self._notify(macro.change(), "do", description)

    def _rollback(self, tx: _Transaction, mark: int, before: Project) -> None:
        project = self._project
        try:
            for command in reversed(tx.commands[mark:]):
                project = command.undo(project)
        except Exception:
            # An undo that fails must not leave a half-rolled-back project: the value from
            # before the block is immutable and at hand.
            log.exception("undo failed while rolling back %r", tx.description)
        if project != before:
            log.error("rolling back %r did not restore the project exactly", tx.description)
        del tx.commands[mark:]
        self._project = before

    def _record(self, command: Command) -> None:
        del self._entries[self._index :]
        if self._clean is not None and self._clean > self._index:
            self._clean = None  # the saved state was in the redo branch just discarded
        self._entries.append(command)
        self._index += 1
        if self._limit is not None and len(self._entries) > self._limit:
            drop = len(self._entries) - self._limit
            del self._entries[:drop]
            self._index -= drop
            if self._clean is not None:
                self._clean = self._clean - drop if self._clean >= drop else None

    def _notify(self, change: Change, reason: str, description: str) -> None:
        if self._on_change is None:
            return
        change = dataclasses.replace(change, reason=reason, description=description)
        self._on_change(self._project, change)

    def _require_no_transaction(self, what: str) -> None:
        if self._tx is not None:
            raise RuntimeError(f"cannot {what} inside a transaction ({self._tx.description!r})")


__all__ = [
    "AddAsset",
    "AddEditClip",
    "AddSuggestions",
    "Change",
    "Command",
    "MacroCommand",
    "MoveEditClip",
    "RemoveAsset",
    "RemoveEditClip",
    "RemoveSuggestions",
    "RenameProject",
    "ReplaceEdit",
    "SetReviewState",
    "SetSettings",
    "UndoStack",
    "UpdateEditClip",
    "UpdateSuggestions",
]
