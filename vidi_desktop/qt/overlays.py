"""What the viewer draws over the picture at a time ``t``: pure functions, no painting.

The viewer asks :class:`OverlayModel` for an :class:`OverlayFrame` each time a frame is
shown and paints it; everything that decides *what* is drawn lives here so it is tested
without a widget:

* object tubes (``ObjectTube``): the box at ``t`` linearly interpolated between the two
  sampled boxes around it, only while the object is visible. Boxes further apart than the
  tube's gap threshold mean the object left the frame (nothing is drawn in the gap); after
  the last box of a run the box holds for one sampling step, so the last sampled instant is
  covered (the rule of :meth:`ObjectTube.visible_ranges`, as the timeline draws it). Face and
  person tubes from the built-in detectors form their own group ("faces") with their own
  colours; every other tube is in "tubes".
* the reframe crop window (``ReframePath.window_at``) — one path at a time: the selected
  one, else an accepted one, else the first pending one.
* the subtitle text at ``t`` (``SubtitleCue`` ranges, end exclusive).

Only accepted and pending suggestions are drawn; rejected ones are hidden. Times are exact
seconds on the asset's own clock (the clock suggestions are written in); boxes and crop
windows are normalized display coordinates (x0, y0, x1, y1 in [0, 1], origin top-left).
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from vidi_desktop.core.project.kinds import kind_info
from vidi_desktop.core.project.model import (
    ObjectTube,
    ReframePath,
    ReviewState,
    SubtitleCue,
    Suggestion,
    interpolate_window,
)

OVERLAY_NAMES: tuple[str, ...] = ("tubes", "faces", "reframe", "subtitles")
"""The overlay groups ``ViewerWidget.set_overlay_visible`` toggles."""

# Generic object tubes take their kind's colour (the timeline's); faces and people get their
# own, so an editor tells a detector's face boxes from the boxes of a request at a glance.
FACE_COLOR = "#56d364"
PERSON_COLOR = "#f2cc60"

_DEFAULT_STEP_MS = 200  # sampling step assumed for a tube whose spacing says nothing
_JITTER = 1.5  # gap tolerance over the median step when a tube carries no threshold


def tube_color() -> str:
    """Colour of generic object tubes (their kind's, as the timeline draws them)."""
    return kind_info(ObjectTube.kind).look().color


def reframe_color() -> str:
    """Colour of the reframe crop window's border (the reframe kind's)."""
    return kind_info(ReframePath.kind).look().color


@dataclass(frozen=True, slots=True)
class TubeBox:
    """One tube's box at the current time."""

    suggestion_id: str
    label: str  # the tube's query ("red car", "face")
    group: str  # "tubes" or "faces"
    color: str
    x0: float
    y0: float
    x1: float
    y1: float
    accepted: bool
    selected: bool


@dataclass(frozen=True, slots=True)
class CropWindow:
    """The reframe crop window at the current time (outside it the viewer dims)."""

    suggestion_id: str
    aspect: str
    x0: float
    y0: float
    x1: float
    y1: float
    accepted: bool


@dataclass(frozen=True, slots=True)
class Caption:
    """A subtitle cue on screen at the current time."""

    suggestion_id: str
    text: str
    accepted: bool


@dataclass(frozen=True, slots=True)
class OverlayFrame:
    """Everything to draw at one instant."""

    boxes: tuple[TubeBox, ...] = ()
    crop: CropWindow | None = None
    captions: tuple[Caption, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.boxes and self.crop is None and not self.captions


def is_shown(suggestion: Suggestion) -> bool:
    """Accepted and pending suggestions are drawn; rejected ones are not."""
    return suggestion.state is not ReviewState.REJECTED


def tube_group(suggestion: Suggestion) -> str:
    """``"faces"`` for face/person tubes of the built-in detectors, else ``"tubes"``."""
    label = _vidi_meta(suggestion).get("label")
    if label in ("face", "person"):
        return "faces"
    payload = suggestion.payload
    if isinstance(payload, ObjectTube) and payload.query in ("face", "person") and (
        "tubes" in suggestion.source or "faces" in suggestion.source
        or "people" in suggestion.source
    ):
        return "faces"
    return "tubes"


def tube_gap_rule(suggestion: Suggestion) -> tuple[int, int]:
    """``(max_gap_ms, tail_ms)`` for a tube: when boxes belong to one visible run.

    Detector tubes say it in their metadata (``bridge_ms``: boxes at most this far apart are
    one run; ``sample_ms``: the sampling step, held after a run's last box). Other tubes
    (a model's) are read from their own spacing: the sampling step is the median interval
    between boxes, and a gap longer than that step (with 50 % tolerance for jitter) means
    the object left the frame.
    """
    meta = _vidi_meta(suggestion)
    payload = suggestion.payload
    assert isinstance(payload, ObjectTube)
    step = _positive_int(meta.get("sample_ms")) or _median_step(payload)
    bridge = _positive_int(meta.get("bridge_ms")) or round(step * _JITTER)
    return bridge, step


def tube_box_at(
    tube: ObjectTube, t_ms: float, max_gap_ms: int, tail_ms: int
) -> tuple[float, float, float, float] | None:
    """The tube's box at ``t_ms``, or None when the object is not on screen then.

    Inside a run the box is interpolated linearly between the sampled boxes around
    ``t_ms``; for ``tail_ms`` after a run's last box that box holds; in a gap longer than
    ``max_gap_ms``, before the first box and after the tail of the last, there is none.
    """
    boxes = tube.boxes
    times = [b.t_ms for b in boxes]
    return _box_at(boxes, times, t_ms, max_gap_ms, tail_ms)


def _box_at(
    boxes: tuple, times: list[int], t_ms: float, max_gap_ms: int, tail_ms: int
) -> tuple[float, float, float, float] | None:
    i = bisect.bisect_right(times, t_ms) - 1  # last box at or before t
    if i < 0:
        return None
    a = boxes[i]
    if i + 1 < len(boxes):
        b = boxes[i + 1]
        if b.t_ms - a.t_ms <= max_gap_ms:
            return interpolate_window(
                (a.t_ms, a.x0, a.y0, a.x1, a.y1), (b.t_ms, b.x0, b.y0, b.x1, b.y1), t_ms
            )
    # ``a`` ends a run: the object stays for one sampling step, then it is gone.
    if t_ms == a.t_ms or t_ms < a.t_ms + tail_ms:
        return a.x0, a.y0, a.x1, a.y1
    return None


def crop_window_at(path: ReframePath, t_ms: float) -> tuple[float, float, float, float] | None:
    """The crop window at ``t_ms``; None past the path's end (``end_ms``, exclusive)."""
    if path.end_ms is not None and t_ms >= path.end_ms:
        return None
    # window_at takes integer ms; rounding down keeps a shot cut's jump on the right frame.
    return path.window_at(int(t_ms // 1))


@dataclass
class _Tube:
    suggestion: Suggestion
    payload: ObjectTube
    times: list[int]
    max_gap_ms: int
    tail_ms: int
    group: str
    color: str


@dataclass
class OverlayModel:
    """The drawable suggestions of one asset, indexed for fast queries at any time.

    Build it again when the project or the selection changes (cheap: one pass over the
    asset's suggestions); query it with :meth:`at` for every frame shown.
    """

    suggestions: tuple[Suggestion, ...] = ()
    selected: str = ""
    _tubes: list[_Tube] = field(default_factory=list, init=False, repr=False)
    _cue_starts: list[Fraction] = field(default_factory=list, init=False, repr=False)
    _cues: list[tuple[Suggestion, SubtitleCue]] = field(
        default_factory=list, init=False, repr=False
    )
    _max_cue: Fraction = field(default=Fraction(0), init=False, repr=False)
    _paths: list[Suggestion] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        generic, face, person = tube_color(), FACE_COLOR, PERSON_COLOR
        cues: list[tuple[Fraction, Suggestion, SubtitleCue]] = []
        for s in self.suggestions:
            if not is_shown(s):
                continue
            p = s.payload
            if isinstance(p, ObjectTube):
                group = tube_group(s)
                color = generic
                if group == "faces":
                    is_person = _vidi_meta(s).get("label") == "person" or p.query == "person"
                    color = person if is_person else face
                gap, tail = tube_gap_rule(s)
                self._tubes.append(
                    _Tube(s, p, [b.t_ms for b in p.boxes], gap, tail, group, color)
                )
            elif isinstance(p, SubtitleCue):
                cues.append((p.range.start.seconds, s, p))
                self._max_cue = max(self._max_cue, p.range.duration.seconds)
            elif isinstance(p, ReframePath):
                self._paths.append(s)
        cues.sort(key=lambda c: c[0])
        self._cue_starts = [c[0] for c in cues]
        self._cues = [(s, p) for _, s, p in cues]

    @classmethod
    def for_asset(
        cls, suggestions: Iterable[Suggestion], asset_id: str, selected: str = ""
    ) -> OverlayModel:
        """The model of one asset's suggestions (other assets' are left out)."""
        return cls(tuple(s for s in suggestions if s.asset_id == asset_id), selected)

    def at(
        self,
        seconds: Fraction,
        visible: Iterable[str] = OVERLAY_NAMES,
        until: Fraction | None = None,
    ) -> OverlayFrame:
        """What to draw at ``seconds``, for the overlay groups in ``visible``.

        ``until`` is the end of the frame on screen: a subtitle that starts inside the frame
        shows on it (an NLE shows a cue from the first frame it touches), not one frame late.
        """
        show = set(visible)
        t_ms = float(seconds * 1000)
        boxes: list[TubeBox] = []
        for tube in self._tubes:
            if tube.group not in show:
                continue
            box = _box_at(tube.payload.boxes, tube.times, t_ms, tube.max_gap_ms, tube.tail_ms)
            if box is None:
                continue
            s = tube.suggestion
            boxes.append(
                TubeBox(
                    s.id, tube.payload.query or s.label, tube.group, tube.color, *box,
                    accepted=s.state is ReviewState.ACCEPTED, selected=s.id == self.selected,
                )
            )
        crop = self._crop_at(t_ms) if "reframe" in show else None
        captions = self._captions_at(seconds, until) if "subtitles" in show else ()
        return OverlayFrame(tuple(boxes), crop, captions)

    def _crop_at(self, t_ms: float) -> CropWindow | None:
        path = _pick_path(self._paths, self.selected)
        if path is None:
            return None
        payload = path.payload
        assert isinstance(payload, ReframePath)
        window = crop_window_at(payload, t_ms)
        if window is None:
            return None
        return CropWindow(
            path.id, payload.aspect, *window, accepted=path.state is ReviewState.ACCEPTED
        )

    def _captions_at(
        self, seconds: Fraction, until: Fraction | None = None
    ) -> tuple[Caption, ...]:
        # Cues are sorted by start; only those starting in the last ``_max_cue`` seconds
        # can still be on screen, so the scan stays short however many cues there are.
        end = until if until is not None and until > seconds else None
        if end is None:
            hi = bisect.bisect_right(self._cue_starts, seconds)
        else:
            hi = bisect.bisect_left(self._cue_starts, end)
        lo = bisect.bisect_left(self._cue_starts, seconds - self._max_cue)
        out = []
        for s, cue in self._cues[lo:hi]:
            start, stop = cue.range.start.seconds, cue.range.end_exclusive.seconds
            on = (start <= seconds < stop) if end is None else (start < end and stop > seconds)
            if on:
                out.append(Caption(s.id, cue.text, s.state is ReviewState.ACCEPTED))
        return tuple(out)


def _pick_path(paths: list[Suggestion], selected: str) -> Suggestion | None:
    """The crop path to show: the selected one, else an accepted one, else the first."""
    if not paths:
        return None
    for s in paths:
        if s.id == selected:
            return s
    for s in paths:
        if s.state is ReviewState.ACCEPTED:
            return s
    return paths[0]


def _vidi_meta(suggestion: Suggestion) -> dict:
    meta = suggestion.metadata.get("vidi") if isinstance(suggestion.metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def _positive_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return 0
    return int(value)


def _median_step(tube: ObjectTube) -> int:
    gaps = [b.t_ms - a.t_ms for a, b in zip(tube.boxes, tube.boxes[1:], strict=False)]
    return max(1, round(statistics.median(gaps))) if gaps else _DEFAULT_STEP_MS
