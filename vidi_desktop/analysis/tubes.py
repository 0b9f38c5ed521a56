"""Detections linked over time into tubes: one tube per face or person, with gaps.

Detectors (``faces``, ``people``) run a few times a second and report boxes per sampled
frame. :func:`link_tubes` turns those samples into tubes with a small tracking-by-detection
loop: each live track predicts where its object is now (constant velocity), detections are
matched to tracks greedily by overlap with the prediction, centre distance and colour
appearance, unmatched detections open new tracks, and a track that finds nothing for longer
than ``max_gap_ms`` ends. Afterwards, a track that ended and one that began soon after with
the same appearance are joined into one tube (the object left the frame, or was occluded for
longer, and came back). Tubes never run across a shot cut, and tubes seen fewer than
``min_hits`` times are dropped (detector noise).

Rules for gaps: a tube keeps only real detections (no invented boxes); its visible ranges
derive from the boxes — boxes at most ``bridge_ms`` apart belong to one run, a longer gap
means the object was not on screen (left the frame, was hidden, or the detector lost it).

The rules are written for ~5 samples a second; sparser sampling (the default analysis looks
for faces twice a second) stretches every time in them and lowers the sightings needed by
the same factor (:func:`sampling_scale`): a tube keeps its ``bridge_ms`` (one missed sample
bridged), which :meth:`Tube.visible_ranges` and :meth:`Tube.box_at` use unless told
otherwise. At 4 samples a second or more nothing changes.

No visual tracker runs between samples: OpenCV 4.x's ``TrackerMIL`` costs ~27 ms per object
per frame on a 640×360 picture, against ~40-90 ms for one CenterFace pass over all faces of
a sample, so tracking every frame between 5 fps samples would cost several times the
detection for little gain — :meth:`Tube.box_at` interpolates between samples instead.

Only numpy here: association is pure arithmetic, so it is unit-tested on synthetic
detections without decoding anything.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.project.model import Box, ObjectTube, Suggestion, interpolate_window
from vidi_desktop.core.time import Time, TimeRange

if TYPE_CHECKING:
    import numpy as np

BoxTuple = tuple[int, float, float, float, float, float]
"""``(t_ms, x0, y0, x1, y1, score)``: a normalized display-coordinate box at an instant."""

DEFAULT_BRIDGE_MS = 500
"""Boxes at most this far apart are one visible run (one missed sample at 5 fps is bridged)."""


def sampling_scale(sample_ms: int) -> float:
    """How much sparser than the ~5 samples a second the linking rules are written for:
    1.0 at 4 samples a second or more (or unknown, ``sample_ms`` 0), 2.0 at 2 a second."""
    return max(1.0, sample_ms / 250) if sample_ms > 0 else 1.0


@dataclass(frozen=True, slots=True, eq=False)
class Detection:
    """One box found in one sampled frame, in normalized display coordinates (x right, y down).

    ``appearance`` is an L1-normalised colour histogram of the box's pixels (None when the
    detector did not compute one); it helps keep identities apart and rejoin a tube after a
    gap.
    """

    t_ms: int
    x0: float
    y0: float
    x1: float
    y1: float
    score: float
    appearance: np.ndarray | None = field(default=None, repr=False)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    def as_tuple(self) -> BoxTuple:
        return (self.t_ms, self.x0, self.y0, self.x1, self.y1, self.score)


@dataclass(frozen=True, slots=True)
class Sample:
    """One sampled frame and what the detector found in it (possibly nothing)."""

    index: int
    time: Time
    detections: tuple[Detection, ...] = ()

    @property
    def t_ms(self) -> int:
        return self.time.to_ms()


@dataclass
class DetectionRun:
    """What a detector analyser returns: every sampled frame with its detections.

    ``skipped`` says why nothing was analysed (an audio-only file), ``stopped`` where and
    why the pass ended early (a damaged file: what decoded was analysed); ``seconds`` is
    the time spent in the detector itself, for speed reports.
    """

    label: str
    backend: str
    samples: list[Sample] = field(default_factory=list)
    skipped: str | None = None
    stopped: str | None = None
    seconds: float = 0.0
    size: tuple[int, int] | None = None  # the analysed picture's width and height

    @property
    def ms_per_frame(self) -> float:
        """Mean detector time per sampled frame, in milliseconds."""
        return 1000.0 * self.seconds / len(self.samples) if self.samples else 0.0

    @property
    def sample_ms(self) -> int:
        """Typical interval between samples (median), in milliseconds (0 with < 2 samples)."""
        if len(self.samples) < 2:
            return 0
        gaps = [b.t_ms - a.t_ms for a, b in zip(self.samples, self.samples[1:], strict=False)]
        return int(statistics.median(gaps))

    @property
    def detections(self) -> int:
        return sum(len(s.detections) for s in self.samples)


@dataclass(frozen=True, slots=True)
class Tube:
    """One object over time: ``boxes`` sorted by time, one per instant it was detected.

    ``confidence`` (0..1) grows with the detector's scores and with how often the object was
    seen. Times are integer milliseconds on the asset's timeline (the frames' pts).
    """

    label: str
    boxes: tuple[BoxTuple, ...]
    confidence: float
    bridge_ms: int = DEFAULT_BRIDGE_MS  # boxes at most this far apart are one visible run

    @property
    def start_ms(self) -> int:
        return self.boxes[0][0]

    @property
    def end_ms(self) -> int:
        return self.boxes[-1][0]

    @property
    def hits(self) -> int:
        return len(self.boxes)

    def mean_area(self) -> float:
        return sum((b[3] - b[1]) * (b[4] - b[2]) for b in self.boxes) / len(self.boxes)

    def visible_ranges(
        self, bridge_ms: int | None = None, tail_ms: int = 0
    ) -> tuple[TimeRange, ...]:
        """Where the object is on screen: runs of boxes at most ``bridge_ms`` apart (the
        tube's own :attr:`bridge_ms` when None).

        Each run spans its first box to its last plus ``tail_ms`` (pass the sampling
        interval to cover the last sampled instant). Same rule as
        :meth:`ObjectTube.visible_ranges`.
        """
        bridge = self.bridge_ms if bridge_ms is None else bridge_ms
        return self.to_payload().visible_ranges(bridge, tail_ms)

    def box_at(
        self, t_ms: int, bridge_ms: int | None = None
    ) -> tuple[float, float, float, float] | None:
        """The box at ``t_ms``, linearly interpolated between samples inside a visible run
        (gaps up to ``bridge_ms``, the tube's own when None); None outside."""
        bridge_ms = self.bridge_ms if bridge_ms is None else bridge_ms
        boxes = self.boxes
        if t_ms < boxes[0][0] or t_ms > boxes[-1][0]:
            return None
        lo, hi = 0, len(boxes) - 1
        while hi - lo > 1:  # binary search: boxes are sorted by time
            mid = (lo + hi) // 2
            if boxes[mid][0] <= t_ms:
                lo = mid
            else:
                hi = mid
        a, b = boxes[lo], boxes[hi]
        if a[0] == t_ms or lo == hi:
            return a[1], a[2], a[3], a[4]
        if b[0] == t_ms:
            return b[1], b[2], b[3], b[4]
        if b[0] - a[0] > bridge_ms:
            return None
        return interpolate_window(a, b, t_ms)

    def to_payload(self) -> ObjectTube:
        """The tube as a project payload (boxes clamped into the frame, times in ms)."""
        return ObjectTube(self.label, tuple(Box.clamped(*b[:5]) for b in self.boxes))

    def to_json(self) -> dict[str, Any]:
        """The ``analyze --json`` form: ``{"label", "boxes": [{"t": s, "x0"…}], …}``."""
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "boxes": [
                {
                    "t": b[0] / 1000,
                    "x0": round(b[1], 5),
                    "y0": round(b[2], 5),
                    "x1": round(b[3], 5),
                    "y1": round(b[4], 5),
                    "score": round(b[5], 4),
                }
                for b in self.boxes
            ],
        }


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """Knobs of :func:`link_tubes`; the defaults suit detections sampled at ~5 fps."""

    iou_min: float = 0.1  # overlap with the predicted box that counts as the same object
    max_dist: float = 1.0  # centre distance (in box sizes) allowed when the overlap is low
    appearance_min: float = 0.6  # colour similarity needed for a match on distance alone
    max_gap_ms: int = 1000  # a track unmatched this long ends (bridges short occlusions)
    relink_ms: int = 4000  # an ended track may be joined to one starting this soon after
    relink_similarity: float = 0.8  # colour similarity needed to join across a gap
    min_hits: int = 3  # tubes seen fewer times are dropped as detector noise
    max_size_ratio: float = 2.5  # a match may not grow or shrink the box more than this

    @classmethod
    def for_sampling(cls, sample_ms: int) -> LinkSettings:
        """The defaults for detections ``sample_ms`` apart: the gap a track survives
        stretched by :func:`sampling_scale`, the sightings needed lowered by it (at least 2)."""
        scale = sampling_scale(sample_ms)
        return cls(max_gap_ms=round(1000 * scale), min_hits=max(2, round(3 / scale)))


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two ``(x0, y0, x1, y1)`` boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def similarity(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    """Bhattacharyya coefficient of two normalised histograms (1 = same); None if unknown."""
    if a is None or b is None:
        return None
    import numpy as np

    return float(np.sum(np.sqrt(a * b)))


class _Track:
    """A tube being built: its detections so far and a constant-velocity motion model."""

    __slots__ = ("appearance", "dets", "segment", "vx", "vy")

    def __init__(self, det: Detection, segment: int) -> None:
        self.dets: list[Detection] = [det]
        self.vx = 0.0  # centre velocity, normalized units per ms
        self.vy = 0.0
        self.appearance = det.appearance
        self.segment = segment

    @property
    def last(self) -> Detection:
        return self.dets[-1]

    def predict(self, t_ms: int) -> tuple[float, float, float, float]:
        last = self.last
        # Extrapolate at most one second: beyond that a velocity guess is worse than none.
        dt = min(t_ms - last.t_ms, 1000)
        dx, dy = self.vx * dt, self.vy * dt
        return last.x0 + dx, last.y0 + dy, last.x1 + dx, last.y1 + dy

    def add(self, det: Detection) -> None:
        last = self.last
        dt = det.t_ms - last.t_ms
        if dt > 0:
            # Smoothed velocity: detector boxes wobble by a few pixels from frame to frame.
            vx, vy = (det.cx - last.cx) / dt, (det.cy - last.cy) / dt
            k = 0.5 if len(self.dets) > 1 else 1.0
            self.vx += k * (vx - self.vx)
            self.vy += k * (vy - self.vy)
        if det.appearance is not None:
            if self.appearance is None:
                self.appearance = det.appearance
            else:
                self.appearance = 0.8 * self.appearance + 0.2 * det.appearance
        self.dets.append(det)


def _match_score(track: _Track, det: Detection, settings: LinkSettings) -> float | None:
    """How well ``det`` continues ``track`` (higher is better), or None if it cannot."""
    pred = track.predict(det.t_ms)
    last = track.last
    area_t = max(1e-9, last.w * last.h)
    area_d = max(1e-9, det.w * det.h)
    ratio = max(area_t, area_d) / min(area_t, area_d)
    if ratio > settings.max_size_ratio**2:
        return None
    overlap = iou(pred, (det.x0, det.y0, det.x1, det.y1))
    size = max(math.sqrt(area_t), math.sqrt(area_d))
    pcx, pcy = (pred[0] + pred[2]) / 2, (pred[1] + pred[3]) / 2
    dist = math.hypot(det.cx - pcx, det.cy - pcy) / size
    app = similarity(track.appearance, det.appearance)
    if overlap < settings.iou_min:
        if dist > settings.max_dist:
            return None
        if app is not None and app < settings.appearance_min:
            return None
    # Overlap with the prediction dominates; colour breaks ties between crossing objects.
    return overlap - 0.25 * min(dist, 2.0) + (0.5 * app if app is not None else 0.25)


def _segment_of(t_ms: int, cuts: Sequence[int]) -> int:
    """Number of cuts at or before ``t_ms``: samples in one shot share a segment."""
    lo, hi = 0, len(cuts)
    while lo < hi:
        mid = (lo + hi) // 2
        if cuts[mid] <= t_ms:
            lo = mid + 1
        else:
            hi = mid
    return lo


def link_tubes(
    samples: Iterable[Sample] | DetectionRun,
    label: str | None = None,
    *,
    cuts_ms: Sequence[int | Time] = (),
    settings: LinkSettings | None = None,
) -> list[Tube]:
    """Link per-sample detections into tubes (see the module docstring for the rules).

    ``samples`` is a :class:`DetectionRun` or its samples in time order; ``cuts_ms`` are
    shot boundaries (ms or :class:`Time`) no tube crosses. ``settings`` default to
    :meth:`LinkSettings.for_sampling` of the samples' interval. Tubes come out sorted by
    start.
    """
    if isinstance(samples, DetectionRun):
        label = label or samples.label
        samples = samples.samples
    samples = list(samples)
    sample_ms = DetectionRun("", "", samples).sample_ms
    scale = sampling_scale(sample_ms)
    settings = settings or LinkSettings.for_sampling(sample_ms)
    label = label or "object"
    cuts = sorted(c.to_ms() if isinstance(c, Time) else int(c) for c in cuts_ms)
    live: list[_Track] = []
    ended: list[_Track] = []
    prev_t: int | None = None
    for sample in samples:
        t = sample.t_ms
        if prev_t is not None and t < prev_t:
            raise ValueError(f"samples must be in time order ({t} ms after {prev_t} ms)")
        prev_t = t
        segment = _segment_of(t, cuts)
        # End tracks that lost their object too long ago, or that belong to an earlier shot.
        still: list[_Track] = []
        for tr in live:
            if tr.segment != segment or t - tr.last.t_ms > settings.max_gap_ms:
                ended.append(tr)
            else:
                still.append(tr)
        live = still
        # Greedy assignment, best pairs first: with a handful of objects a frame it matches
        # what an optimal assignment gives, without needing scipy.
        pairs: list[tuple[float, int, int]] = []
        for ti, tr in enumerate(live):
            for di, det in enumerate(sample.detections):
                score = _match_score(tr, det, settings)
                if score is not None:
                    pairs.append((score, ti, di))
        pairs.sort(key=lambda p: -p[0])
        used_t: set[int] = set()
        used_d: set[int] = set()
        for _, ti, di in pairs:
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            live[ti].add(sample.detections[di])
        for di, det in enumerate(sample.detections):
            if di not in used_d:
                live.append(_Track(det, segment))
    ended.extend(live)
    chains = _relink(ended, settings)
    tubes = [_to_tube(label, chain, scale) for chain in chains]
    tubes = [t for t in tubes if t.hits >= settings.min_hits]
    tubes.sort(key=lambda t: (t.start_ms, t.boxes[0][1]))
    return tubes


def _relink(tracks: list[_Track], settings: LinkSettings) -> list[list[Detection]]:
    """Join a track that ended to a later one that looks the same (it came back)."""
    tracks = sorted(tracks, key=lambda tr: tr.dets[0].t_ms)
    chains: list[tuple[_Track, list[Detection]]] = []  # (last track of the chain, dets)
    for tr in tracks:
        start = tr.dets[0]
        candidates: list[tuple[float, int]] = []
        for ci, (tail, _) in enumerate(chains):
            gap = start.t_ms - tail.last.t_ms
            if tail.segment != tr.segment or gap <= 0 or gap > settings.relink_ms:
                continue
            sim = similarity(tail.appearance, tr.appearance)
            if sim is None or sim < settings.relink_similarity:
                continue
            a = tail.last.w * tail.last.h
            b = start.w * start.h
            if max(a, b) > settings.max_size_ratio**2 * max(min(a, b), 1e-9):
                continue
            candidates.append((sim, ci))
        candidates.sort(reverse=True)
        # Two chains look alike: rather two tubes than one tube that swaps people.
        if candidates and (len(candidates) == 1 or candidates[0][0] - candidates[1][0] > 0.05):
            ci = candidates[0][1]
            chains[ci] = (tr, chains[ci][1] + tr.dets)
        else:
            chains.append((tr, list(tr.dets)))
    return [dets for _, dets in chains]


def _to_tube(label: str, dets: list[Detection], scale: float = 1.0) -> Tube:
    scores = [d.score for d in dets]
    # Mean score, discounted for objects seen only a few times (1 hit: x0.18, 10 hits: x0.86
    # at ~5 samples a second; a sparser sample counts for the time it stands for).
    confidence = (sum(scores) / len(scores)) * (1.0 - math.exp(-len(dets) * scale / 5.0))
    boxes = tuple(d.as_tuple() for d in dets)
    bridge = round(DEFAULT_BRIDGE_MS * scale)
    return Tube(label, boxes, max(0.0, min(1.0, confidence)), bridge)


def tube_suggestions(
    asset_id: str,
    tubes: Sequence[Tube],
    source: str,
    *,
    bridge_ms: int | None = None,
    sample_ms: int = 0,
) -> list[Suggestion]:
    """One reviewable :class:`ObjectTube` suggestion per tube ("Face 1", "Person 2"…).

    The metadata says how to read the tube's gaps (``bridge_ms``: the tube's own when None,
    ``sample_ms``) and keeps each box's detector score, which the payload has no room for.
    """
    out: list[Suggestion] = []
    counters: dict[str, int] = {}
    for tube in tubes:
        counters[tube.label] = counters.get(tube.label, 0) + 1
        payload = tube.to_payload()
        bridge = tube.bridge_ms if bridge_ms is None else bridge_ms
        visible = payload.visible_ranges(bridge, sample_ms)
        out.append(
            Suggestion.new(
                asset_id,
                payload,
                source,
                confidence=round(tube.confidence, 4),
                label=f"{tube.label.capitalize()} {counters[tube.label]}",
                metadata={
                    "vidi": {
                        "label": tube.label,
                        "bridge_ms": bridge,
                        "sample_ms": sample_ms,
                        "scores": [round(b[5], 4) for b in tube.boxes],
                        "visible_ms": [[r.start.to_ms(), r.end_exclusive.to_ms()] for r in visible],
                    }
                },
            )
        )
    return out


def tubes_to_json(tubes: Sequence[Tube]) -> list[dict[str, Any]]:
    """The ``"tubes"`` value of ``analyze --json``."""
    return [t.to_json() for t in tubes]
