"""Re-running a request adds only what is new: suggestions equal to existing ones are dropped.

Two suggestions are *the same* when they are about the same asset, of the same kind, their
times agree within one frame of that asset (strictly less than a frame apart: a cut moved by
a whole frame is another cut) and the rest of their payloads is equal (numbers within 1e-6).
Confidence, label, source, request and metadata do not count: they describe where a
suggestion came from, not what it proposes. A suggestion the editor trimmed is also the
same as what it was before the trim: re-running its request does not bring it back.

:func:`add_new_suggestions` is the one way every front end lands a run's results — the
window's requests, ``ask`` and ``analyze`` on an existing project — so a run repeated on an
existing project adds nothing, and the decisions already taken (accepted, rejected) are
never touched: the existing suggestions are left exactly as they are.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from vidi_desktop.core.project.model import Asset, Payload, Project, Suggestion
from vidi_desktop.core.project.retime import untrimmed
from vidi_desktop.core.time import Time, TimeRange

if TYPE_CHECKING:
    from vidi_desktop.core.project.document import ProjectDocument

_FALLBACK_FRAME = Fraction(1, 25)  # no usable rate (audio only, unprobed): probe's default
_NUMBER_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class AddOutcome:
    """What landing a run did: the suggestions added and those that were already there."""

    added: tuple[Suggestion, ...]
    already: tuple[Suggestion, ...]  # the incoming ones dropped as equal to existing ones

    @property
    def added_ids(self) -> list[str]:
        return [s.id for s in self.added]

    def summary(self) -> str:
        """ "3 new, 2 already there" (what the CLI prints and the window says)."""
        return f"{len(self.added)} new, {len(self.already)} already there"


def frame_of(asset: Asset) -> Fraction:
    """One frame of ``asset`` in seconds: its constant rate, else its average rate."""
    video = asset.facts.video
    rate = None
    if video is not None:
        rate = video.rate or video.average_rate or video.declared_rate
    return 1 / rate if rate else _FALLBACK_FRAME


def same_suggestion(a: Suggestion, b: Suggestion, frame: Fraction) -> bool:
    """True when ``a`` and ``b`` propose the same thing (see the module docstring)."""
    return a.asset_id == b.asset_id and a.kind == b.kind and _same(a.payload, b.payload, frame)


def split_new(
    project: Project, incoming: Iterable[Suggestion]
) -> tuple[list[Suggestion], list[Suggestion]]:
    """``(new, already_there)``: ``incoming`` split by whether ``project`` holds an equal one.

    Two equal suggestions within ``incoming`` are both new (a backend's answer is taken as
    it comes); only what the project already holds is dropped.
    """
    buckets: dict[tuple[str, str, int | None], list[Suggestion]] = {}
    frames: dict[str, Fraction] = {}

    def frame_for(asset_id: str) -> Fraction:
        if asset_id not in frames:
            frames[asset_id] = (
                frame_of(project.asset(asset_id)) if project.has_asset(asset_id)
                else _FALLBACK_FRAME
            )
        return frames[asset_id]

    for s in project.suggestions:
        # A trimmed suggestion is also what the analyser first gave (core/project/retime.py).
        for version in (s, untrimmed(s)):
            if version is not None:
                buckets.setdefault(_key(version, frame_for(s.asset_id)), []).append(version)
    new: list[Suggestion] = []
    already: list[Suggestion] = []
    for s in incoming:
        frame = frame_for(s.asset_id)
        asset_id, kind, slot = _key(s, frame)
        near: Sequence[int | None] = (None,) if slot is None else (slot - 1, slot, slot + 1)
        found = any(
            same_suggestion(s, old, frame)
            for k in near
            for old in buckets.get((asset_id, kind, k), ())
        )
        (already if found else new).append(s)
    return new, already


def add_new_suggestions(
    document: ProjectDocument, suggestions: Iterable[Suggestion], description: str = ""
) -> AddOutcome:
    """Add the suggestions ``document``'s project does not hold yet, as one undo step.

    Nothing already in the project changes (its review decisions included); when every
    suggestion is already there, no undo step is made at all.
    """
    new, already = split_new(document.project, suggestions)
    added = document.add_suggestions(new, description) if new else ()
    return AddOutcome(tuple(added), tuple(already))


# -- comparing ---------------------------------------------------------------------------------


def _key(s: Suggestion, frame: Fraction) -> tuple[str, str, int | None]:
    """Bucket of ``s``: asset, kind and its start in whole frames (None: not on the timeline).

    Equal suggestions start less than a frame apart, so they sit in the same or a
    neighbouring bucket.
    """
    extent = s.extent()
    slot = None if extent is None else math.floor(extent.start.seconds / frame)
    return s.asset_id, s.kind, slot


def _same(a: object, b: object, frame: Fraction) -> bool:
    if isinstance(a, Time) and isinstance(b, Time):
        return abs(a.seconds - b.seconds) < frame
    if isinstance(a, TimeRange) and isinstance(b, TimeRange):
        return (
            abs(a.start.seconds - b.start.seconds) < frame
            and abs(a.end_exclusive.seconds - b.end_exclusive.seconds) < frame
        )
    if type(a) is not type(b):
        # int vs float in a number field is the same number; anything else differs.
        if _is_number(a) and _is_number(b):
            return _close(a, b)  # type: ignore[arg-type]
        return False
    if isinstance(a, Payload) or (dataclasses.is_dataclass(a) and not isinstance(a, type)):
        return all(
            _same(getattr(a, f.name), getattr(b, f.name), frame)
            for f in dataclasses.fields(a)  # type: ignore[arg-type]
        )
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(  # type: ignore[arg-type]
            _same(x, y, frame) for x, y in zip(a, b, strict=True)  # type: ignore[call-overload]
        )
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], frame) for k in a)  # type: ignore[attr-defined,index]
    if isinstance(a, float):
        return _close(a, b)  # type: ignore[arg-type]
    return a == b


def _is_number(x: object) -> bool:
    return isinstance(x, int | float | Fraction) and not isinstance(x, bool)


def _close(a: float | int | Fraction, b: float | int | Fraction) -> bool:
    return math.isclose(float(a), float(b), rel_tol=_NUMBER_TOLERANCE, abs_tol=_NUMBER_TOLERANCE)
