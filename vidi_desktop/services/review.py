"""Reviewing a project without the window: which suggestions a selection names, accepting,
rejecting or resetting them as one undoable step, and the list an editor reads.

A *selection* is a few words (``vidi-desktop review P --accept kind=cut longer-than=0.5``):

* a suggestion id (or a unique start of one, at least 4 characters), or ``all``;
* ``kind=K`` — any kind word the CLI takes (``silences``, ``cuts``, ``shots``,
  ``highlight``…, singular or plural; several with commas);
* ``state=pending|accepted|rejected``, ``min-confidence=X``, ``longer-than=SECONDS``,
  ``shorter-than=SECONDS``, ``asset=NAME`` (a file name or an asset id).

Ids add up; every other word narrows (words of one key add up: ``kind=cut kind=highlight``
is either). A selection that matches nothing changes nothing and says so, as does a step
that would leave two accepted suggestions contradicting each other
(:mod:`vidi_desktop.core.project.consistency`). The project is saved under its lock, merged
with what another writer saved meanwhile (:func:`~vidi_desktop.core.project.sync.save_locked`).

Times in the list are the asset's own timecode (its embedded start timecode honoured,
drop-frame kept) at its frame rate, as the NLE exports number them.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from vidi_desktop.core import values
from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.project import Project, ReviewState, Suggestion
from vidi_desktop.core.project.kinds import count_text, kinds_in_order, resolve_kind_words

KEYS = ("kind", "state", "min-confidence", "longer-than", "shorter-than", "asset")
"""The ``key=value`` words of a selection."""

MIN_PREFIX = 4
"""The shortest start of an id taken for the id."""

VERBS = {
    ReviewState.ACCEPTED: ("--accept", "accepted"),
    ReviewState.REJECTED: ("--reject", "rejected"),
    ReviewState.PENDING: ("--reset", "reset to pending"),
}


class ReviewError(VidiError):
    """A selection or a review step that cannot be carried out; nothing was changed."""


@dataclass(frozen=True, slots=True)
class Selection:
    """A parsed selection (see the module docstring); ``words`` as typed, for messages."""

    words: tuple[str, ...]
    ids: tuple[str, ...] = ()
    everything: bool = False
    kinds: tuple[str, ...] | None = None
    states: tuple[ReviewState, ...] | None = None
    min_confidence: float | None = None
    longer_than: Fraction | None = None
    shorter_than: Fraction | None = None
    assets: tuple[str, ...] | None = None

    @property
    def text(self) -> str:
        """The selection as typed."""
        return " ".join(self.words)


def parse_selection(words: Sequence[str]) -> Selection:
    """Read a selection; :class:`ReviewError` says what is wrong with a word."""
    if not words:
        raise ReviewError("an empty selection: give ids, all, or kind=… state=…")
    ids: list[str] = []
    everything = False
    found: dict[str, list[str]] = {}
    for word in words:
        key, sep, value = word.partition("=")
        key = key.strip().lower().replace("_", "-")
        if not sep:
            if word.strip().lower() == "all":
                everything = True
            elif word.strip():
                ids.append(word.strip())
            continue
        if key not in KEYS:
            raise ReviewError(f"{word!r}: unknown selection word (known: id, all, "
                              f"{'=, '.join(KEYS)}=)")
        parts = [v.strip() for v in value.split(",") if v.strip()]
        if not parts:
            raise ReviewError(f"{word!r}: give a value after '='")
        found.setdefault(key, []).extend(parts)
    try:
        kinds = resolve_kind_words(found["kind"]) if "kind" in found else None
    except ValueError as exc:
        raise ReviewError(str(exc)) from None
    states = None
    if "state" in found:
        known = {s.value: s for s in ReviewState}
        bad = [v for v in found["state"] if v.lower() not in known]
        if bad:
            raise ReviewError(f"state={bad[0]}: expected pending, accepted or rejected")
        states = tuple(dict.fromkeys(known[v.lower()] for v in found["state"]))
    return Selection(
        tuple(words),
        tuple(dict.fromkeys(ids)),
        everything,
        kinds,
        states,
        _one(found, "min-confidence", values.fraction01),
        _one(found, "longer-than", values.seconds),
        _one(found, "shorter-than", values.seconds),
        tuple(found["asset"]) if "asset" in found else None,
    )


def _one(found: dict[str, list[str]], key: str, parse: Any) -> Any:
    given = found.get(key)
    if not given:
        return None
    if len(given) > 1:
        raise ReviewError(f"{key}= given twice ({', '.join(given)})")
    try:
        return parse(given[0])
    except ValueError as exc:
        raise ReviewError(f"{key}={given[0]}: {exc}") from None


def select(project: Project, selection: Selection) -> tuple[Suggestion, ...]:
    """The suggestions ``selection`` names, in document order (ids must all exist)."""
    narrowing = any(
        v is not None for v in (selection.kinds, selection.states, selection.min_confidence,
                                selection.longer_than, selection.shorter_than,
                                selection.assets)
    )
    if not (selection.ids or selection.everything or narrowing):
        raise ReviewError(f"{selection.text!r}: names no suggestion (give ids, all, kind=…)")
    chosen = project.suggestions
    if selection.ids:
        wanted = {_resolve_id(project, i) for i in selection.ids}
        chosen = tuple(s for s in chosen if s.id in wanted)
    assets = _assets(project, selection.assets) if selection.assets is not None else None
    return tuple(s for s in chosen if _matches(s, selection, assets))


def _resolve_id(project: Project, given: str) -> str:
    if project.has_suggestion(given):
        return given
    starts = [s.id for s in project.suggestions if s.id.startswith(given.lower())]
    if len(given) >= MIN_PREFIX and len(starts) == 1:
        return starts[0]
    if len(starts) > 1 and len(given) >= MIN_PREFIX:
        raise ReviewError(f"{given!r} starts {len(starts)} suggestion ids: give more of it")
    raise ReviewError(
        f"no suggestion with id {given!r} (vidi-desktop review PROJECT --list shows them)"
    )


def _assets(project: Project, names: Sequence[str]) -> set[str]:
    ids: set[str] = set()
    for name in names:
        hits = {a.id for a in project.assets if name in (a.id, a.name, a.path)}
        if not hits:
            known = ", ".join(a.name for a in project.assets) or "none"
            raise ReviewError(f"asset={name}: no such file in the project (it has {known})")
        ids |= hits
    return ids


def _matches(s: Suggestion, sel: Selection, assets: set[str] | None) -> bool:
    if sel.kinds is not None and s.kind not in sel.kinds:
        return False
    if sel.states is not None and s.state not in sel.states:
        return False
    if assets is not None and s.asset_id not in assets:
        return False
    if sel.min_confidence is not None and (
        s.confidence is None or s.confidence < sel.min_confidence
    ):
        return False
    if sel.longer_than is not None or sel.shorter_than is not None:
        extent = s.extent()
        if extent is None:
            return False
        length = extent.duration.seconds
        if sel.longer_than is not None and not length > sel.longer_than:
            return False
        if sel.shorter_than is not None and not length < sel.shorter_than:
            return False
    return True


# -- a review step ---------------------------------------------------------------------------


@dataclass
class ReviewResult:
    """What a review step did: the suggestions moved to each state, and the project now."""

    project_path: Path
    project: Project
    moved: dict[ReviewState, tuple[Suggestion, ...]] = field(default_factory=dict)
    unchanged: int = 0  # selected, but already in the state asked for
    saved: bool = False

    def summary_lines(self) -> list[str]:
        """One line per state changed (with counts by kind), then what was saved."""
        lines = []
        for state, moved in self.moved.items():
            if moved:
                lines.append(f"{VERBS[state][1]} {describe_counts(moved)}")
        if self.unchanged:
            n = self.unchanged
            lines.append(f"{n} selected suggestion{'s' if n != 1 else ''} already "
                         f"{'were' if n != 1 else 'was'} in the state asked for")
        if self.saved:
            lines.append(f"saved {self.project_path}")
        else:
            lines.append(f"nothing to change; {self.project_path} left as it was")
        return lines


def describe_counts(suggestions: Iterable[Suggestion]) -> str:
    """"3 suggestions (2 silence cuts, 1 highlight)"; one kind: "2 silence cuts"."""
    items = list(suggestions)
    by_kind = Counter(s.kind for s in items)
    order = {k: i for i, k in enumerate(kinds_in_order())}
    ranked = sorted(by_kind.items(), key=lambda kv: order.get(kv[0], len(order)))
    parts = [count_text(n, k) for k, n in ranked]
    if len(parts) == 1:
        return parts[0]
    n = len(items)
    return f"{n} suggestion{'s' if n != 1 else ''} ({', '.join(parts)})"


def review_file(
    path: str | os.PathLike[str],
    steps: Sequence[tuple[ReviewState, Sequence[Sequence[str]]]],
) -> ReviewResult:
    """Move the suggestions each selection names to its state, as one undoable step, and
    save the project atomically under its lock — or change nothing and raise
    :class:`ReviewError` when a selection matches nothing, names one suggestion for two
    states, or the accepted suggestions would contradict each other."""
    from vidi_desktop.core.project import ProjectDocument
    from vidi_desktop.core.project.consistency import contradictions
    from vidi_desktop.core.project.sync import save_locked
    from vidi_desktop.services.output_guard import refuse_overwriting_media

    target = Path(path)
    document = ProjectDocument.open(target)
    project = document.project
    wanted: dict[str, ReviewState] = {}
    picked: dict[ReviewState, list[Suggestion]] = {}
    for state, selections in steps:
        flag = VERBS[state][0]
        for words in selections:
            chosen = select(project, parse_selection(words))
            if not chosen:
                raise ReviewError(
                    f"{flag} {' '.join(words)}: matches no suggestion ({inventory(project)}); "
                    "nothing was changed"
                )
            for s in chosen:
                other = wanted.get(s.id)
                if other is not None and other is not state:
                    raise ReviewError(
                        f"suggestion {s.id} is selected by both {VERBS[other][0]} and {flag}; "
                        "nothing was changed"
                    )
                if other is None:
                    wanted[s.id] = state
                    picked.setdefault(state, []).append(s)
    moving = {st: tuple(s for s in ss if s.state is not st) for st, ss in picked.items()}
    result = ReviewResult(target, project, moving,
                          sum(1 for st, ss in picked.items() for s in ss if s.state is st))
    if not any(moving.values()):
        return result
    refuse_overwriting_media([target], [a.path for a in project.assets])
    counts = ", ".join(f"{VERBS[st][0][2:]} {len(ss)}" for st, ss in moving.items() if ss)
    with document.transaction(f"Review: {counts}"):
        for state, ss in moving.items():
            if ss:
                document.set_review_state([s.id for s in ss], state)
    clashes = contradictions(document.project, [s.id for ss in moving.values() for s in ss])
    if clashes:
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        raise ReviewError(
            f"these would contradict each other: {clashes[0]}{more}; reject one of them; "
            "nothing was changed"
        )
    save_locked(document, target)
    result.project = document.project
    result.saved = True
    return result


def inventory(project: Project) -> str:
    """What a project holds, in words: "12 suggestions: 7 scene boundaries (7 pending)…"."""
    if not project.suggestions:
        return "the project has no suggestions"
    by_kind: dict[str, Counter[str]] = {}
    for s in project.suggestions:
        by_kind.setdefault(s.kind, Counter())[s.state.value] += 1
    order = {k: i for i, k in enumerate(kinds_in_order())}
    parts = []
    for kind in sorted(by_kind, key=lambda k: order.get(k, len(order))):
        states = by_kind[kind]
        n = sum(states.values())
        detail = ", ".join(f"{c} {st}" for st, c in sorted(states.items()))
        parts.append(f"{count_text(n, kind)} ({detail})")
    n = len(project.suggestions)
    return f"the project has {n} suggestion{'s' if n != 1 else ''}: {'; '.join(parts)}"


def edit_summary(project: Project) -> str:
    """The edit in editor terms: its clips and running time as timecode, frames, seconds."""
    from vidi_desktop.core.timecode import frames_to_timecode
    from vidi_desktop.interchange.errors import ExportError
    from vidi_desktop.interchange.sources import SourceMedia

    if not project.edit:
        return "the edit is empty: no accepted suggestion keeps or cuts anything"
    n = len(project.edit)
    clips = f"{n} clip{'s' if n != 1 else ''}"
    seconds = sum((c.range.duration.seconds for c in project.edit), Fraction(0))
    try:
        sources = {a.id: SourceMedia.from_asset(a) for a in project.assets
                   if any(c.asset_id == a.id for c in project.edit)}
    except ExportError:
        return f"the edit: {clips}, {float(seconds):.2f} s"
    head = sources[project.edit[0].asset_id]
    if any(s.rate != head.rate for s in sources.values()):
        return f"the edit: {clips}, {float(seconds):.2f} s"
    frames = 0
    for c in project.edit:
        first, end = sources[c.asset_id].frames_of(c.range)
        frames += max(0, end - first)
    tc = frames_to_timecode(frames, head.rate, head.drop_frame)
    return f"the edit: {clips}, {tc} ({frames} frames, {float(seconds):.2f} s)"


# -- the list --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One suggestion as the list shows it."""

    id: str
    kind: str
    state: str
    asset: str  # the file name
    asset_id: str
    start: float | None  # seconds from the file's first frame
    end: float | None
    start_tc: str | None  # the asset's timecode (start TC honoured, DF kept)
    end_tc: str | None  # of the first frame after the range (an NLE's out point)
    frames: int | None  # frames the range covers
    label: str
    confidence: float | None

    def to_json(self) -> dict[str, Any]:
        """The ``review --json`` entry (a contract; ``asset_id`` and ``frames`` extend it)."""
        return {
            "id": self.id, "kind": self.kind, "state": self.state, "asset": self.asset,
            "asset_id": self.asset_id, "start": self.start, "end": self.end,
            "start_tc": self.start_tc, "end_tc": self.end_tc, "frames": self.frames,
            "label": self.label, "confidence": self.confidence,
        }


def rows(project: Project) -> list[Row]:
    """Every suggestion, by file (project order) then start time, as the list shows it."""
    from vidi_desktop.interchange.errors import ExportError
    from vidi_desktop.interchange.sources import SourceMedia

    sources: dict[str, SourceMedia | None] = {}
    for a in project.assets:
        try:
            sources[a.id] = SourceMedia.from_asset(a)
        except ExportError:
            sources[a.id] = None  # facts too poor for timecode: seconds only
    order = {a.id: i for i, a in enumerate(project.assets)}
    out: list[tuple[tuple[Any, ...], Row]] = []
    for n, s in enumerate(project.suggestions):
        asset = project.asset(s.asset_id)
        src = sources[s.asset_id]
        r = s.extent()
        start = end = None
        start_tc = end_tc = None
        frames = None
        if r is not None:
            origin = src.start_time if src is not None else asset.facts.start
            start = round(float(r.start.seconds - origin), 6)
            end = round(float(r.end_exclusive.seconds - origin), 6)
            if src is not None:
                first, last = src.frames_of(r)
                start_tc, end_tc = src.timecode(max(0, first)), src.timecode(max(0, last))
                frames = max(0, last - first)
        key = (order[s.asset_id], start if start is not None else float("inf"), n)
        label = " ".join((s.label or _words(s)).split())
        out.append((key, Row(s.id, s.kind, s.state.value, asset.name, asset.id, start, end,
                             start_tc, end_tc, frames, label, s.confidence)))
    return [row for _, row in sorted(out, key=lambda item: item[0])]


def _words(s: Suggestion) -> str:
    """What a suggestion without a label says: its text, title, query or aspect, else its
    detail (a shot boundary's transition)."""
    for attr in ("text", "title", "query", "aspect"):
        value = getattr(s.payload, attr, None)
        if isinstance(value, str) and value:
            return value
    return s.payload.detail()


def list_json(project: Project, path: str | os.PathLike[str]) -> dict[str, Any]:
    """``review --json``: ``{"project", "suggestions": [...]}``."""
    return {"project": str(path), "suggestions": [r.to_json() for r in rows(project)]}


def list_lines(project: Project) -> list[str]:
    """``review --list``: a header, one line per suggestion, and the counts; every one."""
    table = rows(project)
    many_files = len(project.assets) > 1
    header = ["ID", "KIND", "STATE", "START", "END", "DURATION", "CONF"]
    if many_files:
        header.append("FILE")
    header.append("LABEL")
    lines_cells = []
    for r in table:
        cells = [
            r.id, r.kind, r.state, r.start_tc or _secs(r.start), r.end_tc or _secs(r.end),
            _duration(r), "-" if r.confidence is None else f"{r.confidence:.2f}",
        ]
        if many_files:
            cells.append(r.asset)
        cells.append(r.label)
        lines_cells.append(cells)
    widths = [max(len(c[i]) for c in [header, *lines_cells]) for i in range(len(header) - 1)]
    out = []
    for cells in [header, *lines_cells]:
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))
                   + "  " + cells[-1])
    out = [line.rstrip() for line in out]
    out.append(inventory(project))
    return out


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}s"


def _duration(r: Row) -> str:
    if r.start is None or r.end is None:
        return "-"
    seconds = f"{r.end - r.start:.2f} s"
    return seconds if r.frames is None else f"{r.frames} fr ({seconds})"
