"""Suggestions limited to a time scope: a request about a part of a file answers about that part.

A request can be scoped to a range of its file (``Request.window``: the window's In/Out
marks, ``ask --start --end``). The built-in tasks honour the scope as they work, but a
backend may only clip what it returns, or not at all; :func:`scope_suggestions` is applied to
every result after its backend ran (:mod:`vidi_desktop.models.runner`), so whatever served the
request, nothing it adds lies outside the scope. It is idempotent: a result already inside
comes out unchanged.

What "inside" means depends on what the suggestion proposes:

* ranges that still mean something in part — cuts and keeps, silence cuts, speech, chapters
  — are clipped to the scope (a silence that runs past the Out mark is cut up to it);
* a subtitle cue (its text spans it) is kept when it starts inside;
* instants — scene boundaries — when their time is inside ``[in, out)``;
* object tubes keep their boxes inside the scope (none left: dropped);
* suggestions tied to no span (answers, which are messages) and reframe paths (a crop path
  covers its whole clip, and the task says so) are kept;
* any other kind must stay whole — a highlight clip, whose length was asked for — and is
  kept only when its extent lies inside the scope.

Pure Python on ``core`` values, like the rest of the package.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from vidi_desktop.core.project.model import (
    Answer,
    Chapter,
    CutRange,
    ObjectTube,
    ReframePath,
    SceneBoundary,
    SpeechRange,
    SubtitleCue,
    Suggestion,
)
from vidi_desktop.core.time import TimeRange

# Kinds whose range is clipped to the scope (CutRange covers SilenceCut, its subclass).
_CLIPPED = (CutRange, SpeechRange, Chapter)


def scope_suggestions(suggestions: Iterable[Suggestion], scope: TimeRange) -> list[Suggestion]:
    """``suggestions`` limited to ``scope`` (see the module docstring), in their order."""
    out: list[Suggestion] = []
    for s in suggestions:
        scoped = scope_suggestion(s, scope)
        if scoped is not None:
            out.append(scoped)
    return out


def scope_suggestion(s: Suggestion, scope: TimeRange) -> Suggestion | None:
    """``s`` limited to ``scope``: itself, a clipped copy, or None when it lies outside."""
    payload = s.payload
    if isinstance(payload, Answer | ReframePath):
        return s
    if isinstance(payload, _CLIPPED):
        part = payload.range.intersection(scope)
        if part is None:
            return None
        if part == payload.range:
            return s
        return s.replace(payload=dataclasses.replace(payload, range=part))
    if isinstance(payload, SceneBoundary):
        return s if scope.contains(payload.time) else None
    if isinstance(payload, SubtitleCue):
        return s if scope.contains(payload.range.start) else None
    if isinstance(payload, ObjectTube):
        boxes = tuple(b for b in payload.boxes if scope.contains(b.time))
        if not boxes:
            return None
        if len(boxes) == len(payload.boxes):
            return s
        return s.replace(payload=dataclasses.replace(payload, boxes=boxes))
    extent = payload.extent()
    if extent is None:
        return s
    return s if _inside(extent, scope) else None


def _inside(r: TimeRange, scope: TimeRange) -> bool:
    return scope.start <= r.start and r.end_exclusive <= scope.end_exclusive


__all__ = ["scope_suggestion", "scope_suggestions"]
