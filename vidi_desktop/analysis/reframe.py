"""Reframe: a smooth crop path to another aspect ratio (9:16, 1:1, 4:5…) that keeps the subject.

The subject, shot by shot: the most present face or person tube (largest and most often seen
in that shot), else where things move (:class:`MotionSaliencyAnalyser`, computed on the
shared decode pass), else the centre. The window follows it like a camera operator would:

* **dead zone** — while the subject stays within ``dead_zone`` of the window's size from
  where the window looks, the window does not move at all (a still speaker gives a
  constant path, whatever the detector's wobble);
* **easing** — beyond it, the window closes the distance exponentially (``ease_s``), then a
  centred moving average (``smooth_s``) rounds the starts and stops;
* **keep in view** — if the subject's box would still leave the window, the window is
  pushed to keep it inside (when it fits);
* **speed limit** — inside a shot the window never pans faster than ``max_speed`` frame
  widths (heights) a second, so it never jumps; it may jump only at a shot cut, where each
  shot starts framed on its own subject;
* clamped inside the frame.

Everything is in normalized display coordinates (SAR and rotation applied, the same space
as the detectors' boxes), so the window's size follows from the display size: a 9:16 window
on 16:9 footage is the full height and 0.316 of the width.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vidi_desktop.analysis.base import EveryNth
from vidi_desktop.analysis.tubes import Tube
from vidi_desktop.core.errors import MissingStreamError, VidiError
from vidi_desktop.core.project.model import CropKeyframe, ReframePath, Suggestion
from vidi_desktop.core.time import Time

if TYPE_CHECKING:
    import numpy as np

    from vidi_desktop.media.decode import DecodedFrame
    from vidi_desktop.media.probe import MediaInfo

ASPECTS: tuple[str, ...] = ("9:16", "1:1", "4:5", "4:3", "16:9")
"""Aspect ratios offered in the UI; any ``"W:H"`` of positive whole numbers works."""


class ReframeError(VidiError, ValueError):
    """A reframe request that cannot be met (bad aspect ratio, bad settings)."""


def parse_aspect(aspect: str) -> tuple[int, int]:
    """``"9:16"`` → ``(9, 16)``; anything else raises :class:`ReframeError`."""
    parts = aspect.split(":") if isinstance(aspect, str) else []
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ReframeError(f"aspect ratio must look like 9:16, got {aspect!r}")
    return int(parts[0]), int(parts[1])


def window_size(aspect: str, display_size: tuple[int, int]) -> tuple[float, float]:
    """The largest ``aspect`` window inside a ``display_size`` frame, as fractions of it."""
    aw, ah = parse_aspect(aspect)
    dw, dh = display_size
    if dw <= 0 or dh <= 0:
        raise ReframeError(f"cannot reframe a {dw}x{dh} picture")
    target = aw / ah
    frame = dw / dh
    if target <= frame:  # narrower than the frame: full height
        return target / frame, 1.0
    return 1.0, frame / target


# -- motion saliency ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MotionSample:
    """Where the picture changed since the previous sample: centroid, share and spread.

    ``energy`` is the share of the picture that changed; ``spread`` the standard deviation
    of the changed pixels' positions (normalized): large when the whole picture changes (a
    pan, a cut, a flash), small when one thing moves.
    """

    t_ms: int
    cx: float
    cy: float
    energy: float
    spread: float


@dataclass
class MotionSaliency:
    """What :class:`MotionSaliencyAnalyser` returns."""

    samples: list[MotionSample] = field(default_factory=list)
    skipped: str | None = None
    _times: list[int] = field(default_factory=list, repr=False, compare=False)

    def at(
        self,
        t_ms: int,
        window_ms: int = 300,
        min_energy: float = 0.002,
        max_spread: float = 0.3,
        within: tuple[int, int] | None = None,
    ) -> tuple[float, float] | None:
        """Energy-weighted centre of local motion within ``window_ms`` of ``t_ms``, or None.

        ``within`` (start, end exclusive, ms) keeps the look-up inside one shot.
        """
        import bisect

        if len(self._times) != len(self.samples):  # built once, not per look-up
            self._times = [s.t_ms for s in self.samples]
        times = self._times
        first, last = t_ms - window_ms, t_ms + window_ms
        if within is not None:
            first, last = max(first, within[0]), min(last, within[1] - 1)
        lo = bisect.bisect_left(times, first)
        hi = bisect.bisect_right(times, last)
        total = sx = sy = 0.0
        for s in self.samples[lo:hi]:
            if s.energy >= min_energy and s.spread <= max_spread:
                total += s.energy
                sx += s.energy * s.cx
                sy += s.energy * s.cy
        if total <= 0:
            return None
        return sx / total, sy / total


class MotionSaliencyAnalyser:
    """A :class:`FrameAnalyser`: frame differences on small gray pictures, ~5 a second."""

    name = "motion"

    def __init__(self, per_second: float = 5.0, max_side: int = 160, threshold: int = 20) -> None:
        self.max_side = max_side
        self.threshold = threshold  # gray levels a pixel must change by to count as motion
        self._sampler = EveryNth(per_second)
        self._prev: np.ndarray | None = None
        self._result = MotionSaliency()

    def begin(self, info: MediaInfo) -> None:
        self._prev = None
        self._result = MotionSaliency()
        if info.video is None:
            self._result.skipped = f"{info.path.name}: no video stream, motion skipped"
            return
        self._sampler.begin(info)

    def wants(self, index: int) -> bool:
        return self._result.skipped is None and self._sampler(index)

    def feed(self, frame: DecodedFrame) -> None:
        import numpy as np

        gray = frame.image("gray", self.max_side).astype(np.int16)
        prev, self._prev = self._prev, gray
        if prev is None or prev.shape != gray.shape:
            return
        diff = np.abs(gray - prev)
        mask = diff > self.threshold
        count = int(mask.sum())
        h, w = gray.shape
        t_ms = frame.time.to_ms()
        if count == 0:
            self._result.samples.append(MotionSample(t_ms, 0.5, 0.5, 0.0, 0.0))
            return
        ys, xs = np.nonzero(mask)
        weights = diff[ys, xs].astype(np.float64)
        nx = (xs + 0.5) / w
        ny = (ys + 0.5) / h
        cx = float(np.average(nx, weights=weights))
        cy = float(np.average(ny, weights=weights))
        spread = float(
            math.sqrt(
                np.average((nx - cx) ** 2, weights=weights)
                + np.average((ny - cy) ** 2, weights=weights)
            )
        )
        self._result.samples.append(MotionSample(t_ms, cx, cy, count / (w * h), spread))

    def finish(self) -> MotionSaliency:
        self._prev = None
        return self._result


# -- the crop path -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReframeSettings:
    """How the window follows its subject (see the module docstring)."""

    step_ms: int = 100  # the path is computed at this interval, then thinned to keyframes
    dead_zone: float = 0.1  # fraction of the window's size the subject may drift unfollowed
    ease_s: float = 0.4  # time constant of the follow
    smooth_s: float = 0.6  # width of the centred moving average
    max_speed: float = 0.8  # frame widths (or heights) a second, at most, within a shot
    headroom: float = 0.38  # where a face sits in the window, from its top (0..1)
    tolerance: float = 0.002  # keyframes are kept where the path bends by more than this
    max_keyframe_gap_ms: int = 2000  # and at least this often while it moves

    def __post_init__(self) -> None:
        if self.step_ms <= 0:
            raise ReframeError("step_ms must be positive")
        if not 0 <= self.dead_zone < 0.5:
            raise ReframeError("dead_zone must be within [0, 0.5)")
        if self.ease_s < 0 or self.smooth_s < 0 or self.max_speed <= 0:
            raise ReframeError("ease_s and smooth_s must be >= 0 and max_speed > 0")


@dataclass(frozen=True, slots=True)
class CropPath:
    """A computed crop path: keyframes, the cuts it may jump at, and what it followed."""

    aspect: str
    keyframes: tuple[CropKeyframe, ...]
    cuts_ms: tuple[int, ...]
    end_ms: int
    subjects: tuple[str, ...]  # per shot: "face", "person", "motion" or "centre"

    def to_payload(self) -> ReframePath:
        return ReframePath(self.aspect, self.keyframes, self.cuts_ms, self.end_ms)

    def window_at(self, t_ms: int) -> tuple[float, float, float, float]:
        """The crop window at ``t_ms`` (linear between keyframes, steps at cuts)."""
        return self.to_payload().window_at(t_ms)


def _ms(t: Time | int) -> int:
    return t.to_ms() if isinstance(t, Time) else int(t)


def crop_path(
    tubes: Sequence[Tube] | None,
    info: MediaInfo,
    aspect: str = "9:16",
    *,
    saliency: MotionSaliency | None = None,
    shot_cuts: Sequence[Time | int] = (),
    settings: ReframeSettings | None = None,
) -> CropPath:
    """A smooth crop window over the whole asset that keeps the subject in view.

    ``tubes`` are face/person tubes (the subject), ``saliency`` the fallback where a shot
    has none, ``shot_cuts`` the shot boundaries (:class:`Time` or ms) — the only instants
    the window may jump. Raises :class:`MissingStreamError` for a file without video.
    """
    settings = settings or ReframeSettings()
    if info.video is None:
        raise MissingStreamError(f"{info.path.name}: no video stream, nothing to reframe")
    ww, wh = window_size(aspect, info.video.display_size)
    start = math.floor(info.start_time * 1000)
    end = max(start + 1, math.ceil((info.start_time + info.duration) * 1000))
    cuts = sorted({c for c in (_ms(x) for x in shot_cuts) if start < c < end})
    bounds = [start, *cuts, end]
    keyframes: list[CropKeyframe] = []
    subjects: list[str] = []
    for seg_start, seg_end in itertools.pairwise(bounds):
        times = list(range(seg_start, seg_end, settings.step_ms))
        if seg_end - 1 > times[-1]:
            times.append(seg_end - 1)  # the path reaches the shot's last millisecond
        kind, targets, boxes = _targets(tubes or (), saliency, times, ww, wh, settings)
        subjects.append(kind)
        xs = _follow(
            [t[0] for t in targets], [b and (b[0], b[2]) for b in boxes], ww, times, settings
        )
        ys = _follow(
            [t[1] for t in targets], [b and (b[1], b[3]) for b in boxes], wh, times, settings
        )
        path = [
            (
                t,
                round(x - ww / 2, 5),
                round(y - wh / 2, 5),
                round(x + ww / 2, 5),
                round(y + wh / 2, 5),
            )
            for t, x, y in zip(times, xs, ys, strict=True)
        ]
        keyframes.extend(_thin(path, settings))
    return CropPath(aspect, tuple(_clean(k) for k in keyframes), tuple(cuts), end, tuple(subjects))


def _clean(k: CropKeyframe) -> CropKeyframe:
    """Rounding may push a coordinate a hair past the frame: clamp it."""
    t, x0, y0, x1, y1 = k
    return t, max(0.0, x0), max(0.0, y0), min(1.0, x1), min(1.0, y1)


Box4 = tuple[float, float, float, float]


def _targets(
    tubes: Sequence[Tube],
    saliency: MotionSaliency | None,
    times: list[int],
    ww: float,
    wh: float,
    settings: ReframeSettings,
) -> tuple[str, list[tuple[float, float]], list[Box4 | None]]:
    """Where the window's centre should be at each time, and the subject's box if known."""
    seg_start, seg_end = times[0], times[-1] + 1
    in_shot = [t for t in tubes if t.boxes[-1][0] >= seg_start and t.boxes[0][0] < seg_end]
    centre = [(0.5, 0.5)] * len(times)
    if in_shot:

        def weight(t: Tube) -> float:
            inside = [b for b in t.boxes if seg_start <= b[0] < seg_end]
            return sum(math.sqrt(max(0.0, (b[3] - b[1]) * (b[4] - b[2]))) * b[5] for b in inside)

        ranked = sorted(in_shot, key=weight, reverse=True)
        primary = ranked[0]
        raw: list[tuple[float, float] | None] = []
        boxes: list[Box4 | None] = []
        for t in times:
            box = primary.box_at(t)
            if box is None:  # the subject is away: frame whoever is biggest meanwhile
                others = [b for b in (o.box_at(t) for o in ranked[1:]) if b is not None]
                box = max(others, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), default=None)
            boxes.append(box)
            if box is None:
                raw.append(None)
                continue
            label = primary.label
            # Point of interest: a face's centre, a person's head (top tenth of the box).
            px = (box[0] + box[2]) / 2
            py = (box[1] + box[3]) / 2 if label == "face" else box[1] + 0.1 * (box[3] - box[1])
            raw.append((px, py + (0.5 - settings.headroom) * wh))
        if any(r is not None for r in raw):
            return primary.label, _hold(raw), boxes
    if saliency is not None:
        raw = [saliency.at(t, within=(seg_start, seg_end)) for t in times]
        if any(r is not None for r in raw):
            return "motion", _hold(raw), [None] * len(times)
    return "centre", centre, [None] * len(times)


def _hold(values: list[tuple[float, float] | None]) -> list[tuple[float, float]]:
    """Fill gaps with the last known value (leading gaps with the first known one)."""
    first = next(v for v in values if v is not None)
    out: list[tuple[float, float]] = []
    last = first
    for v in values:
        if v is not None:
            last = v
        out.append(last)
    return out


def _follow(
    targets: list[float],
    spans: list[tuple[float, float] | None],
    size: float,
    times: list[int],
    settings: ReframeSettings,
) -> list[float]:
    """One axis of the window's centre over one shot (see the module docstring)."""
    lo, hi = size / 2, 1 - size / 2
    if hi - lo < 1e-9:  # the window spans the whole axis: nothing to follow
        return [0.5] * len(targets)

    def clamp(v: float) -> float:
        return min(hi, max(lo, v))

    dead = settings.dead_zone * size
    cam = clamp(targets[0])
    path: list[float] = []
    prev_t = times[0]
    for t, target in zip(times, targets, strict=True):
        dt = (t - prev_t) / 1000
        prev_t = t
        err = clamp(target) - cam
        if abs(err) > dead:
            alpha = 1 - math.exp(-dt / settings.ease_s) if settings.ease_s > 0 else 1.0
            cam += (err - math.copysign(dead, err)) * alpha
        path.append(cam)
    path = _smooth(path, max(0, round(settings.smooth_s * 500 / settings.step_ms)))
    # Keep the subject's box inside the window when it fits.
    for i, span in enumerate(spans):
        if span is not None and span[1] - span[0] <= size:
            if span[0] < path[i] - size / 2:
                path[i] = span[0] + size / 2
            elif span[1] > path[i] + size / 2:
                path[i] = span[1] - size / 2
    # Speed limit, forwards then backwards so neither end is favoured.
    for order in (range(1, len(path)), range(len(path) - 2, -1, -1)):
        for i in order:
            j = i - 1 if order.step == 1 else i + 1
            limit = settings.max_speed * abs(times[i] - times[j]) / 1000
            path[i] = min(path[j] + limit, max(path[j] - limit, path[i]))
    return [clamp(v) for v in path]


def _smooth(values: list[float], radius: int) -> list[float]:
    """Centred moving average over ``2·radius + 1`` samples (ends padded by repetition)."""
    if radius <= 0 or len(values) < 3:
        return list(values)
    n = len(values)
    padded = [values[0]] * radius + values + [values[-1]] * radius
    window = 2 * radius + 1
    out: list[float] = []
    acc = sum(padded[:window])
    for i in range(n):
        out.append(acc / window)
        if i + window < len(padded):
            acc += padded[i + window] - padded[i]
    # A constant stretch must stay exactly constant (float sums drift in the last bits).
    return [values[i] if _flat(values, i, radius) else v for i, v in enumerate(out)]


def _flat(values: list[float], i: int, radius: int) -> bool:
    lo, hi = max(0, i - radius), min(len(values), i + radius + 1)
    first = values[lo]
    return all(v == first for v in values[lo:hi])


def _thin(path: list[CropKeyframe], settings: ReframeSettings) -> list[CropKeyframe]:
    """Fewest keyframes whose linear interpolation stays within ``tolerance`` of the path.

    Greedy: a chord is stretched while every step it skips stays within tolerance, and for
    at most ``max_keyframe_gap_ms`` unless the path stands still (costs O(n) per shot).
    """
    if len(path) <= 2:
        return path
    cap = max(2, settings.max_keyframe_gap_ms // settings.step_ms)
    kept = [path[0]]
    anchor = 0
    still = True  # every step since the anchor equals it
    i = 2
    while i < len(path):
        a, b = path[anchor], path[i]
        still = still and path[i - 1][1:] == a[1:]
        ok = still and b[1:] == a[1:]
        if not ok and i - anchor <= cap:
            ok = all(
                abs(path[j][k] - (a[k] + (path[j][0] - a[0]) / (b[0] - a[0]) * (b[k] - a[k])))
                <= settings.tolerance
                for j in range(anchor + 1, i)
                for k in range(1, 5)
            )
        if ok:
            i += 1
            continue
        anchor = i - 1
        kept.append(path[anchor])
        still = True
        i = anchor + 2
    kept.append(path[-1])
    return kept


def reframe_suggestion(asset_id: str, path: CropPath, source: str = "reframe") -> Suggestion:
    """The crop path as a reviewable suggestion (rendered by the exporters)."""
    return Suggestion.new(
        asset_id,
        path.to_payload(),
        source,
        label=f"Reframe {path.aspect}",
        metadata={"vidi": {"subjects": list(path.subjects)}},
    )
