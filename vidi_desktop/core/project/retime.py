"""Giving a suggestion a new time range (a trim), its payload otherwise untouched.

A suggestion can be trimmed when its payload is one time range — a ``range`` field that is
its whole extent: cuts and keeps, silence cuts, speech, highlights, chapters, subtitle cues.
Scene boundaries (an instant), object tubes and reframe paths (boxes over time) and answers
(several moments) cannot: their extent is made of other things.

What stays the same: the kind, the text, the title, the score, every other field. What the
new range changes besides itself:

* a highlight's ``parts`` (the ranges it plays when its pauses were cut out) are cut to the
  new range and the ones left outside are dropped; the first part follows the start when
  the start moves out and that part began at the old start (its last part likewise with
  the end), so widening a highlight plays the frames it gained. A highlight whose parts
  all fall outside the new range plays the new range whole, as one without parts does.
* a subtitle cue keeps its words: they are the transcription of what was said (the
  transcript panel reads them), which showing the cue for a shorter time does not change.

The first trim records the payload as the analyser gave it in the suggestion's metadata
(:data:`TRIMMED_FROM`): re-running the request that made it finds it there
(:mod:`.dedupe`), so a trimmed suggestion does not come back untrimmed as a new one.

Pure Python: nothing here imports Qt.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from vidi_desktop.core.project.fields import Fields, SchemaError
from vidi_desktop.core.project.model import (
    Asset,
    HighlightClip,
    Payload,
    ProjectEditError,
    Suggestion,
    payload_class,
)
from vidi_desktop.core.time import TimeRange

TRIMMED_FROM = "trimmed_from"
"""Metadata key: the payload (as JSON) a suggestion had before its first trim."""


def can_retime(payload: Payload) -> bool:
    """True when ``payload`` is one time range that a trim may move (see the module text)."""
    cls = type(payload)
    has_range = _HAS_RANGE.get(cls)
    if has_range is None:
        has_range = _HAS_RANGE[cls] = dataclasses.is_dataclass(cls) and any(
            f.name == "range" for f in dataclasses.fields(cls)
        )
    # Its extent is that very range (the hover test asks this for every item in reach).
    value = getattr(payload, "range", None) if has_range else None
    return isinstance(value, TimeRange) and payload.extent() is value


_HAS_RANGE: dict[type, bool] = {}


def retimed(payload: Payload, new_range: TimeRange) -> Payload:
    """``payload`` over ``new_range``, everything else kept (highlight parts cut to it).

    ``ProjectEditError`` for a payload that cannot be trimmed or an empty range.
    """
    if not can_retime(payload):
        raise ProjectEditError(f"a {payload.kind.replace('_', ' ')} cannot be trimmed")
    if new_range.is_empty():
        raise ProjectEditError("a trim cannot leave an empty range")
    if isinstance(payload, HighlightClip) and payload.parts:
        parts = _fit_parts(payload.parts, payload.range, new_range)
        return dataclasses.replace(payload, range=new_range, parts=parts)
    return dataclasses.replace(payload, range=new_range)  # type: ignore[call-arg]


def remember_original(s: Suggestion) -> dict[str, Any]:
    """``s``'s metadata with its payload before any trim recorded (kept from the first)."""
    if TRIMMED_FROM in s.metadata:
        return s.metadata
    return {**s.metadata, TRIMMED_FROM: s.payload.to_json()}


def untrimmed(s: Suggestion) -> Suggestion | None:
    """``s`` as it was before it was trimmed; None when it never was (or the record is
    unreadable: a hand-edited file)."""
    data = s.metadata.get(TRIMMED_FROM)
    if not isinstance(data, dict):
        return None
    try:
        payload = payload_class(s.kind).from_json(Fields(data, f"metadata.{TRIMMED_FROM}"))
    except (KeyError, SchemaError, TypeError, ValueError):
        return None
    return s.replace(payload=payload)


def clamp_to_asset(new_range: TimeRange, asset: Asset) -> TimeRange:
    """``new_range`` cut to the asset's extent (when known); ``ProjectEditError`` when
    nothing of it is left or it is empty."""
    if new_range.is_empty():
        raise ProjectEditError("a trim cannot leave an empty range")
    whole = asset.extent()
    if whole is None:
        return new_range
    inside = new_range.clamped(whole)
    if inside is None:
        raise ProjectEditError(f"the new range lies outside {asset.name!r}")
    return inside


def _fit_parts(
    parts: tuple[TimeRange, ...], old: TimeRange, new: TimeRange
) -> tuple[TimeRange, ...]:
    """Highlight parts for a highlight moved from ``old`` to ``new`` (module docstring)."""
    first, last = parts[0], parts[-1]
    fitted: list[TimeRange] = []
    for i, part in enumerate(parts):
        start, end = part.start, part.end_exclusive
        if i == 0 and first.start == old.start and new.start < old.start:
            start = new.start  # widened on the left: the opening part plays from the new in
        if i == len(parts) - 1 and last.end_exclusive == old.end_exclusive and (
            new.end_exclusive > old.end_exclusive
        ):
            end = new.end_exclusive
        hit = TimeRange.from_start_end(start, end).intersection(new)
        if hit is not None:
            fitted.append(hit)
    if len(fitted) == 1 and fitted[0] == new:
        return ()  # one part covering the whole range: the plain form, as files write it
    return tuple(fitted)
