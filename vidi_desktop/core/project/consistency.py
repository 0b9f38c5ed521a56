"""The edit the accepted suggestions make, and accepted suggestions that contradict each other.

One rule, the one the exporters apply to suggestions (``interchange.timeline``): per asset,
the accepted ranges to keep (highlights, kept cut ranges) in time order — or the whole asset
when nothing is kept but something is cut — minus the accepted cuts (silence cuts, word
cuts). The document follows it whenever the editor has not rearranged an asset's clips by
hand, so the edit never depends on the order suggestions were accepted in: cutting the
silences and then accepting a highlight gives the highlight without its silences, not the
whole file followed by the highlight.

Two accepted suggestions contradict each other when the edit cannot honour both: two kept
ranges of one asset that overlap (the same frames would play twice), or a kept range that
accepted cuts remove entirely.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from vidi_desktop.core.project.model import Project, ReviewState, Suggestion
from vidi_desktop.core.time import TimeRange

Piece = tuple[TimeRange, str | None]
"""A source range of the derived edit and the id of the suggestion that put it there."""


def accepted_edit(project: Project, asset_id: str, accepted: Iterable[Suggestion]) -> list[Piece]:
    """The clips of ``asset_id`` that the ``accepted`` suggestions make (see the module
    docstring); ``[]`` when none of them keeps or cuts anything of it, or when only cuts
    are accepted and the asset's duration is unknown."""
    mine = [s for s in accepted if s.asset_id == asset_id and s.payload.edit_action()]
    keeps = sorted(
        (s for s in mine if s.payload.edit_action() == "keep" and _extent(s) is not None),
        key=lambda s: _extent(s).start,  # type: ignore[union-attr]
    )
    cuts = [r for s in mine if s.payload.edit_action() == "cut" and (r := _extent(s))]
    # A keep may play several ranges (a highlight with its pauses taken out).
    base: list[Piece] = [(r, s.id) for s in keeps for r in s.payload.edit_ranges()]
    if not keeps:
        whole = project.asset(asset_id).extent()
        if not cuts or whole is None:
            return []
        base = [(whole, None)]
    for cut in cuts:
        base = [p for piece in base for p in _subtract(piece, cut)]
    return [p for p in base if not p[0].is_empty()]


def removed_by(cut: TimeRange, pieces: Sequence[Piece]) -> tuple[TimeRange, ...]:
    """What ``cut`` takes out of ``pieces`` (an accepted cut's ``removed`` record)."""
    return tuple(hit for r, _ in pieces if (hit := r.intersection(cut)) is not None)


def contradictions(project: Project, ids: Iterable[str] | None = None) -> list[str]:
    """One line per pair of accepted suggestions that contradict each other (only pairs
    with one of ``ids`` in them, when given), naming both with their times."""
    accepted = project.find_suggestions(state=ReviewState.ACCEPTED)
    wanted = None if ids is None else set(ids)
    out: list[str] = []
    for asset in project.assets:
        mine = [s for s in accepted if s.asset_id == asset.id and _extent(s) is not None]
        keeps = sorted(
            (s for s in mine if s.payload.edit_action() == "keep" and not _extent(s).is_empty()),  # type: ignore[union-attr]
            key=lambda s: _extent(s).start,  # type: ignore[union-attr]
        )
        cuts = [s for s in mine if s.payload.edit_action() == "cut"]
        for a, b in itertools.combinations(keeps, 2):
            if wanted is not None and not {a.id, b.id} & wanted:
                continue
            if _extent(a).overlaps(_extent(b)):  # type: ignore[union-attr]
                out.append(
                    f"{asset.name}: {describe(a)} and {describe(b)} overlap (the same frames "
                    "would play twice)"
                )
        for keep in keeps:
            left: list[Piece] = [(_extent(keep), keep.id)]  # type: ignore[list-item]
            hitting = [c for c in cuts if _extent(c).overlaps(_extent(keep))]  # type: ignore[union-attr]
            for c in hitting:
                left = [p for piece in left for p in _subtract(piece, _extent(c))]  # type: ignore[arg-type]
            involved = {keep.id, *(c.id for c in hitting)}
            if hitting and not left and (wanted is None or involved & wanted):
                names = ", ".join(describe(c) for c in hitting)
                out.append(f"{asset.name}: {describe(keep)} is cut out entirely by {names}")
    return out


def describe(s: Suggestion) -> str:
    """``kind id (start–end s)``: a suggestion named in a message."""
    extent = _extent(s)
    where = (
        f" ({float(extent.start.seconds):.3f}–{float(extent.end_exclusive.seconds):.3f} s)"
        if extent is not None else ""
    )
    return f"{s.kind.replace('_', ' ')} {s.id}{where}"


def _extent(s: Suggestion) -> TimeRange | None:
    return s.payload.extent()


def _subtract(piece: Piece, cut: TimeRange) -> list[Piece]:
    r, sid = piece
    hit = r.intersection(cut)
    if hit is None:
        return [piece]
    out: list[Piece] = []
    if r.start < hit.start:
        out.append((TimeRange.from_start_end(r.start, hit.start), sid))
    if hit.end_exclusive < r.end_exclusive:
        out.append((TimeRange.from_start_end(hit.end_exclusive, r.end_exclusive), sid))
    return out
