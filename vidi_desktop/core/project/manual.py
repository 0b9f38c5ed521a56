"""Cuts and keeps the editor makes by hand (the window's "Add cut/keep from I/O").

A range marked In to Out becomes a :class:`~.model.CutRange` suggestion of source ``marks``,
already accepted, so the edit follows at once — exactly as if a request had proposed it and
the editor had accepted it: the same :meth:`~.document.ProjectDocument.accept` applies its
edit effect, and undo takes the whole thing back in one step. Adding a range the project
already proposes (same asset, kind and range within a frame: :mod:`.dedupe`) accepts that
suggestion instead of adding a twin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidi_desktop.core.project.dedupe import frame_of, same_suggestion
from vidi_desktop.core.project.model import (
    CutRange,
    EditAction,
    ProjectEditError,
    ReviewState,
    Suggestion,
)
from vidi_desktop.core.time import TimeRange

if TYPE_CHECKING:
    from vidi_desktop.core.project.document import ProjectDocument

MARKS_SOURCE = "marks"
"""The ``source`` of suggestions made from the In/Out marks."""


def add_accepted_range(
    document: ProjectDocument,
    asset_id: str,
    range: TimeRange,
    action: EditAction,
    *,
    source: str = MARKS_SOURCE,
) -> Suggestion:
    """Cut (``action="cut"``) or keep ``range`` of ``asset_id``, accepted, in one undo step.

    The range is clipped to the asset's extent when that is known. Returns the accepted
    suggestion (an equal one already in the project when there is one). Raises
    :class:`~.model.ProjectEditError` for an empty range or one outside the asset, and what
    accepting raises (a keep inside a cut range…) — then nothing changes.
    """
    project = document.project
    asset = project.asset(asset_id)
    extent = asset.extent()
    if extent is not None:
        inside = range.intersection(extent)
        if inside is None:
            raise ProjectEditError(f"the marked range is outside {asset.name!r}")
        range = inside
    if range.is_empty():
        raise ProjectEditError("the marked range is empty: mark In before Out")
    what = "Cut" if action == "cut" else "Keep"
    wanted = Suggestion.new(
        asset_id, CutRange(range, action), source, label=f"{what.lower()} from I/O"
    )
    frame = frame_of(asset)
    twin = next(
        (s for s in project.find_suggestions(asset_id=asset_id)
         if same_suggestion(s, wanted, frame)),
        None,
    )
    if twin is not None:
        if twin.state is not ReviewState.ACCEPTED:
            document.accept([twin.id])
        return document.project.suggestion(twin.id)
    with document.transaction(f"Add {what.lower()} from I/O"):
        document.add_suggestions([wanted])
        document.accept([wanted.id])
    return document.project.suggestion(wanted.id)
