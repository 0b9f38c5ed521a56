"""The project document as immutable values: assets, typed suggestions, review state, edit.

Every class here is a frozen dataclass, so a :class:`Project` is a value: a change builds a new
one (see :mod:`.commands`) and an old one can be kept for undo or compared in tests. The dict
fields (``info``, ``metadata``, ``settings``) hold plain JSON and are treated as read-only by
convention; change them through commands, never in place, or undo history would shift under
its feet.

A :class:`Suggestion` is what one analyser or model proposed: shared fields (source,
confidence, label, review state, free metadata) plus a typed *payload* — cut range, scene
boundary, object tube, highlight clip, chapter, subtitle cue or answer. A payload class
names its ``kind``, reads and writes its own JSON, says what accepting it does to the edit,
and describes its kind (:class:`~.kinds.KindInfo`: names, ``--kind`` aliases, colours,
marker, edit role); adding a kind means adding one such class and registering it with
:func:`~.kinds.register_payload`.

The edit is an ordered tuple of :class:`EditClip`: source ranges of assets, in play order.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any, ClassVar, Literal, Protocol, Self, TypeVar

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.project.facts import AssetFacts
from vidi_desktop.core.project.fields import Fields, SchemaError
from vidi_desktop.core.project.kinds import PAYLOAD_TYPES as PAYLOAD_TYPES  # the registry
from vidi_desktop.core.project.kinds import (
    KindInfo,
    Look,
    kind_info,
    register_payload,
)
from vidi_desktop.core.project.kinds import payload_class as payload_class
from vidi_desktop.core.time import Time, TimeRange

MS: Fraction = Fraction(1, 1000)
"""The time base of object-tube boxes (milliseconds, as VUE-STG stores tubes)."""


def new_id() -> str:
    """A short random id (12 hex digits of a uuid4): unique enough within one project."""
    return uuid.uuid4().hex[:12]


class ProjectEditError(VidiError):
    """A change to the project cannot be made (bad reference, nothing to cut from…)."""


class UnknownIdError(ProjectEditError, LookupError):
    """No asset, suggestion or edit clip has the id asked for."""


class ReviewState(StrEnum):
    """Where the editor stands on a suggestion."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


# -- assets ---------------------------------------------------------------------------------


def seconds_to_time(seconds: Fraction) -> Time:
    """The exact :class:`Time` of a rational number of seconds (its denominator as base)."""
    return Time.exact(seconds)


@dataclass(frozen=True, slots=True)
class Asset:
    """A media file the project uses, identified by path + size + mtime (no hashing).

    ``info`` holds what probing found, as plain JSON (written to the project file as is).
    ``facts`` is the same, parsed once into a typed value (:class:`AssetFacts`: exact
    duration and start, rate, frames, start timecode, picture, audio): every reader uses
    it rather than the dictionary. An ``info`` holding a value no real file has raises
    ``ValueError`` here, so a hand-edited project fails to load with one line.
    """

    id: str
    path: str
    size: int
    mtime_ns: int
    name: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    facts: AssetFacts = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_id(self.id, "asset id")
        if not isinstance(self.path, str) or not self.path:
            raise ValueError("an asset needs a path")
        for attr in ("size", "mtime_ns"):
            value = getattr(self, attr)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"asset {attr} must be a non-negative integer, got {value!r}")
        if not isinstance(self.name, str):
            raise TypeError("asset name must be a string")
        if not self.name:
            # The file name is what an editor recognises; default to it.
            object.__setattr__(self, "name", os.path.basename(self.path) or self.path)
        if not isinstance(self.info, dict):
            raise TypeError("asset info must be a dict")
        object.__setattr__(self, "facts", AssetFacts.from_info(self.info))

    @classmethod
    def new(
        cls,
        path: str | os.PathLike[str],
        size: int,
        mtime_ns: int,
        name: str = "",
        info: Mapping[str, Any] | None = None,
    ) -> Asset:
        """An asset with a fresh id."""
        return cls(new_id(), os.fspath(path), size, mtime_ns, name, dict(info or {}))

    def extent(self) -> TimeRange | None:
        """The whole asset's range from its facts: start (default 0) + duration, exact.

        None when the duration is unknown or not a positive number.
        """
        duration = self.facts.duration
        if duration is None:
            return None
        return TimeRange(seconds_to_time(self.facts.start), seconds_to_time(duration))

    def is_file(self, identity: FileIdentityLike) -> bool:
        """True when ``identity`` is this asset's file: same path, size and mtime."""
        return (self.path, self.size, self.mtime_ns) == (
            identity.path,
            identity.size,
            identity.mtime_ns,
        )


class FileIdentityLike(Protocol):
    """What identifies a media file version (``media.identity.FileIdentity`` is one)."""

    @property
    def path(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def mtime_ns(self) -> int: ...


# -- suggestion payloads ----------------------------------------------------------------------

EditAction = Literal["keep", "cut"]


class Payload:
    """Base of the typed part of a suggestion. Subclasses are frozen slotted dataclasses.

    A subclass sets ``kind`` (its name in files and in ``accept_all``) and ``info`` (how the
    kind describes itself, see :mod:`.kinds`), implements :meth:`to_json`/:meth:`from_json`,
    and overrides :meth:`extent` and :meth:`edit_action` when it sits on the timeline or
    changes the edit when accepted, and the descriptive methods where it has more to say.
    """

    __slots__ = ()
    kind: ClassVar[str] = ""
    info: ClassVar[KindInfo | None] = None

    def extent(self) -> TimeRange | None:
        """The span of the timeline this suggestion covers (None: not tied to a span)."""
        return None

    def edit_action(self) -> EditAction | None:
        """What accepting it does to the edit: keep its extent, cut it out, or nothing."""
        return None

    def variant(self) -> str:
        """Which of its kind's looks it takes (``""``: the kind has one look)."""
        return ""

    def marker_name(self) -> str:
        """A marker's name for it when its suggestion has no label."""
        return kind_info(self.kind).marker_name or self.kind

    def marker_spans(self) -> tuple[TimeRange, ...]:
        """Where its markers go, one per span (its extent; an answer points at several)."""
        extent = self.extent()
        return () if extent is None else (extent,)

    def detail(self) -> str:
        """A short fact for tables (the CSV's ``detail`` column), or ``""``."""
        return ""

    def edit_ranges(self) -> tuple[TimeRange, ...]:
        """The source ranges accepting it keeps or cuts, in play order (default: its extent;
        a highlight made of several ranges gives each)."""
        extent = self.extent()
        return () if extent is None else (extent,)

    def to_json(self) -> dict[str, Any]:
        """The payload as a JSON object (read back by :meth:`from_json`)."""
        raise NotImplementedError

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        """Read from a checked JSON object; problems raise :class:`SchemaError`."""
        raise NotImplementedError


_T = TypeVar("_T", "Asset", "Suggestion", "EditClip")


def _check_range(value: object, what: str) -> None:
    if not isinstance(value, TimeRange):
        raise TypeError(f"{what} must be a TimeRange, got {type(value).__name__}")


def _check_text(value: object, what: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}")


def _check_score(value: object, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{what} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return float(value)


@register_payload
@dataclass(frozen=True, slots=True)
class CutRange(Payload):
    """A range to cut out (silence, a flub) or to keep (the take worth using)."""

    kind: ClassVar[str] = "cut_range"
    info: ClassVar[KindInfo] = KindInfo(
        "Cut ranges",
        (Look("Cuts", "cut", "#f47067", "cut"), Look("Keeps", "keep", "#57ab5a", "keep")),
        aliases=("cuts", "cut"),
        role="cut",
        marker_color="RED",
        order=3,
        noun="cut range",
    )
    range: TimeRange
    action: EditAction = "cut"

    def __post_init__(self) -> None:
        _check_range(self.range, "cut range")
        if self.action not in ("cut", "keep"):
            raise ValueError(f"cut range action must be 'cut' or 'keep', got {self.action!r}")

    def extent(self) -> TimeRange:
        return self.range

    def edit_action(self) -> EditAction:
        return self.action

    def variant(self) -> str:
        return self.action

    def marker_name(self) -> str:
        return "Keep" if self.action == "keep" else "Cut"

    def detail(self) -> str:
        return self.action

    def to_json(self) -> dict[str, Any]:
        return {"range": self.range.to_json(), "action": self.action}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        action = f.text("action", "cut")
        if action not in ("cut", "keep"):
            raise SchemaError(f.sub("action"), f"expected 'cut' or 'keep', got {action!r}")
        return cls(f.time_range("range"), action)


@register_payload
@dataclass(frozen=True, slots=True)
class SilenceCut(CutRange):
    """A silence to remove ("remove the silences"): a cut range of its own kind, so that
    ``--kind silences`` picks these and nothing else. Always a cut; "cuts" names it too."""

    kind: ClassVar[str] = "silence_cut"
    info: ClassVar[KindInfo] = KindInfo(
        "Silence cuts",
        (Look("Silences", "silence cut", "#ff938a"),),
        aliases=("silences", "silence", "cuts", "cut"),
        role="cut",
        marker_color="RED",
        order=3,
        noun="silence cut",
    )

    def __post_init__(self) -> None:
        CutRange.__post_init__(self)
        if self.action != "cut":
            raise ValueError("a silence cut always cuts")

    def variant(self) -> str:
        return ""

    def marker_name(self) -> str:
        return "Silence"

    def to_json(self) -> dict[str, Any]:
        return {"range": self.range.to_json()}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.time_range("range"))


@register_payload
@dataclass(frozen=True, slots=True)
class SpeechRange(Payload):
    """Where someone talks (voice activity): information for the editor, not an edit.

    Accepting one changes nothing in the edit; the cuts that remove the silence between
    speech are :class:`SilenceCut` suggestions. Exports show speech as markers only when
    asked for (``--kind speech``): there are many.
    """

    kind: ClassVar[str] = "speech"
    info: ClassVar[KindInfo] = KindInfo(
        "Speech ranges",
        (Look("Speech", "speech range", "#8ddbd0"),),
        aliases=("talk", "voice"),
        role="marker",
        marker_color="GREEN",
        marker_name="Speech",
        marker_on_request=True,
        order=4,
    )
    range: TimeRange

    def __post_init__(self) -> None:
        _check_range(self.range, "speech range")

    def extent(self) -> TimeRange:
        return self.range

    def to_json(self) -> dict[str, Any]:
        return {"range": self.range.to_json()}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.time_range("range"))


TRANSITIONS: tuple[str, ...] = (
    "cut", "fade_in", "fade_out", "dip_to_black", "dissolve", "wipe", "other"
)
"""Kinds of scene boundary a shot detector can report."""

_TRANSITION_MARKERS = {
    "cut": "Shot cut", "fade_in": "Fade in", "fade_out": "Fade out", "dissolve": "Dissolve",
    "wipe": "Wipe",
}


@register_payload
@dataclass(frozen=True, slots=True)
class SceneBoundary(Payload):
    """Where one shot ends and the next begins; gradual transitions have a duration."""

    kind: ClassVar[str] = "scene_boundary"
    info: ClassVar[KindInfo] = KindInfo(
        "Scene boundaries",
        (Look("Scenes", "scene boundary", "#c9d1d9"),),
        aliases=("shots", "scenes"),
        role="marker",
        marker_color="BLUE",
        marker_name="Shot",
        order=0,
    )
    time: Time
    transition: str = "cut"
    duration: Time | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.time, Time):
            raise TypeError("scene boundary time must be a Time")
        if self.transition not in TRANSITIONS:
            raise ValueError(
                f"unknown transition {self.transition!r} (known: {', '.join(TRANSITIONS)})"
            )
        if self.duration is not None and (
            not isinstance(self.duration, Time) or self.duration.ticks < 0
        ):
            raise ValueError("scene boundary duration must be a non-negative Time or None")

    def extent(self) -> TimeRange:
        # A hard cut is an instant: an empty range at the boundary.
        return TimeRange(self.time, self.duration or Time(0, self.time.time_base))

    def marker_name(self) -> str:
        return _TRANSITION_MARKERS.get(self.transition) or Payload.marker_name(self)

    def detail(self) -> str:
        return self.transition

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time.to_json(),
            "transition": self.transition,
            "duration": None if self.duration is None else self.duration.to_json(),
        }

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        transition = f.text("transition", "cut")
        if transition not in TRANSITIONS:
            raise SchemaError(f.sub("transition"), f"unknown transition {transition!r}")
        duration = f.optional_time("duration")
        if duration is not None and duration.ticks < 0:
            raise SchemaError(f.sub("duration"), "must not be negative")
        return cls(f.time("time"), transition, duration)


@dataclass(frozen=True, slots=True)
class Box:
    """A normalized box ``x0,y0,x1,y1`` in [0, 1] (origin top-left) at ``t_ms`` milliseconds.

    The constructor refuses anything out of range or inverted; :meth:`clamped` is for model
    output, which often strays a little past the frame edge.
    """

    t_ms: int
    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        if isinstance(self.t_ms, bool) or not isinstance(self.t_ms, int):
            raise TypeError(f"box time must be integer milliseconds, got {self.t_ms!r}")
        for name in ("x0", "y0", "x1", "y1"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"box {name} must be a number, got {value!r}")
            if not 0.0 <= value <= 1.0:  # also refuses NaN
                raise ValueError(f"box {name} must be within [0, 1], got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.x0 > self.x1 or self.y0 > self.y1:
            raise ValueError(
                f"box corners are inverted: ({self.x0}, {self.y0}) > ({self.x1}, {self.y1})"
            )

    @classmethod
    def clamped(cls, t_ms: int, x0: float, y0: float, x1: float, y1: float) -> Box:
        """A box from loose coordinates: corners put in order, then clamped into [0, 1]."""
        coords = (x0, y0, x1, y1)
        if not all(math.isfinite(c) for c in coords):
            raise ValueError(f"box coordinates must be finite, got {coords}")

        def clamp(v: float) -> float:
            return min(1.0, max(0.0, float(v)))

        return cls(
            t_ms,
            clamp(min(x0, x1)),
            clamp(min(y0, y1)),
            clamp(max(x0, x1)),
            clamp(max(y0, y1)),
        )

    @property
    def time(self) -> Time:
        """The box's instant as a :class:`Time` in milliseconds."""
        return Time(self.t_ms, MS)

    def to_json(self) -> list[Any]:
        """``[t_ms, x0, y0, x1, y1]``."""
        # Compact: a tube can hold thousands of boxes.
        return [self.t_ms, self.x0, self.y0, self.x1, self.y1]


@register_payload
@dataclass(frozen=True, slots=True)
class ObjectTube(Payload):
    """One object tracked over time: boxes sorted by time, one per sampled instant.

    ``query`` is what was looked for (the request text or a detector's class name). Where
    boxes are missing for longer than a gap, the object left the frame: see
    :meth:`visible_ranges`.
    """

    kind: ClassVar[str] = "object_tube"
    info: ClassVar[KindInfo] = KindInfo(
        "Object tubes",
        (Look("Objects", "object tube", "#39c5cf"),),
        aliases=("tubes", "objects", "faces", "people"),
        role="marker",
        marker_color="YELLOW",
        marker_name="Object",
        order=8,
    )
    query: str
    boxes: tuple[Box, ...]

    def __post_init__(self) -> None:
        _check_text(self.query, "tube query")
        boxes = tuple(self.boxes)
        if not boxes:
            raise ValueError("an object tube needs at least one box")
        if not all(isinstance(b, Box) for b in boxes):
            raise TypeError("tube boxes must be Box instances")
        boxes = tuple(sorted(boxes, key=lambda b: b.t_ms))
        for a, b in itertools.pairwise(boxes):
            if a.t_ms == b.t_ms:
                raise ValueError(f"two boxes at the same time ({a.t_ms} ms)")
        object.__setattr__(self, "boxes", boxes)

    def extent(self) -> TimeRange:
        return TimeRange.from_start_end(self.boxes[0].time, self.boxes[-1].time)

    def marker_name(self) -> str:
        return self.query or Payload.marker_name(self)

    def detail(self) -> str:
        return f"{len(self.boxes)} boxes"

    def visible_ranges(self, max_gap_ms: int, tail_ms: int = 0) -> tuple[TimeRange, ...]:
        """Time ranges (in ms) where the object is on screen.

        Boxes at most ``max_gap_ms`` apart belong to one run; a longer gap means the object
        left the frame. Each run spans its first box to its last box plus ``tail_ms`` (pass
        the sampling interval so the last sampled instant is covered); empty runs are
        dropped (a lone box with no tail).
        """
        if max_gap_ms < 0 or tail_ms < 0:
            raise ValueError("max_gap_ms and tail_ms must not be negative")
        ranges: list[TimeRange] = []
        run_start = prev = self.boxes[0].t_ms
        for box in self.boxes[1:]:
            if box.t_ms - prev > max_gap_ms:
                ranges.append(_ms_range(run_start, prev + tail_ms))
                run_start = box.t_ms
            prev = box.t_ms
        ranges.append(_ms_range(run_start, prev + tail_ms))
        return tuple(r for r in ranges if not r.is_empty())

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "boxes": [b.to_json() for b in self.boxes]}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        path = f.sub("boxes")
        boxes: list[Box] = []
        seen: set[int] = set()
        for i, item in enumerate(f.array("boxes")):
            here = f"{path}[{i}]"
            if not isinstance(item, list) or len(item) != 5:
                raise SchemaError(here, "expected [t_ms, x0, y0, x1, y1]")
            try:
                box = Box(*item)
            except (TypeError, ValueError) as exc:
                raise SchemaError(here, str(exc)) from None
            if box.t_ms in seen:
                raise SchemaError(here, f"second box at {box.t_ms} ms")
            seen.add(box.t_ms)
            boxes.append(box)
        if not boxes:
            raise SchemaError(path, "a tube needs at least one box")
        return cls(f.text("query"), tuple(boxes))


def _ms_range(start_ms: int, end_ms: int) -> TimeRange:
    return TimeRange(Time(start_ms, MS), Time(end_ms - start_ms, MS))


@register_payload
@dataclass(frozen=True, slots=True)
class HighlightClip(Payload):
    """A clip worth keeping in a highlight reel; accepting it adds it to the edit.

    ``parts`` (optional) are the source ranges the clip plays back to back when silences
    were cut out of it, in order, inside ``range``; empty means the clip plays ``range``
    whole. Files written before parts existed have none and read as before.
    """

    kind: ClassVar[str] = "highlight_clip"
    info: ClassVar[KindInfo] = KindInfo(
        "Highlights",
        (Look("Highlights", "highlight", "#f0b72f"),),
        aliases=("highlights",),
        role="keep",
        marker_color="ORANGE",
        marker_name="Highlight",
        order=2,
    )
    range: TimeRange
    title: str = ""
    score: float | None = None
    parts: tuple[TimeRange, ...] = ()

    def __post_init__(self) -> None:
        _check_range(self.range, "highlight range")
        _check_text(self.title, "highlight title")
        object.__setattr__(self, "score", _check_score(self.score, "highlight score"))
        object.__setattr__(self, "parts", tuple(self.parts))
        previous: TimeRange | None = None
        for r in self.parts:
            _check_range(r, "highlight part")
            if r.is_empty():
                raise ValueError("a highlight part must not be empty")
            if r.start < self.range.start or r.end_exclusive > self.range.end_exclusive:
                raise ValueError("highlight parts must lie inside the highlight's range")
            if previous is not None and r.start < previous.end_exclusive:
                raise ValueError("highlight parts must be in order and must not overlap")
            previous = r

    def extent(self) -> TimeRange:
        return self.range

    def edit_action(self) -> EditAction:
        return "keep"

    def marker_name(self) -> str:
        return self.title or Payload.marker_name(self)

    def detail(self) -> str:
        return "" if self.score is None else f"score {self.score:.3f}"

    def edit_ranges(self) -> tuple[TimeRange, ...]:
        return self.parts or (self.range,)

    def played(self) -> Fraction:
        """Seconds the clip plays (its parts added up)."""
        return sum((r.duration.seconds for r in self.edit_ranges()), Fraction(0))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "range": self.range.to_json(), "title": self.title, "score": self.score
        }
        if self.parts:  # absent when the clip is one range: such files read as before
            data["parts"] = [r.to_json() for r in self.parts]
        return data

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(
            f.time_range("range"),
            f.text("title", ""),
            f.number("score", None, allow_none=True),
            f.time_ranges("parts", ()),
        )


@register_payload
@dataclass(frozen=True, slots=True)
class Chapter(Payload):
    """A titled section of the asset (a marker in the NLE, not a cut)."""

    kind: ClassVar[str] = "chapter"
    info: ClassVar[KindInfo] = KindInfo(
        "Chapters",
        (Look("Chapters", "chapter", "#6cb6ff"),),
        aliases=("chapters",),
        role="marker",
        marker_color="GREEN",
        marker_name="Chapter",
        order=1,
    )
    range: TimeRange
    title: str = ""

    def __post_init__(self) -> None:
        _check_range(self.range, "chapter range")
        _check_text(self.title, "chapter title")

    def extent(self) -> TimeRange:
        return self.range

    def marker_name(self) -> str:
        return self.title or Payload.marker_name(self)

    def to_json(self) -> dict[str, Any]:
        return {"range": self.range.to_json(), "title": self.title}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.time_range("range"), f.text("title", ""))


@dataclass(frozen=True, slots=True)
class Word:
    """One timed word of a subtitle cue (for karaoke-style highlighting and precise cuts)."""

    range: TimeRange
    text: str

    def __post_init__(self) -> None:
        _check_range(self.range, "word range")
        _check_text(self.text, "word text")


@register_payload
@dataclass(frozen=True, slots=True)
class SubtitleCue(Payload):
    """One subtitle: its text over a range, optionally with word timings."""

    kind: ClassVar[str] = "subtitle_cue"
    info: ClassVar[KindInfo] = KindInfo(
        "Subtitles",
        (Look("Subtitles", "subtitle", "#b083f0"),),
        aliases=("subtitles",),
        role="marker",
        marker_color="CYAN",
        marker_on_request=True,
        order=5,
    )
    range: TimeRange
    text: str
    words: tuple[Word, ...] = ()

    def __post_init__(self) -> None:
        _check_range(self.range, "cue range")
        _check_text(self.text, "cue text")
        object.__setattr__(self, "words", tuple(self.words))
        if not all(isinstance(w, Word) for w in self.words):
            raise TypeError("cue words must be Word instances")

    def extent(self) -> TimeRange:
        return self.range

    def marker_name(self) -> str:
        return " ".join(self.text.split())[:60]

    def to_json(self) -> dict[str, Any]:
        return {
            "range": self.range.to_json(),
            "text": self.text,
            "words": [{"range": w.range.to_json(), "text": w.text} for w in self.words],
        }

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        words = tuple(Word(w.time_range("range"), w.text("text")) for w in f.objects("words", ()))
        return cls(f.time_range("range"), f.text("text"), words)


@register_payload
@dataclass(frozen=True, slots=True)
class Answer(Payload):
    """A model's answer to a question, with the moments it refers to (if any)."""

    kind: ClassVar[str] = "answer"
    info: ClassVar[KindInfo] = KindInfo(
        "Answers",
        (Look("Answers", "answer", "#f778ba"),),
        aliases=("answers",),
        role="marker",
        marker_color="PURPLE",
        marker_name="Answer",
        order=6,
    )
    text: str
    ranges: tuple[TimeRange, ...] = ()

    def __post_init__(self) -> None:
        _check_text(self.text, "answer text")
        object.__setattr__(self, "ranges", tuple(self.ranges))
        for r in self.ranges:
            _check_range(r, "answer range")

    def extent(self) -> TimeRange | None:
        if not self.ranges:
            return None
        start = min(r.start for r in self.ranges)
        end = max(r.end_exclusive for r in self.ranges)
        return TimeRange.from_start_end(start, end)

    def marker_name(self) -> str:
        return " ".join(self.text.split())[:60] or Payload.marker_name(self)

    def marker_spans(self) -> tuple[TimeRange, ...]:
        return self.ranges

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "ranges": [r.to_json() for r in self.ranges]}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.text("text"), f.time_ranges("ranges", ()))


CropKeyframe = tuple[int, float, float, float, float]
"""``(t_ms, x0, y0, x1, y1)``: a crop window (normalized display coordinates) at an instant."""


def interpolate_window(
    a: Sequence[float], b: Sequence[float], t_ms: float
) -> tuple[float, float, float, float]:
    """The window ``(x0, y0, x1, y1)`` at ``t_ms`` on the straight line between keyframes
    ``a`` and ``b``, each ``(t_ms, x0, y0, x1, y1)`` with ``a`` earlier than ``b``.

    One rule for every moving box: reframe crops, tracked tubes and the viewer's overlays.
    """
    f = (t_ms - a[0]) / (b[0] - a[0])
    return (
        a[1] + f * (b[1] - a[1]),
        a[2] + f * (b[2] - a[2]),
        a[3] + f * (b[3] - a[3]),
        a[4] + f * (b[4] - a[4]),
    )


def _parse_aspect(value: object) -> tuple[int, int]:
    """``"9:16"`` → ``(9, 16)``; anything else raises ``ValueError``."""
    if not isinstance(value, str) or value.count(":") != 1:
        raise ValueError(f"aspect must look like '9:16', got {value!r}")
    w, h = value.split(":")
    if not (w.isdigit() and h.isdigit()) or int(w) <= 0 or int(h) <= 0:
        raise ValueError(f"aspect must be two positive whole numbers like '9:16', got {value!r}")
    return int(w), int(h)


@register_payload
@dataclass(frozen=True, slots=True)
class ReframePath(Payload):
    """A moving crop window that reframes the asset to another aspect ratio (9:16, 1:1…).

    ``keyframes`` are ``(t_ms, x0, y0, x1, y1)`` windows in normalized display coordinates
    (SAR and rotation applied), sorted by time. Between two keyframes the window moves
    linearly, except across a shot cut in ``cuts_ms``: there it holds the earlier keyframe's
    window up to the cut and jumps to the next keyframe's (each shot starts with a keyframe at
    its cut). Before the first and after the last keyframe the nearest one holds. ``end_ms``
    is where the path stops applying (the asset's end).
    """

    kind: ClassVar[str] = "reframe_path"
    info: ClassVar[KindInfo] = KindInfo(
        "Reframe paths",
        (Look("Reframe", "reframe path", "#e0823d"),),
        aliases=("reframe",),
        role="information",
        marker_color="MAGENTA",
        order=7,
    )
    aspect: str
    keyframes: tuple[CropKeyframe, ...]
    cuts_ms: tuple[int, ...] = ()
    end_ms: int | None = None

    def __post_init__(self) -> None:
        _parse_aspect(self.aspect)
        frames = tuple(tuple(k) for k in self.keyframes)
        if not frames:
            raise ValueError("a reframe path needs at least one keyframe")
        checked: list[CropKeyframe] = []
        for k in frames:
            if len(k) != 5:
                raise ValueError(f"a crop keyframe is (t_ms, x0, y0, x1, y1), got {k!r}")
            box = Box(*k)  # the same checks as a tube box: integer ms, [0, 1], not inverted
            if box.x0 == box.x1 or box.y0 == box.y1:
                raise ValueError(f"crop window at {box.t_ms} ms is empty")
            checked.append((box.t_ms, box.x0, box.y0, box.x1, box.y1))
        for a, b in itertools.pairwise(checked):
            if a[0] >= b[0]:
                raise ValueError(f"crop keyframes must be in strictly increasing time ({b[0]} ms)")
        object.__setattr__(self, "keyframes", tuple(checked))
        cuts = tuple(self.cuts_ms)
        for c in cuts:
            if isinstance(c, bool) or not isinstance(c, int):
                raise TypeError(f"cut times must be integer milliseconds, got {c!r}")
        if list(cuts) != sorted(set(cuts)):
            raise ValueError("cut times must be increasing")
        object.__setattr__(self, "cuts_ms", cuts)
        if self.end_ms is not None:
            if isinstance(self.end_ms, bool) or not isinstance(self.end_ms, int):
                raise TypeError(f"end_ms must be integer milliseconds, got {self.end_ms!r}")
            if self.end_ms < checked[-1][0]:
                raise ValueError("end_ms is before the last keyframe")

    @property
    def ratio(self) -> tuple[int, int]:
        """The aspect as ``(width, height)``."""
        return _parse_aspect(self.aspect)

    def extent(self) -> TimeRange:
        end = self.end_ms if self.end_ms is not None else self.keyframes[-1][0]
        return _ms_range(self.keyframes[0][0], end)

    def window_at(self, t_ms: int) -> tuple[float, float, float, float]:
        """The crop window ``(x0, y0, x1, y1)`` shown at ``t_ms`` (see the class docstring)."""
        frames = self.keyframes
        i = next((n for n, k in enumerate(frames) if k[0] > t_ms), len(frames))
        if i == 0:
            return frames[0][1:]
        a = frames[i - 1]
        if i == len(frames) or a[0] == t_ms:
            return a[1:]
        b = frames[i]
        if any(a[0] < c <= b[0] for c in self.cuts_ms):
            # A cut between them: hold until the cut (b sits at the cut, so t_ms < cut here).
            cut = next(c for c in self.cuts_ms if a[0] < c <= b[0])
            return a[1:] if t_ms < cut else b[1:]
        return interpolate_window(a, b, t_ms)

    def to_json(self) -> dict[str, Any]:
        return {
            "aspect": self.aspect,
            "keyframes": [list(k) for k in self.keyframes],
            "cuts_ms": list(self.cuts_ms),
            "end_ms": self.end_ms,
        }

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        aspect = f.text("aspect")
        try:
            _parse_aspect(aspect)
        except ValueError as exc:
            raise SchemaError(f.sub("aspect"), str(exc)) from None
        path = f.sub("keyframes")
        frames: list[CropKeyframe] = []
        for i, item in enumerate(f.array("keyframes")):
            here = f"{path}[{i}]"
            if not isinstance(item, list) or len(item) != 5:
                raise SchemaError(here, "expected [t_ms, x0, y0, x1, y1]")
            try:
                box = Box(*item)
            except (TypeError, ValueError) as exc:
                raise SchemaError(here, str(exc)) from None
            frames.append((box.t_ms, box.x0, box.y0, box.x1, box.y1))
        cuts = f.array("cuts_ms", ())
        for i, c in enumerate(cuts):
            if isinstance(c, bool) or not isinstance(c, int):
                raise SchemaError(f"{f.sub('cuts_ms')}[{i}]", "expected integer milliseconds")
        end = f.raw("end_ms", None)
        if end is not None and (isinstance(end, bool) or not isinstance(end, int)):
            raise SchemaError(f.sub("end_ms"), "expected integer milliseconds or null")
        try:
            return cls(aspect, tuple(frames), tuple(cuts), end)
        except (TypeError, ValueError) as exc:
            raise SchemaError(f.path, str(exc)) from None


# -- suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One proposal from an analyser or model, and the editor's verdict on it.

    ``source`` names the backend/analyser; ``request`` the user's words that produced it (if
    any). ``removed`` is bookkeeping for accepted cuts: the source ranges the cut actually
    took out of the edit, so un-accepting it later puts back exactly that (None: unknown,
    e.g. a cut accepted in a version-1 file; then the whole cut range is put back).
    """

    id: str
    asset_id: str
    payload: Payload
    source: str
    confidence: float | None = None
    label: str = ""
    state: ReviewState = ReviewState.PENDING
    metadata: dict[str, Any] = field(default_factory=dict)
    request: str | None = None
    removed: tuple[TimeRange, ...] | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "suggestion id")
        _check_id(self.asset_id, "asset id")
        if not isinstance(self.payload, Payload):
            raise TypeError(f"payload must be a Payload, got {type(self.payload).__name__}")
        _check_text(self.source, "suggestion source")
        _check_text(self.label, "suggestion label")
        confidence = _check_score(self.confidence, "confidence")
        if confidence is not None and not 0.0 <= confidence <= 1.0:
            raise ValueError(f"confidence must be within [0, 1], got {confidence}")
        object.__setattr__(self, "confidence", confidence)
        object.__setattr__(self, "state", ReviewState(self.state))
        if not isinstance(self.metadata, dict):
            raise TypeError("suggestion metadata must be a dict")
        if self.request is not None:
            _check_text(self.request, "suggestion request")
        if self.removed is not None:
            object.__setattr__(self, "removed", tuple(self.removed))
            for r in self.removed:  # type: ignore[union-attr]
                _check_range(r, "removed range")
            if self.state is not ReviewState.ACCEPTED:
                raise ValueError("only an accepted suggestion records what it removed")

    @classmethod
    def new(
        cls,
        asset_id: str,
        payload: Payload,
        source: str,
        *,
        confidence: float | None = None,
        label: str = "",
        metadata: Mapping[str, Any] | None = None,
        request: str | None = None,
    ) -> Suggestion:
        """A pending suggestion with a fresh id."""
        return cls(
            new_id(),
            asset_id,
            payload,
            source,
            confidence,
            label,
            ReviewState.PENDING,
            dict(metadata or {}),
            request,
        )

    @property
    def kind(self) -> str:
        """The payload's kind name (``"cut_range"``…)."""
        return self.payload.kind

    def extent(self) -> TimeRange | None:
        """Where the suggestion sits on the timeline (see :meth:`Payload.extent`)."""
        return self.payload.extent()

    def replace(self, **changes: Any) -> Suggestion:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


# -- the edit ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EditClip:
    """A source range of an asset placed in the edit; ``suggestion_id`` if one put it there."""

    id: str
    asset_id: str
    range: TimeRange
    suggestion_id: str | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "edit clip id")
        _check_id(self.asset_id, "asset id")
        _check_range(self.range, "edit clip range")
        if self.range.is_empty():
            raise ValueError("an edit clip cannot be empty")
        if self.suggestion_id is not None:
            _check_id(self.suggestion_id, "suggestion id")

    @classmethod
    def new(cls, asset_id: str, range: TimeRange, suggestion_id: str | None = None) -> EditClip:
        """A clip with a fresh id."""
        return cls(new_id(), asset_id, range, suggestion_id)

    def replace(self, **changes: Any) -> EditClip:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


# -- the project -----------------------------------------------------------------------------


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Project:
    """Everything one project file holds. Construction checks that ids are unique and that
    every reference (suggestion → asset, clip → asset/suggestion) resolves.
    """

    assets: tuple[Asset, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    edit: tuple[EditClip, ...] = ()
    name: str = "Untitled"
    created: str = field(default_factory=_now_iso)
    settings: dict[str, Any] = field(default_factory=dict)
    # Lookup tables, rebuilt with each value (commands build a new Project per change).
    _assets_by_id: dict[str, Asset] = field(init=False, repr=False, compare=False)
    _suggestions_by_id: dict[str, Suggestion] = field(init=False, repr=False, compare=False)
    _clips_by_id: dict[str, EditClip] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, cls in (("assets", Asset), ("suggestions", Suggestion), ("edit", EditClip)):
            items = tuple(getattr(self, name))
            for i, item in enumerate(items):
                if not isinstance(item, cls):
                    raise TypeError(f"{name}[{i}]: expected {cls.__name__}")
            object.__setattr__(self, name, items)
        _check_text(self.name, "project name")
        _check_text(self.created, "project creation time")
        if not isinstance(self.settings, dict):
            raise TypeError("project settings must be a dict")
        assets = _index(self.assets, "assets")
        suggestions = _index(self.suggestions, "suggestions")
        clips = _index(self.edit, "edit")
        for i, s in enumerate(self.suggestions):
            if s.asset_id not in assets:
                raise ValueError(f"suggestions[{i}].asset_id: no asset with id {s.asset_id!r}")
        for i, c in enumerate(self.edit):
            if c.asset_id not in assets:
                raise ValueError(f"edit[{i}].asset_id: no asset with id {c.asset_id!r}")
            if c.suggestion_id is not None and c.suggestion_id not in suggestions:
                raise ValueError(
                    f"edit[{i}].suggestion_id: no suggestion with id {c.suggestion_id!r}"
                )
        object.__setattr__(self, "_assets_by_id", assets)
        object.__setattr__(self, "_suggestions_by_id", suggestions)
        object.__setattr__(self, "_clips_by_id", clips)

    def replace(self, **changes: Any) -> Project:
        """A copy with some fields changed (checked like a new project)."""
        return dataclasses.replace(self, **changes)

    # -- lookups --------------------------------------------------------------------------
    def asset(self, asset_id: str) -> Asset:
        """The asset with this id (:class:`UnknownIdError` if none)."""
        try:
            return self._assets_by_id[asset_id]
        except KeyError:
            raise UnknownIdError(f"no asset with id {asset_id!r}") from None

    def suggestion(self, suggestion_id: str) -> Suggestion:
        """The suggestion with this id (:class:`UnknownIdError` if none)."""
        try:
            return self._suggestions_by_id[suggestion_id]
        except KeyError:
            raise UnknownIdError(f"no suggestion with id {suggestion_id!r}") from None

    def clip(self, clip_id: str) -> EditClip:
        """The edit clip with this id (:class:`UnknownIdError` if none)."""
        try:
            return self._clips_by_id[clip_id]
        except KeyError:
            raise UnknownIdError(f"no edit clip with id {clip_id!r}") from None

    def has_asset(self, asset_id: str) -> bool:
        """True when an asset has this id."""
        return asset_id in self._assets_by_id

    def find_asset(self, identity: FileIdentityLike) -> Asset | None:
        """The asset made from this very file (path, size and mtime all match), if any."""
        return next((a for a in self.assets if a.is_file(identity)), None)

    def has_suggestion(self, suggestion_id: str) -> bool:
        """True when a suggestion has this id."""
        return suggestion_id in self._suggestions_by_id

    def has_clip(self, clip_id: str) -> bool:
        """True when an edit clip has this id."""
        return clip_id in self._clips_by_id

    def clip_index(self, clip_id: str) -> int:
        """Position of a clip in the edit."""
        self.clip(clip_id)
        return next(i for i, c in enumerate(self.edit) if c.id == clip_id)

    def find_suggestions(
        self,
        *,
        kind: str | type[Payload] | None = None,
        asset_id: str | None = None,
        state: ReviewState | str | None = None,
    ) -> tuple[Suggestion, ...]:
        """Suggestions matching every filter given, in document order."""
        kind_name = kind.kind if isinstance(kind, type) else kind
        return tuple(
            s
            for s in self.suggestions
            if (kind_name is None or s.kind == kind_name)
            and (asset_id is None or s.asset_id == asset_id)
            and (state is None or s.state == state)
        )

    def clips_of(self, asset_id: str) -> tuple[EditClip, ...]:
        """The edit clips cut from one asset, in edit order."""
        return tuple(c for c in self.edit if c.asset_id == asset_id)


def _index(items: Iterable[_T], what: str) -> dict[str, _T]:
    index: dict[str, _T] = {}
    for i, item in enumerate(items):
        if item.id in index:
            raise ValueError(f"{what}[{i}].id: duplicate id {item.id!r}")
        index[item.id] = item
    return index


def _check_id(value: object, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
