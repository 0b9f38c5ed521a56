"""Three-way merge of projects: my unsaved changes on top of what another writer saved.

``base`` is the project as this writer last read or wrote it, ``mine`` the project it holds
now, ``theirs`` what the file holds now (another window, ``analyze -o``, ``ask -o`` saved
meanwhile). The merge keeps both sides' work, by id:

* assets and suggestions: theirs, plus what I added, with my version of what I changed
  since ``base``; what I removed goes unless they changed it (then their change stays);
* the edit (an ordered list): mine when I changed it since ``base``, else theirs;
* name and settings: mine when I changed them, else theirs.

References are then repaired, so the result is always a valid :class:`Project`: an asset
something still refers to is kept, and an edit clip whose suggestion is gone keeps its
range without the link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from vidi_desktop.core.project.commands import Change
from vidi_desktop.core.project.model import Project


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_T = TypeVar("_T", bound=_HasId)


def merge_projects(base: Project | None, mine: Project, theirs: Project) -> Project:
    """``theirs`` with the changes ``mine`` made since ``base`` (None: an empty project)."""
    if base is None:
        base = Project(name=mine.name, created=mine.created, settings=mine.settings)
    assets = _merge_items(base.assets, mine.assets, theirs.assets)
    suggestions = _merge_items(base.suggestions, mine.suggestions, theirs.suggestions)
    edit = mine.edit if mine.edit != base.edit else theirs.edit
    # Repair references: keep every asset something points to, drop dangling links.
    asset_ids = {a.id for a in assets}
    pool = {a.id: a for a in (*base.assets, *theirs.assets, *mine.assets)}
    needed = [s.asset_id for s in suggestions] + [c.asset_id for c in edit]
    for aid in dict.fromkeys(needed):
        if aid not in asset_ids and aid in pool:
            assets.append(pool[aid])
            asset_ids.add(aid)
    suggestions = [s for s in suggestions if s.asset_id in asset_ids]
    suggestion_ids = {s.id for s in suggestions}
    clips = []
    for c in edit:
        if c.asset_id not in asset_ids:
            continue
        if c.suggestion_id is not None and c.suggestion_id not in suggestion_ids:
            c = c.replace(suggestion_id=None)
        clips.append(c)
    return Project(
        assets=tuple(assets),
        suggestions=tuple(suggestions),
        edit=tuple(clips),
        name=mine.name if mine.name != base.name else theirs.name,
        created=theirs.created,
        settings=mine.settings if mine.settings != base.settings else theirs.settings,
    )


def _merge_items(base: Sequence[_T], mine: Sequence[_T], theirs: Sequence[_T]) -> list[_T]:
    """Theirs in their order, my changes applied, my additions appended in my order."""
    b = {x.id: x for x in base}
    m = {x.id: x for x in mine}
    out: list[_T] = []
    for item in theirs:
        if item.id in m:
            mine_item = m[item.id]
            changed_by_me = item.id not in b or mine_item != b[item.id]
            out.append(mine_item if changed_by_me else item)
        elif item.id in b and item == b[item.id]:
            continue  # I removed it and they left it alone: it goes
        else:
            out.append(item)  # theirs (new, or changed by them though I removed it)
    have = {x.id for x in out}
    for item in mine:
        if item.id not in have and item.id not in b:
            out.append(item)  # added by me
    return out


@dataclass(slots=True)
class ReplaceProject:
    """An undoable step replacing the whole project (a merge, or a reload from disk)."""

    before: Project
    after: Project
    description: str = "Merge changes saved elsewhere"

    def do(self, project: Project) -> Project:
        return self.after

    def undo(self, project: Project) -> Project:
        return self.before

    def change(self) -> Change:
        both = (self.before, self.after)
        return Change(
            assets=frozenset(a.id for p in both for a in p.assets),
            suggestions=frozenset(s.id for p in both for s in p.suggestions),
            edit=frozenset(c.id for p in both for c in p.edit),
            settings=True,
        )
