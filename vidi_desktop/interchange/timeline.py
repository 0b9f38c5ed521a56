"""From a project to a :class:`~.model.Timeline`: which ranges become clips, which markers.

Two sources of clips:

* **the edit** (``project.edit``), when it has clips and no ``kinds`` were asked for: the
  editor's accepted edit, in play order;
* **suggestions** otherwise: per asset, the ranges to keep (``cut_range`` keeps, highlight
  clips) or else the whole asset, minus the ranges to cut, split at scene boundaries when
  shots were asked for (``--kind shots``: every shot becomes an event).

Which suggestions count is chosen by ``include`` (accepted / pending / all) and ``kinds``
(kind names or the aliases each kind declares, such as ``shots``, ``speech``,
``highlights``). What a kind does here is its declared edit role (``core.project.kinds``):
``keep``/``cut`` kinds shape the edit — accepted ones make clips; pending ones too unless
``pending_as`` says markers or disabled clips; rejected ones are never clips (markers, or
disabled clips with ``pending_as="disabled"``), so the editor can still decide inside the
NLE — and ``marker`` kinds (scene boundaries, chapters, object tubes, answers; subtitle
cues only when asked for) become markers carrying the suggestion (tube boxes, the request)
in ``metadata["vidi"]``.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from vidi_desktop.core.project import (
    Asset,
    HighlightClip,
    Project,
    ReviewState,
    SceneBoundary,
    Suggestion,
)
from vidi_desktop.core.project.kinds import (
    count_text,
    kind_info,
    kinds_with_role,
    resolve_kind_words,
)
from vidi_desktop.core.rate import FrameRate
from vidi_desktop.core.time import Time, TimeRange
from vidi_desktop.core.timecode import timecode_to_frames
from vidi_desktop.interchange.errors import ExportError, NothingAcceptedError
from vidi_desktop.interchange.markers import attach_markers
from vidi_desktop.interchange.model import Clip, Timeline, convert_frames
from vidi_desktop.interchange.reframing import REFRAME_KIND, attach_reframes
from vidi_desktop.interchange.sources import SourceMedia

log = logging.getLogger(__name__)

PendingAs = Literal["clips", "markers", "disabled"]

INCLUDE_STATES: dict[str, tuple[str, ...]] = {
    "accepted": ("accepted",),
    "pending": ("pending",),
    "accepted+pending": ("accepted", "pending"),  # all but the rejected (subtitle files)
    "all": ("accepted", "pending", "rejected"),
}


_SHOTS = SceneBoundary.kind  # asked for by kind, scene boundaries split the cut into shots


def _edit_kinds() -> frozenset[str]:
    """Kinds whose suggestions shape the edit (keep or cut)."""
    return kinds_with_role("keep", "cut")


def _marker_kind(kind: str, asked: tuple[str, ...] | None, all_on_request: bool) -> bool:
    """Do suggestions of ``kind`` become markers (some kinds only when asked for)?"""
    info = kind_info(kind)
    if info.role != "marker":
        return False
    return not info.marker_on_request or all_on_request or (asked is not None and kind in asked)

@dataclass(frozen=True, slots=True)
class TimelineOptions:
    """What goes on the timeline and how it starts."""

    include: str = "accepted"
    kinds: tuple[str, ...] | None = None
    pending_as: PendingAs = "clips"
    record_start: str = "01:00:00:00"
    name: str | None = None
    reframe: bool = True  # apply accepted reframe paths (sequence takes the crop's aspect)
    subtitle_markers: bool = False  # subtitle cues as markers (they are many)
    whole: bool = False  # every file uncut, as asked (--whole): cuts and keeps as markers
    refuse_uncut: bool = True  # nothing shapes the edit, nothing rides along: refuse
    with_markers: bool = True  # markers are part of the output (a render shows none)


@dataclass(slots=True)
class _Piece:
    asset_id: str
    range: TimeRange
    name: str
    suggestion_id: str | None = None
    kind: str = "edit"
    state: str = "accepted"
    enabled: bool = True


def expand_kinds(kinds: Iterable[str] | None) -> tuple[str, ...] | None:
    """Kind names with aliases resolved; :class:`ExportError` for an unknown word."""
    if kinds is None:
        return None
    try:
        return resolve_kind_words(kinds)
    except ValueError as exc:
        raise ExportError(str(exc)) from None


def select_suggestions(
    project: Project, include: str, kinds: tuple[str, ...] | None
) -> tuple[Suggestion, ...]:
    """The suggestions in the chosen states and kinds, in document order."""
    if include not in INCLUDE_STATES:
        raise ExportError(f"include must be one of {', '.join(INCLUDE_STATES)}, got {include!r}")
    states = INCLUDE_STATES[include]
    return tuple(
        s
        for s in project.suggestions
        if s.state.value in states and (kinds is None or s.kind in kinds)
    )


def build_timeline(project: Project, options: TimelineOptions | None = None) -> Timeline:
    """The timeline of ``project`` as ``options`` select it (see the module docstring)."""
    options = options or TimelineOptions()
    kinds = expand_kinds(options.kinds)
    selected = select_suggestions(project, options.include, kinds)
    _check_selection(project, options, kinds, selected)
    use_edit = (kinds is None and bool(project.edit) and options.include != "pending"
                and not options.whole)
    if options.whole:
        pieces = _whole_files(project, selected, kinds)
        leftovers = [s for s in selected if s.kind in _edit_kinds()]
    elif use_edit:
        pieces = [
            _Piece(c.asset_id, c.range, project.asset(c.asset_id).name, c.suggestion_id)
            for c in project.edit
        ]
        # Accepted cuts and keeps already shaped the edit; the others ride along.
        edit_kinds = _edit_kinds()
        leftovers = [
            s for s in selected if s.kind in edit_kinds and s.state is not ReviewState.ACCEPTED
        ]
    else:
        pieces, leftovers = _pieces_from_suggestions(project, selected, kinds, options)
    split_shots = kinds is not None and _SHOTS in kinds
    shaping = _edit_kinds() | ({_SHOTS} if split_shots else set())
    whole = not use_edit and (options.whole or not any(
        s.kind in shaping and _is_clip(s, options) for s in selected
    ))
    if options.pending_as == "disabled":
        for s in leftovers:
            if _disabled_clip_kind(s):
                pieces += _suggestion_pieces(project, s, enabled=False)
        leftovers = [s for s in leftovers if not _disabled_clip_kind(s)]
    name = options.name or project.name
    sources = _sources(project, {p.asset_id for p in pieces})
    timeline = _layout(name, pieces, sources, options)
    if whole and not options.whole:
        timeline = replace(timeline, warnings=(
            *timeline.warnings,
            f"no {options.include} cuts, keeps, highlights or shots shape the edit: "
            "each file is exported whole",
        ))
    marking = {k for k in {s.kind for s in selected}
               if _marker_kind(k, kinds, options.subtitle_markers)}
    # Kinds marked only on request come after the others (they are many).
    crowd = {k for k in marking if kind_info(k).marker_on_request}
    markers = list(leftovers) + [
        s for s in selected
        if s.kind in marking - crowd and not (split_shots and s.kind == _SHOTS
                                              and _is_clip(s, options))
    ]
    markers += [s for s in selected if s.kind in crowd]
    reframes = _reframes(selected, options) if options.reframe else []
    carried = bool(reframes) or (options.with_markers and bool(markers))
    if whole and not options.whole and options.refuse_uncut and not carried:
        raise _nothing_accepted(project, options, kinds)
    timeline = attach_markers(timeline, markers)
    if reframes:
        timeline = attach_reframes(timeline, reframes)
    return timeline


def _reframes(selected: Sequence[Suggestion], options: TimelineOptions) -> list[Suggestion]:
    """The crop paths to apply: selected ones (so ``--kind`` leaves out a reframe it does
    not name) that are clips."""
    return [s for s in selected if s.kind == REFRAME_KIND and _is_clip(s, options)]


def _whole_files(
    project: Project, selected: Sequence[Suggestion], kinds: tuple[str, ...] | None
) -> list[_Piece]:
    """Every file of the project (those with a selected suggestion, when kinds were asked
    for) as one piece each, uncut."""
    used = {s.asset_id for s in selected}
    pieces = []
    for asset in project.assets:
        if kinds is not None and asset.id not in used:
            continue
        extent = asset.extent()
        if extent is None:
            raise ExportError(f"{asset.name}: duration unknown (probe the file again)")
        pieces.append(_Piece(asset.id, extent, asset.name))
    return pieces


def _nothing_accepted(
    project: Project, options: TimelineOptions, kinds: tuple[str, ...] | None
) -> NothingAcceptedError:
    """The refusal when the output would be the files uncut, with what could shape it."""
    shaping = _edit_kinds() | ({_SHOTS} if kinds is not None and _SHOTS in kinds else set())
    pending: dict[str, int] = {}
    for s in project.suggestions:
        if (s.state is ReviewState.PENDING and s.kind in shaping
                and (kinds is None or s.kind in kinds)):
            pending[s.kind] = pending.get(s.kind, 0) + 1
    what = ", ".join(count_text(n, k) for k, n in pending.items())
    waiting = f" ({what} pending)" if what else ""
    return NothingAcceptedError(
        f"nothing {options.include} shapes the edit{waiting}: accept some, include the "
        "pending ones, or export the files whole (uncut)",
        pending,
    )


def build_highlight_timelines(
    project: Project, options: TimelineOptions | None = None
) -> list[Timeline]:
    """One timeline per highlight clip (accepted, or as ``include`` selects), in time order."""
    options = options or TimelineOptions()
    selected = select_suggestions(project, options.include, None)
    highlights = [s for s in selected if s.kind == HighlightClip.kind and _is_clip(s, options)]
    if not highlights:
        raise ExportError(f"no {options.include} highlight clips to export")
    order = {a.id: i for i, a in enumerate(project.assets)}
    highlights.sort(key=lambda s: (order[s.asset_id], s.payload.extent().start))  # type: ignore[union-attr]
    sources = _sources(project, {h.asset_id for h in highlights})
    # Markers and crop paths ride along only as --kind allows (highlights alone: none).
    kinds = expand_kinds(options.kinds)
    riding = [s for s in selected if kinds is None or s.kind in kinds]
    markers = [s for s in riding if _marker_kind(s.kind, kinds, False)]
    reframes = _reframes(riding, options)
    out = []
    for i, h in enumerate(highlights, 1):
        title = getattr(h.payload, "title", "") or h.label or f"highlight {i}"
        pieces = _suggestion_pieces(project, h)
        tl = _layout(f"{options.name or project.name} - {title}", pieces, sources, options)
        tl = attach_markers(tl, markers)
        if options.reframe:
            tl = attach_reframes(tl, reframes)
        out.append(tl)
    return out


# -- choosing ------------------------------------------------------------------------------


def _is_clip(s: Suggestion, options: TimelineOptions) -> bool:
    """Does this suggestion shape the edit (rather than ride along as a marker)?"""
    if s.state is ReviewState.ACCEPTED:
        return True
    return s.state is ReviewState.PENDING and options.pending_as == "clips"


def _disabled_clip_kind(s: Suggestion) -> bool:
    """A keep (a highlight, a kept range) left out of the edit can be a disabled clip."""
    return s.payload.edit_action() == "keep"


def _check_selection(
    project: Project,
    options: TimelineOptions,
    kinds: tuple[str, ...] | None,
    selected: Sequence[Suggestion],
) -> None:
    if not project.assets:
        raise ExportError("the project has no media to export")
    if kinds is not None and not selected:
        others = [s for s in project.suggestions if s.kind in kinds]
        wanted = ", ".join(kinds)
        if others:
            by_state: dict[str, int] = {}
            for s in others:
                by_state[s.state.value] = by_state.get(s.state.value, 0) + 1
            counts = ", ".join(f"{n} {state}" for state, n in sorted(by_state.items()))
            raise ExportError(
                f"no {options.include} suggestions of kind {wanted} ({counts}); "
                "use --include pending or --include all"
            )
        raise ExportError(f"the project has no suggestions of kind {wanted}")


def _sources(project: Project, used: set[str]) -> dict[str, SourceMedia]:
    """Exporter facts of the assets in use (an unused asset with bad facts does no harm)."""
    return {a.id: SourceMedia.from_asset(a) for a in project.assets if a.id in used}


def _suggestion_pieces(
    project: Project, s: Suggestion, *, enabled: bool = True
) -> list[_Piece]:
    """One piece per range the suggestion keeps (a highlight may play several)."""
    ranges = s.payload.edit_ranges()
    assert ranges
    asset = project.asset(s.asset_id)
    title = getattr(s.payload, "title", "") or s.label
    name = f"{asset.name} - {title}" if title else asset.name
    return [_Piece(s.asset_id, r, name, s.id, s.kind, s.state.value, enabled) for r in ranges]


def _pieces_from_suggestions(
    project: Project,
    selected: Sequence[Suggestion],
    kinds: tuple[str, ...] | None,
    options: TimelineOptions,
) -> tuple[list[_Piece], list[Suggestion]]:
    """Clips from suggestions, per asset in project order; and the clip-kind suggestions
    that ride along as markers instead (pending/rejected ones)."""
    edit_kinds = _edit_kinds()
    shaping = [s for s in selected if s.kind in edit_kinds]
    leftovers = [s for s in shaping if not _is_clip(s, options)]
    usable = [s for s in shaping if _is_clip(s, options)]
    split = kinds is not None and _SHOTS in kinds
    boundaries = [s for s in selected if s.kind == _SHOTS and _is_clip(s, options)]
    if kinds is None:
        assets: Iterable[Asset] = project.assets
    else:
        used_ids = {s.asset_id for s in selected}
        assets = [a for a in project.assets if a.id in used_ids]
    pieces: list[_Piece] = []
    for asset in assets:
        mine = [s for s in usable if s.asset_id == asset.id]
        keeps = [s for s in mine if s.payload.edit_action() == "keep"]
        cuts = [s.payload.extent() for s in mine if s.payload.edit_action() == "cut"]
        if keeps:
            base = [p for s in keeps for p in _suggestion_pieces(project, s)]
            base.sort(key=lambda p: p.range.start)
            _check_overlaps(asset, base)
        else:
            extent = asset.extent()
            if extent is None:
                raise ExportError(f"{asset.name}: duration unknown (probe the file again)")
            base = [_Piece(asset.id, extent, asset.name)]
        for cut in cuts:
            assert cut is not None
            base = [p for piece in base for p in _subtract(piece, cut)]
        if split:
            times = sorted(
                s.payload.time for s in boundaries if s.asset_id == asset.id  # type: ignore[attr-defined]
            )
            base = [p for piece in base for p in _split(piece, times)]
        pieces.extend(base)
    return pieces, leftovers


def _subtract(piece: _Piece, cut: TimeRange) -> list[_Piece]:
    hit = piece.range.intersection(cut)
    if hit is None:
        return [piece]
    out = []
    if piece.range.start < hit.start:
        out.append(replace(piece, range=TimeRange.from_start_end(piece.range.start, hit.start)))
    if hit.end_exclusive < piece.range.end_exclusive:
        out.append(
            replace(piece, range=TimeRange.from_start_end(hit.end_exclusive,
                                                          piece.range.end_exclusive))
        )
    return out


def _split(piece: _Piece, times: Sequence[Time]) -> list[_Piece]:
    out = []
    start = piece.range.start
    end = piece.range.end_exclusive
    n = 0
    for t in times:
        if start < t < end:
            n += 1
            out.append(replace(piece, range=TimeRange.from_start_end(start, t), kind="shot"))
            start = t
    out.append(replace(piece, range=TimeRange.from_start_end(start, end),
                       kind="shot" if n else piece.kind))
    return out


def _check_overlaps(asset: Asset, pieces: Sequence[_Piece]) -> None:
    for a, b in itertools.pairwise(pieces):
        if a.range.overlaps(b.range):
            raise ExportError(
                f"{asset.name}: suggestions {a.suggestion_id} "
                f"({_secs(a.range)}) and {b.suggestion_id} ({_secs(b.range)}) overlap; "
                "reject one, or export each highlight on its own timeline"
            )


def _secs(r: TimeRange) -> str:
    return f"{float(r.start.seconds):.3f}–{float(r.end_exclusive.seconds):.3f} s"


# -- laying out ---------------------------------------------------------------------------


def _layout(
    name: str,
    pieces: Sequence[_Piece],
    sources: dict[str, SourceMedia],
    options: TimelineOptions,
) -> Timeline:
    """Frames for every piece, placed one after another (disabled ones after the rest)."""
    warnings: list[str] = []
    framed: list[tuple[_Piece, int, int]] = []
    for p in pieces:
        src = sources[p.asset_id]
        first, end = _frames_within(src, p)
        if end <= first:
            warnings.append(f"{src.name}: {_secs(p.range)} holds no whole frame; skipped")
            continue
        framed.append((p, first, end))
    if not framed:
        raise ExportError("nothing to export: the selection holds no frames")
    framed.sort(key=lambda item: not item[0].enabled)  # stable: enabled clips first
    head = sources[framed[0][0].asset_id]
    rate, drop = head.rate, head.drop_frame
    try:
        start = timecode_to_frames(options.record_start, rate, drop_frame=drop)
    except ValueError as exc:
        raise ExportError(f"record start {options.record_start!r}: {exc}") from None
    clips: list[Clip] = []
    record = 0
    for p, first, end in framed:
        src = sources[p.asset_id]
        count = end - first
        rec_count = max(1, convert_frames(count, src.rate, rate))
        clips.append(
            Clip(
                source=src,
                first=first,
                count=count,
                record_in=record,
                record_count=rec_count,
                name=p.name,
                enabled=p.enabled,
                suggestion_id=p.suggestion_id,
                kind=p.kind,
                state=p.state,
                record_rate=rate,
                given_range=p.range,
            )
        )
        record += rec_count
    video = [s for s in (sources[p.asset_id] for p, _, _ in framed) if s.has_video]
    width, height = video[0].display_size if video else (1920, 1080)
    warnings.extend(vfr_notes(clips))
    return Timeline(name, rate, drop, start, width, height, tuple(clips), tuple(warnings))


def vfr_notes(clips: Sequence[Clip]) -> list[str]:
    """One line per variable-rate source: the rate it is exported at and how cuts moved."""
    notes = []
    for src in dict.fromkeys(c.source for c in clips if c.source.vfr):
        moved = max(
            abs(src.time_of(f).seconds - t.seconds)
            for c in clips if c.source is src and c.given_range is not None
            for f, t in ((c.first, c.given_range.start), (c.end, c.given_range.end_exclusive))
        ) if any(c.given_range is not None for c in clips if c.source is src) else 0
        avg = f"average {float(src.average_rate):.3f} fps, " if src.average_rate else ""
        how = (f"{_fps(src.rate)} fps, the rate it declares, as NLEs read it"
               if src.rate_declared
               else f"{_fps(src.rate)} fps (its declared rate is not in the project: "
               "analyse the file again to record it)")
        notes.append(
            f"{src.name}: variable frame rate ({avg}exported at {how}); each cut placed on "
            f"the nearest frame of that grid, at most {float(moved) * 1000:.1f} ms from its "
            "true time"
        )
    return notes


def _fps(rate: FrameRate) -> str:
    return f"{float(rate.value):.3f}".rstrip("0").rstrip(".")


def _frames_within(src: SourceMedia, piece: _Piece) -> tuple[int, int]:
    """Frame indices of ``piece``; a range past the media by more than a frame is refused."""
    first, end = src.frames_of(piece.range)
    what = f"suggestion {piece.suggestion_id}" if piece.suggestion_id else "edit clip"
    if first < -1 or end > src.frames + 1:
        lo, hi = src.extent_seconds
        raise ExportError(
            f"{what}: {_secs(piece.range)} lies outside {src.name} "
            f"({float(lo):.3f}–{float(hi):.3f} s)"
        )
    return max(0, first), min(src.frames, end)
