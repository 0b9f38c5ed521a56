"""Pure functions on the edit (a tuple of :class:`EditClip`): cutting a range out, putting it back.

They return new tuples and never touch the undo stack; :class:`~.document.ProjectDocument`
wraps their result in a ``ReplaceEdit`` command so undo restores the exact previous edit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vidi_desktop.core.project.model import EditClip, new_id
from vidi_desktop.core.time import TimeRange


def cut_from_edit(
    edit: Sequence[EditClip],
    asset_id: str,
    cut: TimeRange,
    make_id: Callable[[], str] = new_id,
) -> tuple[tuple[EditClip, ...], tuple[TimeRange, ...]]:
    """Remove the source range ``cut`` of ``asset_id`` from every clip of that asset.

    A clip that straddles the cut is split in two: the left piece keeps the clip's id (so a
    selection survives), the right piece gets a new id and the same ``suggestion_id``. A clip
    entirely inside the cut disappears. Returns the new edit and the source ranges actually
    removed, one per clip touched, in edit order.
    """
    result: list[EditClip] = []
    removed: list[TimeRange] = []
    for clip in edit:
        hit = clip.range.intersection(cut) if clip.asset_id == asset_id else None
        if hit is None:
            result.append(clip)
            continue
        removed.append(hit)
        pieces: list[TimeRange] = []
        if clip.range.start < hit.start:
            pieces.append(TimeRange.from_start_end(clip.range.start, hit.start))
        if hit.end_exclusive < clip.range.end_exclusive:
            pieces.append(TimeRange.from_start_end(hit.end_exclusive, clip.range.end_exclusive))
        for i, piece in enumerate(pieces):
            result.append(clip.replace(id=clip.id if i == 0 else make_id(), range=piece))
    return tuple(result), tuple(removed)


def restore_to_edit(
    edit: Sequence[EditClip],
    asset_id: str,
    pieces: Sequence[TimeRange],
    make_id: Callable[[], str] = new_id,
) -> tuple[EditClip, ...]:
    """Put source ranges of ``asset_id`` back into the edit: the inverse of a cut.

    For each piece, in order: two neighbouring clips of the asset that end and start at its
    edges (a clip split by the cut) are merged back into one, keeping the left id; else a clip
    ending at its start is extended forward, or one starting at its end is extended back;
    else the piece comes back as a new clip placed in source order among the asset's clips.
    When nothing changed since the cut this gives back the edit as it was before it (clip ids
    included), except that a clip the cut removed whole returns under a new id.
    """
    clips = list(edit)
    for piece in pieces:
        if piece.is_empty():
            continue
        _restore_one(clips, asset_id, piece, make_id)
    return tuple(clips)


def _restore_one(
    clips: list[EditClip], asset_id: str, piece: TimeRange, make_id: Callable[[], str]
) -> None:
    start, end = piece.start, piece.end_exclusive
    mine = [i for i, c in enumerate(clips) if c.asset_id == asset_id]
    # 1. Heal a split: left ends at the piece's start, the very next clip starts at its end.
    for i in mine:
        left = clips[i]
        if left.range.end_exclusive != start or i + 1 >= len(clips):
            continue
        right = clips[i + 1]
        if right.asset_id == asset_id and right.range.start == end:
            merged = TimeRange.from_start_end(left.range.start, right.range.end_exclusive)
            clips[i : i + 2] = [left.replace(range=merged)]
            return
    # 2. Extend a neighbour (the cut took a clip's head or tail).
    for i in mine:
        c = clips[i]
        if c.range.end_exclusive == start:
            clips[i] = c.replace(range=TimeRange.from_start_end(c.range.start, end))
            return
    for i in mine:
        c = clips[i]
        if c.range.start == end:
            clips[i] = c.replace(range=TimeRange.from_start_end(start, c.range.end_exclusive))
            return
    # 3. The cut removed whole clips: bring the material back where it sits in the source.
    new = EditClip(make_id(), asset_id, piece)
    before = [i for i in mine if clips[i].range.end_exclusive <= start]
    if before:
        clips.insert(before[-1] + 1, new)
        return
    after = [i for i in mine if clips[i].range.start >= end]
    clips.insert(after[0] if after else len(clips), new)
